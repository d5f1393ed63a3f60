/*
 * runtime.h -- the structures the worker runtime's modules share: a
 * server (struct pn_server), its running services (pinetd_svc) and their
 * listeners.
 *
 * Types only, no functions: listener.c, conn.c, dgram.c, child.c,
 * spawn.c, pause.c and core.c reach into these structures, and server.c
 * builds them.  With the declarations here rather than in server.h, those
 * modules do not depend on the server's API (server.h), which sits above
 * them all: server.c calls into every one of them.
 */
#ifndef PN_RUNTIME_H
#define PN_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include <pinetd/plugin.h>

#include "addr.h"
#include "conf.h"
#include "guard.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "sources.h"

struct pn_server;

/* The plugin's timers, watches and child watches one owner (a
 * connection or a service) holds (plugev.h). */
struct pn_pev;
struct pn_pevs {
	struct pn_pev *head;
};

struct pn_listener {
	struct pn_watch w; /* w.fd is the socket, -1 when closed */
	struct pn_addr addr;
	struct pinetd_svc *svc;
	unsigned paused;	 /* enum pn_pause_reason bits (pause.h) */
	struct pn_timer emfile; /* ends PN_PAUSE_EMFILE */
	/* "wait": when the last wait_max_starts programs started, a ring
	 * (pn_pause_wait_start); a timer ends PN_PAUSE_STORM. */
	uint64_t *starts;
	size_t nstarts, capstarts, oldest;
	struct pn_timer storm;
	struct pn_ppwait *ppwait; /* waiting for a PROXY header (ppwait.h) */
};

/* One configured service while it runs (pinetd_svc in the plugin API). */
struct pinetd_svc {
	struct pn_server *srv;
	struct pn_config *table;	    /* holds conf; one reference */
	const struct pn_service_conf *conf;
	const struct pinetd_plugin *desc;
	void *state;	 /* the plugin's, from init() */
	int initialised; /* init() succeeded, fini() owed */
	struct pn_listener **listeners;
	size_t nlisteners;
	struct pinetd_conn *conns; /* open connections */
	unsigned long nconns;
	unsigned long nppwait; /* accepted, PROXY header awaited (ppwait.h) */
	struct pinetd_svc *next; /* srv->svcs or srv->draining */

	/* Defense: state and counters (logged on SIGUSR1). */
	struct pn_sources sources; /* per-source connections and buckets */
	struct pn_guard guard;	   /* UDP sources not to answer */
	unsigned paused;	   /* service-wide pn_pause_reason bits */
	unsigned long refused;	   /* connections refused (acl, limits) */
	unsigned long dropped;	   /* datagrams dropped (acl, guard, rate) */
	unsigned long truncated;   /* replies cut to udp_reply_ratio */
	unsigned long looped;	   /* datagrams from a port we serve */
	unsigned long over_budget; /* replies over udp_reply_rate */
	struct pn_sources replies; /* udp_reply_rate buckets, per address */
	struct pn_ratelog loop_log;
	unsigned long closed_limit; /* connections ended by a session limit */
	struct pn_ratelog refuse_log;

	/* Process mode: live children. */
	struct pn_childent *children;
	size_t nchildren, capchildren;

	/* Programs started on connections by core->spawn (spawn.c). */
	unsigned long nprogs;

	struct pn_pevs pevs;   /* the plugin's, ended after fini */
	struct pn_kept *kept;  /* datagrams kept by core->dgram_keep */
};

struct pn_server {
	struct pn_loop loop;
	struct pn_config *conf; /* the current table; one reference */
	struct pinetd_svc *svcs;     /* serving, in configuration order */
	struct pinetd_svc *draining; /* removed: finishing connections */
	struct pinetd_conn *dead;    /* closed; on_close and free pending */
	struct pinetd_conn *ready;   /* resumed with held input (conn.c) */
	struct pn_timer ready_timer; /* delivers it from the loop */
	char *rbuf;		     /* stream read buffer, PN_RBUF_SIZE + 1 */
	struct pn_udp_batch *udp;    /* datagram receive buffers */
	/* The ports the daemon serves over UDP (a bit per port), rebuilt
	 * from svcinfo or conf when stale (dgram.c). */
	unsigned char udp_ports[65536 / 8];
	int udp_ports_stale;
	struct pn_activation act;    /* sockets from the service manager */
	int stopping;
	struct pn_timer grace; /* shutdown_timeout */
	struct pn_timer sweep; /* forget idle sources */
	int spare_fd;	       /* reserved for accept-and-close at EMFILE */
	int is_child;	       /* a process-mode child serving one client */
	int no_bind;	       /* a worker: sockets come from the supervisor */
	int trim_due;	       /* connections were open since the last trim */
	uint64_t last_trim;    /* pn_loop_now() of the last malloc_trim */
	long shutdown_timeout; /* seconds; the supervisor's setting */
	int exit_code;
	/* The daemon's services (core->foreach_service), as the supervisor
	 * last described them: struct pn_ctl_svcinfo records. */
	unsigned char *svcinfo;
	size_t svcinfo_len;
	struct pn_prog *progs;	    /* running programs (spawn.c) */
	struct pn_prog *progs_dead; /* exited; freed after the batch */
};

#define PN_RBUF_SIZE 65536

#endif
