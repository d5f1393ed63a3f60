/*
 * listener.h -- listening sockets: bind, accept, receive.
 *
 * A listener is a bound socket plus the service it feeds.  Sockets are
 * created CLOEXEC and NONBLOCK with SO_REUSEADDR and an explicit
 * IPV6_V6ONLY, so "[::]:7" never silently takes the IPv4 port too.
 */
#ifndef PN_LISTENER_H
#define PN_LISTENER_H

#include "server.h"

/*
 * pn_listener_open -- create and bind (and for TCP listen with `backlog`)
 * the socket for addr.  Returns 0, or -1 with the reason in err
 * ("Address already in use").
 */
int pn_listener_open(struct pn_listener *ln, const struct pn_addr *addr,
		     pinetd_svc *svc, int backlog, char *err, size_t errlen);

/* Start or stop delivering the socket's events to the service. */
int pn_listener_start(struct pn_listener *ln);
void pn_listener_stop(struct pn_listener *ln);

/* Stop and close the socket. */
void pn_listener_close(struct pn_listener *ln);

#endif
