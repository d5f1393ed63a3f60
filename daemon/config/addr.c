/*
 * addr.c -- listen addresses (see addr.h).
 */
#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *scheme;
	unsigned proto;
} schemes[] = {
	{ "tcp://", PINETD_TCP },
	{ "udp://", PINETD_UDP },
};

const char *pn_proto_name(unsigned proto)
{
	return proto == PINETD_UDP ? "udp" : "tcp";
}

static int bad(char *err, size_t errlen, const char *text, const char *why)
{
	snprintf(err, errlen, "bad listen address '%s': %s", text, why);
	return -1;
}

/* Parse a decimal port 1..65535 occupying the whole string. */
static int parse_port(const char *s, unsigned *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*end)
		return -1;
	if (errno || v < 1 || v > 65535)
		return -2;
	*port = (unsigned)v;
	return 0;
}

static void set_v4(struct pn_addr *a, unsigned proto, const struct in_addr *ip,
		   unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&a->ss;

	memset(a, 0, sizeof *a);
	a->proto = proto;
	in->sin_family = AF_INET;
	in->sin_addr = *ip;
	in->sin_port = htons((uint16_t)port);
	a->len = sizeof *in;
}

static void set_v6(struct pn_addr *a, unsigned proto,
		   const struct in6_addr *ip, unsigned port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;

	memset(a, 0, sizeof *a);
	a->proto = proto;
	in6->sin6_family = AF_INET6;
	in6->sin6_addr = *ip;
	in6->sin6_port = htons((uint16_t)port);
	a->len = sizeof *in6;
}

/* A port given by name: its number for proto in the services database
 * (/etc/services).  Returns 0, or -1. */
static int service_port(const char *name, unsigned proto, unsigned *port)
{
	struct servent *se = getservbyname(name, pn_proto_name(proto));

	endservent();
	if (!se)
		return -1;
	*port = ntohs((uint16_t)se->s_port);
	return *port ? 0 : -1;
}

/*
 * A host given by name (text is the whole address, for errors): its
 * first IPv4 and first IPv6 address, in the resolver's order, into out.
 * Returns their number (1 or 2), or -1 with err.
 */
static int host_addrs(const char *text, const char *host, unsigned proto,
		      unsigned port, struct pn_addr out[2], char *err,
		      size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_socktype = SOCK_STREAM }, *res, *ai;
	int rc = getaddrinfo(host, NULL, &hints, &res), n = 0, have4 = 0,
	    have6 = 0;

	if (rc != 0) {
		snprintf(err, errlen, "bad listen address '%s': host '%s' not found "
				      "(%s)", text, host,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai && n < 2; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && !have4) {
			const struct sockaddr_in *in = (const void *)ai->ai_addr;
			set_v4(&out[n++], proto, &in->sin_addr, port);
			have4 = 1;
		} else if (ai->ai_family == AF_INET6 && !have6) {
			const struct sockaddr_in6 *in6 = (const void *)ai->ai_addr;
			set_v6(&out[n++], proto, &in6->sin6_addr, port);
			have6 = 1;
		}
	}
	freeaddrinfo(res);
	if (n == 0) {
		snprintf(err, errlen, "bad listen address '%s': host '%s' has no "
				      "IPv4 or IPv6 address", text, host);
		return -1;
	}
	return n;
}

int pn_addr_parse(const char *text, struct pn_addr out[2], char *err,
		  size_t errlen)
{
	char host[256];
	const char *rest = NULL, *colon, *portstr;
	unsigned proto = 0, port;
	size_t hlen;
	int rc;

	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i].scheme);
		if (strncmp(text, schemes[i].scheme, n) == 0) {
			proto = schemes[i].proto;
			rest = text + n;
		}
	}
	if (!rest)
		return bad(err, errlen, text,
			   "expected tcp://HOST:PORT or udp://HOST:PORT");
	if (*rest == '[') {
		const char *close = strchr(rest, ']');
		if (!close)
			return bad(err, errlen, text, "missing ']' after IPv6 address");
		hlen = (size_t)(close - rest - 1);
		if (close[1] != ':')
			return bad(err, errlen, text, "missing ':PORT'");
		portstr = close + 2;
		if (hlen >= sizeof host)
			return bad(err, errlen, text, "invalid IPv6 address");
		memcpy(host, rest + 1, hlen);
		host[hlen] = '\0';
		struct in6_addr ip6;
		if (inet_pton(AF_INET6, host, &ip6) != 1)
			return bad(err, errlen, text, "invalid IPv6 address");
		if ((rc = parse_port(portstr, &port)) == -1)
			rc = service_port(portstr, proto, &port) == 0 ? 0 : -3;
		if (rc < 0)
			goto badport;
		set_v6(&out[0], proto, &ip6, port);
		return 1;
	}
	colon = strrchr(rest, ':');
	if (!colon)
		return bad(err, errlen, text, "missing ':PORT'");
	hlen = (size_t)(colon - rest);
	portstr = colon + 1;
	if (hlen == 0)
		return bad(err, errlen, text, "missing host (use * for any)");
	if (hlen >= sizeof host)
		return bad(err, errlen, text, "host name too long");
	memcpy(host, rest, hlen);
	host[hlen] = '\0';
	if (strchr(host, ':'))
		return bad(err, errlen, text,
			   "IPv6 addresses must be in brackets, e.g. [::1]:7");
	if ((rc = parse_port(portstr, &port)) == -1)
		rc = service_port(portstr, proto, &port) == 0 ? 0 : -3;
	if (rc < 0)
		goto badport;
	if (strcmp(host, "*") == 0) {
		struct in_addr any4 = { .s_addr = htonl(INADDR_ANY) };
		set_v4(&out[0], proto, &any4, port);
		set_v6(&out[1], proto, &in6addr_any, port);
		return 2;
	}
	struct in_addr ip4;
	if (inet_pton(AF_INET, host, &ip4) != 1 &&
	    strspn(host, "0123456789.") == strlen(host))
		return bad(err, errlen, text, "invalid IPv4 address");
	if (inet_pton(AF_INET, host, &ip4) != 1)
		return host_addrs(text, host, proto, port, out, err, errlen);
	set_v4(&out[0], proto, &ip4, port);
	return 1;

badport:
	if (rc == -3 && *portstr) {
		snprintf(err, errlen, "bad listen address '%s': no service '%s' for "
				      "%s in /etc/services", text, portstr,
			 pn_proto_name(proto));
		return -1;
	}
	if (rc < 0 && rc != -2)
		return bad(err, errlen, text, "missing port");
	snprintf(err, errlen,
		 "bad listen address '%s': port '%s' out of range [1, 65535]",
		 text, portstr);
	return -1;
}

void pn_sockaddr_name(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof ip);
		snprintf(buf, len, "%s:%u", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof ip);
		snprintf(buf, len, "[%s]:%u", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, len, "(family %d)", sa->sa_family);
	}
}

void pn_addr_format(const struct pn_addr *a, char *buf, size_t len)
{
	char name[PN_ADDR_TEXT];

	pn_sockaddr_name((const struct sockaddr *)&a->ss, name, sizeof name);
	snprintf(buf, len, "%s://%s", pn_proto_name(a->proto), name);
}

/* Family, wildcard flag and port of an address. */
static void parts(const struct pn_addr *a, int *family, int *any,
		  unsigned *port)
{
	*family = a->ss.ss_family;
	if (*family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&a->ss;
		*any = in->sin_addr.s_addr == htonl(INADDR_ANY);
		*port = ntohs(in->sin_port);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)&a->ss;
		*any = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		*port = ntohs(in6->sin6_port);
	}
}

int pn_addr_equal(const struct pn_addr *a, const struct pn_addr *b)
{
	return a->proto == b->proto && a->len == b->len &&
	       memcmp(&a->ss, &b->ss, a->len) == 0;
}

int pn_addr_overlap(const struct pn_addr *a, const struct pn_addr *b)
{
	int fa, fb, anya, anyb;
	unsigned pa, pb;

	if (pn_addr_equal(a, b))
		return 1;
	if (a->proto != b->proto)
		return 0;
	parts(a, &fa, &anya, &pa);
	parts(b, &fb, &anyb, &pb);
	return fa == fb && pa == pb && (anya || anyb);
}
