/*
 * siphash.h -- SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", 2012), 64-bit output.
 *
 * A keyed hash for tables whose keys an attacker chooses (source
 * addresses): without the 128-bit key, which never leaves the process,
 * nobody can pick inputs that collide, so a table indexed by it keeps
 * its expected probe lengths whatever the traffic.
 */
#ifndef PN_SIPHASH_H
#define PN_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/* A key: the 16 key bytes read as two little-endian 64-bit words. */
struct pn_sipkey {
	uint64_t k0, k1;
};

/*
 * pn_siphash -- SipHash-2-4 of the len bytes at data under key.  The
 * result equals the reference implementation's 8 output bytes read as a
 * little-endian integer, on any host byte order.
 */
uint64_t pn_siphash(const struct pn_sipkey *key, const void *data,
		    size_t len);

/*
 * pn_sipkey_random -- a fresh key from getrandom(2), without blocking.
 * Returns 0, or -1 (errno set) when the kernel has no entropy to give yet
 * (early boot) or no getrandom; the key is then still filled, from the
 * clock, the pid, addresses and a counter, so it differs on every call
 * but is guessable: the caller decides whether that is good enough and
 * says so.
 */
int pn_sipkey_random(struct pn_sipkey *key);

#endif
