/*
 * pinetd_testkit.c -- a fake pinetd core for plugin unit tests (see
 * pinetd_testkit.h).  It frames lines with the daemon's own framer and
 * fills option structs with the daemon's own plugopt code.
 */
#include "pinetd_testkit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "framer.h"
#include "plugopt.h"

struct pinetd_conn {
	struct pinetd_svc *svc;
	char peer[64];
	struct sockaddr_storage ss;
	socklen_t sslen;
	char *out;
	size_t outlen, outcap;
	size_t fake_pending;
	int closed;	/* no more sends: close() or overflow */
	int reason;	/* reason for the deferred on_close */
	int notified;	/* on_close delivered */
	int got_reason; /* reason given to on_close */
	int drain;
	int reads;	/* core->frame_reads: on_data per pt_send */
	int fd;		/* what conn_fd() returns: pt_set_next_fd() */
	void *data;
	struct pn_framer fr;
	struct pinetd_conn *next;
};

struct pinetd_svc {
	const struct pinetd_plugin *p;
	char *name;
	void *conf;
	void *state;
	size_t max_line;
	size_t output_max;
	int next_fd; /* conn_fd() of the next pt_connect, then -1 */
	struct pinetd_conn *conns; /* newest first */
};

struct pinetd_dgram {
	char peer[64];
	struct sockaddr_storage ss;
	socklen_t sslen;
};

static char last_error[256];
static char last_log[1024];
static int log_count;
static char *reply_buf;
static size_t reply_len;
static int reply_count;
static time_t started;
/* The last program core->spawn or spawn_wait ran. */
static int prog_status = -1;
static char prog_path[256], prog_args[2048], prog_env[4096], prog_err[4096];

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pinetd_testkit: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	abort();
}

/* ---- the fake core table ---- */

static int fk_send(pinetd_conn *c, const void *buf, size_t len)
{
	if (c->closed || c->notified)
		return -1;
	if (c->outlen + c->fake_pending + len > c->svc->output_max) {
		c->closed = 1;
		c->reason = PINETD_CLOSE_OVERFLOW;
		return -1;
	}
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 256;
		while (cap < c->outlen + len + 1)
			cap *= 2;
		if (!(c->out = realloc(c->out, cap)))
			die("out of memory");
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	c->out[c->outlen] = '\0';
	return 0;
}

static int fk_sendf(pinetd_conn *c, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		die("out of memory");
	int rc = fk_send(c, s, (size_t)n);
	free(s);
	return rc;
}

static void fk_close(pinetd_conn *c)
{
	if (!c->closed) {
		c->closed = 1;
		c->reason = PINETD_CLOSE_PLUGIN;
	}
}

static const char *fk_peer_name(const pinetd_conn *c) { return c->peer; }

static const struct sockaddr *fk_peer_addr(const pinetd_conn *c,
					   socklen_t *len)
{
	if (len)
		*len = c->sslen;
	return (const struct sockaddr *)&c->ss;
}

static void *fk_conn_data(pinetd_conn *c) { return c->data; }

static size_t fk_pending(const pinetd_conn *c) { return c->fake_pending; }

static void fk_want_drain(pinetd_conn *c, int on) { c->drain = on != 0; }

static int fk_foreach_conn(pinetd_svc *svc, int (*fn)(pinetd_conn *, void *),
			   void *arg)
{
	for (pinetd_conn *c = svc->conns; c; c = c->next) {
		if (c->closed || c->notified)
			continue;
		int rc = fn(c, arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int fk_reply(pinetd_dgram *d, const void *buf, size_t len)
{
	(void)d;
	free(reply_buf);
	if (!(reply_buf = malloc(len + 1)))
		die("out of memory");
	memcpy(reply_buf, buf, len);
	reply_buf[len] = '\0';
	reply_len = len;
	reply_count++;
	return 0;
}

static const char *fk_dgram_peer_name(const pinetd_dgram *d)
{
	return d->peer;
}

static const struct sockaddr *fk_dgram_peer_addr(const pinetd_dgram *d,
						 socklen_t *len)
{
	if (len)
		*len = d->sslen;
	return (const struct sockaddr *)&d->ss;
}

static const char *fk_service_name(const pinetd_svc *svc)
{
	return svc->name;
}

static void fk_log(pinetd_svc *svc, int level, const char *fmt, ...)
{
	va_list ap;

	(void)svc;
	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof last_log, fmt, ap);
	va_end(ap);
	log_count++;
}

static int fk_foreach_service(pinetd_svc *svc,
			      int (*fn)(const struct pinetd_service_info *,
					void *),
			      void *arg)
{
	static const char *const listen[] = { "tcp://127.0.0.1:7000" };
	unsigned long n = 0;

	for (pinetd_conn *c = svc->conns; c; c = c->next)
		n += !c->notified;
	struct pinetd_service_info info = {
		.name = svc->name, .plugin = svc->p->name, .listen = listen,
		.nlisten = 1, .connections = n, .enabled = 1,
	};
	return fn(&info, arg);
}

static time_t fk_start_time(void) { return started; }

static int fk_conn_fd(pinetd_conn *c) { return c->fd; }

/* Join a NULL-terminated vector into buf, one entry a line. */
static void join(char *buf, size_t len, char *const v[])
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; v && v[i] && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s\n", v[i]);
}

/*
 * Run path on fd to its end: fd on 0 and 1 (blocking), stderr into
 * prog_err.  Returns the pid, or -1 with err (execve's errno is passed
 * back through a close-on-exec pipe).
 */
static long run_program(int fd, const char *path, char *const argv[],
			char *const envp[], char *err, size_t errlen)
{
	int ep[2], xp[2], e = 0, fl;
	pid_t pid;

	snprintf(prog_path, sizeof prog_path, "%s", path);
	join(prog_args, sizeof prog_args, argv);
	join(prog_env, sizeof prog_env, envp);
	prog_err[0] = '\0';
	prog_status = -1;
	if (fd < 0) {
		snprintf(err, errlen, "the connection is closed or was handed "
				      "over already");
		return -1;
	}
	if (pipe(ep) < 0 || pipe2(xp, O_CLOEXEC) < 0)
		die("pipe: %s", strerror(errno));
	if ((fl = fcntl(fd, F_GETFL)) >= 0)
		(void)fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	if ((pid = fork()) < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		int s = fcntl(fd, F_DUPFD, 3), w = fcntl(ep[1], F_DUPFD, 3);
		if (s < 0 || w < 0 || dup2(s, 0) < 0 || dup2(s, 1) < 0 ||
		    dup2(w, 2) < 0)
			_exit(126);
		signal(SIGPIPE, SIG_DFL);
		execve(path, argv, envp);
		e = errno;
		(void)!write(xp[1], &e, sizeof e);
		_exit(127);
	}
	close(ep[1]);
	close(xp[1]);
	if (read(xp[0], &e, sizeof e) == (ssize_t)sizeof e) {
		close(xp[0]);
		close(ep[0]);
		waitpid(pid, NULL, 0);
		snprintf(err, errlen, "execve: %s", strerror(e));
		return -1;
	}
	close(xp[0]);
	size_t n = 0;
	ssize_t r;
	while ((r = read(ep[0], prog_err + n, sizeof prog_err - 1 - n)) > 0)
		n += (size_t)r;
	prog_err[n] = '\0';
	close(ep[0]);
	while (waitpid(pid, &prog_status, 0) < 0 && errno == EINTR)
		;
	return pid;
}

static long fk_spawn(pinetd_conn *c, const char *path, char *const argv[],
		     char *const envp[], char *err, size_t errlen)
{
	long pid = run_program(c->fd, path, argv, envp, err, errlen);

	if (pid > 0 && !c->closed) {
		/* The program ended: the core ends the connection. */
		c->closed = 1;
		c->reason = PINETD_CLOSE_PLUGIN;
	}
	return pid;
}

static long fk_spawn_wait(pinetd_svc *svc, int fd, const char *path,
			  char *const argv[], char *const envp[], char *err,
			  size_t errlen)
{
	(void)svc;
	return run_program(fd, path, argv, envp, err, errlen);
}

int pt_program_status(void) { return prog_status; }
const char *pt_program_path(void) { return prog_path; }
const char *pt_program_args(void) { return prog_args; }
const char *pt_program_env(void) { return prog_env; }
const char *pt_program_stderr(void) { return prog_err; }

static int fk_frame_reads(pinetd_conn *c, int on)
{
	if (!c->svc->p->on_data)
		return -1;
	c->reads = on != 0;
	if (on)
		pn_framer_free(&c->fr);
	return 0;
}

const struct pinetd_core pt_core = {
	.abi = PINETD_ABI_VERSION,
	.size = sizeof(struct pinetd_core),
	.send = fk_send,
	.sendf = fk_sendf,
	.close = fk_close,
	.peer_name = fk_peer_name,
	.peer_addr = fk_peer_addr,
	.conn_data = fk_conn_data,
	.pending = fk_pending,
	.want_drain = fk_want_drain,
	.foreach_conn = fk_foreach_conn,
	.reply = fk_reply,
	.dgram_peer_name = fk_dgram_peer_name,
	.dgram_peer_addr = fk_dgram_peer_addr,
	.service_name = fk_service_name,
	.log = fk_log,
	.foreach_service = fk_foreach_service,
	.start_time = fk_start_time,
	.conn_fd = fk_conn_fd,
	.spawn = fk_spawn,
	.spawn_wait = fk_spawn_wait,
	.frame_reads = fk_frame_reads,
};

/* ---- driving a plugin ---- */

struct pt_service *pt_service_new(const struct pinetd_plugin *p,
				  const char *name, const char *const *opts)
{
	struct pinetd_svc *s = calloc(1, sizeof *s);
	char err[256];

	if (!s || !(s->name = strdup(name)))
		die("out of memory");
	last_error[0] = last_log[0] = '\0';
	log_count = reply_count = 0;
	prog_status = -1;
	prog_path[0] = prog_args[0] = prog_env[0] = prog_err[0] = '\0';
	started = time(NULL);
	s->p = p;
	s->max_line = 4096;
	s->output_max = 1 << 20;
	s->next_fd = -1;
	if (p->conf_size && !(s->conf = pn_plugopt_new(p->options, p->conf_size)))
		die("cannot build the default conf");
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		if (!eq)
			die("option '%s' is not key=value", opts[i]);
		char key[128];
		snprintf(key, sizeof key, "%.*s", (int)(eq - opts[i]), opts[i]);
		const struct pinetd_option *o = pn_plugopt_find(p->options, key);
		if (!o)
			die("plugin %s has no option '%s'", p->name, key);
		if (pn_plugopt_set_text(o, s->conf, eq + 1, err, sizeof err) < 0)
			die("option %s: %s", key, err);
	}
	err[0] = '\0';
	if (p->init(&pt_core, s, s->conf, &s->state, err, sizeof err) != 0) {
		snprintf(last_error, sizeof last_error, "%s", err);
		pn_plugopt_free(p->options, s->conf);
		free(s->name);
		free(s);
		return NULL;
	}
	/* struct pt_service is the public name of the fake service. */
	return (struct pt_service *)(void *)s;
}

void pt_service_free(struct pt_service *ps)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;

	if (!s)
		return;
	for (pinetd_conn *c = s->conns; c; c = c->next)
		if (!c->notified)
			pt_disconnect(ps, c);
	pt_run(ps);
	if (s->p->fini)
		s->p->fini(s->state);
	while (s->conns) {
		pinetd_conn *c = s->conns;
		s->conns = c->next;
		pn_framer_free(&c->fr);
		free(c->out);
		free(c->data);
		free(c);
	}
	pn_plugopt_free(s->p->options, s->conf);
	free(s->name);
	free(s);
	free(reply_buf);
	reply_buf = NULL;
	reply_len = 0;
}

const char *pt_last_error(void) { return last_error; }

void *pt_service_state(struct pt_service *s)
{
	return ((struct pinetd_svc *)(void *)s)->state;
}

void pt_set_max_line(struct pt_service *s, size_t max_line)
{
	((struct pinetd_svc *)(void *)s)->max_line = max_line;
}

void pt_set_output_max(struct pt_service *s, size_t output_max)
{
	((struct pinetd_svc *)(void *)s)->output_max = output_max;
}

void pt_set_next_fd(struct pt_service *s, int fd)
{
	((struct pinetd_svc *)(void *)s)->next_fd = fd;
}

static void fill_addr(struct sockaddr_storage *ss, socklen_t *sslen,
		      char *name, size_t namelen, const char *ip,
		      unsigned port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, ip, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*sslen = sizeof *in4;
		snprintf(name, namelen, "%s:%u", ip, port);
	} else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*sslen = sizeof *in6;
		snprintf(name, namelen, "[%s]:%u", ip, port);
	} else {
		die("bad test address '%s'", ip);
	}
}

pinetd_conn *pt_connect(struct pt_service *ps, const char *ip, unsigned port)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;
	pinetd_conn *c = calloc(1, sizeof *c);

	if (!c)
		die("out of memory");
	c->svc = s;
	c->got_reason = -1;
	c->fd = s->next_fd;
	s->next_fd = -1;
	fill_addr(&c->ss, &c->sslen, c->peer, sizeof c->peer, ip, port);
	if (s->p->conn_size && !(c->data = calloc(1, s->p->conn_size)))
		die("out of memory");
	c->next = s->conns;
	s->conns = c;
	if (s->p->on_open && s->p->on_open(s->state, c) != 0) {
		c->notified = 1; /* refused: no on_close */
		c->closed = 1;
		return NULL;
	}
	pt_run(ps);
	return c;
}

static int line_cb(void *arg, char *line, size_t len, unsigned flags)
{
	pinetd_conn *c = arg;

	c->svc->p->on_line(c->svc->state, c, line, len, flags);
	return c->closed;
}

void pt_send(struct pt_service *ps, pinetd_conn *c, const void *buf,
	     size_t len)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;

	if (c->closed || c->notified)
		return;
	if ((s->p->flags & PINETD_PF_LINES) && !c->reads) {
		char *copy = malloc(len ? len : 1);
		if (!copy)
			die("out of memory");
		memcpy(copy, buf, len);
		pn_framer_feed(&c->fr, copy, len, s->max_line, line_cb, c);
		free(copy);
	} else if (len > 0) {
		s->p->on_data(s->state, c, buf, len);
	}
	pt_run(ps);
}

void pt_sendstr(struct pt_service *s, pinetd_conn *c, const char *str)
{
	pt_send(s, c, str, strlen(str));
}

static void notify_close(struct pinetd_svc *s, pinetd_conn *c, int why)
{
	if (c->notified)
		return;
	c->notified = 1;
	c->closed = 1;
	c->got_reason = why;
	if (s->p->on_close)
		s->p->on_close(s->state, c, (enum pinetd_close_reason)why);
}

void pt_eof(struct pt_service *ps, pinetd_conn *c)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;

	if (!c->closed && (s->p->flags & PINETD_PF_LINES) && !c->reads)
		pn_framer_finish(&c->fr, line_cb, c);
	pt_run(ps);
	notify_close(s, c, PINETD_CLOSE_PEER);
	pt_run(ps);
}

void pt_disconnect(struct pt_service *ps, pinetd_conn *c)
{
	notify_close((struct pinetd_svc *)(void *)ps, c, PINETD_CLOSE_PEER);
	pt_run(ps);
}

void pt_drain(struct pt_service *ps, pinetd_conn *c)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;

	if (c->drain && !c->closed && s->p->on_drain)
		s->p->on_drain(s->state, c);
	pt_run(ps);
}

void pt_run(struct pt_service *ps)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;
	int again = 1;

	/* A close may trigger sends that overflow others: loop. */
	while (again) {
		again = 0;
		for (pinetd_conn *c = s->conns; c; c = c->next) {
			if (c->closed && !c->notified) {
				notify_close(s, c, c->reason);
				again = 1;
			}
		}
	}
}

const char *pt_output(pinetd_conn *c, size_t *len)
{
	if (len)
		*len = c->outlen;
	return c->out ? c->out : "";
}

void pt_clear(pinetd_conn *c)
{
	c->outlen = 0;
	if (c->out)
		c->out[0] = '\0';
}

int pt_closed(pinetd_conn *c) { return c->closed; }
int pt_close_reason(pinetd_conn *c) { return c->got_reason; }
int pt_wants_drain(pinetd_conn *c) { return c->drain; }
void pt_set_pending(pinetd_conn *c, size_t pending) { c->fake_pending = pending; }

int pt_datagram(struct pt_service *ps, const char *ip, unsigned port,
		const void *buf, size_t len)
{
	struct pinetd_svc *s = (struct pinetd_svc *)(void *)ps;
	struct pinetd_dgram d;
	int before = reply_count;

	fill_addr(&d.ss, &d.sslen, d.peer, sizeof d.peer, ip, port);
	s->p->on_datagram(s->state, &d, buf, len);
	return reply_count - before;
}

const char *pt_reply(size_t *len, int *count)
{
	if (len)
		*len = reply_len;
	if (count)
		*count = reply_count;
	return reply_buf ? reply_buf : "";
}

const char *pt_last_log(int *count)
{
	if (count)
		*count = log_count;
	return last_log;
}
