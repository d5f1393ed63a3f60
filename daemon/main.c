/*
 * main.c -- the pinetd command line.
 *
 * Exit codes (documented in pinetd(8)):
 *   0  success (and -t found no error)
 *   1  configuration error: bad file, option, address or plugin
 *   2  usage error: bad command line
 *   3  system error: a socket could not be bound, epoll failed, ...
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "conf.h"
#include "core.h"
#include "loader.h"
#include "log.h"
#include "pidfile.h"
#include "plugopt.h"
#include "server.h"
#include "super.h"

#ifndef PN_CONFFILE
#define PN_CONFFILE "/etc/pinetd/pinetd.conf"
#endif

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: pinetd [-dft] [-c FILE] [-P DIRS] [-p PIDFILE]\n"
		"       pinetd --list-plugins [-P DIRS]\n"
		"A plugin-driven inetd-style super-server.\n"
		"\n"
		"  -c, --config FILE      configuration file (default %s)\n"
		"  -f, --foreground       stay in the foreground, log to stderr\n"
		"                         (without -f: detach, log to syslog)\n"
		"  -d, --debug            log debug messages\n"
		"  -t, --test             check the configuration and plugins, print\n"
		"                         a summary, bind nothing, exit\n"
		"  -P, --plugin-dir DIRS  load plugins from DIRS (':'-separated),\n"
		"                         overriding plugin_dir\n"
		"  -p, --pid-file FILE    with detaching: write the pid here\n"
		"                         (overrides pid_file)\n"
		"  -L, --list-plugins     list the plugins found, with their options\n"
		"  -h, --help             this text\n"
		"  -V, --version          the version\n"
		"\n"
		"Signals: SIGHUP reloads the configuration, SIGTERM and SIGINT stop.\n"
		"Exit status: 0 ok, 1 configuration error, 2 usage error, 3 system error.\n",
		PN_CONFFILE);
}

/* ---- -t ---- */

/* The services of one identity, checked in one process. */
struct check_args {
	const struct pn_config *view;
	const struct pn_ident *ident; /* as in service_ident: "" is the default */
};

static int same_ident(const struct pn_ident *a, const struct pn_ident *b)
{
	return strcmp(a->user, b->user) == 0 && a->uid == b->uid && a->gid == b->gid;
}

/*
 * In a checker running as the services' user: parse the snapshot the
 * view was checked from, then run init() and fini() of each enabled
 * service of this identity with a real service handle.  Returns the
 * number of services that failed.
 */
static int check_group(void *arg, FILE *out, FILE *errs)
{
	const struct check_args *a = arg;
	const struct pn_config *view = a->view;
	struct pn_registry reg;
	struct pn_config *full;
	int nerr = 0, bad = 0;

	(void)out;
	pn_registry_init(&reg);
	full = pn_config_load_snapshot(view->snap, view->path, view->plugin_dir,
				       &reg, errs, &nerr);
	if (!full)
		return nerr ? nerr : 1;
	for (size_t i = 0; i < full->nsvcs; i++) {
		const struct pn_service_conf *sc = &full->svcs[i];
		char err[512];

		if (!sc->enabled || !same_ident(&sc->ident, a->ident))
			continue;
		pn_checker_progress("running init() of service '%s' (%s:%d)",
				    sc->name, sc->file, sc->line);
		if (pn_server_check_service(full, sc, err, sizeof err) < 0) {
			fprintf(errs, "%s:%d: service '%s': plugin '%s': %s\n",
				sc->file, sc->line, sc->name, sc->plugin->name, err);
			bad++;
		}
	}
	pn_config_free(full);
	pn_registry_free(&reg);
	return bad;
}

/*
 * -t: also run every enabled service's plugin init() and fini(), which
 * may refuse a combination of options: in a checker per identity, as the
 * services' user (the default user for those without one).  Returns the
 * number of failures.
 */
static int check_plugins(const struct pn_config *view)
{
	int bad = 0;

	for (size_t i = 0; i < view->nsvcs; i++) {
		const struct pn_service_conf *sc = &view->svcs[i];
		struct check_args a = { view, &sc->ident };
		char what[320];
		size_t j;
		int rc;

		if (!sc->enabled)
			continue;
		for (j = 0; j < i; j++) /* one checker per identity */
			if (view->svcs[j].enabled && same_ident(&view->svcs[j].ident, &sc->ident))
				break;
		if (j < i)
			continue;
		snprintf(what, sizeof what, "-t: the services of user %s",
			 sc->ident.user[0] ? sc->ident.user : "(default)");
		rc = pn_checker_run(what, sc->ident.user[0] ? &sc->ident : NULL,
				    check_group, &a, stdout, stderr);
		bad += rc < 0 ? 1 : rc;
	}
	return bad;
}

/* ---- --list-plugins ---- */

static int so_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 3 && strcmp(d->d_name + n - 3, ".so") == 0;
}

/* s as a configuration string literal ("a\\nb" for a, LF, b), so a
 * default with control characters stays on its line; cut to fit. */
static void quote(char *dst, size_t n, const char *s)
{
	size_t k = 0;

	dst[k++] = '"';
	for (; s && *s && k + 6 < n; s++) {
		const char *esc = *s == '\n' ? "\\n" : *s == '\r' ? "\\r"
				: *s == '\t' ? "\\t" : *s == '"' ? "\\\""
				: *s == '\\' ? "\\\\" : NULL;
		if (esc) {
			memcpy(dst + k, esc, 2);
			k += 2;
		} else if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			k += (size_t)snprintf(dst + k, n - k, "\\x%02x",
					      (unsigned char)*s);
		} else {
			dst[k++] = *s;
		}
	}
	dst[k++] = '"';
	dst[k] = '\0';
}

static void print_plugin(const struct pinetd_plugin *d, FILE *out)
{
	const struct pinetd_option *o = d->options;

	fprintf(out, "%-10s %-8s %s\n", d->name,
	       (d->transports & (PINETD_TCP | PINETD_UDP)) == (PINETD_TCP | PINETD_UDP)
		       ? "tcp,udp"
		       : d->transports & PINETD_TCP ? "tcp" : "udp",
	       d->description ? d->description : "");
	for (size_t i = 0; o && o[i].type != PINETD_OPT_END; i++) {
		char def[128];
		switch (o[i].type) {
		case PINETD_OPT_STR:
			quote(def, sizeof def, o[i].def_str);
			break;
		case PINETD_OPT_INT:
			snprintf(def, sizeof def, "%" PRId64, o[i].def_int);
			break;
		case PINETD_OPT_BOOL:
			snprintf(def, sizeof def, "%s", o[i].def_int ? "true" : "false");
			break;
		default:
			snprintf(def, sizeof def, "%s",
				 o[i].def_str ? o[i].def_str : o[i].choices[0]);
			break;
		}
		fprintf(out, "    %s = %s (%s)%s%s\n", o[i].name, def,
		       pn_plugopt_type_name(o[i].type), o[i].help ? ": " : "",
		       o[i].help ? o[i].help : "");
	}
}

/* List every NAME.so of every directory; 1 if any failed to load.  Runs
 * in a checker: loading a plugin runs its code. */
static int list_plugins(void *arg, FILE *out, FILE *errs)
{
	const char *dirs = arg;
	struct pn_registry reg;
	int bad = 0;

	pn_registry_init(&reg);
	for (const char *d = dirs; *d;) {
		size_t n = strcspn(d, ":");
		char dir[4096];
		struct dirent **ents;
		int k;

		snprintf(dir, sizeof dir, "%.*s", (int)n, d);
		d += n + (d[n] == ':');
		if (!dir[0])
			continue;
		if ((k = scandir(dir, &ents, so_filter, alphasort)) < 0) {
			int e = errno;
			fprintf(errs, "pinetd: plugin directory %s: %s%s\n", dir,
				strerror(e),
				e == ENOENT && strcmp(dirs, PN_PLUGINDIR) == 0
					? " (the compiled-in plugin_dir: is pinetd "
					  "installed?  In the build tree: pinetd "
					  "--list-plugins -P plugins/.libs)"
					: "");
			bad = 1;
			continue;
		}
		for (int i = 0; i < k; i++) {
			char path[8192], err[1024];
			struct pn_plugin *p;

			snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
			free(ents[i]);
			pn_checker_progress("loading %s", path);
			if (!(p = pn_plugin_load(&reg, NULL, path, err, sizeof err))) {
				fprintf(errs, "pinetd: %s\n", err);
				bad = 1;
				continue;
			}
			print_plugin(p->desc, out);
		}
		free(ents);
	}
	pn_registry_free(&reg);
	return bad;
}

/* ---- detaching ---- */

/*
 * In the parent of a detaching start: print what the child reports on
 * the pipe (its warnings and errors, log.h's pn_log_tee) to our stderr
 * until the result (a NUL byte and the exit code, pn_log_report), and
 * return that code.  A child that dies before reporting gives its exit
 * status (or 3 when killed).
 */
static int wait_start(int rfd, pid_t pid)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(rfd, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		char *nul = memchr(buf, '\0', (size_t)n);
		size_t text = nul ? (size_t)(nul - buf) : (size_t)n;
		if (text && fwrite(buf, 1, text, stderr) != text)
			break;
		if (nul) {
			if (nul + 1 < buf + n)
				return (unsigned char)nul[1];
			while ((n = read(rfd, buf, 1)) < 0 && errno == EINTR)
				;
			if (n == 1)
				return (unsigned char)buf[0];
			break;
		}
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return PN_EXIT_SYSTEM;
	return WIFEXITED(st) ? WEXITSTATUS(st) : PN_EXIT_SYSTEM;
}

/*
 * Fork into the background.  The parent waits until the child reports
 * its start-up result through a pipe, prints the warnings and errors
 * the child logged until then, and exits with the result, so `pinetd`
 * without -f fails visibly (a port in use, a pid file it cannot write).
 * Returns the pipe's write end in the child, which pn_log_tee()s to it.
 */
static int detach(void)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		fprintf(stderr, "pinetd: cannot detach: %s\n", strerror(errno));
		exit(PN_EXIT_SYSTEM);
	}
	if (pid > 0) {
		close(p[1]);
		int code = wait_start(p[0], pid);
		fflush(stderr);
		_exit(code);
	}
	close(p[0]);
	setsid();
	if (chdir("/") < 0)
		pn_log(LOG_WARNING, "chdir /: %s", strerror(errno));
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		if (null > 2)
			close(null);
	}
	return p[1];
}

/*
 * A path given on the command line as an absolute one, so that it means
 * the same after detaching (which changes to "/") and on every reload: a
 * relative path, or each relative entry of a ':'-separated list, gets
 * the starting directory in front.  Nothing else is resolved: a symlink
 * anywhere in the path (the file itself, or a directory) is followed
 * afresh on each reload, as it would have been from the starting
 * directory.  Returns a malloc'd string, or NULL (logged).
 */
static char *absolute(const char *list)
{
	char cwd[4096], *out = NULL;
	size_t outlen = 0;
	FILE *f;
	int have_cwd = 0;

	if (!(f = open_memstream(&out, &outlen)))
		return NULL;
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ":");
		if (p != list)
			fputc(':', f);
		if (n > 0 && p[0] != '/') {
			if (!have_cwd && !getcwd(cwd, sizeof cwd)) {
				fprintf(stderr, "pinetd: the current directory: %s\n",
					strerror(errno));
				fclose(f);
				free(out);
				return NULL;
			}
			have_cwd = 1;
			fprintf(f, "%s/", strcmp(cwd, "/") == 0 ? "" : cwd);
		}
		fprintf(f, "%.*s", (int)n, p);
		p += n;
		if (*p == ':')
			p++;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "debug", no_argument, NULL, 'd' },
		{ "test", no_argument, NULL, 't' },
		{ "plugin-dir", required_argument, NULL, 'P' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "list-plugins", no_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = PN_CONFFILE, *plugin_dir = NULL, *pid_file = NULL;
	int foreground = 0, debug = 0, test = 0, list = 0, opt, nerr = 0, rc;
	int report_fd = -1, pid_fd = -1;
	char *abs_path = NULL, *abs_dirs = NULL, *abs_pid = NULL;
	struct pn_config *conf;

	while ((opt = getopt_long(argc, argv, "c:fdtP:p:LhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c': path = optarg; break;
		case 'f': foreground = 1; break;
		case 'd': debug = 1; break;
		case 't': test = 1; break;
		case 'P': plugin_dir = optarg; break;
		case 'p': pid_file = optarg; break;
		case 'L': list = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("pinetd %s (plugin ABI %u)\n", PACKAGE_VERSION,
				 PINETD_ABI_VERSION);
			return 0;
		default: usage(stderr); return PN_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinetd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PN_EXIT_USAGE;
	}
	if (list)
		return pn_checker_run("--list-plugins", NULL, list_plugins,
				      (void *)(plugin_dir ? plugin_dir : PN_PLUGINDIR),
				      stdout, stderr) != 0 ? PN_EXIT_CONFIG : 0;
	pn_log_open("pinetd", 1, debug ? LOG_DEBUG : LOG_INFO);
	signal(SIGPIPE, SIG_IGN);
	/* The daemon reads the files again on every reload, after detaching
	 * changed to "/": anchor what the command line names (-t reports
	 * the names as given). */
	if (!test && (!(path = abs_path = absolute(path)) ||
		      (plugin_dir && !(plugin_dir = abs_dirs = absolute(plugin_dir))) ||
		      (pid_file && !(pid_file = abs_pid = absolute(pid_file))))) {
		fprintf(stderr, "pinetd: out of memory\n");
		rc = PN_EXIT_SYSTEM;
		goto done;
	}

	/* The configuration is read and its plugins loaded in a checker
	 * process; this one keeps the view (checker.h) and loads no plugin. */
	/* Under the journal its errors are log lines, each with its
	 * priority; on a terminal they are printed as they are. */
	FILE *errs = pn_log_journal() && !test ? NULL : stderr;
	conf = pn_checker_load(path, plugin_dir, errs, &nerr);
	if (!conf) {
		if (errs)
			fprintf(stderr, "pinetd: %s: %d error%s\n", path, nerr,
				nerr == 1 ? "" : "s");
		else
			pn_log(LOG_ERR, "%s: %d error%s", path, nerr, nerr == 1 ? "" : "s");
		rc = PN_EXIT_CONFIG;
		goto done;
	}
	if (test) {
		int bad = check_plugins(conf);
		if (bad == 0)
			pn_config_summary(conf, stdout);
		else
			fprintf(stderr, "pinetd: %s: %d error%s\n", path, bad,
				bad == 1 ? "" : "s");
		pn_config_free(conf);
		rc = bad ? PN_EXIT_CONFIG : 0;
		goto done;
	}
	if (!debug)
		pn_log_set_level(conf->log_level);
	if (!foreground) {
		/* Locked before anything is bound, while errors still reach
		 * the terminal; the lock passes to the detached child, which
		 * writes its pid once it serves (pn_super_run). */
		char err[4096 + 128];
		pid_t holder;

		if (!pid_file)
			pid_file = conf->pid_file; /* absolute: resolved by the file's place */
		if ((pid_fd = pn_pidfile_lock(pid_file, &holder, err, sizeof err)) < 0) {
			fprintf(stderr, "pinetd: %s\n", err);
			pn_config_free(conf);
			rc = PN_EXIT_SYSTEM;
			goto done;
		}
		if (pid_file == conf->pid_file && !(pid_file = abs_pid = strdup(pid_file))) {
			pn_pidfile_release(conf->pid_file, pid_fd);
			pn_config_free(conf);
			rc = PN_EXIT_SYSTEM;
			goto done;
		}
		report_fd = detach();
		pn_log_open("pinetd", 0, debug ? LOG_DEBUG : conf->log_level);
		pn_log_tee(report_fd);
	}
	/* The supervisor owns conf now and reports the start-up. */
	rc = pn_super_run(conf, path, plugin_dir, debug, &report_fd, pid_fd);
	/* Only the owner removes the pid file: this process holds its lock.
	 * A failed start is reported after that, so that the parent's exit
	 * finds the pid file gone. */
	if (pid_fd >= 0)
		pn_pidfile_release(pid_file, pid_fd);
	pn_log_report(report_fd, rc);
done:
	free(abs_path);
	free(abs_dirs);
	free(abs_pid);
	return rc;
}
