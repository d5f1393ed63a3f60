/*
 * pinetctl.c -- ask a running pinetd what it does, reload it, enable or
 * disable a service, read its metrics (pinetctl(8)).
 *
 * It speaks the control socket's protocol (daemon/supervisor/control.h):
 * one request line, an answer "ok" or "error" and text.  enable and
 * disable edit the service's drop-in file here, as root, and reload.
 *
 * Exit codes: 0 done, 1 the daemon refused (a reload's errors printed),
 * 2 usage, 3 the daemon cannot be reached or a file cannot be written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "conf.h"
#include "edit.h"

#define EX_REFUSED 1
#define EX_USAGE 2
#define EX_SYSTEM 3

static const char *sock_path = PN_DEF_CONTROL_SOCKET;

static void usage(FILE *f)
{
	fprintf(f, "usage: pinetctl [-s SOCKET] COMMAND\n"
		   "  status [--json]    services, workers, connections, counters\n"
		   "  reload             reload the configuration; print why it was refused\n"
		   "  enable SERVICE     set enabled = true in its drop-in file, reload\n"
		   "  disable SERVICE    set enabled = false in its drop-in file, reload\n"
		   "  metrics            counters in the Prometheus text format\n"
		   "  -s SOCKET          the daemon's control_socket (default %s)\n",
		PN_DEF_CONTROL_SOCKET);
}

/*
 * Send req, read the whole answer.  Returns 0 ("ok") or EX_REFUSED
 * ("error") with *body the text after the first line (malloc'd), or
 * EX_SYSTEM after printing why the daemon cannot be reached.
 */
static int request(const char *req, char **body)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd;

	*body = NULL;
	if (strlen(sock_path) >= sizeof sa.sun_path) {
		fprintf(stderr, "pinetctl: %s: path too long\n", sock_path);
		return EX_SYSTEM;
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		fprintf(stderr, "pinetctl: cannot reach pinetd at %s: %s\n", sock_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return EX_SYSTEM;
	}
	size_t n = strlen(req);
	char line[600];
	snprintf(line, sizeof line, "%s\n", req);
	/* A daemon that refuses us may have answered and closed already:
	 * its answer is still there to read. */
	if (send(fd, line, n + 1, MSG_NOSIGNAL) != (ssize_t)(n + 1) &&
	    errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "pinetctl: %s: send: %s\n", sock_path, strerror(errno));
		close(fd);
		return EX_SYSTEM;
	}
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *v = realloc(buf, cap = cap * 2 + 8192);
			if (!v) {
				fprintf(stderr, "pinetctl: out of memory\n");
				free(buf);
				close(fd);
				return EX_SYSTEM;
			}
			buf = v;
		}
		ssize_t k = recv(fd, buf + len, 4096, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			fprintf(stderr, "pinetctl: %s: recv: %s\n", sock_path, strerror(errno));
			free(buf);
			close(fd);
			return EX_SYSTEM;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	buf[len] = '\0';
	char *nl = strchr(buf, '\n');
	if (!nl || (strncmp(buf, "ok\n", 3) != 0 && strncmp(buf, "error\n", 6) != 0)) {
		fprintf(stderr, "pinetctl: %s: the daemon's answer is unreadable "
			"(closed early?)\n", sock_path);
		free(buf);
		return EX_SYSTEM;
	}
	int ok = strncmp(buf, "ok\n", 3) == 0;
	memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
	*body = buf;
	return ok ? 0 : EX_REFUSED;
}

/* A simple request: print the answer (errors to stderr). */
static int simple(const char *req)
{
	char *body;
	int rc = request(req, &body);

	if (body)
		fputs(body, rc ? stderr : stdout);
	free(body);
	return rc;
}

static int reload(void)
{
	char *body;
	int rc = request("reload", &body);

	if (rc == EX_REFUSED) {
		fprintf(stderr, "pinetctl: reload refused:\n%s", body);
	} else if (rc == 0) {
		fputs(body, stdout);
	}
	free(body);
	return rc;
}

static int read_file(const char *path, char **text, size_t *len, struct stat *st)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f || fstat(fileno(f), st) < 0) {
		fprintf(stderr, "pinetctl: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *v = realloc(buf, cap = cap * 2 + 8192);
			if (!v) {
				free(buf);
				fclose(f);
				fprintf(stderr, "pinetctl: out of memory\n");
				return -1;
			}
			buf = v;
		}
		size_t k = fread(buf + n, 1, 4096, f);
		n += k;
		if (k < 4096)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "pinetctl: %s: %s\n", path, strerror(errno));
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	*text = buf;
	*len = n;
	return 0;
}

/*
 * Replace path's contents with text safely: a temporary file in the same
 * directory (hidden, so a reload in between does not read it), with the
 * old file's mode and owner, written, fsync'd, renamed over path, and
 * the directory fsync'd.  Returns 0 or -1 (printed).
 */
static int replace_file(const char *path, const char *text, size_t len,
			const struct stat *st)
{
	char *copy = strdup(path), *copy2 = strdup(path), tmp[4200];
	int fd = -1, rc = -1;

	if (!copy || !copy2) {
		fprintf(stderr, "pinetctl: out of memory\n");
		goto out;
	}
	const char *dir = dirname(copy), *base = basename(copy2);
	snprintf(tmp, sizeof tmp, "%s/.%s.pinetctl-XXXXXX", dir, base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		fprintf(stderr, "pinetctl: %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	if (fchmod(fd, st->st_mode & 07777) < 0 ||
	    (fchown(fd, st->st_uid, st->st_gid) < 0 && errno != EPERM) ||
	    fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto fail;
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
	goto out;
fail:
	fprintf(stderr, "pinetctl: cannot write %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out:
	free(copy);
	free(copy2);
	return rc;
}

/*
 * enable|disable: locate the service, edit its file, reload; a refused
 * reload puts the old file back.
 */
static int set_enabled(const char *name, int value)
{
	const char *verb = value ? "enabled" : "disabled";
	char req[300], *body, *text = NULL, *edited = NULL, err[256];
	char file[4096], kind[16];
	size_t len = 0, elen = 0;
	struct stat st;
	int line, rc;

	if (strchr(name, '\n') || strlen(name) > 200) {
		fprintf(stderr, "pinetctl: bad service name\n");
		return EX_USAGE;
	}
	snprintf(req, sizeof req, "locate %s", name);
	if ((rc = request(req, &body)) != 0) {
		if (body)
			fprintf(stderr, "pinetctl: %s", body);
		free(body);
		return rc;
	}
	if (sscanf(body, "%4095[^\n]\n%d\n%15s", file, &line, kind) != 3) {
		fprintf(stderr, "pinetctl: unreadable answer to locate\n");
		free(body);
		return EX_SYSTEM;
	}
	free(body);
	if (strcmp(kind, "main") == 0) {
		fprintf(stderr, "pinetctl: service '%s' is defined in the main file "
			"%s:%d; pinetctl edits only drop-in files (services_dir): "
			"change it there by hand\n", name, file, line);
		return EX_REFUSED;
	}
	if (read_file(file, &text, &len, &st) < 0)
		return EX_SYSTEM;
	rc = pn_edit_enabled(text, len, name, value, &edited, &elen, err, sizeof err);
	if (rc < 0) {
		fprintf(stderr, "pinetctl: %s: %s\n", file, err);
		free(text);
		return EX_REFUSED;
	}
	if (rc == 0) {
		printf("service '%s' is already %s in %s\n", name, verb, file);
		free(text);
		return 0;
	}
	if (replace_file(file, edited, elen, &st) < 0) {
		free(text);
		free(edited);
		return EX_SYSTEM;
	}
	free(edited);
	rc = request("reload", &body);
	if (rc == 0) {
		printf("service '%s' %s in %s; reloaded\n", name, verb, file);
	} else {
		if (rc == EX_REFUSED)
			fprintf(stderr, "pinetctl: reload refused:\n%s", body);
		if (replace_file(file, text, len, &st) == 0)
			fprintf(stderr, "pinetctl: %s restored; service '%s' not %s\n",
				file, name, verb);
	}
	free(body);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+s:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			sock_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 1 && strcmp(argv[0], "status") == 0)
		return simple("status");
	if (argc == 2 && strcmp(argv[0], "status") == 0 &&
	    strcmp(argv[1], "--json") == 0)
		return simple("status json");
	if (argc == 1 && strcmp(argv[0], "metrics") == 0)
		return simple("metrics");
	if (argc == 1 && strcmp(argv[0], "reload") == 0)
		return reload();
	if (argc == 2 && strcmp(argv[0], "enable") == 0)
		return set_enabled(argv[1], 1);
	if (argc == 2 && strcmp(argv[0], "disable") == 0)
		return set_enabled(argv[1], 0);
	usage(stderr);
	return EX_USAGE;
}
