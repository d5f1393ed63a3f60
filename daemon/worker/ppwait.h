/*
 * ppwait.h -- connections waiting for their PROXY protocol header.
 *
 * On a listener of a service with proxy_protocol, an accepted connection
 * is not a connection yet: its peer is a load balancer whose word on the
 * client's address is still to come.  It waits here -- watched for input,
 * timed by proxy_timeout -- while exactly the header's bytes are taken off
 * the socket (peeked, parsed, then consumed as far as the parser took
 * them), so whatever the client sent after it stays in the socket for the
 * plugin, a process-mode child or a program.  Then the connection goes
 * through admission (allow/deny, per-source limits) under the address the
 * header names, with the header's destination as its local address
 * (pn_listener_admit).
 *
 * Refused, counted in the service's `refused` and logged at most once a
 * second (reason "proxy: ..."): a source outside proxy_trusted, a header
 * that is malformed or of a version not accepted, a peer that closes or
 * stays silent for proxy_timeout seconds before the header is complete.
 *
 * Waiting connections count against max_connections.  They belong to
 * their listener: freeing it (pn_listener_free) closes them.
 */
#ifndef PN_PPWAIT_H
#define PN_PPWAIT_H

#include <sys/socket.h>

#include "runtime.h"

/* Take fd, just accepted by ln from peer, into the wait for its header;
 * refused at once when peer is not trusted. */
void pn_ppwait_start(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		     socklen_t len);

/* Close and free ln's waiting connections (the listener is going). */
void pn_ppwait_close_all(struct pn_listener *ln);

/* In a new child process (the loop was reset): close and free ln's
 * waiting connections without touching the loop; they are the parent's. */
void pn_ppwait_forget_all(struct pn_listener *ln);

#endif
