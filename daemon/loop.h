/*
 * loop.h -- the event loop: epoll watches, timers, signals, deferred work.
 *
 * Watches and timers are embedded in their owners (no allocation, no
 * fd-indexed table), so a loop per worker process or thread is just
 * another struct pn_loop.  A callback may stop or free any watch except
 * that objects freed during a dispatch batch must wait for the loop's
 * `after` hook (see pn_loop_run), which runs once the batch is done.
 */
#ifndef PN_LOOP_H
#define PN_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct pn_loop;

/* events: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP as reported. */
typedef void pn_io_fn(struct pn_loop *l, void *arg, unsigned events);
typedef void pn_timer_fn(struct pn_loop *l, void *arg);
typedef void pn_signal_fn(struct pn_loop *l, void *arg, int signo);
typedef void pn_after_fn(struct pn_loop *l, void *arg);

struct pn_watch {
	int fd;
	unsigned events; /* what we asked for; 0 when not in epoll */
	int active;	 /* registered with epoll */
	pn_io_fn *fn;
	void *arg;
};

struct pn_timer {
	uint64_t when; /* pn_loop_now() value at which it fires */
	size_t slot;   /* index in the heap + 1; 0 when not armed */
	pn_timer_fn *fn;
	void *arg;
};

struct pn_loop {
	int epfd;
	int stop;
	uint64_t now; /* milliseconds, CLOCK_MONOTONIC, cached per batch */
	struct pn_timer **heap;
	size_t nheap, capheap;
	struct pn_watch sigwatch;
	pn_signal_fn *sigfn;
	void *sigarg;
	pn_after_fn *after;
	void *afterarg;
};

/* Returns 0 or -errno. */
int pn_loop_init(struct pn_loop *l);
void pn_loop_free(struct pn_loop *l);

/* In a child after fork: a fresh epoll instance (the parent's is shared
 * across fork), no watches, no timers, no signalfd. */
int pn_loop_reset(struct pn_loop *l);

/* Run until pn_loop_stop; the after hook runs after every batch of
 * events and timers.  Returns 0 or -errno if epoll_wait failed. */
int pn_loop_run(struct pn_loop *l);
void pn_loop_stop(struct pn_loop *l);
void pn_loop_set_after(struct pn_loop *l, pn_after_fn *fn, void *arg);

/* Milliseconds on the monotonic clock, refreshed once per batch. */
uint64_t pn_loop_now(const struct pn_loop *l);

/* Refresh pn_loop_now's clock (for code that blocks outside the loop). */
void pn_loop_refresh(struct pn_loop *l);

/*
 * pn_watch_init sets the fd and callback; pn_watch_set registers, changes
 * or (events == 0) unregisters the interest, calling epoll_ctl only when
 * it changes.  Returns 0 or -errno.
 */
void pn_watch_init(struct pn_watch *w, int fd, pn_io_fn *fn, void *arg);
int pn_watch_set(struct pn_loop *l, struct pn_watch *w, unsigned events);

/* Arm (re-arm) a timer `ms` from now, or disarm it. */
void pn_timer_init(struct pn_timer *t, pn_timer_fn *fn, void *arg);
void pn_timer_start(struct pn_loop *l, struct pn_timer *t, uint64_t ms);
void pn_timer_stop(struct pn_loop *l, struct pn_timer *t);

/*
 * pn_loop_signals -- block the given signals and deliver them through a
 * signalfd into fn.  Returns 0 or -errno.
 */
int pn_loop_signals(struct pn_loop *l, const int *sigs, size_t n,
		    pn_signal_fn *fn, void *arg);

#endif
