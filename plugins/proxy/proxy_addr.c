/*
 * proxy_addr.c -- the `backend` option: "tcp://HOST:PORT".
 *
 * HOST is an address literal, never a name: a worker must not block on a
 * resolver, and a name that resolves differently from one connection to
 * the next is a surprise in a proxy.  IPv6 literals go in brackets, as in
 * `listen`.  Scoped IPv6 addresses (fe80::1%eth0) are not taken.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proxy.h"

#define PROXY_SCHEME "tcp://"

/* Parse the decimal port of s (all of s) into *port; 0 or -1. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v = 0;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int proxy__parse_addr(const char *s, struct proxy_addr *a, char *err,
		      size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *h, *colon;
	size_t hlen;
	uint16_t port;
	int v6 = 0;

	memset(a, 0, sizeof *a);
	if (!s || *s == '\0') {
		snprintf(err, errlen, "backend is not set: give "
			 "backend = \"tcp://HOST:PORT\"");
		return -1;
	}
	if (strncmp(s, PROXY_SCHEME, strlen(PROXY_SCHEME)) != 0) {
		snprintf(err, errlen, "backend \"%s\": expected "
			 "tcp://HOST:PORT (only tcp:// backends)", s);
		return -1;
	}
	h = s + strlen(PROXY_SCHEME);
	if (*h == '[') {
		const char *end = strchr(h, ']');

		if (!end || end[1] != ':') {
			snprintf(err, errlen, "backend \"%s\": expected "
				 "tcp://[IPv6]:PORT", s);
			return -1;
		}
		h++;
		hlen = (size_t)(end - h);
		colon = end + 1;
		v6 = 1;
	} else {
		colon = strrchr(h, ':');
		if (!colon) {
			snprintf(err, errlen, "backend \"%s\": no port: "
				 "expected tcp://HOST:PORT", s);
			return -1;
		}
		hlen = (size_t)(colon - h);
	}
	if (hlen == 0 || hlen >= sizeof host) {
		snprintf(err, errlen, "backend \"%s\": no valid address "
			 "before the port", s);
		return -1;
	}
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (parse_port(colon + 1, &port) < 0) {
		snprintf(err, errlen, "backend \"%s\": port \"%s\" is not a "
			 "number from 1 to 65535", s, colon + 1);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a->ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			snprintf(err, errlen, "backend \"%s\": \"%s\" is not "
				 "an IPv6 address", s, host);
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		a->len = sizeof *sin6;
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof host);
		snprintf(a->name, sizeof a->name, "tcp://[%s]:%u", host,
			 (unsigned)port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			snprintf(err, errlen, "backend \"%s\": \"%s\" is not "
				 "an IPv4 address (names are not looked up; "
				 "IPv6 goes in brackets)", s, host);
			return -1;
		}
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		a->len = sizeof *sin;
		snprintf(a->name, sizeof a->name, "tcp://%s:%u", host,
			 (unsigned)port);
	}
	return 0;
}
