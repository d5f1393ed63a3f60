/*
 * sources.c -- per-source accounting (see sources.h): an open-addressing
 * hash table keyed by the source prefix.
 */
#include "sources.h"

#include <stdlib.h>
#include <string.h>

void pn_sources_init(struct pn_sources *t, size_t max)
{
	memset(t, 0, sizeof *t);
	t->max = max;
}

void pn_sources_free(struct pn_sources *t)
{
	free(t->v);
	memset(t, 0, sizeof *t);
}

static size_t hash(const struct pn_prefix *k)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)k->family ^ k->len;

	for (int i = 0; i < 16; i++)
		h = (h ^ k->addr[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct pn_source *slot(struct pn_sources *t, const struct pn_prefix *k)
{
	size_t i = hash(k) & (t->cap - 1);

	while (t->v[i].used && !pn_prefix_equal(&t->v[i].key, k))
		i = (i + 1) & (t->cap - 1);
	return &t->v[i];
}

/* Rehash into a table of `cap` slots, keeping entries keep() accepts. */
static int rebuild(struct pn_sources *t, size_t cap,
		   int (*keep)(const struct pn_source *, void *), void *arg)
{
	struct pn_sources n = { .cap = cap, .max = t->max };

	if (!(n.v = calloc(cap, sizeof *n.v)))
		return -1;
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->v[i].used || (keep && !keep(&t->v[i], arg)))
			continue;
		*slot(&n, &t->v[i].key) = t->v[i];
		n.n++;
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
	s = slot(t, key);
	return s->used ? s : NULL;
}

struct pn_source *pn_sources_get(struct pn_sources *t,
				 const struct pn_prefix *key, uint64_t now)
{
	struct pn_source *s = pn_sources_find(t, key);

	if (s)
		return s;
	if (t->n >= t->max)
		return NULL;
	/* Keep the load under 1/2 so probes stay short. */
	if (2 * (t->n + 1) > t->cap &&
	    rebuild(t, t->cap ? 2 * t->cap : 64, NULL, NULL) < 0)
		return NULL;
	s = slot(t, key);
	memset(s, 0, sizeof *s);
	s->key = *key;
	s->used = 1;
	s->tokens = -1; /* full on first use */
	s->stamp = now;
	t->n++;
	return s;
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
