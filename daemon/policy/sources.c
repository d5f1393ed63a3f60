/*
 * sources.c -- per-source accounting (see sources.h): an open-addressing
 * hash table keyed by the source prefix, linear probing, load at most 1/2.
 *
 * The prefixes are the attacker's choice, so the slot comes from SipHash
 * under a secret key (an unkeyed hash let chosen addresses pile up in one
 * probe run: every lookup walked it).  Invariants: no tombstones (entries
 * leave only through a rebuild), and every entry lies within
 * PN_SOURCES_PROBE_MAX slots of its home with no free slot in between,
 * so a lookup stops at a free slot or after PN_SOURCES_PROBE_MAX probes.
 * A rebuild draws a new key.  With a random key a run that long does not
 * happen by chance (200 full tables of 65,535 random sources at load 1/2:
 * longest run 52, no insert at the limit), so only a key the attacker
 * knows could force one, and that key is then replaced.
 */
#include "sources.h"

#include <stdlib.h>
#include <string.h>

/* Keys a rebuild tries before it gives up on the entries it cannot place. */
#define REKEY_TRIES 4

static void new_key(struct pn_sources *t)
{
	t->weak_key = pn_sipkey_random(&t->key) < 0;
}

void pn_sources_init(struct pn_sources *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
	new_key(t);
}

void pn_sources_free(struct pn_sources *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* The home slot of k: SipHash of its bytes (never of struct padding). */
static size_t home(const struct pn_sources *t, const struct pn_prefix *k)
{
	uint8_t b[20];

	memcpy(b, k->addr, 16);
	b[16] = (uint8_t)k->family;
	b[17] = (uint8_t)(k->family >> 8);
	b[18] = (uint8_t)k->len;
	b[19] = (uint8_t)(k->len >> 8);
	return (size_t)pn_siphash(&t->key, b, sizeof b) & (t->cap - 1);
}

/*
 * probe -- the slot holding k, else the free slot where k belongs; NULL
 * when PN_SOURCES_PROBE_MAX slots from k's home are all taken by others.
 */
static struct pn_source *probe(const struct pn_sources *t,
			       const struct pn_prefix *k)
{
	size_t i = home(t, k);

	for (int n = 0; n < PN_SOURCES_PROBE_MAX; n++) {
		struct pn_source *s = &t->v[i];
		if (!s->used || pn_prefix_equal(&s->key, k))
			return s;
		i = (i + 1) & (t->cap - 1);
	}
	return NULL;
}

/*
 * rebuild -- rehash into a table of cap slots under a new key, keeping the
 * entries keep() accepts (all without keep).  An entry that finds no slot
 * within the probe limit makes it start over with another key; after
 * REKEY_TRIES keys such entries are dropped and counted in lost.  Returns
 * 0, or -1 when out of memory (the table is unchanged).
 */
static int rebuild(struct pn_sources *t, size_t cap,
		   int (*keep)(const struct pn_source *, void *), void *arg)
{
	struct pn_sources n = *t;

	n.cap = cap;
	n.v = NULL;
	for (int try = 1;; try++) {
		size_t dropped = 0;

		free(n.v);
		if (!(n.v = calloc(cap, sizeof *n.v)))
			return -1;
		new_key(&n);
		n.n = 0;
		for (size_t i = 0; i < t->cap; i++) {
			struct pn_source *s;
			if (!t->v[i].used || (keep && !keep(&t->v[i], arg)))
				continue;
			if (!(s = probe(&n, &t->v[i].key))) {
				dropped++;
				if (try < REKEY_TRIES)
					break;
				continue;
			}
			*s = t->v[i];
			n.n++;
		}
		if (!dropped || try >= REKEY_TRIES) {
			n.lost += dropped;
			break;
		}
	}
	free(t->v);
	*t = n;
	return 0;
}

struct pn_source *pn_sources_find(struct pn_sources *t,
				  const struct pn_prefix *key)
{
	struct pn_source *s;

	if (!t->cap)
		return NULL;
	s = probe(t, key);
	return s && s->used ? s : NULL;
}

struct pn_source *pn_sources_get(struct pn_sources *t,
				 const struct pn_prefix *key, uint64_t now)
{
	struct pn_source *s = t->cap ? probe(t, key) : NULL;

	if (s && s->used)
		return s;
	if (t->n >= t->max)
		goto untracked;
	/* Keep the load under 1/2 so probes stay short. */
	if (2 * (t->n + 1) > t->cap) {
		if (rebuild(t, t->cap ? 2 * t->cap : 64, NULL, NULL) < 0)
			goto untracked;
		s = probe(t, key);
	}
	if (!s) {
		/* A run as long as the limit: the key is known or unlucky. */
		t->rekeys++;
		if (rebuild(t, t->cap, NULL, NULL) < 0 || !(s = probe(t, key)))
			goto untracked;
	}
	memset(s, 0, sizeof *s);
	s->key = *key;
	s->used = 1;
	s->tokens = -1; /* full on first use */
	s->stamp = now;
	t->n++;
	return s;
untracked:
	t->untracked++;
	return NULL;
}

int pn_source_take(struct pn_source *s, double rate, double burst,
		   uint64_t now)
{
	if (rate <= 0)
		return 1;
	if (burst < 1)
		burst = 1;
	if (s->tokens < 0)
		s->tokens = burst;
	s->tokens += (double)(now - s->stamp) * rate / 1000.0;
	if (s->tokens > burst)
		s->tokens = burst;
	s->stamp = now;
	if (s->tokens < 1)
		return 0;
	s->tokens -= 1;
	return 1;
}

struct sweep_arg {
	double rate, burst;
	uint64_t now;
};

static int still_needed(const struct pn_source *s, void *arg)
{
	const struct sweep_arg *a = arg;

	if (s->conns > 0)
		return 1;
	if (a->rate <= 0)
		return 0;
	double t = s->tokens < 0 ? a->burst
				 : s->tokens + (double)(a->now - s->stamp) * a->rate / 1000.0;
	return t < a->burst;
}

void pn_sources_sweep(struct pn_sources *t, double rate, double burst,
		      uint64_t now)
{
	struct sweep_arg a = { rate, burst < 1 ? 1 : burst, now };

	if (t->cap)
		rebuild(t, t->cap, still_needed, &a);
}
