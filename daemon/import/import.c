/*
 * import.c -- pinetd-import: services.d files from an inetd.conf file or
 * an xinetd.d directory.
 *
 *   pinetd-import [-o DIR] FILE|DIR
 *
 * A file is read as inetd.conf (the daemon's own parser, inetd.h); a
 * directory as xinetd.d, every file in it holding `service NAME { ... }`
 * blocks.  Each service becomes one NAME.conf file in DIR, or is printed
 * on standard output without -o.  xinetd attributes pinetd has are
 * mapped; the others are named in a warning on standard error, with
 * file:line.  Exit status: 0, 1 when an entry could not be converted
 * (reported; the others are written), 2 for a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inetd.h"
#include "snapshot.h"
#include "xinetd.h"

static const char *outdir; /* -o, or NULL: standard output */
static int nerrors;

static void error_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void error_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A file name from a service name: [A-Za-z0-9._-] kept, the rest '-'. */
static void file_name(const char *name, char *buf, size_t len)
{
	size_t i = 0;

	for (; *name && i + 6 < len; name++)
		buf[i++] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789._-", *name) ? *name : '-';
	snprintf(buf + i, len - i, ".conf");
}

/* Write one service: to DIR/NAME.conf (not replacing a file), or to
 * standard output. */
static void emit(const struct pn_inetd_entry *e, const char *from)
{
	char name[512], fname[600], path[4096];
	FILE *f = stdout;

	pn_inetd_name(e, name, sizeof name);
	if (outdir) {
		file_name(name, fname, sizeof fname);
		snprintf(path, sizeof path, "%s/%s", outdir, fname);
		if (access(path, F_OK) == 0) {
			error_at(from, e->line, "%s exists: not replaced", path);
			nerrors++;
			return;
		}
		if (!(f = fopen(path, "w"))) {
			error_at(from, e->line, "%s: %s", path, strerror(errno));
			nerrors++;
			return;
		}
	}
	fprintf(f, "# From %s:%d (pinetd-import).\n", from, e->line);
	pn_inetd_write_service(e, f, "\n\t");
	fputc('\n', f);
	if (outdir && fclose(f) != 0) {
		error_at(from, e->line, "%s: %s", path, strerror(errno));
		nerrors++;
	}
}

static const char *cur_file;

static void inetd_error(void *arg, int line, const char *msg)
{
	(void)arg;
	error_at(cur_file, line, "%s", msg);
}

static void import_inetd(const char *path, const char *text)
{
	struct pn_inetd_entry *v;
	int nerr = 0, n;

	cur_file = path;
	if ((n = pn_inetd_parse(text, &v, inetd_error, NULL, &nerr)) < 0) {
		fprintf(stderr, "pinetd-import: out of memory\n");
		exit(1);
	}
	nerrors += nerr;
	for (int i = 0; i < n; i++)
		emit(&v[i], path);
	pn_inetd_free(v, n);
}


int main(int argc, char **argv)
{
	char err[256], *data;
	size_t len;
	int opt;

	while ((opt = getopt(argc, argv, "o:h")) != -1) {
		switch (opt) {
		case 'o':
			outdir = optarg;
			break;
		default:
			fprintf(stderr, "usage: pinetd-import [-o DIR] INETD.CONF|XINETD.D\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: pinetd-import [-o DIR] INETD.CONF|XINETD.D\n");
		return 2;
	}
	const char *in = argv[optind];
	DIR *d = opendir(in);
	if (d) {
		closedir(d);
		nerrors += pn_xinetd_import_dir(in, emit);
	} else if (pn_file_read(in, PN_CONF_FILE_MAX, &data, &len, err,
				sizeof err) < 0) {
		fprintf(stderr, "pinetd-import: %s: %s\n", in, err);
		return 1;
	} else {
		import_inetd(in, data);
		free(data);
	}
	return nerrors ? 1 : 0;
}
