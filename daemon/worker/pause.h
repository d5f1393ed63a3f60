/*
 * pause.h -- whether a listener is polled, and why not.
 *
 * Several paths stop and restart accepting: a service at max_connections
 * or at max_children (children, or programs), a full descriptor table
 * (EMFILE), a datagram socket handed over to a "wait" child or program.
 * Each is a reason, a bit; a listener is polled only while no reason holds
 * for it, so one path ending its pause can never restart a listener that
 * another path still wants paused.
 *
 * Reasons of the service (pinetd_svc.paused) hold for its TCP listeners;
 * reasons of a listener (pn_listener.paused) for that listener alone.
 * This module is the only one that registers or removes a listener's
 * watch.
 */
#ifndef PN_PAUSE_H
#define PN_PAUSE_H

#include "runtime.h"

enum pn_pause_reason {
	/* Of a listener. */
	PN_PAUSE_IDLE = 1u << 0,     /* made, not started yet */
	PN_PAUSE_EMFILE = 1u << 1,   /* descriptor table full; a timer ends it */
	PN_PAUSE_HANDOVER = 1u << 2, /* a "wait" child or program has it */
	PN_PAUSE_STORM = 1u << 6,    /* "wait" programs started too often */
	/* Of a service: its TCP listeners. */
	PN_PAUSE_CONNS = 1u << 3,    /* max_connections open */
	PN_PAUSE_CHILDREN = 1u << 4, /* max_children process-mode children */
	PN_PAUSE_PROGRAMS = 1u << 5, /* max_children programs (spawn.c) */
};

/* After EMFILE/ENFILE: how long a listener stays unpolled. */
#define PN_PAUSE_EMFILE_MS 100

/* pn_pause_init -- a new listener: paused for PN_PAUSE_IDLE. */
void pn_pause_init(struct pn_listener *ln);

/*
 * pn_listener_pause, pn_listener_resume -- add or remove reasons `why`
 * of ln, then poll ln if, and only if, no reason is left (of ln, or of
 * its service for a TCP listener).  PN_PAUSE_EMFILE also arms the timer
 * that removes it PN_PAUSE_EMFILE_MS later.
 */
void pn_listener_pause(struct pn_listener *ln, unsigned why);
void pn_listener_resume(struct pn_listener *ln, unsigned why);

/*
 * pn_service_pause, pn_service_resume -- the same for service-wide
 * reasons, applied to every TCP listener of s.  Each returns 1 when it
 * changed s's reasons (pause: one of `why` is new; resume: one was set),
 * else 0, so a caller logs a pause once.
 */
int pn_service_pause(pinetd_svc *s, unsigned why);
int pn_service_resume(pinetd_svc *s, unsigned why);

/*
 * pn_pause_wait_start -- a "wait" program is about to be started for the
 * datagram at the head of ln's queue.  Returns 1 when it may be; 0 when
 * it would be the (wait_max_starts + 1)th start within wait_interval
 * seconds: then ln is paused for wait_pause seconds (PN_PAUSE_STORM, one
 * error line), after which it resumes with a fresh count, and the caller
 * drops the datagram.  wait_max_starts 0: always 1.
 */
int pn_pause_wait_start(struct pn_listener *ln);

/* pn_pause_release -- ln is being freed: never poll it again, disarm its
 * timer. */
void pn_pause_release(struct pn_listener *ln);

#endif
