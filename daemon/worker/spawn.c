/*
 * spawn.c -- programs started by the worker itself (see spawn.h).
 */
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "conn.h"
#include "log.h"
#include "pause.h"

/* The child runs on this stack until execve().  One is enough: with
 * CLONE_VFORK the worker (one thread) is suspended meanwhile, so two
 * children never use it at once. */
#define STACK_SIZE (64 * 1024)
static _Alignas(64) char child_stack[STACK_SIZE];

/* Code that runs in the child, on child_stack and in the worker's
 * memory: no sanitizer bookkeeping there. */
#define IN_CHILD __attribute__((no_sanitize("address", "undefined")))

struct pn_prog {
	struct pn_server *srv;
	pinetd_svc *svc;
	pinetd_conn *conn;	 /* the connection handed over, or NULL */
	struct pn_prog *prev, *next; /* srv->progs; next: srv->progs_dead */
	pid_t pid;
	int stopping;		  /* SIGTERM sent */
	int why; /* why it was stopped */
	uint64_t started;	  /* pn_loop_now() */
	struct pn_watch err;	  /* read end of its stderr; fd -1 once closed */
	struct pn_timer timer;	  /* max_duration, then the SIGKILL grace */
	char who[PN_ADDR_TEXT];	  /* the client, or "(datagrams)" */
	char tag[48];		  /* the program's basename */
	struct pn_lines lines;
};

/* ---- stderr lines ---- */

/* Hand the buffered line to fn, made printable; empty lines are dropped. */
static void lines_emit(struct pn_lines *l, pn_errline_fn *fn, void *arg)
{
	if (l->len && l->buf[l->len - 1] == '\r')
		l->len--;
	for (size_t i = 0; i < l->len; i++) {
		unsigned char ch = (unsigned char)l->buf[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			l->buf[i] = '?';
	}
	l->buf[l->len] = '\0';
	if (l->len)
		fn(arg, l->buf);
	l->len = 0;
}

void pn_lines_feed(struct pn_lines *l, const char *data, size_t n,
		   pn_errline_fn *fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			lines_emit(l, fn, arg);
			continue;
		}
		if (l->len == PN_SPAWN_LINE_MAX)
			lines_emit(l, fn, arg);
		l->buf[l->len++] = data[i];
	}
}

void pn_lines_flush(struct pn_lines *l, pn_errline_fn *fn, void *arg)
{
	lines_emit(l, fn, arg);
}

void pn_spawn_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = strsignal(sig);
		snprintf(buf, len, "killed by signal %d (%s)%s", sig,
			 name ? name : "?", WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(buf, len, "ended with wait status 0x%x", (unsigned)status);
	}
}

/* ---- the child: descriptors, signals, execve ---- */

IN_CHILD int pn_close_from_proc(int lowfd)
{
	/* A buffer of struct dirent64 records, suitably aligned. */
	union {
		struct dirent64 d;
		char b[4096];
	} u;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -1;
	/* Closing while listing may skip entries: repeat until a whole pass
	 * closes nothing (a descriptor close() refuses, such as a
	 * debugger's, ends it too), at most 16 times. */
	for (int closed = 1, pass = 0; closed && pass < 16; pass++) {
		closed = 0;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			goto fail;
		for (;;) {
			ssize_t n = getdents64(dfd, u.b, sizeof u.b);
			if (n < 0)
				goto fail;
			if (n == 0)
				break;
			for (ssize_t off = 0; off < n;) {
				const struct dirent64 *d = (const void *)(u.b + off);
				const char *p = d->d_name;
				long fd = 0;
				off += d->d_reclen;
				if (*p < '0' || *p > '9')
					continue; /* "." and ".." */
				for (; *p >= '0' && *p <= '9'; p++)
					fd = fd * 10 + (*p - '0');
				if (fd >= lowfd && fd != dfd && close((int)fd) == 0)
					closed = 1;
			}
		}
	}
	close(dfd);
	return 0;
fail:;
	int e = errno;
	close(dfd);
	errno = e;
	return -1;
}

/* close_range(2) where the C library or the kernel has it. */
IN_CHILD static int close_from(unsigned lowfd)
{
#if defined(HAVE_CLOSE_RANGE)
	return close_range(lowfd, ~0U, 0);
#elif defined(SYS_close_range)
	return (int)syscall(SYS_close_range, lowfd, ~0U, 0);
#else
	(void)lowfd;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The C library refuses to touch the signals it reserves for itself (32
 * and 33 with glibc), yet an ignored one stays ignored across execve.
 * The kernel's own call takes a struct sigaction whose layout varies by
 * architecture, but SIG_DFL with no flags and an empty mask is all zeros
 * in every layout.
 */
IN_CHILD static void sig_default_raw(int sig)
{
#ifdef SYS_rt_sigaction
	long zero[16] = { 0 };

	(void)syscall(SYS_rt_sigaction, sig, zero, NULL, (NSIG - 1) / 8);
#else
	(void)sig;
#endif
}

/* What the child needs, prepared by the worker; `err` and `step` are the
 * child's answer when it could not exec (it shares our memory). */
struct kid {
	const char *path;
	char *const *argv, *const *envp;
	int sock, errw;
	pid_t parent;
	int err;
	const char *step;
};

IN_CHILD static int kid_fail(struct kid *k, const char *step)
{
	k->err = errno ? errno : EINVAL;
	k->step = step;
	_exit(127);
}

/*
 * The child, until execve(): only async-signal-safe calls.  The socket
 * and the pipe are first copied above 2, so that dup2() onto 0, 1 and 2
 * cannot clobber one of them whatever numbers they had.
 */
IN_CHILD static int kid_main(void *arg)
{
	struct kid *k = arg;
	struct sigaction dfl;
	sigset_t none;
	int s, w;

	/* First, so that nothing below runs once the worker is gone: it
	 * may have died between clone() and here. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		kid_fail(k, "prctl(PR_SET_PDEATHSIG)");
	if (getppid() != k->parent)
		_exit(127);
	if ((s = fcntl(k->sock, F_DUPFD, 3)) < 0 ||
	    (w = fcntl(k->errw, F_DUPFD, 3)) < 0)
		kid_fail(k, "fcntl(F_DUPFD)");
	if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(w, 2) < 0)
		kid_fail(k, "dup2");
	if (close_from(3) < 0 && (errno != ENOSYS || pn_close_from_proc(3) < 0))
		kid_fail(k, "closing descriptors");
	/* An ignored signal stays ignored across execve (the worker ignores
	 * SIGPIPE), and the mask is inherited (the worker blocks the
	 * signals it reads through its signalfd).  Without CLONE_SIGHAND
	 * these changes are the child's own. */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sigaction(sig, &dfl, NULL) < 0)
			sig_default_raw(sig);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		kid_fail(k, "sigprocmask");
	execve(k->path, k->argv, k->envp);
	kid_fail(k, "execve");
	return 127;
}

/*
 * Start the child; returns its pid, or -1 with err (the child, if it ran
 * and failed before execve, has been reaped).
 */
static pid_t kid_start(struct kid *k, char *err, size_t errlen)
{
	pid_t pid;
	int st;

	k->err = 0;
	k->step = NULL;
	k->parent = getpid();
	pid = clone(kid_main, child_stack + sizeof child_stack,
		    CLONE_VM | CLONE_VFORK | SIGCHLD, k);
	if (pid < 0) {
		snprintf(err, errlen, "clone: %s", strerror(errno));
		return -1;
	}
	/* Here the child has called execve() or _exit(). */
	if (k->err || k->step) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		snprintf(err, errlen, "%s: %s", k->step ? k->step : "child",
			 strerror(k->err));
		return -1;
	}
	return pid;
}

/* ---- the worker: stderr, deadlines, the end ---- */

static struct pn_loop *loop_of(const struct pn_prog *p)
{
	return &p->srv->loop;
}

static void log_line(void *arg, const char *line)
{
	const struct pn_prog *p = arg;

	pn_log(LOG_NOTICE, "service '%s': %s[%ld]: %s", p->svc->conf->name,
	       p->tag, (long)p->pid, line);
}

/* Read what the pipe holds (at most 64 KiB a turn, so a chatty program
 * cannot starve the others).  Returns 1 at EOF or error, else 0. */
static int read_stderr(struct pn_prog *p)
{
	char buf[4096];

	for (int i = 0; i < 16; i++) {
		ssize_t n = read(p->err.fd, buf, sizeof buf);
		if (n > 0) {
			pn_lines_feed(&p->lines, buf, (size_t)n, log_line, p);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return 1;
	}
	return 0;
}

static void close_stderr(struct pn_prog *p)
{
	if (p->err.fd < 0)
		return;
	pn_watch_set(loop_of(p), &p->err, 0);
	close(p->err.fd);
	p->err.fd = -1;
	pn_lines_flush(&p->lines, log_line, p);
}

static void on_stderr(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_prog *p = arg;

	(void)l;
	(void)events;
	if (read_stderr(p))
		close_stderr(p);
}

void pn_spawn_stop(struct pn_prog *p, int why)
{
	if (p->stopping || p->pid <= 0)
		return;
	p->stopping = 1;
	p->why = why;
	kill(p->pid, SIGTERM);
	pn_timer_start(loop_of(p), &p->timer, PN_SPAWN_KILL_MS);
}

/* max_duration: stop the program; after the grace: SIGKILL. */
static void on_timer(struct pn_loop *l, void *arg)
{
	struct pn_prog *p = arg;

	(void)l;
	if (!p->stopping) {
		pn_log(LOG_INFO, "service '%s': %s: %s[%ld] running for "
				 "max_duration (%ld s): SIGTERM", p->svc->conf->name,
		       p->who, p->tag, (long)p->pid, p->svc->conf->max_duration);
		pn_spawn_stop(p, PINETD_CLOSE_LIMIT);
		return;
	}
	pn_log(LOG_NOTICE, "service '%s': %s: %s[%ld] still running %u s "
			   "after SIGTERM: SIGKILL", p->svc->conf->name, p->who,
	       p->tag, (long)p->pid, PN_SPAWN_KILL_MS / 1000);
	kill(p->pid, SIGKILL);
}

/* At max_children programs, stop accepting until one exits. */
static void check_cap(pinetd_svc *s)
{
	if (s->nprogs >= (unsigned long)s->conf->max_children &&
	    pn_service_pause(s, PN_PAUSE_PROGRAMS))
		pn_log(LOG_NOTICE, "service '%s': %lu programs running (max_children): "
			   "not accepting until one exits", s->conf->name, s->nprogs);
}

/*
 * Start a program on sock for service s and track it.  Returns the new
 * record (linked, its stderr watched, its deadline armed), or NULL with
 * err; sock's file status flags are then as they were.
 */
static struct pn_prog *prog_start(pinetd_svc *s, int sock, const char *path,
				  char *const argv[], char *const envp[],
				  char *err, size_t errlen)
{
	struct pn_server *srv = s->srv;
	struct pn_prog *p;
	struct kid k;
	int pfd[2], fl;
	const char *base = strrchr(path, '/');

	if (srv->is_child) {
		snprintf(err, errlen, "a process-mode child cannot start programs "
				      "(the service must run in event mode)");
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fl = fcntl(sock, F_GETFL)) < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		free(p);
		return NULL;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		free(p);
		return NULL;
	}
	/* Programs expect blocking descriptors, as inetd gives them; the
	 * worker reads its end of the pipe without blocking. */
	if (fcntl(pfd[0], F_SETFL, O_NONBLOCK) < 0 ||
	    ((fl & O_NONBLOCK) && fcntl(sock, F_SETFL, fl & ~O_NONBLOCK) < 0)) {
		snprintf(err, errlen, "fcntl: %s", strerror(errno));
		goto fail;
	}
	k = (struct kid){ .path = path, .argv = argv, .envp = envp,
			  .sock = sock, .errw = pfd[1] };
	if ((p->pid = kid_start(&k, err, errlen)) < 0) {
		(void)fcntl(sock, F_SETFL, fl);
		goto fail;
	}
	close(pfd[1]);
	p->srv = srv;
	p->svc = s;
	p->started = pn_loop_now(&srv->loop);
	snprintf(p->tag, sizeof p->tag, "%s", base ? base + 1 : path);
	pn_watch_init(&p->err, pfd[0], on_stderr, p);
	if (pn_watch_set(&srv->loop, &p->err, EPOLLIN) < 0) {
		pn_log(LOG_WARNING, "service '%s': %s[%ld]: cannot watch its "
				    "standard error; not logged", s->conf->name,
		       p->tag, (long)p->pid);
		close(pfd[0]);
		p->err.fd = -1;
	}
	pn_timer_init(&p->timer, on_timer, p);
	if (s->conf->max_duration > 0)
		pn_timer_start(&srv->loop, &p->timer,
			       (uint64_t)s->conf->max_duration * 1000u);
	p->next = srv->progs;
	if (srv->progs)
		srv->progs->prev = p;
	srv->progs = p;
	return p;
fail:
	close(pfd[0]);
	close(pfd[1]);
	free(p);
	return NULL;
}

pid_t pn_spawn_conn(pinetd_conn *c, const char *path, char *const argv[],
		   char *const envp[], char *err, size_t errlen)
{
	pinetd_svc *s = pn_conn_service(c);
	int fd = pn_conn_fd(c);
	struct pn_prog *p;

	if (fd < 0 || pn_conn_program(c)) {
		snprintf(err, errlen, "the connection is closed or was handed "
				      "over already");
		return -1;
	}
	if (!(p = prog_start(s, fd, path, argv, envp, err, errlen)))
		return -1;
	p->conn = c;
	snprintf(p->who, sizeof p->who, "%s", pn_conn_peer_name(c));
	pn_conn_hand_over(c, p);
	s->nprogs++;
	if (s->conf->log_connections)
		pn_log(LOG_INFO, "service '%s': %s: %s[%ld] started", s->conf->name,
		       p->who, p->tag, (long)p->pid);
	check_cap(s);
	return p->pid;
}

pid_t pn_spawn_wait(pinetd_svc *s, int fd, const char *path,
		   char *const argv[], char *const envp[], char *err,
		   size_t errlen)
{
	struct pn_listener *ln = NULL;
	struct pn_prog *p;

	for (size_t i = 0; i < s->nlisteners && !ln; i++)
		if (s->listeners[i] && s->listeners[i]->w.fd == fd &&
		    s->listeners[i]->addr.proto == PINETD_UDP)
			ln = s->listeners[i];
	if (!ln) {
		snprintf(err, errlen, "descriptor %d is not a datagram socket "
				      "of the service", fd);
		return -1;
	}
	if (!(p = prog_start(s, fd, path, argv, envp, err, errlen)))
		return -1;
	snprintf(p->who, sizeof p->who, "(datagrams)");
	if (pn_child_track_wait(ln, p->pid, p) < 0) {
		/* Not tracked, it could not be waited for: undo. */
		kill(p->pid, SIGKILL);
		p->stopping = 1;
		p->why = PINETD_CLOSE_ERROR;
		snprintf(err, errlen, "out of memory");
		return -1; /* reaped on SIGCHLD through srv->progs */
	}
	return p->pid;
}

void pn_spawn_datagram(struct pn_listener *ln)
{
	pinetd_svc *s = ln->svc;
	size_t before = s->nchildren;
	char byte;

	pn_listener_pause(ln, PN_PAUSE_HANDOVER);
	if (s->desc->on_wait(s->state, s, ln->w.fd) == 0 && s->nchildren > before)
		return; /* polled again once the program has exited */
	/* Nothing reads the datagram: drop it, or it wakes us at once. */
	(void)recv(ln->w.fd, &byte, 1, MSG_DONTWAIT);
	pn_listener_resume(ln, PN_PAUSE_HANDOVER);
}

/* The program of p has exited with status: log, account, end. */
static void prog_exited(struct pn_prog *p, int status)
{
	struct pn_server *srv = p->srv;
	pinetd_svc *s = p->svc;
	pinetd_conn *c = p->conn;
	char how[96];
	const char *note = "";

	/* What is in the pipe now, without waiting for its end: something
	 * the program left running may hold it open. */
	if (p->err.fd >= 0) {
		(void)read_stderr(p);
		close_stderr(p);
	}
	pn_timer_stop(&srv->loop, &p->timer);
	if (p->prev)
		p->prev->next = p->next;
	else
		srv->progs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	p->prev = NULL;
	p->next = srv->progs_dead;
	srv->progs_dead = p;

	pn_spawn_status_text(status, how, sizeof how);
	if (p->stopping)
		note = p->why == PINETD_CLOSE_LIMIT	 ? " (max_duration)"
		       : p->why == PINETD_CLOSE_SHUTDOWN ? " (stopped: shutdown)"
							 : " (stopped)";
	pn_log(WIFEXITED(status) && WEXITSTATUS(status) == 0 ? LOG_INFO : LOG_WARNING,
	       "service '%s': %s: %s[%ld] %s after %.3f s%s", s->conf->name, p->who,
	       p->tag, (long)p->pid, how,
	       (double)(pn_loop_now(&srv->loop) - p->started) / 1000.0, note);
	if (!c)
		return; /* wait mode: pn_child_reap polls the socket again */
	p->conn = NULL;
	s->nprogs--;
	pn_conn_program_ended(c, p->stopping ? p->why : PINETD_CLOSE_PLUGIN);
	if (s->nprogs < (unsigned long)s->conf->max_children && !srv->stopping)
		pn_service_resume(s, PN_PAUSE_PROGRAMS);
}

int pn_spawn_reaped(struct pn_server *srv, pid_t pid, int status)
{
	for (struct pn_prog *p = srv->progs; p; p = p->next)
		if (p->pid == pid) {
			prog_exited(p, status);
			return 1;
		}
	return 0;
}

struct pn_prog *pn_spawn_next(const struct pn_prog *p) { return p->next; }
pid_t pn_spawn_pid(const struct pn_prog *p) { return p->pid; }

void pn_spawn_gc(struct pn_server *srv)
{
	while (srv->progs_dead) {
		struct pn_prog *p = srv->progs_dead;
		srv->progs_dead = p->next;
		free(p);
	}
}

void pn_spawn_forget_all(struct pn_server *srv)
{
	struct pn_prog *lists[2] = { srv->progs, srv->progs_dead };

	for (int k = 0; k < 2; k++)
		while (lists[k]) {
			struct pn_prog *p = lists[k];
			lists[k] = p->next;
			if (p->err.fd >= 0)
				close(p->err.fd);
			free(p);
		}
	srv->progs = srv->progs_dead = NULL;
}
