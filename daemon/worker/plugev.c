/*
 * plugev.c -- plugins' timers, watches and child processes (see plugev.h).
 */
#include "plugev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"

enum pev_kind { PEV_TIMER, PEV_WATCH, PEV_CHILD };

struct pn_pev {
	uint64_t id;
	enum pev_kind kind;
	pinetd_svc *svc;
	pinetd_conn *conn;	     /* owner, or NULL: svc owns it */
	struct pn_pevs *owner;	     /* the list it is on */
	struct pn_pev *prev, *next; /* on owner */
	void *arg;
	union {
		struct {
			struct pn_timer t;
			uint64_t every;
			pinetd_timer_fn *fn;
		} timer;
		struct {
			struct pn_watch w; /* w.fd: ours (a dup, or owned) */
			int fd;		   /* the plugin's number for it */
			int own;	   /* PINETD_WATCH_OWN_FD: w.fd is fd */
			pinetd_watch_fn *fn;
		} watch;
		struct {
			struct pn_watch w; /* a pidfd */
			pid_t pid;
			pinetd_child_fn *fn;
		} child;
	} u;
};

/* ---- handles: slot index + 1 in the low half, generation above ---- */

struct slot {
	struct pn_pev *e;
	uint32_t gen;
	uint32_t next_free; /* index + 1 of the next free slot, 0: none */
};

static struct slot *slots;
static size_t nslots, live;
static uint32_t first_free; /* index + 1 */

static struct pn_pev *lookup(uint64_t id, enum pev_kind kind)
{
	uint32_t i = (uint32_t)id;

	if (i == 0 || i > nslots || slots[i - 1].gen != (uint32_t)(id >> 32))
		return NULL;
	struct pn_pev *e = slots[i - 1].e;
	return e && e->kind == kind ? e : NULL;
}

static struct pn_pev *pev_new(enum pev_kind kind, pinetd_svc *s, pinetd_conn *c,
			      struct pn_pevs *owner, void *arg)
{
	struct pn_pev *e = calloc(1, sizeof *e);
	uint32_t i;

	if (!e)
		return NULL;
	if (first_free) {
		i = first_free - 1;
		first_free = slots[i].next_free;
	} else {
		if (nslots >= UINT32_MAX - 1) {
			free(e);
			return NULL;
		}
		struct slot *v = realloc(slots, (nslots + 1) * sizeof *v);
		if (!v) {
			free(e);
			return NULL;
		}
		slots = v;
		i = (uint32_t)nslots++;
		slots[i].gen = 1;
	}
	slots[i].e = e;
	slots[i].next_free = 0;
	e->id = ((uint64_t)slots[i].gen << 32) | (i + 1);
	e->kind = kind;
	e->svc = s;
	e->conn = c;
	e->arg = arg;
	e->owner = owner;
	e->next = owner->head;
	if (owner->head)
		owner->head->prev = e;
	owner->head = e;
	live++;
	return e;
}

/* Free e's slot (its handle names nothing from now on) and e. */
static void pev_free(struct pn_pev *e)
{
	uint32_t i = (uint32_t)e->id - 1;

	slots[i].e = NULL;
	if (++slots[i].gen == 0)
		slots[i].gen = 1;
	slots[i].next_free = first_free;
	first_free = i + 1;
	live--;
	free(e);
}

static struct pn_loop *loop_of(const struct pn_pev *e)
{
	return &e->svc->srv->loop;
}

/* End e: off its owner's list, out of the loop, descriptors closed. */
static void pev_end(struct pn_pev *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		e->owner->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	switch (e->kind) {
	case PEV_TIMER:
		pn_timer_stop(loop_of(e), &e->u.timer.t);
		break;
	case PEV_WATCH:
		pn_watch_close(loop_of(e), &e->u.watch.w);
		break;
	case PEV_CHILD:
		pn_watch_close(loop_of(e), &e->u.child.w);
		break;
	}
	pev_free(e);
}

/* The owner's list and the service of a new entry, or NULL when the
 * connection is closed (its entries would outlive on_close). */
static struct pn_pevs *owner_of(pinetd_svc **s, pinetd_conn *c)
{
	if (c) {
		if (pn_conn_closed(c))
			return NULL;
		*s = pn_conn_service(c);
		return pn_conn_pevs(c);
	}
	return *s ? &(*s)->pevs : NULL;
}

/* ---- timers ---- */

static void timer_fired(struct pn_loop *l, void *arg)
{
	struct pn_pev *e = arg;
	pinetd_svc *s = e->svc;
	pinetd_timer_fn *fn = e->u.timer.fn;
	pinetd_timer id = e->id;
	void *a = e->arg;

	if (e->conn && pn_conn_closed(e->conn))
		return; /* ends with on_close */
	if (e->u.timer.every)
		pn_timer_start(l, &e->u.timer.t, e->u.timer.every);
	else
		pev_end(e); /* its handle is stale inside the callback */
	fn(s->state, id, a);
}

pinetd_timer pn_pev_timer(pinetd_svc *s, pinetd_conn *c, uint64_t after_ms,
			  uint64_t every_ms, pinetd_timer_fn *fn, void *arg)
{
	struct pn_pevs *owner = owner_of(&s, c);
	struct pn_pev *e;

	if (!owner || !fn || !(e = pev_new(PEV_TIMER, s, c, owner, arg)))
		return 0;
	e->u.timer.fn = fn;
	e->u.timer.every = every_ms;
	pn_timer_init(&e->u.timer.t, timer_fired, e);
	pn_timer_start(loop_of(e), &e->u.timer.t, after_ms);
	return e->id;
}

int pn_pev_timer_stop(pinetd_timer t)
{
	struct pn_pev *e = lookup(t, PEV_TIMER);

	if (!e)
		return -1;
	pev_end(e);
	return 0;
}

/* ---- watches ---- */

static unsigned to_epoll(uint32_t events)
{
	return ((events & PINETD_READABLE) ? EPOLLIN | EPOLLRDHUP : 0u) |
	       ((events & PINETD_WRITABLE) ? EPOLLOUT : 0u);
}

static void watch_io(struct pn_loop *l, void *arg, unsigned ev)
{
	struct pn_pev *e = arg;
	uint32_t r = 0;

	(void)l;
	if (e->conn && pn_conn_closed(e->conn))
		return;
	if (ev & EPOLLIN)
		r |= PINETD_READABLE;
	if (ev & EPOLLOUT)
		r |= PINETD_WRITABLE;
	if (ev & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))
		r |= PINETD_HANGUP;
	e->u.watch.fn(e->svc->state, e->id, e->u.watch.fd, r, e->arg);
}

pinetd_watch pn_pev_watch(pinetd_svc *s, pinetd_conn *c, int fd,
			  uint32_t events, pinetd_watch_fn *fn, void *arg)
{
	struct pn_pevs *owner = owner_of(&s, c);
	int own = (events & PINETD_WATCH_OWN_FD) != 0, ours = fd;
	struct pn_pev *e;

	if (!owner || !fn || fd < 0 || fcntl(fd, F_GETFD) < 0)
		return 0;
	/* An owned descriptor is watched as it is, so it must be no other
	 * watch's; one the plugin keeps is watched through a duplicate of
	 * our own, so its closing it early never confuses the loop. */
	if (own && pn_loop_watching(&s->srv->loop, fd))
		return 0;
	if (!own && (ours = fcntl(fd, F_DUPFD_CLOEXEC, 3)) < 0)
		return 0;
	if (!(e = pev_new(PEV_WATCH, s, c, owner, arg))) {
		if (!own)
			close(ours);
		return 0;
	}
	e->u.watch.fd = fd;
	e->u.watch.own = own;
	e->u.watch.fn = fn;
	pn_watch_init(&e->u.watch.w, ours, watch_io, e);
	if (to_epoll(events) && pn_watch_set(loop_of(e), &e->u.watch.w,
					     to_epoll(events)) < 0) {
		if (own)
			e->u.watch.w.fd = -1; /* the plugin keeps it on failure */
		pev_end(e);
		return 0;
	}
	return e->id;
}

int pn_pev_watch_set(pinetd_watch w, uint32_t events)
{
	struct pn_pev *e = lookup(w, PEV_WATCH);

	if (!e)
		return -1;
	return pn_watch_set(loop_of(e), &e->u.watch.w, to_epoll(events)) < 0 ? -1
									     : 0;
}

int pn_pev_watch_close(pinetd_watch w)
{
	struct pn_pev *e = lookup(w, PEV_WATCH);

	if (!e)
		return -1;
	pev_end(e);
	return 0;
}

/* ---- child processes ---- */

static void child_io(struct pn_loop *l, void *arg, unsigned ev)
{
	struct pn_pev *e = arg;
	pinetd_svc *s = e->svc;
	pinetd_child_fn *fn = e->u.child.fn;
	pid_t pid = e->u.child.pid, r;
	void *a = e->arg;
	int status = 0;

	(void)l;
	(void)ev;
	do
		r = waitpid(pid, &status, WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		return; /* not yet (a stop or a spurious wake-up) */
	pev_end(e);
	if (r == pid)
		fn(s->state, pid, status, a);
}

int pn_pev_child(pinetd_svc *s, pid_t pid, pinetd_child_fn *fn, void *arg)
{
	struct pn_pevs *owner = owner_of(&s, NULL);
	struct pn_pev *e;
	siginfo_t si;
	int pfd;

	if (!owner || !fn || pid <= 0)
		return -1;
	/* Ours to wait for?  (ECHILD otherwise; nothing is reaped.) */
	memset(&si, 0, sizeof si);
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return -1;
	if ((pfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0)
		return -1;
	(void)fcntl(pfd, F_SETFD, FD_CLOEXEC);
	if (!(e = pev_new(PEV_CHILD, s, NULL, owner, arg))) {
		close(pfd);
		return -1;
	}
	e->u.child.pid = pid;
	e->u.child.fn = fn;
	pn_watch_init(&e->u.child.w, pfd, child_io, e);
	if (pn_watch_set(loop_of(e), &e->u.child.w, EPOLLIN) < 0) {
		pev_end(e);
		return -1;
	}
	return 0;
}

/* ---- owners ---- */

void pn_pev_end_all(struct pn_pevs *owner)
{
	while (owner->head)
		pev_end(owner->head);
}

void pn_pev_forget_all(void)
{
	for (size_t i = 0; i < nslots; i++) {
		struct pn_pev *e = slots[i].e;
		if (!e)
			continue;
		if (e->kind == PEV_WATCH && e->u.watch.w.fd >= 0)
			close(e->u.watch.w.fd);
		else if (e->kind == PEV_CHILD && e->u.child.w.fd >= 0)
			close(e->u.child.w.fd);
		/* Not pev_end: the owners' lists are the caller's to clear. */
		pev_free(e);
	}
}

size_t pn_pev_count(void) { return live; }
