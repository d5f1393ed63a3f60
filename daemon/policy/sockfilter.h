/*
 * sockfilter.h -- the allow/deny lists and the UDP guard as a classic BPF
 * socket filter, for the datagram sockets that a "wait" program reads
 * itself.
 *
 * pinetd screens every datagram it reads (dgram.c); a wait-mode program
 * reads the listening socket directly, so the screen must sit in the
 * kernel: a filter attached with SO_ATTACH_FILTER runs on every datagram
 * before it is queued, and a refused one is never queued at all.
 *
 * The program judges exactly what pn_acl_allows() and pn_guard_check()
 * judge on the source address and port of a datagram.  For a UDP socket
 * the filter sees the packet from the UDP header (offset 0: the source
 * port); the IP header is reached through SKF_NET_OFF (the version in the
 * first nibble, the IPv4 source at 12, the IPv6 source at 8).  Packets of
 * another IP version than the socket's are judged as IPv4-mapped IPv6
 * sources would be (the guard refuses them); a version neither 4 nor 6 is
 * refused.  Not in the filter: rate_per_source (a token bucket needs
 * state; pinetd still applies it to the datagram that starts a program).
 */
#ifndef PN_SOCKFILTER_H
#define PN_SOCKFILTER_H

#include <linux/filter.h>
#include <stddef.h>

#include "acl.h"
#include "guard.h"

/* The kernel's limit on a classic program (BPF_MAXINSNS). */
#define PN_SOCKFILTER_MAX 4096

/* What the filter returns for a datagram it keeps (the whole of it). */
#define PN_SOCKFILTER_KEEP 0xffffffffu

/*
 * pn_sockfilter_build -- compile acl and, unless guard is NULL, the guard
 * into prog (room for cap instructions) for a socket of `family`
 * (AF_INET or AF_INET6).  Returns the number of instructions, 0 when
 * there is nothing to screen (no list entry and no guard: no filter
 * needed), or -E2BIG when the program would not fit in cap (or the
 * kernel's limit), -EINVAL for another family.
 */
int pn_sockfilter_build(const struct pn_acl *acl, const struct pn_guard *guard,
			int family, struct sock_filter *prog, size_t cap);

#endif
