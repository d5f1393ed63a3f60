/*
 * guard.h -- which datagram sources a UDP service must not answer, after
 * OpenBSD inetd's dg_badinput(): answering them could start a reply loop
 * between two UDP services, or amplify traffic toward a forged victim.
 */
#ifndef PN_GUARD_H
#define PN_GUARD_H

#include <stddef.h>
#include <sys/socket.h>

struct pn_guard {
	unsigned min_port;	/* sources below this port are refused */
	const long *deny_ports; /* further refused ports (NFS 2049) */
	size_t ndeny_ports;
	int loopback_listener;	/* the listener is on loopback: allow 127/8 */
	/* A bit per port the daemon serves over UDP (NULL: none): a source
	 * port among them is another service, never a client. */
	const unsigned char *served_ports;
};

/*
 * pn_guard_check -- NULL when a datagram from src may be answered, else
 * the reason ("source port 7 below 1024", "broadcast source", ...).
 * Refused: ports below min_port or listed; IPv4 0.0.0.0/8, 127.0.0.0/8
 * (unless the listener is on loopback), multicast 224/4, limited
 * broadcast 255.255.255.255 and 240/4; IPv6 unspecified, multicast,
 * IPv4-mapped and IPv4-compatible addresses, and loopback unless the
 * listener is on loopback; and any source whose port is in served_ports
 * (two services of this daemon, or of two daemons serving the same port,
 * would answer each other for ever).
 */
/* pn_guard_check's reason for a served source port (a reply loop). */
#define PN_GUARD_SERVED "source port served by this daemon over UDP (a reply loop)"

const char *pn_guard_check(const struct pn_guard *g, const struct sockaddr *src);

#endif
