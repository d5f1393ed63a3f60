/*
 * addr.h -- listen addresses: "tcp://127.0.0.1:7007", "udp://[::1]:7007",
 * and the wildcard host "*" (as in tcp:// then *:7007), meaning every IPv4
 * and every IPv6 address: two sockets.  A port may be a service name of
 * the services database ("tcp://127.0.0.1:echo") and a host a host name
 * ("tcp://localhost:7007"): both are resolved when the address is parsed,
 * that is when the configuration is loaded, a host name to its first
 * IPv4 and its first IPv6 address (one socket each).
 */
#ifndef PN_ADDR_H
#define PN_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#include <pinetd/plugin.h>

struct pn_addr {
	unsigned proto; /* PINETD_TCP or PINETD_UDP */
	struct sockaddr_storage ss;
	socklen_t len;
};

/* Longest text pn_addr_format or pn_sockaddr_name produce. */
#define PN_ADDR_TEXT 64

/*
 * pn_addr_parse -- parse one listen address into out[0] (and out[1] for a
 * "*" host, which means 0.0.0.0 and [::], or a host name with addresses
 * of both families).  Returns the number of addresses (1 or 2), or -1
 * after writing a reason into err, e.g. "bad listen address 'x':
 * expected tcp://HOST:PORT or udp://HOST:PORT", "bad listen address
 * 'tcp://nosuch:7': host 'nosuch' not found (Name or service not known)",
 * "bad listen address 'tcp://localhost:nosuch': no service 'nosuch' for
 * tcp in /etc/services".
 */
int pn_addr_parse(const char *text, struct pn_addr out[2], char *err,
		  size_t errlen);

/* "tcp://127.0.0.1:7007" / "udp://[::1]:7007". */
void pn_addr_format(const struct pn_addr *a, char *buf, size_t len);

/* "127.0.0.1:7007" / "[::1]:7007" for any AF_INET/AF_INET6 address. */
void pn_sockaddr_name(const struct sockaddr *sa, char *buf, size_t len);

/* Same transport, family, address and port. */
int pn_addr_equal(const struct pn_addr *a, const struct pn_addr *b);

/* Would binding both fail?  Equal, or same transport, family and port
 * with one of the two a wildcard address. */
int pn_addr_overlap(const struct pn_addr *a, const struct pn_addr *b);

const char *pn_proto_name(unsigned proto);

#endif
