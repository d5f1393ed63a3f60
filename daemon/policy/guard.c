/*
 * guard.c -- datagram sources not to answer (see guard.h).
 */
#include "guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

static const char *check_v4(const struct pn_guard *g, uint32_t a)
{
	if ((a >> 24) == 0)
		return "source in 0.0.0.0/8";
	if ((a >> 24) == 127 && !g->loopback_listener)
		return "loopback source on a non-loopback listener";
	if ((a >> 28) == 0xe)
		return "multicast source";
	if ((a >> 28) == 0xf)
		return "broadcast or reserved source";
	return NULL;
}

const char *pn_guard_check(const struct pn_guard *g, const struct sockaddr *src)
{
	unsigned port;
	const char *why = NULL;

	if (src->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)src;
		port = ntohs(in->sin_port);
		why = check_v4(g, ntohl(in->sin_addr.s_addr));
	} else if (src->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)src;
		const struct in6_addr *a = &in6->sin6_addr;
		port = ntohs(in6->sin6_port);
		if (IN6_IS_ADDR_UNSPECIFIED(a))
			why = "unspecified source";
		else if (IN6_IS_ADDR_MULTICAST(a))
			why = "multicast source";
		else if (IN6_IS_ADDR_V4MAPPED(a))
			why = "IPv4-mapped source";
		else if (IN6_IS_ADDR_V4COMPAT(a))
			why = "IPv4-compatible source";
		else if (IN6_IS_ADDR_LOOPBACK(a) && !g->loopback_listener)
			why = "loopback source on a non-loopback listener";
	} else {
		return "unknown address family";
	}
	if (why)
		return why;
	if (port < g->min_port)
		return "low source port";
	if (g->served_ports && (g->served_ports[port >> 3] & (1u << (port & 7))))
		return PN_GUARD_SERVED;
	for (size_t i = 0; i < g->ndeny_ports; i++)
		if ((long)port == g->deny_ports[i])
			return "refused source port";
	return NULL;
}
