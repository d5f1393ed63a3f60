/*
 * plugev.h -- what plugins ask the event loop for: timers, descriptor
 * watches and child processes (pinetd->timer_start, watch, child_watch).
 *
 * Each is an entry named by a 64-bit handle made of a slot index and the
 * slot's generation.  An entry that ends (stopped, fired for the last
 * time, or ended with its owner) frees its slot and bumps the slot's
 * generation, so its handle names nothing any more: every call on it
 * returns -1 and touches nothing, whatever the plugin kept.  Events are
 * re-checked the same way before a callback runs, so a watch closed
 * earlier in a batch gets none of the batch's later events (loop.h).
 *
 * Every entry has an owner: a connection (its entries end after its
 * on_close has returned) or a service (after fini has returned).  An
 * owner holds a struct pn_pevs and calls pn_pev_end_all at that point.
 */
#ifndef PN_PLUGEV_H
#define PN_PLUGEV_H

#include "runtime.h"

/* struct pn_pevs, an owner's list, is in runtime.h. */

/* The core-table functions (pinetd/plugin.h). */
pinetd_timer pn_pev_timer(pinetd_svc *s, pinetd_conn *c, uint64_t after_ms,
			  uint64_t every_ms, pinetd_timer_fn *fn, void *arg);
int pn_pev_timer_stop(pinetd_timer t);
pinetd_watch pn_pev_watch(pinetd_svc *s, pinetd_conn *c, int fd,
			  uint32_t events, pinetd_watch_fn *fn, void *arg);
int pn_pev_watch_set(pinetd_watch w, uint32_t events);
int pn_pev_watch_close(pinetd_watch w);
int pn_pev_child(pinetd_svc *s, pid_t pid, pinetd_child_fn *fn, void *arg);

/* End every entry of an owner, without callbacks: timers stopped,
 * watches unregistered (and owned descriptors closed), child watches
 * dropped (the child is left to whoever waits for it). */
void pn_pev_end_all(struct pn_pevs *owner);

/*
 * pn_pev_forget_all -- in a process-mode child just forked: every entry
 * is the worker's; close the descriptors they hold and free them all
 * without touching the loop (already reset) or their owners, whose
 * lists the caller clears.
 */
void pn_pev_forget_all(void);

/* Live entries, for tests and statistics. */
size_t pn_pev_count(void);

#endif
