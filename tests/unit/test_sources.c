/* Unit tests for daemon/sources.c: per-source table and token bucket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

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
	for (unsigned i = 0; i < 1000; i += 97) {
		struct pn_prefix k = key(i);
		assert_int_equal(pn_sources_find(&t, &k)->conns, i);
	}
	assert_int_equal(t.n, 1000);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
