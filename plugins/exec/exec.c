/*
 * exec.c -- run an ordinary inetd program for each connection, with the
 * socket on its standard input and output, exactly as inetd does, so that
 * existing inetd services move over unchanged.
 *
 * One process per connection: the program itself.  The plugin runs in
 * the worker (PINETD_PF_SPAWN, event mode); on_open prepares the
 * environment and hands the connection to pinetd->spawn, which starts the
 * program as a child of the worker (no copy of the worker is made), logs
 * its standard error line by line (stderr never reaches the client,
 * unless `stderr = socket` asks for inetd's way; that and `chdir` are
 * done by the exec-wrap helper started in the program's place),
 * enforces max_duration, logs how and when it ended and closes the
 * connection.  A UDP service is inetd's "wait" kind: on_wait hands the
 * listening socket itself to pinetd->spawn_wait, the program reads the
 * datagrams, and the daemon polls the socket again once it has exited.
 *
 * The environment is cleared: the program gets the UCSPI connection
 * variables (PROTO, TCPREMOTEIP, ...), REMOTE_ADDR and REMOTE_PORT, and
 * the variables of pinetd's own environment named in the `env` option.
 *
 * A refused on_open (the program could not start) gets its on_close with
 * PINETD_CLOSE_REFUSED; exec has nothing to undo and no on_close.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pinetd/plugin.h>

#include "exec_cmd.h"

extern char **environ;

struct exec_conf {
	const char *program;
	const char *args;
	const char *env;
	int32_t err_to; /* ERR_LOG or ERR_SOCKET */
	const char *dir;
};

enum { ERR_LOG = 0, ERR_SOCKET = 1 };
static const char *const err_choices[] = { "log", "socket", NULL };

/* The helper for err_to and dir (exec_wrap.c), beside the plugins. */
#define WRAP_NAME "exec-wrap"

/* Per service: the parsed words (the options are parsed once, at init). */
struct exec {
	pinetd_svc *svc;
	const struct exec_conf *conf;
	char **argv; /* from `args`, or { basename(program), NULL } */
	char **keep; /* names from `env` */
	const char *tag; /* the program's basename, for log lines */
	/* What is started: the program, or exec-wrap with its options and
	 * then the program and argv (wrap_argv; path the helper's). */
	const char *path;
	char **run_argv;
	char *wrap_path;
	char **wrap_argv;
};

static const struct pinetd_option exec_options[] = {
	PINETD_OPTION_STR("program", struct exec_conf, program, "",
			  "absolute path of the program to run (required)"),
	PINETD_OPTION_STR("args", struct exec_conf, args, "",
			  "its argv, argv[0] first, split at whitespace, "
			  "\"double quotes\" group; default: the program's "
			  "basename"),
	PINETD_OPTION_STR("env", struct exec_conf, env, "",
			  "names of pinetd's environment variables passed on "
			  "(space-separated); the rest is cleared"),
	PINETD_OPTION_ENUM("stderr", struct exec_conf, err_to, "log",
			   err_choices,
			   "log: each line of the program's standard error is "
			   "logged; socket: standard error is the socket, as "
			   "inetd gives it"),
	PINETD_OPTION_STR("chdir", struct exec_conf, dir, "",
			  "absolute path of the program's working directory; "
			  "default: the daemon's (/ when detached)"),
	PINETD_OPTION_END,
};

/* The environment any program starts with when `env` names nothing. */
static char *const no_env[] = { NULL };

/*
 * Check `program` as init() must: set, absolute, a regular file that can
 * be executed.  Returns 0, or -1 with the reason in err.
 */
static int check_program(const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (!path[0]) {
		snprintf(err, errlen, "program is not set: give the absolute "
				      "path of the program to run");
		return -1;
	}
	if (path[0] != '/') {
		snprintf(err, errlen, "program '%s' is not an absolute path",
			 path);
		return -1;
	}
	if (stat(path, &st) < 0) {
		snprintf(err, errlen, "program '%s': %s", path,
			 strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "program '%s' is not a regular file",
			 path);
		return -1;
	}
	if (access(path, X_OK) < 0) {
		snprintf(err, errlen, "program '%s' is not executable", path);
		return -1;
	}
	return 0;
}

/* Parse `args` and `env` into e.  Returns 0, or -1 with err. */
static int parse_words(struct exec *e, char *err, size_t errlen)
{
	const struct exec_conf *cf = e->conf;
	int n = exec_split(cf->args, &e->argv);

	if (n < 0) {
		snprintf(err, errlen, "args: %s",
			 errno == EINVAL ? "unterminated double quote"
					 : strerror(errno));
		return -1;
	}
	if (n == 0) {
		/* No args: argv is { basename(program), NULL }, one block. */
		size_t len = strlen(e->tag) + 1;
		free(e->argv);
		if (!(e->argv = malloc(2 * sizeof *e->argv + len))) {
			snprintf(err, errlen, "%s", strerror(errno));
			return -1;
		}
		e->argv[0] = memcpy(e->argv + 2, e->tag, len);
		e->argv[1] = NULL;
	}
	if (exec_split(cf->env, &e->keep) < 0) {
		snprintf(err, errlen, "env: %s",
			 errno == EINVAL ? "unterminated double quote"
					 : strerror(errno));
		return -1;
	}
	for (char **k = e->keep; *k; k++) {
		if (!exec_valid_name(*k)) {
			snprintf(err, errlen,
				 "env: '%s' is not a variable name", *k);
			return -1;
		}
	}
	return 0;
}

/*
 * The helper's path: exec-wrap in the plugin's own directory, or one
 * level up when that directory is libtool's .libs (the build tree).
 * Returns a malloc'd path of an executable file, or NULL with err.
 */
static char *wrap_path(char *err, size_t errlen)
{
	Dl_info info;
	char *path = NULL;

	if (!dladdr((const void *)exec_options, &info) || !info.dli_fname) {
		snprintf(err, errlen, "cannot tell where the exec plugin was loaded "
				      "from, to find " WRAP_NAME);
		return NULL;
	}
	const char *slash = strrchr(info.dli_fname, '/');
	int dlen = slash ? (int)(slash - info.dli_fname) : 1;
	const char *dir = slash ? info.dli_fname : ".";
	const char *const tries[] = { "/" WRAP_NAME, "/../" WRAP_NAME };

	for (size_t i = 0; i < 2; i++) {
		free(path);
		if (asprintf(&path, "%.*s%s", dlen, dir, tries[i]) < 0) {
			snprintf(err, errlen, "%s", strerror(errno));
			return NULL;
		}
		if (access(path, X_OK) == 0)
			return path;
	}
	snprintf(err, errlen, "stderr = socket and chdir need the helper "
			      "%.*s/" WRAP_NAME ", which is missing: reinstall "
			      "pinetd", dlen, dir);
	free(path);
	return NULL;
}

/*
 * What to start: the program itself, or exec-wrap (exec_wrap.c) when
 * stderr goes to the socket or the directory changes, with the
 * program and its argv after its options.  Returns 0, or -1 with err.
 */
static int make_run(struct exec *e, char *err, size_t errlen)
{
	const struct exec_conf *cf = e->conf;
	size_t n = 0, k = 0;

	e->path = cf->program;
	e->run_argv = e->argv;
	if (cf->dir[0] && cf->dir[0] != '/') {
		snprintf(err, errlen, "chdir '%s' is not an absolute path", cf->dir);
		return -1;
	}
	if (cf->err_to != ERR_SOCKET && !cf->dir[0])
		return 0;
	if (!(e->wrap_path = wrap_path(err, errlen)))
		return -1;
	while (e->argv[n])
		n++;
	if (!(e->wrap_argv = calloc(n + 7, sizeof *e->wrap_argv))) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	e->wrap_argv[k++] = (char *)WRAP_NAME;
	if (cf->err_to == ERR_SOCKET)
		e->wrap_argv[k++] = (char *)"-2";
	if (cf->dir[0]) {
		e->wrap_argv[k++] = (char *)"-C";
		e->wrap_argv[k++] = (char *)cf->dir;
	}
	e->wrap_argv[k++] = (char *)"--";
	e->wrap_argv[k++] = (char *)cf->program;
	memcpy(e->wrap_argv + k, e->argv, (n + 1) * sizeof *e->argv);
	e->path = e->wrap_path;
	e->run_argv = e->wrap_argv;
	return 0;
}

static void exec_fini(void *state)
{
	struct exec *e = state;

	if (!e)
		return;
	free(e->wrap_argv);
	free(e->wrap_path);
	free(e->argv);
	free(e->keep);
	free(e);
}

static int exec_init(pinetd_svc *svc, const void *conf, void **state,
		     char *err, size_t errlen)
{
	struct exec *e;

	if (check_program(((const struct exec_conf *)conf)->program, err,
			  errlen) < 0)
		return -1;
	if (!(e = calloc(1, sizeof *e))) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	e->svc = svc;
	e->conf = conf;
	e->tag = exec_basename(e->conf->program);
	if (parse_words(e, err, errlen) < 0 || make_run(e, err, errlen) < 0) {
		exec_fini(e);
		return -1;
	}
	*state = e;
	return 0;
}

/* The listening socket's own address, or NULL when it has none worth
 * telling. */
static const struct sockaddr *local_addr(int fd, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof *ss;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)ss, &len) < 0)
		return NULL;
	return (const struct sockaddr *)ss;
}

/*
 * The environment for proto, local and remote, into env.  Returns 0, or
 * -1 (logged).
 */
static int make_env(const struct exec *e, struct exec_env *env,
		    const char *proto, const struct sockaddr *local,
		    const struct sockaddr *remote)
{
	if (exec_env_ucspi(env, proto, local, remote) < 0 ||
	    exec_env_keep(env, e->keep, environ) < 0) {
		pinetd->log(e->svc, PINETD_LOG_ERR, "%s: %s", e->tag,
			    strerror(errno));
		exec_env_free(env);
		return -1;
	}
	return 0;
}

/*
 * on_open, in the worker: hand the connection to the program, which the
 * worker starts itself (pinetd->spawn); the core logs its stderr and its
 * end and closes the connection when it exits.  Refuses the connection
 * when the program cannot be started.
 */
static int exec_open(void *state, pinetd_conn *c)
{
	const struct exec *e = state;
	struct exec_env env = { .v = NULL };
	char err[256];
	pid_t pid;

	if (make_env(e, &env, "TCP", pinetd->local_addr(c, NULL),
		     pinetd->peer_addr(c, NULL)) < 0)
		return -1;
	pid = pinetd->spawn(c, e->path, e->run_argv,
			    env.v ? env.v : no_env, err, sizeof err);
	exec_env_free(&env); /* the program has its copy: it has exec'd */
	if (pid < 0) {
		pinetd->log(e->svc, PINETD_LOG_ERR, "cannot run %s for %s: %s",
			    e->conf->program, pinetd->peer_name(c), err);
		return -1;
	}
	return 0;
}

/*
 * on_wait, in the worker: a datagram waits on the listening socket fd;
 * hand the socket to the program (pinetd->spawn_wait), which reads the
 * datagram(s) itself.  The core polls the socket again once it exits.
 */
static int exec_wait(void *state, pinetd_svc *svc, int fd)
{
	const struct exec *e = state;
	struct sockaddr_storage ss;
	struct exec_env env = { .v = NULL };
	char err[256];
	pid_t pid;

	if (make_env(e, &env, "UDP", local_addr(fd, &ss), NULL) < 0)
		return -1;
	pid = pinetd->spawn_wait(svc, fd, e->path, e->run_argv,
				 env.v ? env.v : no_env, err, sizeof err);
	exec_env_free(&env);
	if (pid < 0) {
		pinetd->log(e->svc, PINETD_LOG_ERR, "cannot run %s: %s",
			    e->conf->program, err);
		return -1;
	}
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "exec",
	.description = "run an inetd program with the socket on stdin and "
		       "stdout",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_SPAWN,
	.options = exec_options,
	.conf_size = sizeof(struct exec_conf),
	.init = exec_init,
	.fini = exec_fini,
	.on_open = exec_open,
	.on_wait = exec_wait,
);
