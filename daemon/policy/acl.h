/*
 * acl.h -- address prefixes (CIDR) and allow/deny lists.
 *
 * A list entry is an IPv4 or IPv6 address with an optional /LEN
 * ("192.0.2.0/24", "2001:db8::/32", "::1").  A client is judged by the
 * longest prefix that contains it: the entry's kind (allow or deny)
 * decides, and on equal lengths deny wins.  A client that no entry
 * contains is allowed only when the lists have no allow entry at all.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are judged as IPv4.
 */
#ifndef PN_ACL_H
#define PN_ACL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct pn_prefix {
	int family;	  /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	unsigned len;	  /* prefix length in bits */
};

/* Parse "ADDR" or "ADDR/LEN"; host bits beyond LEN must be zero.
 * Returns 0, or -1 with a reason in err. */
int pn_prefix_parse(const char *text, struct pn_prefix *p, char *err,
		    size_t errlen);

/* Does the prefix contain the address (AF_INET/AF_INET6 sockaddr)? */
int pn_prefix_contains(const struct pn_prefix *p, const struct sockaddr *sa);

/* The address as a prefix of `len4` or `len6` bits (source aggregation:
 * one key for every client of a /24 or a /64). */
void pn_prefix_of(const struct sockaddr *sa, unsigned len4, unsigned len6,
		  struct pn_prefix *out);

int pn_prefix_equal(const struct pn_prefix *a, const struct pn_prefix *b);

struct pn_acl {
	struct pn_prefix *allow, *deny;
	size_t nallow, ndeny;
};

/* 1 if the client may connect, 0 if refused. */
int pn_acl_allows(const struct pn_acl *acl, const struct sockaddr *sa);

void pn_acl_free(struct pn_acl *acl);

#endif
