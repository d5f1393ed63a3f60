/*
 * dgram.h -- datagram services: receive in batches with recvmmsg, hand
 * each datagram to the plugin, send replies without blocking.
 */
#ifndef PN_DGRAM_H
#define PN_DGRAM_H

#include "runtime.h"

/* Receive buffers of one server (allocated on first use). */
struct pn_udp_batch;
void pn_udp_batch_free(struct pn_udp_batch *b);

/* Read the listener's pending datagrams (bounded per call, for fairness
 * between listeners) and dispatch them. */
void pn_dgram_receive(struct pn_listener *ln);

/*
 * pn_dgram_screen_waiting -- for "wait" services, whose program reads the
 * socket itself: drop waiting datagrams that the allow/deny lists, the UDP
 * guard or the per-source rate refuse.  Returns 1 when an acceptable one
 * is at the head of the queue, 0 when none is.
 */
int pn_dgram_screen_waiting(struct pn_listener *ln);

/*
 * pn_dgram_set_filter -- the kernel's screen of the datagram socket of ln.
 * With `wait` (a program reads the socket itself), attach a socket filter
 * compiled from the service's allow/deny lists and, with udp_guard, its
 * guard (sockfilter.h), so that no datagram they refuse is ever queued;
 * with nothing to screen, or without `wait`, detach any filter an earlier
 * configuration attached to the (inherited) socket.  Returns 0, or -1
 * logged: the listener must not be polled.
 */
int pn_dgram_set_filter(struct pn_listener *ln, int wait);

/*
 * pn_dgram_want_dst -- on a wildcard listener (0.0.0.0, [::]) ask for each
 * datagram's destination address, so that replies leave from the address
 * the request was sent to (a host's second address included).  Nothing
 * for a "wait" service, whose program reads the socket.  ln->svc must be
 * set.  Returns 0, or -1 with errno set.
 */
int pn_dgram_want_dst(struct pn_listener *ln);

/*
 * pn_dgram_reply -- core->reply: send buf back to d's sender, from the
 * address d was sent to, within the service's udp_reply_ratio (cut) and
 * udp_reply_rate (refused: -1).  Returns 0 or -1.
 */
int pn_dgram_reply(pinetd_dgram *d, const void *buf, size_t len);
int pn_dgram_replyv(pinetd_dgram *d, const struct iovec *iov, int iovcnt);
pinetd_svc *pn_dgram_service(const pinetd_dgram *d);

/*
 * pn_dgram_keep, pn_dgram_release -- core->dgram_keep and dgram_release:
 * a copy owned by the service (its peer, the address of the listener it
 * came to, its length), answered later through whichever listener of the
 * service has that address then.  pn_dgram_release_all frees those the
 * plugin left (after fini).
 */
pinetd_dgram *pn_dgram_keep(pinetd_dgram *d);
void pn_dgram_release(pinetd_dgram *d);
void pn_dgram_release_all(pinetd_svc *s);
const char *pn_dgram_peer_name(const pinetd_dgram *d);
const struct sockaddr *pn_dgram_peer_addr(const pinetd_dgram *d,
					  socklen_t *len);

#endif
