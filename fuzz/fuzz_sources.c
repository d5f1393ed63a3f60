/*
 * fuzz_sources.c -- libFuzzer target for the per-source table
 * (daemon/policy/sources.c) and its keyed hash (daemon/common/siphash.c).
 *
 * Built with PN_SOURCES_PROBE_MAX 4 (fuzz.mk) instead of 64, so that
 * random keys often meet the probe limit and the rekeying rebuild, its
 * retries and the entries it gives up on are reached; getrandom(2) is
 * wrapped (-Wl,--wrap) to a stream seeded by the input, so a crash
 * replays exactly.
 *
 * Input: two bytes give the table's max (1 to 256), eight seed the keys;
 * then operations, one byte each plus their arguments:
 *	get KEY, find KEY, take KEY RATE BURST, conns KEY N,
 *	sweep RATE BURST, time DELTA
 * where KEY is a family bit, a prefix length and two address bytes (a
 * small space, so sources come back).  (Every model source found, with
 * as many entries as the model, also rules out duplicates.)
 *
 * Checked after every get and sweep against a model of the entries (after
 * the other operations, only the entry they touched): the
 * table holds exactly the model's sources, each found where it lies, within
 * the probe limit of its home with no free slot before it (no duplicates);
 * n counts them and never exceeds max; get returns NULL only when the
 * table is full or a rekey could not place it, and each NULL is counted in
 * untracked; a source leaves only through a sweep that the model's own
 * rule (nothing open, bucket full again) allows, or through lost; an
 * entry's counters survive every rebuild bit for bit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "fuzz_input.h"
#include "siphash.h"
#include "sources.h"

#define MODEL_MAX 256

/* getrandom(2) for the target: a splitmix64 stream seeded by the input. */
static uint64_t rng;

ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags);
ssize_t __wrap_getrandom(void *buf, size_t len, unsigned flags)
{
	uint8_t *p = buf;

	(void)flags;
	for (size_t i = 0; i < len; i++) {
		uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);
		z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ z >> 27) * 0x94d049bb133111ebULL;
		p[i] = (uint8_t)(z ^ z >> 31);
	}
	return (ssize_t)len;
}

static struct pn_source model[MODEL_MAX];
static size_t nmodel;

static struct pn_prefix read_key(struct fz_in *in)
{
	struct pn_prefix k;
	unsigned b = fz_u8(in);

	memset(&k, 0, sizeof k);
	k.family = b & 1 ? AF_INET6 : AF_INET;
	k.len = (b >> 1) % (k.family == AF_INET ? 33 : 129);
	k.addr[0] = (uint8_t)fz_u8(in);
	k.addr[1] = (uint8_t)fz_u8(in);
	return k;
}

static struct pn_source *model_find(const struct pn_prefix *k)
{
	for (size_t i = 0; i < nmodel; i++)
		if (pn_prefix_equal(&model[i].key, k))
			return &model[i];
	return NULL;
}

static void model_drop(size_t i)
{
	model[i] = model[--nmodel];
}

/* The same bytes as sources.c's home(). */
static size_t home_of(const struct pn_sources *t, const struct pn_prefix *k)
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
 * check -- the table against the model.  Model entries missing from the
 * table are forgiven only up to the growth of lost since the last check
 * (*lost_seen), and dropped from the model; then the table holds as many
 * entries as the model, each model entry found with its counters intact.
 */
static void check(struct pn_sources *t, size_t *lost_seen)
{
	size_t used = 0, missing = 0;

	fz_check(t->n <= t->max, "n %zu > max %zu", t->n, t->max);
	fz_check(t->cap == 0 || (t->cap & (t->cap - 1)) == 0, "cap %zu", t->cap);
	fz_check(2 * t->n <= t->cap, "load: n %zu cap %zu", t->n, t->cap);
	for (size_t i = 0; i < t->cap; i++) {
		const struct pn_source *s = &t->v[i];
		if (!s->used)
			continue;
		used++;
		size_t h = home_of(t, &s->key), d = (i - h) & (t->cap - 1);
		fz_check(d < PN_SOURCES_PROBE_MAX, "slot %zu is %zu from home", i, d);
		for (size_t j = h; j != i; j = (j + 1) & (t->cap - 1))
			fz_check(t->v[j].used, "free slot %zu before slot %zu", j, i);
	}
	fz_check(used == t->n, "%zu used slots, n %zu", used, t->n);
	for (size_t i = 0; i < nmodel;) {
		const struct pn_source *s = pn_sources_find(t, &model[i].key), *m = &model[i];
		if (!s) {
			missing++;
			model_drop(i);
			continue;
		}
		fz_check(m->conns == s->conns && m->stamp == s->stamp &&
				 memcmp(&m->tokens, &s->tokens, sizeof m->tokens) == 0,
			 "slot %zu: counters changed", (size_t)(s - t->v));
		i++;
	}
	fz_check(missing == t->lost - *lost_seen, "%zu sources gone, lost grew by %zu",
		 missing, t->lost - *lost_seen);
	fz_check(t->n == nmodel, "the table holds %zu sources, the model %zu", t->n,
		 nmodel);
	*lost_seen = t->lost;
}

/* sources.c's sweep rule, written again: kept while something is open or
 * the bucket has not refilled. */
static int model_needed(const struct pn_source *s, double rate, double burst,
			uint64_t now)
{
	if (s->conns > 0)
		return 1;
	if (rate <= 0)
		return 0;
	if (burst < 1)
		burst = 1;
	double t = s->tokens < 0 ? burst
				 : s->tokens + (double)(now - s->stamp) * rate / 1000.0;
	return t < burst;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct pn_sources t;
	size_t max = fz_u16(&in) % 256 + 1, lost_seen = 0;
	uint64_t now = 0;

	rng = 0;
	for (int i = 0; i < 8; i++)
		rng = rng << 8 | fz_u8(&in);
	nmodel = 0;
	pn_sources_init(&t, max);
	fz_check(!t.weak_key, "the wrapped getrandom always gives a key");
	for (int ops = 0; fz_left(&in) > 0 && ops < 1024; ops++) {
		struct pn_prefix k = read_key(&in);
		struct pn_source *s, *m;
		unsigned op = fz_u8(&in) % 6;
		double rate = fz_u8(&in) % 20, burst = fz_u8(&in) % 20;

		switch (op) {
		case 0: { /* get */
			size_t untracked = t.untracked, rekeys = t.rekeys;
			int known = model_find(&k) != NULL, full = t.n >= t.max;
			s = pn_sources_get(&t, &k, now);
			if (!s) {
				fz_check(!known, "a tracked source refused");
				fz_check(full || t.rekeys == rekeys + 1,
					 "refused with room and no rekey");
				fz_check(t.untracked == untracked + 1, "untracked");
				break;
			}
			fz_check(t.untracked == untracked, "untracked moved");
			fz_check(pn_prefix_equal(&s->key, &k), "get: wrong entry");
			if (!known) {
				fz_check(!full, "a source added past max");
				fz_check(s->tokens == -1 && s->conns == 0 &&
						 s->stamp == now, "a new entry not fresh");
				fz_check(nmodel < MODEL_MAX, "model full");
				model[nmodel++] = *s;
			}
			break;
		}
		case 1: /* find */
			s = pn_sources_find(&t, &k);
			fz_check((s != NULL) == (model_find(&k) != NULL),
				 "find disagrees with the model");
			break;
		case 2: /* take */
			if ((s = pn_sources_find(&t, &k))) {
				pn_source_take(s, rate, burst, now);
				*model_find(&k) = *s;
			}
			break;
		case 3: /* conns */
			if ((s = pn_sources_find(&t, &k))) {
				s->conns = (uint32_t)(fz_u8(&in) % 3);
				model_find(&k)->conns = s->conns;
			}
			break;
		case 4: /* sweep */
			pn_sources_sweep(&t, rate, burst, now);
			for (size_t i = 0; i < nmodel;) {
				m = &model[i];
				if (model_needed(m, rate, burst, now)) {
					i++;
					continue;
				}
				fz_check(!pn_sources_find(&t, &m->key),
					 "sweep kept a source it should forget");
				model_drop(i);
			}
			break;
		default: /* time passes */
			now += fz_u16(&in);
			break;
		}
		/* The whole table after what can move entries; else the one. */
		if (op == 0 || op == 4)
			check(&t, &lost_seen);
		else if ((s = pn_sources_find(&t, &k)))
			fz_check(s->conns == model_find(&k)->conns &&
					 s->stamp == model_find(&k)->stamp &&
					 memcmp(&s->tokens, &model_find(&k)->tokens,
						sizeof s->tokens) == 0,
				 "the entry differs from the model");
	}
	pn_sources_free(&t);
	return 0;
}
