/*
 * loop.c -- the event loop (see loop.h): epoll, a binary heap of timers and
 * a signalfd.
 */
#include "loop.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 256

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
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
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	l->heap = NULL;
	l->nheap = l->capheap = 0;
	l->epfd = -1;
}

int pn_loop_reset(struct pn_loop *l)
{
	for (size_t i = 0; i < l->nheap; i++)
		l->heap[i]->slot = 0;
	l->nheap = 0;
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

int pn_watch_set(struct pn_loop *l, struct pn_watch *w, unsigned events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };
	int op;

	if (w->active && events == w->events)
		return 0;
	if (events == 0) {
		if (w->active && epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL) < 0)
			return -errno;
		w->active = 0;
		w->events = 0;
		return 0;
	}
	op = w->active ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	if (epoll_ctl(l->epfd, op, w->fd, &ev) < 0)
		return -errno;
	w->active = 1;
	w->events = events;
	return 0;
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

/* Run due timers; returns the epoll timeout in ms (-1: none). */
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
		return pn_watch_set(l, &l->sigwatch, EPOLLIN);
	}
	return 0;
}

/* ---- running ---- */

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
		for (int i = 0; i < n; i++) {
			struct pn_watch *w = ev[i].data.ptr;
			/* A callback earlier in this batch may have stopped
			 * this watch; its memory lives until `after`. */
			if (w->active)
				w->fn(l, w->arg, ev[i].events);
		}
		if (l->after)
			l->after(l, l->afterarg);
	}
	return 0;
}
