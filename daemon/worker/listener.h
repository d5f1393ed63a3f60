/*
 * listener.h -- listening sockets: bind, accept, receive.
 *
 * A listener is a bound socket plus the service it feeds.  Sockets are
 * created CLOEXEC and NONBLOCK with SO_REUSEADDR and an explicit
 * IPV6_V6ONLY, so "[::]:7" never silently takes the IPv4 port too.
 */
#ifndef PN_LISTENER_H
#define PN_LISTENER_H

#include "runtime.h"

/*
 * pn_listener_new -- a listener for addr: the inherited socket `fd` when
 * fd >= 0 (socket activation; TCP ones are listen()ed again with
 * backlog), else a new socket bound to addr.  Returns NULL with the reason
 * in err ("Address already in use").  Not polled until its
 * PN_PAUSE_IDLE is resumed (pause.h).
 */
struct pn_listener *pn_listener_new(const struct pn_addr *addr, int fd,
				    pinetd_svc *svc, int backlog, char *err,
				    size_t errlen);

/* Close (if open) and free. */
void pn_listener_free(struct pn_listener *ln);

/*
 * pn_listener_start -- poll ln from now on (its PN_PAUSE_IDLE ends), a
 * datagram socket once its kernel screen is in place
 * (pn_dgram_set_filter); when that fails, ln stays unpolled (logged).
 */
void pn_listener_start(struct pn_listener *ln);

/* 1 when a program reads ln's datagrams itself (inetd's "wait"): a UDP
 * listener of a process-mode service or of a PINETD_PF_SPAWN plugin. */
int pn_listener_is_wait(const struct pn_listener *ln);

/*
 * pn_listener_admit -- the accepted connection fd from peer: through
 * admission (allow/deny, per-source limits and rates: refused, it is
 * closed, counted and logged), then to a process-mode child or a
 * connection of the service.  local: its local address when not the
 * socket's own (a PROXY header's destination), else NULL.
 */
void pn_listener_admit(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		       socklen_t len, const struct sockaddr *local,
		       socklen_t locallen);

/* Refuse a connection of s from peer: counted in s->refused and logged
 * ("refused PEER: why"), at most once a second. */
void pn_listener_refuse(pinetd_svc *s, const struct sockaddr *peer,
			const char *why);

/* Whether the socket is polled, and the functions that decide it
 * (pn_listener_pause, pn_listener_resume): pause.h. */

#endif
