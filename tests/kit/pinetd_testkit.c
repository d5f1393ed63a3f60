/*
 * pinetd_testkit.c -- a fake pinetd core for plugin unit tests (see
 * pinetd_testkit.h).  It checks descriptors and option tables, fills
 * option structs and frames lines with the daemon's own code (plugopt.c,
 * framer.c), and keeps the daemon's rules on what is deferred: on_close,
 * held input and the end of a connection's timers and watches happen in
 * a loop turn, never inside a core function.
 */
#include "pinetd_testkit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "framer.h"
#include "plugopt.h"

/* One item of input held while a connection is paused. */
enum { HELD_LINE, HELD_DATA, HELD_EOF };
struct held {
	struct held *next;
	int kind;
	uint32_t flags; /* PINETD_LINE_* of a line */
	size_t len;
	char buf[];	/* len bytes and a NUL */
};

struct pinetd_conn {
	struct pinetd_svc *svc;
	char peer[64];
	struct sockaddr_storage ss, local;
	socklen_t sslen, locallen;
	char *out;
	size_t outlen, outcap;
	size_t fake_pending;
	int closed;	/* closing: close(), overflow, refusal, EOF, spawn */
	int reason;	/* reason for the deferred on_close */
	int notified;	/* on_close delivered: the connection has ended */
	int got_reason; /* reason given to on_close */
	int drain;
	int reads;	/* core->frame_reads: on_data per pt_send */
	int fd;		/* what conn_fd() returns: pt_set_next_fd() */
	int paused;	/* core->pause */
	int input_ended; /* pt_eof was called: no more input */
	int eof;	/* the EOF was delivered (on_eof) */
	int shut;	/* core->shutdown: no more sends */
	struct held *held, **held_tail;
	size_t nheld;
	void *data;
	struct pn_framer fr;
	struct pinetd_conn *next;
};

struct pinetd_svc {
	struct pinetd_plugin p;	     /* the descriptor, normalized */
	struct pinetd_option *opts; /* the option table, normalized */
	char *name;
	void *conf;
	void *state;
	size_t max_line;
	size_t output_max;
	int next_fd; /* conn_fd() of the next pt_connect, then -1 */
	struct sockaddr_storage local;
	socklen_t locallen;
	char listen[96];	     /* "tcp://127.0.0.1:7000" */
	int stopping;		     /* fini is running or ran */
	struct pinetd_conn *conns;   /* newest first */
	struct pinetd_dgram *kept;   /* dgram_keep copies */
	struct pinetd_svc *next_live; /* in configuration order */
};

struct pinetd_dgram {
	struct pinetd_svc *svc;
	char peer[64];
	struct sockaddr_storage ss;
	socklen_t sslen;
	size_t len;
	int kept;
	struct pinetd_dgram *next; /* in svc->kept */
};

/* Timers, watches and child watches: found by handle from anywhere, so
 * they live in lists of the kit rather than of a service. */
struct ktimer {
	struct ktimer *next;
	pinetd_timer id;
	struct pinetd_svc *svc;
	struct pinetd_conn *conn; /* owner, or NULL: the service */
	uint64_t due, every;
	uint64_t seq; /* arming order, for timers due at the same time */
	pinetd_timer_fn *fn;
	void *arg;
};

struct kwatch {
	struct kwatch *next;
	pinetd_watch id;
	struct pinetd_svc *svc;
	struct pinetd_conn *conn;
	int fd;
	uint32_t events; /* PINETD_READABLE | PINETD_WRITABLE asked */
	int own_fd;
	pinetd_watch_fn *fn;
	void *arg;
};

struct kchild {
	struct kchild *next;
	struct pinetd_svc *svc;
	pid_t pid;
	pinetd_child_fn *fn;
	void *arg;
};

static struct pinetd_svc *live; /* services between new and free */
static struct ktimer *timers;
static struct kwatch *watches;
static struct kchild *children;
static uint64_t next_handle = 1; /* never reset: handles are not reused */
static uint64_t next_seq;
static uint64_t clock_ms = PT_CLOCK_START;

static char last_error[512];
static char last_log[1024];
static int log_count, log_level = -1;
static char *reply_buf;
static size_t reply_len;
static int reply_count;
static int64_t started;
/* The last program core->spawn or spawn_wait ran. */
static int prog_status = -1;
static char prog_path[256], prog_args[2048], prog_env[4096], prog_err[4096];

static void turn(void);

static void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
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

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		die("out of memory");
	return p;
}

static struct pinetd_svc *svc_of(struct pt_service *s)
{
	/* struct pt_service is the public name of the fake service. */
	return (struct pinetd_svc *)(void *)s;
}

/* An open connection: not closing, not ended. */
static int is_open(const pinetd_conn *c)
{
	return c && !c->closed && !c->notified;
}

/* Mark c closing; its on_close(why) comes at the next loop turn. */
static void end_conn(pinetd_conn *c, int why)
{
	if (!c->closed && !c->notified) {
		c->closed = 1;
		c->reason = why;
	}
}

/* ---- timers, watches, child watches ---- */

static struct ktimer *timer_find(pinetd_timer id)
{
	for (struct ktimer *t = timers; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void timer_end(struct ktimer *t)
{
	for (struct ktimer **pp = &timers; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

static struct kwatch *watch_find(pinetd_watch id)
{
	for (struct kwatch *w = watches; w; w = w->next)
		if (w->id == id)
			return w;
	return NULL;
}

static struct kwatch *watch_on(const struct pinetd_svc *s, int fd)
{
	for (struct kwatch *w = watches; w; w = w->next)
		if (w->fd == fd && (!s || w->svc == s))
			return w;
	return NULL;
}

static void watch_end(struct kwatch *w)
{
	for (struct kwatch **pp = &watches; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (w->own_fd)
				close(w->fd);
			free(w);
			return;
		}
	}
}

/*
 * End what an owner holds: the timers and watches of connection c, or
 * (c NULL) everything of service s, child watches and kept datagrams
 * included.
 */
static void end_owned(struct pinetd_svc *s, pinetd_conn *c)
{
	struct ktimer **tp = &timers;
	struct kwatch **wp = &watches;
	struct kchild **kp = &children;

	while (*tp) {
		struct ktimer *t = *tp;
		if (c ? t->conn == c : t->svc == s) {
			*tp = t->next;
			free(t);
		} else {
			tp = &t->next;
		}
	}
	while (*wp) {
		struct kwatch *w = *wp;
		if (c ? w->conn == c : w->svc == s) {
			*wp = w->next;
			if (w->own_fd)
				close(w->fd);
			free(w);
		} else {
			wp = &w->next;
		}
	}
	if (c)
		return;
	while (*kp) {
		struct kchild *k = *kp;
		if (k->svc == s) {
			*kp = k->next;
			free(k);
		} else {
			kp = &k->next;
		}
	}
	while (s->kept) {
		struct pinetd_dgram *d = s->kept;
		s->kept = d->next;
		free(d);
	}
}

/* ---- the fake core table: stream output ---- */

static int fk_send(pinetd_conn *c, const void *buf, size_t len)
{
	if (!is_open(c) || c->shut)
		return -1;
	if (c->outlen + c->fake_pending + len > c->svc->output_max) {
		end_conn(c, PINETD_CLOSE_OVERFLOW);
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
	if (len)
		memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	c->out[c->outlen] = '\0';
	return 0;
}

/* Join iov into one malloc'd buffer (all or nothing, like one write).
 * Returns NULL for a negative count. */
static char *gather(const struct iovec *iov, int iovcnt, size_t *len)
{
	size_t n = 0;
	char *buf;

	if (iovcnt < 0 || (iovcnt > 0 && !iov))
		return NULL;
	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	buf = xcalloc(1, n + 1);
	n = 0;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len)
			memcpy(buf + n, iov[i].iov_base, iov[i].iov_len);
		n += iov[i].iov_len;
	}
	*len = n;
	return buf;
}

static int fk_sendv(pinetd_conn *c, const struct iovec *iov, int iovcnt)
{
	size_t len;
	char *buf;
	int rc;

	if (!is_open(c) || c->shut || !(buf = gather(iov, iovcnt, &len)))
		return -1;
	rc = fk_send(c, buf, len);
	free(buf);
	return rc;
}

static int fk_vsendf(pinetd_conn *c, const char *fmt, va_list ap)
{
	va_list aq;
	char *s;
	int n, rc;

	if (!is_open(c) || c->shut)
		return -1;
	va_copy(aq, ap);
	n = vasprintf(&s, fmt, aq);
	va_end(aq);
	if (n < 0)
		die("out of memory");
	rc = fk_send(c, s, (size_t)n);
	free(s);
	return rc;
}

static int fk_sendf(pinetd_conn *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = fk_vsendf(c, fmt, ap);
	va_end(ap);
	return rc;
}

static size_t fk_pending(const pinetd_conn *c) { return c->fake_pending; }

static void fk_want_drain(pinetd_conn *c, int on) { c->drain = on != 0; }

/* ---- stream control ---- */

static void fk_close(pinetd_conn *c) { end_conn(c, PINETD_CLOSE_PLUGIN); }

static int fk_shutdown(pinetd_conn *c)
{
	if (!is_open(c) || c->shut)
		return -1;
	c->shut = 1;
	if (c->eof) /* both directions are done */
		end_conn(c, PINETD_CLOSE_PEER);
	return 0;
}

static int fk_pause(pinetd_conn *c, int on)
{
	if (!is_open(c))
		return -1;
	c->paused = on != 0;
	return 0;
}

static int fk_frame_reads(pinetd_conn *c, int on)
{
	if (!c->svc->p.on_data || c->notified)
		return -1;
	c->reads = on != 0;
	if (on)
		pn_framer_free(&c->fr);
	return 0;
}

/* ---- connection facts ---- */

static const char *fk_peer_name(const pinetd_conn *c) { return c->peer; }

static const struct sockaddr *fk_peer_addr(const pinetd_conn *c,
					   socklen_t *len)
{
	if (len)
		*len = c->sslen;
	return (const struct sockaddr *)&c->ss;
}

static const struct sockaddr *fk_local_addr(const pinetd_conn *c,
					    socklen_t *len)
{
	if (len)
		*len = c->locallen;
	return (const struct sockaddr *)&c->local;
}

static void *fk_conn_data(pinetd_conn *c) { return c->data; }

static pinetd_svc *fk_conn_service(pinetd_conn *c) { return c->svc; }

static int fk_conn_fd(pinetd_conn *c) { return c->fd; }

static int fk_foreach_conn(pinetd_svc *svc, int (*fn)(pinetd_conn *, void *),
			   void *arg)
{
	for (pinetd_conn *c = svc->conns; c; c = c->next) {
		if (!is_open(c))
			continue;
		int rc = fn(c, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- datagrams ---- */

static int fk_reply(pinetd_dgram *d, const void *buf, size_t len)
{
	if (!d || d->svc->stopping)
		return -1;
	free(reply_buf);
	reply_buf = xcalloc(1, len + 1);
	if (len)
		memcpy(reply_buf, buf, len);
	reply_len = len;
	reply_count++;
	return 0;
}

static int fk_replyv(pinetd_dgram *d, const struct iovec *iov, int iovcnt)
{
	size_t len;
	char *buf;
	int rc;

	if (!(buf = gather(iov, iovcnt, &len)))
		return -1;
	rc = fk_reply(d, buf, len);
	free(buf);
	return rc;
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

static pinetd_svc *fk_dgram_service(const pinetd_dgram *d) { return d->svc; }

static pinetd_dgram *fk_dgram_keep(pinetd_dgram *d)
{
	pinetd_dgram *k;

	if (!d || d->svc->stopping || !(k = malloc(sizeof *k)))
		return NULL;
	*k = *d;
	k->kept = 1;
	k->next = d->svc->kept;
	d->svc->kept = k;
	return k;
}

static void fk_dgram_release(pinetd_dgram *kept)
{
	if (!kept || !kept->kept)
		return;
	for (pinetd_dgram **pp = &kept->svc->kept; *pp; pp = &(*pp)->next) {
		if (*pp == kept) {
			*pp = kept->next;
			free(kept);
			return;
		}
	}
}

/* ---- timers, watches, child processes ---- */

/* The service an owner pair names: c's when c is given (0 if c is not
 * open), else svc (0 if it stopped). */
static struct pinetd_svc *owner_svc(pinetd_svc *svc, pinetd_conn *c)
{
	if (c)
		return is_open(c) && !c->svc->stopping ? c->svc : NULL;
	return svc && !svc->stopping ? svc : NULL;
}

static pinetd_timer fk_timer_start(pinetd_svc *svc, pinetd_conn *c,
				   uint64_t after_ms, uint64_t every_ms,
				   pinetd_timer_fn *fn, void *arg)
{
	struct pinetd_svc *s = owner_svc(svc, c);
	struct ktimer *t;

	if (!s || !fn || !(t = calloc(1, sizeof *t)))
		return 0;
	t->id = next_handle++;
	t->svc = s;
	t->conn = c;
	t->due = clock_ms + after_ms;
	t->every = every_ms;
	t->seq = next_seq++;
	t->fn = fn;
	t->arg = arg;
	t->next = timers;
	timers = t;
	return t->id;
}

static int fk_timer_stop(pinetd_timer id)
{
	struct ktimer *t = timer_find(id);

	if (!t)
		return -1;
	timer_end(t);
	return 0;
}

static pinetd_watch fk_watch(pinetd_svc *svc, pinetd_conn *c, int fd,
			     uint32_t events, pinetd_watch_fn *fn, void *arg)
{
	struct pinetd_svc *s = owner_svc(svc, c);
	struct kwatch *w;

	if (!s || !fn || fd < 0 || fcntl(fd, F_GETFD) < 0 ||
	    watch_on(NULL, fd) || !(w = calloc(1, sizeof *w)))
		return 0;
	w->id = next_handle++;
	w->svc = s;
	w->conn = c;
	w->fd = fd;
	w->events = events & (PINETD_READABLE | PINETD_WRITABLE);
	w->own_fd = (events & PINETD_WATCH_OWN_FD) != 0;
	w->fn = fn;
	w->arg = arg;
	w->next = watches;
	watches = w;
	return w->id;
}

static int fk_watch_set(pinetd_watch id, uint32_t events)
{
	struct kwatch *w = watch_find(id);

	if (!w)
		return -1;
	w->events = events & (PINETD_READABLE | PINETD_WRITABLE);
	return 0;
}

static int fk_watch_close(pinetd_watch id)
{
	struct kwatch *w = watch_find(id);

	if (!w)
		return -1;
	watch_end(w);
	return 0;
}

static int fk_child_watch(pinetd_svc *svc, pid_t pid, pinetd_child_fn *fn,
			  void *arg)
{
	struct pinetd_svc *s = owner_svc(svc, NULL);
	struct kchild *k;
	siginfo_t si;

	if (!s || !fn || pid <= 0)
		return -1;
	for (k = children; k; k = k->next)
		if (k->pid == pid)
			return -1;
	/* Is pid our child?  WNOWAIT: ask without reaping it. */
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	if (!(k = calloc(1, sizeof *k)))
		return -1;
	k->svc = s;
	k->pid = pid;
	k->fn = fn;
	k->arg = arg;
	k->next = children;
	children = k;
	return 0;
}

/* ---- programs (PINETD_PF_SPAWN) ---- */

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
static pid_t run_program(int fd, const char *path, char *const argv[],
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

static pid_t fk_spawn(pinetd_conn *c, const char *path, char *const argv[],
		      char *const envp[], char *err, size_t errlen)
{
	pid_t pid = run_program(is_open(c) ? c->fd : -1, path, argv, envp,
				err, errlen);

	if (pid > 0) /* the program ended: the core ends the connection */
		end_conn(c, PINETD_CLOSE_PLUGIN);
	return pid;
}

static pid_t fk_spawn_wait(pinetd_svc *svc, int fd, const char *path,
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

/* ---- the service and the daemon ---- */

static const char *fk_service_name(const pinetd_svc *svc)
{
	return svc->name;
}

static void fk_vlog(pinetd_svc *svc, int level, const char *fmt, va_list ap)
{
	va_list aq;

	(void)svc;
	va_copy(aq, ap);
	vsnprintf(last_log, sizeof last_log, fmt, aq);
	va_end(aq);
	log_level = level;
	log_count++;
}

static void fk_log(pinetd_svc *svc, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fk_vlog(svc, level, fmt, ap);
	va_end(ap);
}

static int fk_foreach_service(pinetd_svc *svc,
			      int (*fn)(const struct pinetd_service_info *,
					void *),
			      void *arg)
{
	(void)svc;
	for (struct pinetd_svc *s = live; s; s = s->next_live) {
		const char *const listen[] = { s->listen, NULL };
		uint64_t n = 0;
		int rc;

		for (pinetd_conn *c = s->conns; c; c = c->next)
			n += !c->notified;
		struct pinetd_service_info info = {
			.size = sizeof info, .enabled = 1, .name = s->name,
			.plugin = s->p.name, .listen = listen, .nlisten = 1,
			.connections = n,
		};
		if ((rc = fn(&info, arg)) != 0)
			return rc;
	}
	return 0;
}

static int64_t fk_start_time(void) { return started; }

static uint64_t fk_now(void) { return clock_ms; }

const struct pinetd_core pt_core = {
	.abi = PINETD_ABI_VERSION,
	.size = sizeof(struct pinetd_core),
	.send = fk_send,
	.sendv = fk_sendv,
	.sendf = fk_sendf,
	.vsendf = fk_vsendf,
	.pending = fk_pending,
	.want_drain = fk_want_drain,
	.close = fk_close,
	.shutdown = fk_shutdown,
	.pause = fk_pause,
	.frame_reads = fk_frame_reads,
	.peer_name = fk_peer_name,
	.peer_addr = fk_peer_addr,
	.local_addr = fk_local_addr,
	.conn_data = fk_conn_data,
	.conn_service = fk_conn_service,
	.conn_fd = fk_conn_fd,
	.foreach_conn = fk_foreach_conn,
	.reply = fk_reply,
	.replyv = fk_replyv,
	.dgram_peer_name = fk_dgram_peer_name,
	.dgram_peer_addr = fk_dgram_peer_addr,
	.dgram_service = fk_dgram_service,
	.dgram_keep = fk_dgram_keep,
	.dgram_release = fk_dgram_release,
	.timer_start = fk_timer_start,
	.timer_stop = fk_timer_stop,
	.watch = fk_watch,
	.watch_set = fk_watch_set,
	.watch_close = fk_watch_close,
	.child_watch = fk_child_watch,
	.spawn = fk_spawn,
	.spawn_wait = fk_spawn_wait,
	.service_name = fk_service_name,
	.log = fk_log,
	.vlog = fk_vlog,
	.foreach_service = fk_foreach_service,
	.start_time = fk_start_time,
	.now = fk_now,
};

/* ---- the loop ---- */

static void hold(pinetd_conn *c, int kind, const char *buf, size_t len,
		 uint32_t flags)
{
	struct held *h = xcalloc(1, sizeof *h + len + 1);

	h->kind = kind;
	h->flags = flags;
	h->len = len;
	if (len)
		memcpy(h->buf, buf, len);
	if (!c->held)
		c->held_tail = &c->held;
	*c->held_tail = h;
	c->held_tail = &h->next;
	c->nheld++;
}

static void drop_held(pinetd_conn *c)
{
	while (c->held) {
		struct held *h = c->held;
		c->held = h->next;
		free(h);
	}
	c->nheld = 0;
}

/* Input waits while c is paused, and behind input that waits already. */
static int must_hold(const pinetd_conn *c) { return c->paused || c->held; }

static void deliver_line(pinetd_conn *c, char *line, size_t len,
			 uint32_t flags)
{
	if (c->svc->p.on_line)
		c->svc->p.on_line(c->svc->state, c, line, len, flags);
}

static void deliver_data(pinetd_conn *c, const char *buf, size_t len)
{
	if (len > 0 && c->svc->p.on_data)
		c->svc->p.on_data(c->svc->state, c, buf, len);
}

/* The peer's EOF reaches the plugin: on_eof, then the end of the
 * connection unless it may stay half open. */
static void deliver_eof(pinetd_conn *c)
{
	c->eof = 1;
	if (!is_open(c))
		return;
	if (c->svc->p.on_eof)
		c->svc->p.on_eof(c->svc->state, c);
	if (!(c->svc->p.flags & PINETD_PF_HALF_CLOSE) || c->shut)
		end_conn(c, PINETD_CLOSE_PEER);
}

static int line_cb(void *arg, char *line, size_t len, unsigned flags)
{
	pinetd_conn *c = arg;

	if (must_hold(c))
		hold(c, HELD_LINE, line, len, flags);
	else
		deliver_line(c, line, len, flags);
	return !is_open(c);
}

/* The connection has ended: on_close, then the end of what it owned. */
static void notify_close(pinetd_conn *c, int why)
{
	if (c->notified)
		return;
	c->notified = 1;
	c->closed = 1;
	c->got_reason = why;
	drop_held(c);
	if (c->svc->p.on_close)
		c->svc->p.on_close(c->svc->state, c, why);
	end_owned(c->svc, c);
	pn_framer_free(&c->fr);
}

/* One deferred on_close.  Returns whether there was one. */
static int run_one_close(void)
{
	for (struct pinetd_svc *s = live; s; s = s->next_live)
		for (pinetd_conn *c = s->conns; c; c = c->next)
			if (c->closed && !c->notified) {
				notify_close(c, c->reason);
				return 1;
			}
	return 0;
}

/* One item of held input of a resumed connection. */
static int run_one_held(void)
{
	for (struct pinetd_svc *s = live; s; s = s->next_live) {
		for (pinetd_conn *c = s->conns; c; c = c->next) {
			struct held *h = c->held;

			if (!h || c->paused || !is_open(c))
				continue;
			c->held = h->next;
			c->nheld--;
			if (h->kind == HELD_LINE)
				deliver_line(c, h->buf, h->len, h->flags);
			else if (h->kind == HELD_DATA)
				deliver_data(c, h->buf, h->len);
			else
				deliver_eof(c);
			free(h);
			return 1;
		}
	}
	return 0;
}

/* Reap one watched child that has ended. */
static int run_one_child(void)
{
	for (struct kchild **pp = &children; *pp; pp = &(*pp)->next) {
		struct kchild *k = *pp;
		int status = 0;
		pid_t r = waitpid(k->pid, &status, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR))
			continue;
		*pp = k->next;
		if (r == k->pid)
			k->fn(k->svc->state, k->pid, status, k->arg);
		free(k); /* r < 0: someone else reaped it; nothing to say */
		return 1;
	}
	return 0;
}

/* Fire the earliest timer due at or before `limit`, the clock standing
 * at its deadline.  Returns whether one fired. */
static int run_one_timer(uint64_t limit)
{
	struct ktimer *t = NULL;

	for (struct ktimer *x = timers; x; x = x->next)
		if (x->due <= limit &&
		    (!t || x->due < t->due || (x->due == t->due && x->seq < t->seq)))
			t = x;
	if (!t)
		return 0;
	if (t->due > clock_ms)
		clock_ms = t->due;

	pinetd_timer id = t->id;
	pinetd_timer_fn *fn = t->fn;
	void *arg = t->arg, *state = t->svc->state;

	if (t->every) { /* re-armed first: the callback may stop it */
		t->due += t->every;
		t->seq = next_seq++;
	} else {
		timer_end(t); /* fired for the last time: ended */
	}
	fn(state, id, arg);
	return 1;
}

/*
 * turn -- one turn of the fake event loop: deferred closes first (so
 * nothing of a closed connection runs after its close was asked), then
 * children, held input and due timers, one at a time, until nothing is
 * left.  A plugin that keeps re-arming a timer due now never lets the
 * turn end: that is a bug the kit reports rather than spins on.
 */
static void turn(void)
{
	for (unsigned long n = 0;; n++) {
		if (n == 10000000)
			die("the event loop never goes idle (a timer re-armed "
			    "for now from its own callback?)");
		if (run_one_close() || run_one_child() || run_one_held() ||
		    run_one_timer(clock_ms))
			continue;
		break;
	}
}

void pt_run(struct pt_service *s)
{
	(void)s;
	turn();
}

uint64_t pt_now(void) { return clock_ms; }

void pt_advance(struct pt_service *s, uint64_t ms)
{
	uint64_t target = clock_ms + ms;

	(void)s;
	turn();
	while (run_one_timer(target))
		turn();
	clock_ms = target;
	turn();
}

int pt_timers(struct pt_service *s)
{
	int n = 0;

	for (struct ktimer *t = timers; t; t = t->next)
		n += t->svc == svc_of(s);
	return n;
}

int pt_poll(struct pt_service *ps, int timeout_ms)
{
	struct pinetd_svc *s = svc_of(ps);
	struct pollfd *pfd;
	pinetd_watch *ids;
	size_t n = 0;
	int rc, calls = 0;

	for (struct kwatch *w = watches; w; w = w->next)
		n += w->svc == s && w->events;
	pfd = xcalloc(n, sizeof *pfd);
	ids = xcalloc(n, sizeof *ids);
	n = 0;
	for (struct kwatch *w = watches; w; w = w->next) {
		if (w->svc != s || !w->events)
			continue;
		pfd[n].fd = w->fd;
		pfd[n].events = (short)(((w->events & PINETD_READABLE) ? POLLIN : 0) |
					((w->events & PINETD_WRITABLE) ? POLLOUT : 0));
		ids[n++] = w->id;
	}
	do
		rc = poll(pfd, n, timeout_ms);
	while (rc < 0 && errno == EINTR);
	for (size_t i = 0; rc > 0 && i < n; i++) {
		/* Looked up again: an earlier callback may have ended it. */
		struct kwatch *w = watch_find(ids[i]);
		uint32_t ev = 0;

		if (!w || !pfd[i].revents)
			continue;
		if ((pfd[i].revents & POLLIN) && (w->events & PINETD_READABLE))
			ev |= PINETD_READABLE;
		if ((pfd[i].revents & POLLOUT) && (w->events & PINETD_WRITABLE))
			ev |= PINETD_WRITABLE;
		if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			ev |= PINETD_HANGUP;
		if (!ev)
			continue;
		w->fn(w->svc->state, w->id, w->fd, ev, w->arg);
		calls++;
	}
	free(pfd);
	free(ids);
	turn();
	return rc < 0 ? -1 : calls;
}

void pt_fire(struct pt_service *s, int fd, uint32_t events)
{
	struct kwatch *w = watch_on(svc_of(s), fd);

	if (w)
		w->fn(w->svc->state, w->id, w->fd, events, w->arg);
	turn();
}

int pt_watching(struct pt_service *s, int fd)
{
	struct kwatch *w = watch_on(svc_of(s), fd);

	return w ? (int)w->events : -1;
}

/* ---- services ---- */

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

/* A feature this (fake) daemon offers, for struct pinetd_plugin.requires. */
static int offered(const char *feature)
{
	return strcmp(feature, PINETD_FEATURE_API_1_0) == 0;
}

/*
 * Check the descriptor as the daemon's loader does and keep a copy of
 * it (members beyond its size absent) and of its option table in s.
 * Returns 0, or -1 with a reason in err.
 */
static int load(struct pinetd_svc *s, const struct pinetd_plugin *p,
		char *err, size_t errlen)
{
	const char *name;

	if (!p) {
		snprintf(err, errlen, "no descriptor");
		return -1;
	}
	if (p->abi != PINETD_ABI_VERSION) {
		snprintf(err, errlen, "ABI version %u, expected %u", p->abi,
			 PINETD_ABI_VERSION);
		return -1;
	}
	if (p->size < PINETD_PLUGIN_MIN_SIZE) {
		snprintf(err, errlen,
			 "descriptor of %u bytes is smaller than the minimum %zu",
			 p->size, (size_t)PINETD_PLUGIN_MIN_SIZE);
		return -1;
	}
	memcpy(&s->p, p, p->size < sizeof s->p ? p->size : sizeof s->p);
	name = s->p.name ? s->p.name : "?";
	if (!s->p.name || !s->p.name[0]) {
		snprintf(err, errlen, "the descriptor has no name");
		return -1;
	}
	if (s->p.flags & ~PINETD_PF_KNOWN_1_0) {
		snprintf(err, errlen, "plugin '%s': unknown flags 0x%x", name,
			 s->p.flags & ~PINETD_PF_KNOWN_1_0);
		return -1;
	}
	for (size_t i = 0; s->p.requires && s->p.requires[i]; i++) {
		if (!offered(s->p.requires[i])) {
			snprintf(err, errlen,
				 "plugin '%s' requires feature '%s', which this "
				 "daemon lacks",
				 name, s->p.requires[i]);
			return -1;
		}
	}
	if (!s->p.core) {
		snprintf(err, errlen,
			 "plugin '%s': no core slot (define it with "
			 "PINETD_PLUGIN_DEFINE)",
			 name);
		return -1;
	}
	if (!(s->p.transports & (PINETD_TCP | PINETD_UDP)) ||
	    (s->p.transports & ~(PINETD_TCP | PINETD_UDP))) {
		snprintf(err, errlen, "plugin '%s': bad transports 0x%x", name,
			 s->p.transports);
		return -1;
	}
	if ((s->p.transports & PINETD_UDP) && !s->p.on_datagram &&
	    !s->p.on_wait) {
		snprintf(err, errlen,
			 "plugin '%s' serves UDP but has no on_datagram", name);
		return -1;
	}
	char why[384];
	if (!(s->opts = pn_plugopt_normalize(s->p.options, s->p.option_size,
					     why, sizeof why)) ||
	    pn_plugopt_check(s->opts, s->p.conf_size, why, sizeof why) < 0) {
		snprintf(err, errlen, "plugin '%s': %s", name, why);
		return -1;
	}
	return 0;
}

/* A conf with the defaults and the "key=value" strings of opts; a bad
 * string aborts the test.  NULL when the plugin has no conf. */
static void *build_conf(struct pinetd_svc *s, const char *const *opts)
{
	char err[256], key[128];
	void *conf = NULL;

	if (s->p.conf_size && !(conf = pn_plugopt_new(s->opts, s->p.conf_size)))
		die("cannot build the default conf");
	for (size_t i = 0; opts && opts[i]; i++) {
		const char *eq = strchr(opts[i], '=');
		if (!eq)
			die("option '%s' is not key=value", opts[i]);
		snprintf(key, sizeof key, "%.*s", (int)(eq - opts[i]), opts[i]);
		const struct pinetd_option *o = pn_plugopt_find(s->opts, key);
		if (!o)
			die("plugin %s has no option '%s'", s->p.name, key);
		if (pn_plugopt_set_text(o, conf, eq + 1, err, sizeof err) < 0)
			die("option %s: %s", key, err);
	}
	return conf;
}

static void unlink_live(struct pinetd_svc *s)
{
	for (struct pinetd_svc **pp = &live; *pp; pp = &(*pp)->next_live) {
		if (*pp == s) {
			*pp = s->next_live;
			return;
		}
	}
}

/* Release s: its records, connections, conf; s is not live. */
static void release(struct pinetd_svc *s)
{
	end_owned(s, NULL);
	while (s->conns) {
		pinetd_conn *c = s->conns;
		s->conns = c->next;
		drop_held(c);
		pn_framer_free(&c->fr);
		free(c->out);
		free(c->data);
		free(c);
	}
	pn_plugopt_free(s->opts, s->conf);
	free(s->opts);
	free(s->name);
	free(s);
	if (!live) {
		free(reply_buf);
		reply_buf = NULL;
		reply_len = 0;
	}
}

struct pt_service *pt_service_new(const struct pinetd_plugin *p,
				  const char *name, const char *const *opts)
{
	struct pinetd_svc *s = xcalloc(1, sizeof *s);
	char err[512];

	if (!(s->name = strdup(name)))
		die("out of memory");
	last_error[0] = last_log[0] = '\0';
	log_count = reply_count = 0;
	log_level = -1;
	prog_status = -1;
	prog_path[0] = prog_args[0] = prog_env[0] = prog_err[0] = '\0';
	started = (int64_t)time(NULL);
	if (!live)
		clock_ms = PT_CLOCK_START;
	s->max_line = 4096;
	s->output_max = 1 << 20;
	s->next_fd = -1;
	pt_set_local((struct pt_service *)(void *)s, "127.0.0.1", 7000);
	err[0] = '\0';
	if (load(s, p, err, sizeof err) < 0) {
		snprintf(last_error, sizeof last_error, "%s", err);
		release(s);
		return NULL;
	}
	s->conf = build_conf(s, opts);
	*s->p.core = &pt_core;
	struct pinetd_svc **tail = &live;
	while (*tail)
		tail = &(*tail)->next_live;
	*tail = s;
	if (s->p.init &&
	    s->p.init(s, s->conf, &s->state, err, sizeof err) != 0) {
		snprintf(last_error, sizeof last_error, "%s", err);
		s->stopping = 1;
		unlink_live(s);
		release(s);
		return NULL;
	}
	if (!s->state)
		s->state = s->conf;
	return (struct pt_service *)(void *)s;
}

void pt_service_free(struct pt_service *ps)
{
	struct pinetd_svc *s = svc_of(ps);

	if (!s)
		return;
	turn(); /* closes asked for already keep their reason */
	for (pinetd_conn *c = s->conns; c; c = c->next)
		end_conn(c, PINETD_CLOSE_SHUTDOWN);
	turn();
	s->stopping = 1;
	if (s->p.fini)
		s->p.fini(s->state);
	unlink_live(s);
	release(s);
}

const char *pt_last_error(void) { return last_error; }

void *pt_service_state(struct pt_service *s) { return svc_of(s)->state; }

const void *pt_service_conf(struct pt_service *s) { return svc_of(s)->conf; }

pinetd_svc *pt_svc(struct pt_service *s) { return svc_of(s); }

int pt_reconfigure(struct pt_service *ps, const char *const *opts)
{
	struct pinetd_svc *s = svc_of(ps);
	char err[512] = "";
	void *conf;
	int rc;

	last_error[0] = '\0';
	if (!s->p.reconfigure) {
		snprintf(last_error, sizeof last_error,
			 "plugin has no reconfigure");
		return -1;
	}
	conf = build_conf(s, opts);
	rc = s->p.reconfigure(s->state, s, conf, err, sizeof err);
	if (rc != 0) {
		snprintf(last_error, sizeof last_error, "%s", err);
		pn_plugopt_free(s->opts, conf);
		turn();
		return rc;
	}
	if (s->state == s->conf)
		s->state = conf;
	pn_plugopt_free(s->opts, s->conf);
	s->conf = conf;
	turn();
	return 0;
}

void pt_set_max_line(struct pt_service *s, size_t max_line)
{
	svc_of(s)->max_line = max_line;
}

void pt_set_output_max(struct pt_service *s, size_t output_max)
{
	svc_of(s)->output_max = output_max;
}

void pt_set_local(struct pt_service *ps, const char *ip, unsigned port)
{
	struct pinetd_svc *s = svc_of(ps);
	char name[80];

	fill_addr(&s->local, &s->locallen, name, sizeof name, ip, port);
	snprintf(s->listen, sizeof s->listen, "tcp://%s", name);
}

void pt_set_next_fd(struct pt_service *s, int fd) { svc_of(s)->next_fd = fd; }

/* ---- stream connections ---- */

pinetd_conn *pt_connect(struct pt_service *ps, const char *ip, unsigned port)
{
	struct pinetd_svc *s = svc_of(ps);
	pinetd_conn *c = xcalloc(1, sizeof *c);

	c->svc = s;
	c->got_reason = -1;
	c->fd = s->next_fd;
	s->next_fd = -1;
	fill_addr(&c->ss, &c->sslen, c->peer, sizeof c->peer, ip, port);
	c->local = s->local;
	c->locallen = s->locallen;
	if (s->p.conn_size)
		c->data = xcalloc(1, s->p.conn_size);
	c->next = s->conns;
	s->conns = c;
	if (s->p.on_open && s->p.on_open(s->state, c) != 0) {
		/* Closed at once, output dropped; on_close(REFUSED) comes
		 * from the loop, at the next turn. */
		c->closed = 1;
		c->reason = PINETD_CLOSE_REFUSED;
		pt_clear(c);
		return NULL;
	}
	turn();
	return c;
}

void pt_send(struct pt_service *ps, pinetd_conn *c, const void *buf,
	     size_t len)
{
	struct pinetd_svc *s = svc_of(ps);

	if (is_open(c) && !c->input_ended) {
		if ((s->p.flags & PINETD_PF_LINES) && !c->reads) {
			char *copy = xcalloc(1, len + 1);
			if (len)
				memcpy(copy, buf, len);
			if (pn_framer_feed(&c->fr, copy, len, s->max_line,
					   line_cb, c) < 0 && is_open(c))
				die("out of memory");
			free(copy);
		} else if (len > 0 && must_hold(c)) {
			hold(c, HELD_DATA, buf, len, 0);
		} else {
			deliver_data(c, buf, len);
		}
	}
	turn();
}

void pt_sendstr(struct pt_service *s, pinetd_conn *c, const char *str)
{
	pt_send(s, c, str, strlen(str));
}

void pt_eof(struct pt_service *ps, pinetd_conn *c)
{
	struct pinetd_svc *s = svc_of(ps);

	if (is_open(c) && !c->input_ended) {
		c->input_ended = 1;
		if ((s->p.flags & PINETD_PF_LINES) && !c->reads)
			pn_framer_finish(&c->fr, line_cb, c);
		if (must_hold(c))
			hold(c, HELD_EOF, NULL, 0, 0);
		else
			deliver_eof(c);
	}
	turn();
}

void pt_disconnect(struct pt_service *ps, pinetd_conn *c)
{
	(void)ps;
	notify_close(c, PINETD_CLOSE_PEER);
	turn();
}

void pt_drain(struct pt_service *ps, pinetd_conn *c)
{
	struct pinetd_svc *s = svc_of(ps);

	if (c->drain && is_open(c) && s->p.on_drain)
		s->p.on_drain(s->state, c);
	turn();
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
int pt_paused(pinetd_conn *c) { return c->paused; }
size_t pt_held(pinetd_conn *c) { return c->nheld; }
int pt_shut_down(pinetd_conn *c) { return c->shut; }

/* ---- datagrams ---- */

int pt_datagram(struct pt_service *ps, const char *ip, unsigned port,
		const void *buf, size_t len)
{
	struct pinetd_svc *s = svc_of(ps);
	/* On the heap: a plugin that keeps the pointer past the call
	 * instead of using dgram_keep is caught by the sanitizers. */
	struct pinetd_dgram *d = xcalloc(1, sizeof *d);
	int before = reply_count;

	d->svc = s;
	d->len = len;
	fill_addr(&d->ss, &d->sslen, d->peer, sizeof d->peer, ip, port);
	if (s->p.on_datagram)
		s->p.on_datagram(s->state, d, buf, len);
	free(d);
	turn();
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

int pt_kept(struct pt_service *s)
{
	int n = 0;

	for (struct pinetd_dgram *d = svc_of(s)->kept; d; d = d->next)
		n++;
	return n;
}

/* ---- logs ---- */

const char *pt_last_log(int *count)
{
	if (count)
		*count = log_count;
	return last_log;
}

int pt_last_log_level(void) { return log_level; }
