/*
 * loop.c -- the event loop (see loop.h): epoll with an fd-indexed table of
 * watches, a binary heap of timers and a signalfd.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define MAX_EVENTS 256

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* A broken lifetime rule (see loop.h): going on would mean calling into
 * freed memory or losing a descriptor's events, so stop here, loudly. */
static void __attribute__((noreturn, format(printf, 1, 2)))
loop_bug(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pn_log(LOG_CRIT, "event loop: %s", msg);
	abort();
}

/* Forget every registration without epoll_ctl (the epoll instance may be
 * shared with a parent process) and without touching the watches. */
static void slots_forget(struct pn_loop *l)
{
	for (size_t i = 0; i < l->nslots; i++) {
		l->slots[i].w = NULL;
		l->slots[i].gen++;
	}
}

int pn_loop_init(struct pn_loop *l)
{
	memset(l, 0, sizeof *l);
	l->sigwatch.fd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	l->now = mono_ms();
	return 0;
}

void pn_loop_free(struct pn_loop *l)
{
	if (l->sigwatch.fd >= 0)
		close(l->sigwatch.fd);
	l->sigwatch.fd = -1;
	l->sigwatch.active = 0;
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	l->heap = NULL;
	l->nheap = l->capheap = 0;
	free(l->slots);
	l->slots = NULL;
	l->nslots = 0;
	l->epfd = -1;
}

int pn_loop_reset(struct pn_loop *l)
{
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->slot = 0;
	l->nheap = 0;
	/* The owners are all alive (see loop.h): tell them. */
	for (size_t i = 0; i < l->nslots; i++)
		if (l->slots[i].w) {
			l->slots[i].w->active = 0;
			l->slots[i].w->events = 0;
		}
	slots_forget(l);
	if (l->sigwatch.fd >= 0)
		close(l->sigwatch.fd);
	l->sigwatch.fd = -1;
	l->sigwatch.active = 0;
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->stop = 0;
	return l->epfd < 0 ? -errno : 0;
}

uint64_t pn_loop_now(const struct pn_loop *l) { return l->now; }
void pn_loop_refresh(struct pn_loop *l) { l->now = mono_ms(); }
void pn_loop_stop(struct pn_loop *l) { l->stop = 1; }

void pn_loop_set_after(struct pn_loop *l, pn_after_fn *fn, void *arg)
{
	l->after = fn;
	l->afterarg = arg;
}

/* ---- watches ---- */

void pn_watch_init(struct pn_watch *w, int fd, pn_io_fn *fn, void *arg)
{
	w->fd = fd;
	w->events = 0;
	w->active = 0;
	w->fn = fn;
	w->arg = arg;
}

/* What epoll carries for a watch: its fd and its slot's generation. */
static uint64_t tag(const struct pn_loop *l, int fd)
{
	return (uint64_t)l->slots[fd].gen << 32 | (uint32_t)fd;
}

/* Make room in the table for fd.  Returns 0 or -ENOMEM. */
static int slots_reserve(struct pn_loop *l, int fd)
{
	size_t n = l->nslots ? l->nslots : 64;
	struct pn_watch_slot *v;

	if ((size_t)fd < l->nslots)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	if (!(v = realloc(l->slots, n * sizeof *v)))
		return -ENOMEM;
	memset(v + l->nslots, 0, (n - l->nslots) * sizeof *v);
	l->slots = v;
	l->nslots = n;
	return 0;
}

/*
 * Unregister w: clear its slot first, so that whatever epoll_ctl says no
 * later event of this batch reaches it.  EBADF means the fd was closed
 * while registered (a bug the caller should hear of); the kernel dropped
 * the registration with the last reference to the file anyway.
 */
static int watch_remove(struct pn_loop *l, struct pn_watch *w)
{
	int rc = 0;

	if (!w->active)
		return 0;
	if (w->fd < 0 || (size_t)w->fd >= l->nslots || l->slots[w->fd].w != w)
		loop_bug("watch %p on fd %d is marked registered but the table "
			 "does not hold it (its fd changed while registered?)",
			 (void *)w, w->fd);
	l->slots[w->fd].w = NULL;
	l->slots[w->fd].gen++;
	w->active = 0;
	w->events = 0;
	if (epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL) < 0)
		rc = -errno;
	return rc;
}

int pn_watch_set(struct pn_loop *l, struct pn_watch *w, unsigned events)
{
	struct epoll_event ev = { .events = events };
	int rc;

	if (events == 0)
		return watch_remove(l, w);
	if (w->active) {
		if (events == w->events)
			return 0;
		ev.data.u64 = tag(l, w->fd);
		if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev) < 0)
			return -errno;
		w->events = events;
		return 0;
	}
	if (w->fd < 0)
		return -EBADF;
	if ((rc = slots_reserve(l, w->fd)) < 0)
		return rc;
	if (l->slots[w->fd].w)
		loop_bug("fd %d registered again while its slot still holds watch "
			 "%p: the fd was closed (and its owner freed?) without "
			 "pn_watch_set(l, w, 0) or pn_watch_close",
			 w->fd, (void *)l->slots[w->fd].w);
	ev.data.u64 = tag(l, w->fd);
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, w->fd, &ev) < 0)
		return -errno;
	l->slots[w->fd].w = w;
	w->active = 1;
	w->events = events;
	return 0;
}

int pn_loop_watching(const struct pn_loop *l, int fd)
{
	return fd >= 0 && (size_t)fd < l->nslots && l->slots[fd].w != NULL;
}

int pn_watch_close(struct pn_loop *l, struct pn_watch *w)
{
	int rc = pn_watch_set(l, w, 0);

	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	return rc;
}

/* ---- timers: a binary min-heap on `when` ---- */

void pn_timer_init(struct pn_timer *t, pn_timer_fn *fn, void *arg)
{
	t->when = 0;
	t->slot = 0;
	t->fn = fn;
	t->arg = arg;
}

static void heap_put(struct pn_loop *l, size_t i, struct pn_timer *t)
{
	l->heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(struct pn_loop *l, size_t i)
{
	struct pn_timer *t = l->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (l->heap[parent]->when <= t->when)
			break;
		heap_put(l, i, l->heap[parent]);
		i = parent;
	}
	heap_put(l, i, t);
}

static void sift_down(struct pn_loop *l, size_t i)
{
	struct pn_timer *t = l->heap[i];

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= l->nheap)
			break;
		if (c + 1 < l->nheap && l->heap[c + 1]->when < l->heap[c]->when)
			c++;
		if (t->when <= l->heap[c]->when)
			break;
		heap_put(l, i, l->heap[c]);
		i = c;
	}
	heap_put(l, i, t);
}

void pn_timer_stop(struct pn_loop *l, struct pn_timer *t)
{
	size_t i;

	if (!t->slot)
		return;
	i = t->slot - 1;
	if (i >= l->nheap || l->heap[i] != t)
		loop_bug("timer %p is marked armed but is not in this loop's heap",
			 (void *)t);
	t->slot = 0;
	l->nheap--;
	if (i == l->nheap)
		return;
	struct pn_timer *moved = l->heap[l->nheap];
	heap_put(l, i, moved);
	sift_down(l, i);
	sift_up(l, moved->slot - 1);
}

void pn_timer_start(struct pn_loop *l, struct pn_timer *t, uint64_t ms)
{
	pn_timer_stop(l, t);
	if (l->nheap == l->capheap) {
		size_t cap = l->capheap ? l->capheap * 2 : 64;
		struct pn_timer **h = realloc(l->heap, cap * sizeof *h);
		if (!h)
			abort(); /* a timer we cannot keep is a hang later */
		l->heap = h;
		l->capheap = cap;
	}
	t->when = l->now + ms;
	heap_put(l, l->nheap++, t);
	sift_up(l, l->nheap - 1);
}

/*
 * Run due timers; returns the epoll timeout in ms (-1: none).  Each timer
 * is taken off the heap before its callback runs and the head is read
 * again after it, so a callback may stop or free any timer, itself
 * included.
 */
static int run_timers(struct pn_loop *l)
{
	while (l->nheap > 0) {
		struct pn_timer *t = l->heap[0];
		if (t->when > l->now) {
			uint64_t d = t->when - l->now;
			return d > 60000 ? 60000 : (int)d;
		}
		pn_timer_stop(l, t);
		t->fn(l, t->arg);
	}
	return -1;
}

/* ---- signals ---- */

static void on_signalfd(struct pn_loop *l, void *arg, unsigned events)
{
	struct signalfd_siginfo si;

	(void)arg;
	(void)events;
	while (read(l->sigwatch.fd, &si, sizeof si) == (ssize_t)sizeof si)
		l->sigfn(l, l->sigarg, (int)si.ssi_signo);
}

int pn_loop_signals(struct pn_loop *l, const int *sigs, size_t n,
		    pn_signal_fn *fn, void *arg)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	for (size_t i = 0; i < n; i++)
		sigaddset(&set, sigs[i]);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(l->sigwatch.fd, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	l->sigfn = fn;
	l->sigarg = arg;
	if (l->sigwatch.fd < 0) {
		pn_watch_init(&l->sigwatch, fd, on_signalfd, NULL);
		int rc = pn_watch_set(l, &l->sigwatch, EPOLLIN);
		if (rc < 0)
			pn_watch_close(l, &l->sigwatch);
		return rc;
	}
	return 0;
}

/* ---- running ---- */

/*
 * Deliver one event of a batch, or drop it as stale: the slot is looked
 * up now, after every callback before it in the batch, and the watch it
 * names is only read if it is still registered under the generation the
 * event was queued with (see loop.h).  Nothing is read after fn returns.
 */
static void dispatch(struct pn_loop *l, const struct epoll_event *ev)
{
	int fd = (int)(uint32_t)ev->data.u64;
	uint32_t gen = (uint32_t)(ev->data.u64 >> 32);
	struct pn_watch *w;
	unsigned got;

	if ((size_t)fd >= l->nslots || l->slots[fd].gen != gen)
		return; /* unregistered in this batch, maybe fd reused */
	if (!(w = l->slots[fd].w))
		return;
	if (w->fd != fd || !w->active)
		loop_bug("the watch registered for fd %d does not point back to it "
			 "(fd %d, active %d): its owner changed or freed it while "
			 "registered", fd, w->fd, w->active);
	got = ev->events & (w->events | EPOLLERR | EPOLLHUP);
	if (got)
		w->fn(l, w->arg, got);
}

int pn_loop_run(struct pn_loop *l)
{
	struct epoll_event ev[MAX_EVENTS];

	l->stop = 0;
	while (!l->stop) {
		int timeout, n;

		l->now = mono_ms();
		timeout = run_timers(l);
		if (l->after)
			l->after(l, l->afterarg);
		if (l->stop)
			break;
		n = epoll_wait(l->epfd, ev, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		l->now = mono_ms();
		for (int i = 0; i < n; i++)
			dispatch(l, &ev[i]);
		if (l->after)
			l->after(l, l->afterarg);
	}
	return 0;
}
