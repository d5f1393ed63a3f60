/*
 * acl.c -- address prefixes and allow/deny lists (see acl.h).
 */
#include "acl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int pn_prefix_parse(const char *text, struct pn_prefix *p, char *err,
		    size_t errlen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	unsigned max;

	memset(p, 0, sizeof *p);
	if (alen == 0 || alen >= sizeof buf) {
		snprintf(err, errlen, "bad address prefix '%s'", text);
		return -1;
	}
	memcpy(buf, text, alen);
	buf[alen] = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "bad address prefix '%s': '%s' is not an IPv4 "
				      "or IPv6 address", text, buf);
		return -1;
	}
	p->len = max;
	if (slash) {
		char *end;
		long v;
		errno = 0;
		v = strtol(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || v < 0 || v > (long)max) {
			snprintf(err, errlen, "bad address prefix '%s': length must be "
					      "0 to %u", text, max);
			return -1;
		}
		p->len = (unsigned)v;
	}
	/* Clients with IPv4-mapped addresses are judged as IPv4, so an
	 * IPv4-mapped prefix becomes the IPv4 prefix it means. */
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	if (p->family == AF_INET6 && memcmp(p->addr, mapped, 12) == 0) {
		if (p->len < 96) {
			snprintf(err, errlen, "bad address prefix '%s': an IPv4-mapped "
					      "prefix must be /96 or longer", text);
			return -1;
		}
		memmove(p->addr, p->addr + 12, 4);
		memset(p->addr + 4, 0, 12);
		p->family = AF_INET;
		p->len -= 96;
		max = 32;
	}
	for (unsigned bit = p->len; bit < max; bit++) {
		if (p->addr[bit / 8] & (0x80u >> (bit % 8))) {
			snprintf(err, errlen, "bad address prefix '%s': bits set after "
					      "the first %u", text, p->len);
			return -1;
		}
	}
	return 0;
}

/* The address bytes of sa, IPv4-mapped IPv6 turned into IPv4. */
static int addr_bytes(const struct sockaddr *sa, uint8_t out[16])
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, a->s6_addr + 12, 4);
			return AF_INET;
		}
		memcpy(out, a->s6_addr, 16);
		return AF_INET6;
	}
	return -1;
}

static int bits_match(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(a, b, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xffu << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

int pn_prefix_contains(const struct pn_prefix *p, const struct sockaddr *sa)
{
	uint8_t a[16];

	return addr_bytes(sa, a) == p->family && bits_match(a, p->addr, p->len);
}

void pn_prefix_of(const struct sockaddr *sa, unsigned len4, unsigned len6,
		  struct pn_prefix *out)
{
	memset(out, 0, sizeof *out);
	out->family = addr_bytes(sa, out->addr);
	out->len = out->family == AF_INET ? (len4 > 32 ? 32 : len4)
					  : (len6 > 128 ? 128 : len6);
	unsigned max = out->family == AF_INET ? 32 : 128;
	for (unsigned bit = out->len; bit < max; bit++)
		out->addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
}

int pn_prefix_equal(const struct pn_prefix *a, const struct pn_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, 16) == 0;
}

/*
 * The longest matching prefix decides, deny winning a tie; no allow list
 * at all allows every address.  That makes a list lost on the way (an
 * allocation failure) an allow-all: readers of lists fail the load
 * instead (pn__read_prefixes, the view decoder).
 */
int pn_acl_allows(const struct pn_acl *acl, const struct sockaddr *sa)
{
	int best = -1, verdict = acl->nallow == 0;

	for (size_t i = 0; i < acl->nallow; i++)
		if ((int)acl->allow[i].len > best &&
		    pn_prefix_contains(&acl->allow[i], sa)) {
			best = (int)acl->allow[i].len;
			verdict = 1;
		}
	for (size_t i = 0; i < acl->ndeny; i++)
		if ((int)acl->deny[i].len >= best &&
		    pn_prefix_contains(&acl->deny[i], sa)) {
			best = (int)acl->deny[i].len;
			verdict = 0;
		}
	return verdict;
}

void pn_acl_free(struct pn_acl *acl)
{
	free(acl->allow);
	free(acl->deny);
	memset(acl, 0, sizeof *acl);
}
