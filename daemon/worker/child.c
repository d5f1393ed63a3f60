/*
 * child.c -- process mode (see child.h).
 */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "dgram.h"
#include "log.h"
#include "pause.h"
#include "plugev.h"
#include "ppwait.h"
#include "spawn.h"

/* Stop when the one connection of the child is gone. */
static void child_after(struct pn_loop *l, void *arg)
{
	struct pn_server *srv = arg;

	pn_conn_reap(srv);
	for (pinetd_svc *s = srv->svcs; s; s = s->next)
		if (s->conns)
			return;
	pn_loop_stop(l);
}

/* Close every descriptor of the parent's world but keep_fd. */
static void forget_parent(struct pn_server *srv, pinetd_svc *keep, int keep_fd)
{
	pinetd_svc *lists[2] = { srv->svcs, srv->draining };
	sigset_t all;

	srv->is_child = 1;
	/* First: the reset marks every watch and timer unregistered while
	 * their owners still exist (freed below). */
	pn_loop_reset(&srv->loop);
	for (int k = 0; k < 2; k++) {
		for (pinetd_svc *s = lists[k]; s; s = s->next) {
			for (size_t i = 0; i < s->nlisteners; i++) {
				struct pn_listener *ln = s->listeners[i];
				if (ln && ln->w.fd >= 0 && ln->w.fd != keep_fd)
					close(ln->w.fd);
				if (ln) {
					ln->w.active = 0;
					ln->w.fd = -1;
					pn_ppwait_forget_all(ln);
				}
			}
			pn_conn_forget_all(s);
			s->nchildren = 0;
			s->nprogs = 0;
		}
	}
	pn_spawn_forget_all(srv);
	/* The plugin's timers, watches and kept datagrams are the
	 * worker's: a child starts with none. */
	pn_pev_forget_all();
	for (int k = 0; k < 2; k++)
		for (pinetd_svc *s = lists[k]; s; s = s->next) {
			s->pevs.head = NULL;
			pn_dgram_release_all(s);
		}
	srv->dead = NULL;
	srv->ready = NULL;
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	srv->spare_fd = -1;
	/* The parent's signal handling is not ours: default dispositions
	 * (SIGPIPE stays ignored), nothing blocked. */
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	/* Only the served service stays listed (foreach_service aside). */
	srv->draining = NULL;
	srv->svcs = keep;
	keep->next = NULL;
	pn_loop_set_after(&srv->loop, child_after, srv);
}

/*
 * In a child just forked from the worker: die with it.  The worker may
 * already be gone when the request is made, hence the check of the
 * parent against the pid the worker had before the fork.
 */
static void die_with(pid_t worker)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != worker)
		_exit(1);
}

static struct pn_childent *add_child(pinetd_svc *s)
{
	if (s->nchildren == s->capchildren) {
		size_t cap = s->capchildren ? 2 * s->capchildren : 16;
		struct pn_childent *v = realloc(s->children, cap * sizeof *v);
		if (!v)
			return NULL;
		s->children = v;
		s->capchildren = cap;
	}
	struct pn_childent *e = &s->children[s->nchildren++];
	memset(e, 0, sizeof *e);
	return e;
}

/* At max_children, stop accepting until one exits. */
static void check_cap(pinetd_svc *s)
{
	if (s->nchildren >= (size_t)s->conf->max_children &&
	    pn_service_pause(s, PN_PAUSE_CHILDREN))
		pn_log(LOG_NOTICE, "service '%s': %zu children (max_children): not "
				   "accepting until one exits", s->conf->name, s->nchildren);
}

void pn_child_conn(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		   socklen_t len, int counted)
{
	pn_child_conn_at(ln, fd, peer, len, NULL, 0, counted);
}

void pn_child_conn_at(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		      socklen_t len, const struct sockaddr *local,
		      socklen_t locallen, int counted)
{
	pinetd_svc *s = ln->svc;
	struct pn_childent *e = add_child(s);
	pid_t pid, worker = getpid();

	if (!e || (pid = fork()) < 0) {
		pn_log(LOG_ERR, "service '%s': cannot fork: %s", s->conf->name,
		       e ? strerror(errno) : "out of memory");
		if (e)
			s->nchildren--;
		/* The connection never was: its max_per_source slot is free. */
		if (counted)
			pn_conn_release_source(s, peer);
		close(fd);
		return;
	}
	if (pid == 0) {
		struct pn_server *srv = s->srv;
		die_with(worker);
		forget_parent(srv, s, -1);
		pn_conn_accept_at(ln, fd, peer, len, local, locallen, 0);
		pn_loop_run(&srv->loop);
		_exit(0);
	}
	close(fd);
	e->pid = pid;
	e->counted = counted;
	if (len > sizeof e->peer)
		len = sizeof e->peer;
	memcpy(&e->peer, peer, len);
	pn_sockaddr_name(peer, e->peer_name, sizeof e->peer_name);
	if (s->conf->log_connections)
		pn_log(LOG_INFO, "service '%s': connection from %s: child %ld",
		       s->conf->name, e->peer_name, (long)pid);
	check_cap(s);
}

void pn_child_wait(struct pn_listener *ln)
{
	pinetd_svc *s = ln->svc;
	struct pn_childent *e = add_child(s);
	pid_t pid, worker = getpid();

	pn_listener_pause(ln, PN_PAUSE_HANDOVER);
	if (!e || (pid = fork()) < 0) {
		pn_log(LOG_ERR, "service '%s': cannot fork: %s", s->conf->name,
		       e ? strerror(errno) : "out of memory");
		if (e)
			s->nchildren--;
		pn_listener_resume(ln, PN_PAUSE_HANDOVER); /* try again on the next datagram */
		return;
	}
	if (pid == 0) {
		int fd = ln->w.fd;
		die_with(worker);
		forget_parent(s->srv, s, fd);
		_exit(s->desc->on_wait(s->state, s, fd) & 0xff);
	}
	e->pid = pid;
	e->wait = 1;
	e->listener = ln->addr;
	snprintf(e->peer_name, sizeof e->peer_name, "(datagrams)");
}

int pn_child_track_wait(struct pn_listener *ln, pid_t pid, struct pn_prog *prog)
{
	struct pn_childent *e = add_child(ln->svc);

	if (!e)
		return -1;
	e->pid = pid;
	e->wait = 1;
	e->prog = prog;
	e->listener = ln->addr;
	snprintf(e->peer_name, sizeof e->peer_name, "(datagrams)");
	return 0;
}

/* The running listener of s on addr, or NULL (it may be gone). */
static struct pn_listener *listener_at(pinetd_svc *s, const struct pn_addr *a)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] && pn_addr_equal(&s->listeners[i]->addr, a))
			return s->listeners[i];
	return NULL;
}

static void child_exited(pinetd_svc *s, size_t i, int status)
{
	struct pn_childent e = s->children[i];

	s->children[i] = s->children[--s->nchildren];
	if (e.prog)
		pn_spawn_reaped(s->srv, e.pid, status); /* logs its end */
	else if (WIFSIGNALED(status))
		pn_log(LOG_WARNING, "service '%s': child %ld for %s killed by signal "
				    "%d (%s)", s->conf->name, (long)e.pid, e.peer_name,
		       WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WEXITSTATUS(status) != 0)
		pn_log(LOG_NOTICE, "service '%s': child %ld for %s exited with "
				   "status %d", s->conf->name, (long)e.pid,
		       e.peer_name, WEXITSTATUS(status));
	else if (s->conf->log_connections)
		pn_log(LOG_INFO, "service '%s': child %ld for %s exited with status 0",
		       s->conf->name, (long)e.pid, e.peer_name);
	if (e.counted)
		pn_conn_release_source(s, (const struct sockaddr *)&e.peer);
	if (e.wait) {
		struct pn_listener *ln = listener_at(s, &e.listener);
		int fl = ln ? fcntl(ln->w.fd, F_GETFL) : -1;
		/* A program had it, in blocking mode (spawn.c). */
		if (fl >= 0 && !(fl & O_NONBLOCK))
			(void)fcntl(ln->w.fd, F_SETFL, fl | O_NONBLOCK);
		if (ln && !s->srv->stopping)
			pn_listener_resume(ln, PN_PAUSE_HANDOVER);
	}
	if (s->nchildren < (size_t)s->conf->max_children)
		pn_service_resume(s, PN_PAUSE_CHILDREN);
}

/* Reap pid if it has exited: 1 with its status, else 0. */
static int reap_pid(pid_t pid, int *status)
{
	pid_t r;

	do
		r = waitpid(pid, status, WNOHANG);
	while (r < 0 && errno == EINTR);
	return r == pid;
}

/* A child of ours (a process-mode child or a program) that has exited:
 * reap it and say so.  Returns 1 if pid was ours. */
static int reap_known(struct pn_server *srv, pid_t pid)
{
	pinetd_svc *lists[2] = { srv->svcs, srv->draining };
	int status;

	for (int k = 0; k < 2; k++)
		for (pinetd_svc *s = lists[k]; s; s = s->next)
			for (size_t i = 0; i < s->nchildren; i++)
				if (s->children[i].pid == pid) {
					if (reap_pid(pid, &status))
						child_exited(s, i, status);
					return 1;
				}
	for (struct pn_prog *p = srv->progs; p; p = pn_spawn_next(p))
		if (pn_spawn_pid(p) == pid) {
			if (reap_pid(pid, &status))
				pn_spawn_reaped(srv, pid, status);
			return 1;
		}
	return 0;
}

/*
 * Only our own children are reaped: a plugin's processes are its own to
 * wait for (or to hand to core->child_watch, which reaps through a
 * pidfd).  waitid(WNOWAIT) names an exited child without reaping it;
 * while that is one of ours, reap it and look again.  When it is not
 * (a plugin's zombie would be named again and again), fall back to
 * asking each of ours by pid.
 */
void pn_child_reap(struct pn_server *srv)
{
	pinetd_svc *lists[2] = { srv->svcs, srv->draining };
	int status;

	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
			if (errno == EINTR)
				continue;
			return; /* ECHILD: no children at all */
		}
		if (si.si_pid == 0)
			return; /* none has exited */
		if (!reap_known(srv, si.si_pid))
			break;
	}
	for (int k = 0; k < 2; k++)
		for (pinetd_svc *s = lists[k]; s; s = s->next)
			for (size_t i = 0; i < s->nchildren;)
				if (reap_pid(s->children[i].pid, &status))
					child_exited(s, i, status); /* i refilled */
				else
					i++;
	for (struct pn_prog *p = srv->progs, *next; p; p = next) {
		next = pn_spawn_next(p);
		if (reap_pid(pn_spawn_pid(p), &status))
			pn_spawn_reaped(srv, pn_spawn_pid(p), status);
	}
}

void pn_child_signal_all(pinetd_svc *s, int sig)
{
	for (size_t i = 0; i < s->nchildren; i++) {
		if (s->children[i].prog && sig == SIGTERM)
			pn_spawn_stop(s->children[i].prog, PINETD_CLOSE_SHUTDOWN);
		else
			kill(s->children[i].pid, sig);
	}
}
