/*
 * sources.h -- per-source accounting: concurrent connections and a token
 * bucket of new connections (or datagrams) per aggregated source.
 *
 * Sources are aggregated by prefix (a /24 or a /64 counts as one), so one
 * IPv6 host cannot dodge the limits by changing its low 64 bits.  The
 * table is bounded: idle entries are swept, and when it is full new
 * sources are not tracked (they are let through) rather than letting an
 * address-spoofing flood grow memory.
 *
 * Source addresses are chosen by the client (and forged at will over UDP),
 * so the table is hashed with SipHash under a secret random key, changed
 * at every rebuild (each growth and each sweep), and no entry lies more
 * than PN_SOURCES_PROBE_MAX slots from where its hash puts it: a lookup
 * costs at most that many comparisons whatever the addresses.  An insert
 * that would go further rebuilds the table under a new key (rekeys); if
 * that cannot place it either, the source is not tracked (untracked).
 */
#ifndef PN_SOURCES_H
#define PN_SOURCES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "acl.h"
#include "siphash.h"

/* Most slots a lookup probes (from the slot the key hashes to).  fuzz_sources
 * builds sources.c with a small value, so that random keys reach the
 * rekeying paths. */
#ifndef PN_SOURCES_PROBE_MAX
#define PN_SOURCES_PROBE_MAX 64
#endif

struct pn_source {
	struct pn_prefix key;
	uint32_t conns;	 /* open connections from this source */
	double tokens;	 /* token bucket */
	uint64_t stamp;	 /* ms of the last refill */
	int used;
};

struct pn_sources {
	struct pn_source *v;
	size_t cap, n;
	size_t max;	      /* most entries kept */
	struct pn_sipkey key; /* secret; a new one at every rebuild */
	size_t untracked;     /* new sources let through untracked */
	size_t rekeys;	      /* rebuilds forced by the probe limit */
	size_t lost;	      /* entries a rebuild could not place */
	int weak_key;	      /* the key is not from getrandom (early boot) */
};

/* Start an empty table holding at most max entries. */
void pn_sources_init(struct pn_sources *t, size_t max);
void pn_sources_free(struct pn_sources *t);

/* The entry for key, created if absent; NULL (and counted in untracked)
 * when the table is full or no slot within the probe limit is free even
 * under a new key. */
struct pn_source *pn_sources_get(struct pn_sources *t,
				 const struct pn_prefix *key, uint64_t now);

/* The entry for key if present. */
struct pn_source *pn_sources_find(struct pn_sources *t,
				  const struct pn_prefix *key);

/*
 * pn_source_take -- take one token (rate per second, burst at most);
 * returns 1 if allowed.  rate 0 means unlimited.
 */
int pn_source_take(struct pn_source *s, double rate, double burst,
		   uint64_t now);

/* Drop entries with no connection whose bucket has refilled. */
void pn_sources_sweep(struct pn_sources *t, double rate, double burst,
		      uint64_t now);

#endif
