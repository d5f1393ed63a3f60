/* Unit tests for daemon/sources.c: per-source table and token bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "siphash.h"
#include "sources.h"

static struct pn_prefix key(unsigned n)
{
	struct pn_prefix k = { .family = 2, .len = 32 };

	memcpy(k.addr, &n, sizeof n);
	return k;
}

static void test_bucket_allows_burst_then_rate(void **st)
{
	struct pn_sources t;
	struct pn_prefix k = key(1);
	int ok = 0;

	(void)st;
	pn_sources_init(&t, 100);
	struct pn_source *s = pn_sources_get(&t, &k, 1000);
	assert_non_null(s);
	for (int i = 0; i < 10; i++)
		ok += pn_source_take(s, 5, 5, 1000);
	assert_int_equal(ok, 5); /* the burst */
	assert_int_equal(pn_source_take(s, 5, 5, 1100), 0); /* 0.5 token */
	assert_int_equal(pn_source_take(s, 5, 5, 1200), 1); /* 1 token after 200 ms */
	assert_int_equal(pn_source_take(s, 0, 0, 1200), 1); /* rate 0: unlimited */
	pn_sources_free(&t);
}

static void test_table_grows_finds_and_is_bounded(void **st)
{
	struct pn_sources t;

	(void)st;
	pn_sources_init(&t, 1000);
	for (unsigned i = 0; i < 1000; i++) {
		struct pn_prefix k = key(i);
		struct pn_source *s = pn_sources_get(&t, &k, 0);
		assert_non_null(s);
		s->conns = i;
	}
	struct pn_prefix extra = key(5000);
	assert_null(pn_sources_get(&t, &extra, 0)); /* full: not tracked */
	assert_int_equal(t.untracked, 1);
	for (unsigned i = 0; i < 1000; i += 97) {
		struct pn_prefix k = key(i);
		assert_int_equal(pn_sources_find(&t, &k)->conns, i);
	}
	assert_int_equal(t.n, 1000);
	pn_sources_free(&t);
}

/*
 * The hash sources.c used until the table was keyed: FNV-1a over family,
 * length and the 16 address bytes, folded, masked by the table size.
 * Anyone can compute it, so anyone can choose addresses it sends to the
 * same few slots.
 */
static size_t old_fnv_slot(const struct pn_prefix *k, size_t mask)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)k->family ^ k->len;

	for (int i = 0; i < 16; i++)
		h = (h ^ k->addr[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29)) & mask;
}

/* The longest run of taken slots (wrapping): what a lookup may walk. */
static size_t longest_run(const struct pn_sources *t)
{
	size_t best = 0, run = 0;

	for (size_t i = 0; i < 2 * t->cap; i++) {
		run = t->v[i & (t->cap - 1)].used ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best < t->cap ? best : t->cap;
}

#define FLOOD 4096	   /* chosen sources */
#define FLOOD_MASK 0x1ffff /* the largest table: 65536 sources at load 1/2 */
#define FLOOD_SPAN 128	   /* the slots (of every table size) they all hit */

/*
 * A hash-flooding set against the old function: half IPv4 /32 keys,
 * half IPv6 /64 keys (the default source_prefix4 and source_prefix6),
 * each landing in the first FLOOD_SPAN slots of a 2^17-slot table, hence
 * of every smaller table too: one probe run of FLOOD entries.
 */
static struct pn_prefix *flood_set(void)
{
	struct pn_prefix *set = calloc(FLOOD, sizeof *set);
	size_t n = 0;

	assert_non_null(set);
	for (uint32_t a = 1; n < FLOOD / 2; a++) {
		struct pn_prefix k = { .family = 2, .len = 32 };
		k.addr[0] = 10; /* 10.0.0.0/8 upwards, network order */
		k.addr[1] = (uint8_t)(a >> 16);
		k.addr[2] = (uint8_t)(a >> 8);
		k.addr[3] = (uint8_t)a;
		if (old_fnv_slot(&k, FLOOD_MASK) < FLOOD_SPAN)
			set[n++] = k;
	}
	for (uint32_t a = 1; n < FLOOD; a++) {
		struct pn_prefix k = { .family = 10, .len = 64 };
		k.addr[0] = 0x20; /* 2001:db8::/32, one /64 each */
		k.addr[1] = 0x01;
		k.addr[2] = 0x0d;
		k.addr[3] = 0xb8;
		for (int i = 0; i < 4; i++)
			k.addr[4 + i] = (uint8_t)(a >> (24 - 8 * i));
		if (old_fnv_slot(&k, FLOOD_MASK) < FLOOD_SPAN)
			set[n++] = k;
	}
	return set;
}

/*
 * The chosen set makes the old table one run of >= FLOOD slots (every
 * lookup of an absent source walks it: quadratic work for the attacker's
 * linear traffic).  Keyed, the same set spreads like random keys do: at
 * load 1/2 no run comes near 256, let alone FLOOD.
 */
static void test_table_is_not_flooded_by_old_hash_collisions(void **st)
{
	struct pn_sources t;
	struct pn_prefix *set = flood_set();

	(void)st;
	for (size_t i = 0; i < FLOOD; i++) /* the set is what it claims */
		assert_true(old_fnv_slot(&set[i], FLOOD_MASK) < FLOOD_SPAN);
	pn_sources_init(&t, 65536);
	for (size_t i = 0; i < FLOOD; i++) {
		struct pn_source *s = pn_sources_get(&t, &set[i], 0);
		assert_non_null(s);
		s->conns = (uint32_t)i;
	}
	assert_int_equal(t.n, FLOOD);
	for (size_t i = 0; i < FLOOD; i++)
		assert_int_equal(pn_sources_find(&t, &set[i])->conns, i);
	assert_in_range(longest_run(&t), 1, 255);
	pn_sources_free(&t);
	free(set);
}

/* The slot sources.c gives k under key in a table of mask + 1 slots (the
 * same bytes: the address, then family and length little-endian). */
static size_t keyed_slot(const struct pn_sipkey *key,
			 const struct pn_prefix *k, size_t mask)
{
	uint8_t b[20];

	memcpy(b, k->addr, 16);
	b[16] = (uint8_t)k->family;
	b[17] = (uint8_t)(k->family >> 8);
	b[18] = (uint8_t)k->len;
	b[19] = (uint8_t)(k->len >> 8);
	return (size_t)pn_siphash(key, b, sizeof b) & mask;
}

/*
 * Even an attacker who knew the key gets nowhere: 100 sources chosen to
 * hash to slot 0 of a 256-slot table under the key in use.  The 65th
 * would go past the probe limit, so the table is rebuilt under a new key
 * (counted), every source is tracked and found, and no run stays long.
 */
static void test_probe_limit_rekeys_a_known_key(void **st)
{
	const struct pn_sipkey known = { 0x0123456789abcdefULL, 0xfedcba9876543210ULL };
	struct pn_sources t;
	struct pn_prefix set[100], k = key(0);
	size_t n = 0;

	(void)st;
	pn_sources_init(&t, 1000);
	assert_non_null(pn_sources_get(&t, &k, 0));
	/* An empty table of 256 slots under the known key. */
	free(t.v);
	t.v = calloc(256, sizeof *t.v);
	assert_non_null(t.v);
	t.cap = 256;
	t.n = 0;
	t.key = known;
	for (unsigned a = 1; n < 100; a++) {
		k = key(a);
		if (keyed_slot(&known, &k, 255) == 0)
			set[n++] = k;
	}
	for (size_t i = 0; i < PN_SOURCES_PROBE_MAX; i++)
		assert_non_null(pn_sources_get(&t, &set[i], 0));
	assert_int_equal(t.rekeys, 0); /* the run is PN_SOURCES_PROBE_MAX long */
	assert_int_equal(longest_run(&t), PN_SOURCES_PROBE_MAX);
	for (size_t i = PN_SOURCES_PROBE_MAX; i < 100; i++)
		assert_non_null(pn_sources_get(&t, &set[i], 0));
	assert_int_equal(t.rekeys, 1);
	assert_true(t.key.k0 != known.k0 || t.key.k1 != known.k1);
	assert_int_equal(t.cap, 256);
	assert_int_equal(t.n, 100);
	assert_int_equal(t.untracked, 0);
	assert_int_equal(t.lost, 0);
	for (size_t i = 0; i < 100; i++)
		assert_non_null(pn_sources_find(&t, &set[i]));
	assert_in_range(longest_run(&t), 1, PN_SOURCES_PROBE_MAX - 1);
	pn_sources_free(&t);
}

static void test_sweep_keeps_open_and_refilling_sources(void **st)
{
	struct pn_sources t;
	struct pn_prefix a = key(1), b = key(2), c = key(3);

	(void)st;
	pn_sources_init(&t, 10);
	pn_sources_get(&t, &a, 0)->conns = 1;           /* open: kept */
	pn_source_take(pn_sources_get(&t, &b, 0), 1, 10, 0); /* 9 of 10 tokens */
	pn_sources_get(&t, &c, 0);                       /* idle, full */
	pn_sources_sweep(&t, 1, 10, 500);  /* b is at 9.5: still refilling */
	assert_int_equal(t.n, 2);
	assert_non_null(pn_sources_find(&t, &a));
	assert_non_null(pn_sources_find(&t, &b));
	assert_null(pn_sources_find(&t, &c));
	pn_sources_sweep(&t, 1, 10, 5000); /* b full again */
	assert_int_equal(t.n, 1);
	pn_sources_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_allows_burst_then_rate),
		cmocka_unit_test(test_table_grows_finds_and_is_bounded),
		cmocka_unit_test(test_sweep_keeps_open_and_refilling_sources),
		cmocka_unit_test(test_table_is_not_flooded_by_old_hash_collisions),
		cmocka_unit_test(test_probe_limit_rekeys_a_known_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
