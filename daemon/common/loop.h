/*
 * loop.h -- the event loop: epoll watches, timers, signals, deferred work.
 *
 * Watches and timers are embedded in their owners (listeners, connections,
 * the loop's own signalfd), so a loop per worker process or thread is just
 * another struct pn_loop.
 *
 * Stale events.  epoll_wait hands back a batch of events, and a callback
 * early in the batch may unregister, close and free watches whose events
 * come later in it (a SIGTERM on the signalfd frees every listener).  The
 * loop makes such an event harmless by mechanism, not by asking callers to
 * be careful: it keeps a table indexed by fd of the registered watches,
 * each slot with a generation that is bumped whenever the slot is
 * cleared, and epoll carries (fd, generation), never a pointer.  Before
 * each callback the dispatcher looks the slot up again and skips the
 * event when the slot is empty (the watch was unregistered), when its
 * generation differs (the fd was closed, reused and registered again in
 * this batch), or when the watch no longer asks for any of the reported
 * events.  A freed watch is therefore never read, as long as it was
 * unregistered before it was freed.
 *
 * The contract, then:
 *  - A callback may unregister, close and free any watch, its own
 *    included, and stop and free any timer.  Nothing of a watch is read
 *    after its callback returns; nothing of a timer after it is stopped.
 *  - Freeing an object that embeds a watch or a timer requires
 *    pn_watch_set(l, w, 0) or pn_watch_close(l, w) and pn_timer_stop
 *    first.  Closing a registered fd without unregistering its watch is
 *    the same bug: the loop notices it when the fd number is registered
 *    again, or when an event's slot names a watch whose fd differs, and
 *    aborts with a message instead of calling into freed memory.
 *  - Events are level-triggered; an event skipped because its watch was
 *    unregistered and registered again within a batch comes back on the
 *    next epoll_wait if the fd is still ready.
 */
#ifndef PN_LOOP_H
#define PN_LOOP_H

#include <stddef.h>
#include <stdint.h>

struct pn_loop;

/* events: EPOLLIN, EPOLLOUT, EPOLLERR, EPOLLHUP as reported, limited to
 * what the watch asks for (EPOLLERR and EPOLLHUP always). */
typedef void pn_io_fn(struct pn_loop *l, void *arg, unsigned events);
typedef void pn_timer_fn(struct pn_loop *l, void *arg);
typedef void pn_signal_fn(struct pn_loop *l, void *arg, int signo);
typedef void pn_after_fn(struct pn_loop *l, void *arg);

struct pn_watch {
	int fd;
	unsigned events; /* what we asked for; 0 when not in epoll */
	int active;	 /* registered with epoll (and in the loop's table) */
	pn_io_fn *fn;
	void *arg;
};

struct pn_timer {
	uint64_t when; /* pn_loop_now() value at which it fires */
	size_t slot;   /* index in the heap + 1; 0 when not armed */
	pn_timer_fn *fn;
	void *arg;
};

/* One fd's entry in the loop's table (internal). */
struct pn_watch_slot {
	struct pn_watch *w; /* the registered watch, or NULL */
	uint32_t gen;	    /* bumped each time the slot is cleared */
};

struct pn_loop {
	int epfd;
	int stop;
	uint64_t now; /* milliseconds, CLOCK_MONOTONIC, cached per batch */
	struct pn_timer **heap;
	size_t nheap, capheap;
	struct pn_watch_slot *slots; /* indexed by fd */
	size_t nslots;
	struct pn_watch sigwatch;
	pn_signal_fn *sigfn;
	void *sigarg;
	pn_after_fn *after;
	void *afterarg;
};

/* Returns 0 or -errno. */
int pn_loop_init(struct pn_loop *l);

/*
 * pn_loop_free -- close the epoll instance and the signalfd, free the
 * table and the heap.  It calls no epoll_ctl, so a forked child may free
 * a loop it shares with its parent without touching the parent's
 * registrations.  Watches and timers still registered are forgotten
 * (and not touched: their owners may be gone).
 */
void pn_loop_free(struct pn_loop *l);

/*
 * pn_loop_reset -- in a child after fork: a fresh epoll instance (the
 * parent's is shared across fork, so the child must not epoll_ctl on it),
 * no watches, no timers, no signalfd.  Every watch still registered is
 * marked unregistered and every timer stopped, so call it before freeing
 * any object the parent's loop knows of.  Returns 0 or -errno.
 */
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
 * pn_watch_init sets the fd and callback of an unregistered watch.
 *
 * pn_watch_set registers, changes or (events == 0) unregisters the
 * interest, calling epoll_ctl only when it changes.  Unregistering clears
 * the watch's slot, so no event of the current batch reaches it any more;
 * it always succeeds in that (the watch is unregistered on return) even
 * if epoll_ctl fails, which it reports.  Returns 0 or -errno.
 *
 * pn_watch_close unregisters the watch, closes its fd and sets it to -1:
 * the way to retire a watch whose owner is about to be freed.  Returns 0
 * or the -errno of unregistering.
 */
void pn_watch_init(struct pn_watch *w, int fd, pn_io_fn *fn, void *arg);
int pn_watch_set(struct pn_loop *l, struct pn_watch *w, unsigned events);
int pn_watch_close(struct pn_loop *l, struct pn_watch *w);

/* pn_loop_watching -- is a watch registered for fd?  (Code that takes
 * descriptors from elsewhere checks before registering one.) */
int pn_loop_watching(const struct pn_loop *l, int fd);

/* Arm (re-arm) a timer `ms` from now, or disarm it.  A timer callback may
 * stop, re-arm and free any timer (run_timers re-reads the heap's head
 * after every callback). */
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
