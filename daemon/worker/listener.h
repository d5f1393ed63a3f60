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
 * in err ("Address already in use").  Not watched until started.
 */
struct pn_listener *pn_listener_new(const struct pn_addr *addr, int fd,
				    pinetd_svc *svc, int backlog, char *err,
				    size_t errlen);

/* Close (if open) and free. */
void pn_listener_free(struct pn_listener *ln);

/* Start or stop delivering the socket's events to the service. */
int pn_listener_start(struct pn_listener *ln);
void pn_listener_stop(struct pn_listener *ln);


#endif
