/*
 * control.h -- the supervisor's control socket, which pinetctl(8) talks
 * to, and the per-service totals it reports.
 *
 * A UNIX stream socket (control_socket, default /run/pinetd/control),
 * mode 0600 in a directory created 0755 when missing.  A client must
 * also run as the supervisor's effective uid (SO_PEERCRED), so a socket
 * made reachable by mistake still answers no one else.  One request per
 * connection, one line: "status", "status json", "metrics", "reload",
 * "locate SERVICE".  The answer is "ok\n" or "error\n", then text, then
 * the supervisor closes.  Everything is non-blocking in the supervisor's
 * loop, except the reload itself, which blocks the supervisor as SIGHUP
 * does.
 *
 * Totals.  Workers send their counters (monotonic since the worker
 * started) with each heartbeat (ctl.h).  The supervisor adds each
 * increase to totals kept per service name, so the totals outlive a
 * worker: a worker that is killed loses only what it counted since its
 * last heartbeat.  A counter that goes down (a new worker, or a kept
 * worker's service restarted) counts from zero again.
 */
#ifndef PN_CONTROL_H
#define PN_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "ctl.h"
#include "log.h"
#include "loop.h"

/* One worker process serving a service, for status. */
struct pn_control_worker {
	long pid;	   /* 0 when down (waiting to restart) */
	const char *state; /* "starting", "serving", "draining", ... */
};

/* One configured service as the supervisor sees it now. */
struct pn_control_service {
	const char *name, *plugin, *file;
	int line;
	int enabled;
	char *const *listen; /* as configured */
	size_t nlisten;
	uint64_t open;	     /* open connections at the last heartbeats */
	struct pn_control_worker *workers; /* malloc'd by describe */
	size_t nworkers;
};

/* What the supervisor fills in for one answer (pn_control_ops). */
struct pn_control_view {
	const char *path; /* the main configuration file */
	struct pn_control_service *svcs; /* malloc'd by describe */
	size_t nsvcs;
};

struct pn_control_ops {
	/* Fill v (the control module frees svcs and their workers).
	 * Returns 0, or -1 when out of memory. */
	int (*describe)(void *arg, struct pn_control_view *v);
	/* Reload as SIGHUP does.  Returns 0 when the new configuration
	 * runs, -1 when it was refused (the reasons were logged). */
	int (*reload)(void *arg);
};

/* A service's totals (see above). */
struct pn_control_total {
	char name[128];
	uint64_t accepted, refused[PN_REFUSED_N];
	uint64_t bytes_in, bytes_out, dgrams_in, dgrams_dropped;
	uint64_t restarts; /* unexpected worker exits */
};

struct pn_control_client;
struct pn_control_seen;

struct pn_control {
	struct pn_loop *loop;
	const struct pn_control_ops *ops;
	void *arg;
	char *path;	   /* the socket we made, or NULL */
	dev_t dev;	   /* its inode: unlinked at the end only if ours */
	ino_t ino;
	struct pn_watch lw;
	struct pn_control_client *clients;
	size_t nclients;
	struct pn_control_total *tot;
	size_t ntot;
	struct pn_control_seen *seen; /* last heartbeat per (pid, service) */
	size_t nseen;
	uint64_t reloads, reloads_refused;
	time_t start_time;
	long pid;
};

/* Set up c (no socket yet).  Cannot fail. */
void pn_control_init(struct pn_control *c, struct pn_loop *l,
		     const struct pn_control_ops *ops, void *arg,
		     time_t start_time);

/*
 * pn_control_listen -- serve on path ("" none).  Nothing changes when
 * it is the socket already served; otherwise the old one is closed
 * (and removed) and the new one made: its directory created 0755 when
 * missing, a stale socket removed, a socket another live process
 * answers on left alone.  A failure is logged as a warning, not fatal:
 * the daemon serves without pinetctl.  Returns 0 or -1.
 */
int pn_control_listen(struct pn_control *c, const char *path);

/* Close the socket (removed if still ours) and every client; free all. */
void pn_control_free(struct pn_control *c);

/* A heartbeat's record for one service of worker pid. */
void pn_control_beat(struct pn_control *c, long pid,
		     const struct pn_ctl_count *cnt);

/* Worker pid is gone: forget its last heartbeats. */
void pn_control_gone(struct pn_control *c, long pid);

/* A worker serving `service` exited unexpectedly. */
void pn_control_restarted(struct pn_control *c, const char *service);

/* A reload ended (ok: 1 applied, 0 refused), whoever asked for it. */
void pn_control_reloaded(struct pn_control *c, int ok);

/* The totals of `name`, or NULL (for tests and the answers). */
const struct pn_control_total *pn_control_total(const struct pn_control *c,
						const char *name);

/*
 * pn_control_answer -- the answer to one request line (without its
 * newline) into out: "ok\n" or "error\n" and text.  The core of the
 * socket server, apart for unit tests.  Returns 0 (ok) or -1 (error).
 */
int pn_control_answer(struct pn_control *c, const char *req, FILE *out);

#endif
