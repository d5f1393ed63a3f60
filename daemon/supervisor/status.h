/*
 * status.h -- what the supervisor tells the service manager while it
 * runs: the one-line STATUS= summary and the WATCHDOG=1 keep-alive
 * (sd_notify(3); no-ops without a manager or without libsystemd).
 *
 * The summary is "N services in M workers, K connections", with the
 * outcome of the last reload after a semicolon once there was one.  It is
 * sent at start, at once after a reload, and when it changes on a
 * heartbeat (at most once per PN_STATUS_INTERVAL_MS).
 *
 * WATCHDOG=1 goes out every half of $WATCHDOG_USEC, but only while the
 * supervisor's `healthy` callback says every worker answers its
 * heartbeats; otherwise it is withheld (and retried every
 * PN_STATUS_RETRY_MS), so that a daemon whose workers stay silent -- the
 * supervisor's own watchdog failing to replace them -- is restarted by
 * the manager.
 */
#ifndef PN_STATUS_H
#define PN_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"

#define PN_STATUS_INTERVAL_MS 1000u
#define PN_STATUS_RETRY_MS 250u

/* What the summary counts, from the supervisor's tables. */
struct pn_status_facts {
	size_t services;    /* enabled services */
	size_t workers;     /* running worker processes */
	uint64_t conns;	    /* open connections, as of the last heartbeats */
};

/* 1 when every worker answers its heartbeats. */
typedef int pn_status_healthy_fn(void *arg);

struct pn_status {
	struct pn_loop *loop;
	pn_status_healthy_fn *healthy;
	void *arg;
	struct pn_timer watchdog;
	uint64_t watchdog_ms; /* between two WATCHDOG=1; 0: no watchdog */
	int withheld;	      /* the last one was withheld (logged once) */
	char note[160];	      /* the last reload's outcome, "" before one */
	char sent[256];	      /* the last STATUS= text */
	uint64_t sent_at;     /* pn_loop_now() of it */
};

/*
 * pn_status_text -- the summary line for f and note (""), in buf.
 * Returns its length (snprintf's).
 */
int pn_status_text(char *buf, size_t n, const struct pn_status_facts *f,
		   const char *note);

/* Start the watchdog keep-alive if the manager asked for one ($WATCHDOG_USEC). */
void pn_status_start(struct pn_status *st, struct pn_loop *loop,
		     pn_status_healthy_fn *healthy, void *arg);
void pn_status_stop(struct pn_status *st);

/*
 * pn_status_update -- send STATUS= when the summary differs from the
 * last one sent and PN_STATUS_INTERVAL_MS passed since (force: at once,
 * with READY=1 first: the start-up).
 */
void pn_status_update(struct pn_status *st, const struct pn_status_facts *f,
		      int ready);

/*
 * pn_status_reloaded -- a reload ended (ok: applied): the outcome goes
 * into the summary, sent at once together with READY=1 (which ends the
 * RELOADING=1 the supervisor sent before it).
 */
void pn_status_reloaded(struct pn_status *st, const struct pn_status_facts *f,
			int ok);

#endif
