/* Unit tests for daemon/framer.c: line framing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <pinetd/plugin.h>

#include "framer.h"

struct got {
	char lines[16][256];
	unsigned flags[16];
	size_t n;
	size_t stop_after; /* return non-zero after this many lines, 0: never */
};

static int collect(void *arg, char *line, size_t len, unsigned flags)
{
	struct got *g = arg;

	assert_true(g->n < 16);
	assert_int_equal(line[len], 0); /* NUL-terminated at len */
	memcpy(g->lines[g->n], line, len + 1);
	g->flags[g->n] = flags;
	g->n++;
	return g->stop_after && g->n >= g->stop_after;
}

static void feed(struct pn_framer *f, const char *s, size_t max, struct got *g)
{
	char buf[512];
	size_t n = strlen(s);

	memcpy(buf, s, n);
	pn_framer_feed(f, buf, n, max, collect, g);
}

static void test_framer_splits_lf_and_crlf(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "one\ntwo\r\nthree\n", 100, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0], "one");
	assert_string_equal(g.lines[1], "two");
	assert_string_equal(g.lines[2], "three");
	assert_int_equal(g.flags[0], 0);
	assert_int_equal(g.flags[1], PINETD_LINE_CRLF);
	assert_int_equal(g.flags[2], 0);
	assert_null(f.buf); /* nothing carried */
	pn_framer_free(&f);
}

static void test_framer_joins_partial_reads(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "hel", 100, &g);
	feed(&f, "lo wo", 100, &g);
	assert_int_equal(g.n, 0);
	feed(&f, "rld\r", 100, &g);
	feed(&f, "\nnext", 100, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "hello world");
	assert_int_equal(g.flags[0], PINETD_LINE_CRLF); /* CR and LF apart */
	pn_framer_finish(&f, collect, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[1], "next");
	assert_int_equal(g.flags[1], PINETD_LINE_NOEOL);
	pn_framer_free(&f);
}

static void test_framer_truncates_long_line_and_drops_rest(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "abcdefghij", 4, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "abcd");
	assert_int_equal(g.flags[0], PINETD_LINE_TRUNCATED);
	feed(&f, "more of the same", 4, &g);
	feed(&f, "tail\nok\n", 4, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[1], "ok");
	assert_int_equal(g.flags[1], 0);
	assert_true(f.len == 0);
	pn_framer_free(&f);
}

static void test_framer_line_of_exactly_max_is_whole(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "abcd", 4, &g); /* LF not seen yet */
	assert_int_equal(g.n, 0);
	feed(&f, "\n", 4, &g);
	assert_int_equal(g.n, 1);
	assert_string_equal(g.lines[0], "abcd");
	assert_int_equal(g.flags[0], 0);
	pn_framer_free(&f);
}

static void test_framer_long_line_in_one_read(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "0123456789\nab\n", 4, &g);
	assert_int_equal(g.n, 2);
	assert_string_equal(g.lines[0], "0123");
	assert_int_equal(g.flags[0], PINETD_LINE_TRUNCATED);
	assert_string_equal(g.lines[1], "ab");
	pn_framer_free(&f);
}

static void test_framer_empty_lines_and_binary(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };
	char buf[] = { '\n', '\r', '\n', 'a', '\0', 'b', '\n' };

	(void)st;
	pn_framer_feed(&f, buf, sizeof buf, 100, collect, &g);
	assert_int_equal(g.n, 3);
	assert_string_equal(g.lines[0], "");
	assert_string_equal(g.lines[1], "");
	pn_framer_free(&f);
}

static void test_framer_stops_when_callback_asks(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { .stop_after = 1 };
	char buf[] = "a\nb\nc\n";

	(void)st;
	assert_int_equal(pn_framer_feed(&f, buf, 6, 100, collect, &g), 1);
	assert_int_equal(g.n, 1);
	pn_framer_free(&f);
}

static void test_framer_finish_after_discard_delivers_nothing(void **st)
{
	struct pn_framer f = { 0 };
	struct got g = { 0 };

	(void)st;
	feed(&f, "toolongline", 3, &g);
	assert_int_equal(g.n, 1);
	pn_framer_finish(&f, collect, &g);
	assert_int_equal(g.n, 1);
	pn_framer_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_framer_splits_lf_and_crlf),
		cmocka_unit_test(test_framer_joins_partial_reads),
		cmocka_unit_test(test_framer_truncates_long_line_and_drops_rest),
		cmocka_unit_test(test_framer_line_of_exactly_max_is_whole),
		cmocka_unit_test(test_framer_long_line_in_one_read),
		cmocka_unit_test(test_framer_empty_lines_and_binary),
		cmocka_unit_test(test_framer_stops_when_callback_asks),
		cmocka_unit_test(test_framer_finish_after_discard_delivers_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
