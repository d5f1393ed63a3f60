/*
 * ctl.h -- the control channel between the supervisor and one worker.
 *
 * A SOCK_SEQPACKET socketpair: one message per packet, so a message is
 * never split or merged, and descriptors travel with the message that
 * names them (SCM_RIGHTS).  Every message is a header (type, body length)
 * and a body of at most PN_CTL_MAX bytes.  Both ends are non-blocking on
 * the supervisor's side and read from the worker's event loop, so a
 * stopped or looping worker can never block the supervisor: a send that
 * would block fails, and the watchdog deals with the worker.
 */
#ifndef PN_CTL_H
#define PN_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"

#define PN_CTL_MAX 65536   /* body bytes per message */
#define PN_CTL_MAXFDS 250  /* descriptors per message (SCM_MAX_FD is 253) */

enum pn_ctl_type {
	/* supervisor -> worker */
	PN_CTL_SOCKETS = 1, /* a service's sockets: struct pn_ctl_sockets
			     * then naddrs struct pn_addr; fds attached */
	PN_CTL_GO,	    /* every socket sent: start serving */
	PN_CTL_DRAIN,	    /* replaced: stop accepting; struct pn_ctl_stop */
	PN_CTL_STOP,	    /* the daemon stops; struct pn_ctl_stop */
	PN_CTL_SETTINGS,    /* global settings: struct pn_ctl_settings */
	PN_CTL_STATS,	    /* log your counters */
	PN_CTL_SERVICES,    /* the daemon's services: pn_ctl_svcinfo records */
	PN_CTL_RECONFIGURE, /* apply new plugin options: struct pn_ctl_reconf;
			     * one fd attached, a sealed memfd holding the
			     * encoded snapshot (snapshot.h) to parse */
	/* worker -> supervisor */
	PN_CTL_READY = 64,  /* serving */
	PN_CTL_HEARTBEAT,   /* alive: pn_ctl_count records */
	PN_CTL_RECONFIGURED, /* the answer: struct pn_ctl_reconfigured */
};

struct pn_ctl_hdr {
	uint32_t type;
	uint32_t len; /* body bytes following */
};

struct pn_ctl_sockets {
	char service[128];
	uint32_t naddrs; /* addresses (and attached descriptors) that follow */
};

struct pn_ctl_stop {
	uint32_t deadline_s; /* connections get this long; 0: none */
};

struct pn_ctl_settings {
	int32_t log_level;
	int32_t shutdown_timeout; /* seconds */
	uint32_t heartbeat_ms;	  /* how often to send PN_CTL_HEARTBEAT */
	int64_t start_time;	  /* the daemon's, for core->start_time() */
};

/* Which PN_CTL_RECONFIGURE this is: the answer carries it back, so a
 * late answer to an earlier one is not taken for it. */
struct pn_ctl_reconf {
	uint32_t serial;
};

/* The answer to PN_CTL_RECONFIGURE: ok, or why nothing changed. */
struct pn_ctl_reconfigured {
	uint32_t serial;
	int32_t ok;	  /* 1: applied (or nothing to apply); 0: refused */
	char reason[480]; /* when refused: "service 'x': ..." */
};

/* One service of the daemon, for core->foreach_service: the fixed part,
 * then name, plugin and nlisten addresses, each NUL-terminated. */
struct pn_ctl_svcinfo {
	uint32_t size;	      /* of this record, strings included */
	uint32_t nlisten;
	uint64_t connections; /* open connections at the last heartbeat */
	int32_t enabled;
};

/* Why a connection was refused (pn_ctl_count.refused). */
enum pn_refusal {
	PN_REFUSED_ACL,	       /* allow/deny */
	PN_REFUSED_PER_SOURCE, /* max_per_source */
	PN_REFUSED_RATE,       /* rate_per_source */
	PN_REFUSED_FDS,	       /* shed: the descriptor table was full */
	PN_REFUSED_PROXY,      /* PROXY protocol: untrusted, missing, malformed */
	PN_REFUSED_CHILDREN,   /* max_children reached while its header came */
	PN_REFUSED_N
};

/* One service in a heartbeat: its open connections, and its counters
 * since the worker started (monotonic; the supervisor adds the
 * increase from one heartbeat to the next to totals that outlive the
 * worker, control.h). */
struct pn_ctl_count {
	char service[128];
	uint64_t connections;
	uint64_t accepted;		/* connections admitted */
	uint64_t refused[PN_REFUSED_N]; /* by enum pn_refusal */
	uint64_t bytes_in, bytes_out;	/* on event-mode connections */
	uint64_t dgrams_in, dgrams_dropped;
};

/*
 * pn_ctl_pair -- a socketpair for one worker: sv[0] the supervisor's end
 * (non-blocking), sv[1] the worker's; both CLOEXEC.  Returns 0 or -errno.
 */
int pn_ctl_pair(int sv[2]);

/*
 * pn_ctl_send -- send one message with nfds descriptors attached (the
 * caller keeps its copies).  Returns 0, or -errno (-EAGAIN when the
 * peer's queue is full, -EMSGSIZE when len > PN_CTL_MAX).
 */
int pn_ctl_send(int fd, uint32_t type, const void *body, size_t len,
		const int *fds, size_t nfds);

/*
 * pn_ctl_recv -- receive one message into body (cap bytes).  Attached
 * descriptors are stored in fds (at most maxfds, CLOEXEC; any beyond are
 * closed) and counted in *nfds.  Returns the body length with *type set,
 * -ENODATA at end of file (the peer is gone), -EAGAIN when nothing is
 * queued, -EBADMSG for a malformed or truncated message (its descriptors
 * closed), or another -errno.
 */
ssize_t pn_ctl_recv(int fd, uint32_t *type, void *body, size_t cap, int *fds,
		    size_t maxfds, size_t *nfds);

#endif
