/*
 * test_daytime.c -- the daytime plugin (RFC 867) on the fake core.
 *
 * The plugin's source is included to reach daytime_format(), so fixed
 * instants can be checked byte for byte and against glibc's asctime_r().
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

#include "../../plugins/daytime.c"

/* A zone without DST five hours west of UTC: local = UTC - 5 h. */
#define WEST5 "PNT+05"

static char *fmt(time_t t, int utc)
{
	static char buf[DAYTIME_MAX];

	memset(buf, 'X', sizeof buf);
	assert_int_not_equal(daytime_format(t, utc, buf), 0);
	return buf;
}

/* Assert out[0..n) is the line of some instant between lo and hi. */
static void assert_line_between(const char *out, size_t n, time_t lo,
				time_t hi, int utc)
{
	for (time_t t = lo; t <= hi; t++) {
		char want[DAYTIME_MAX];
		size_t wn = daytime_format(t, utc, want);
		if (wn == n && memcmp(out, want, n) == 0)
			return;
	}
	fail_msg("'%.*s' is not the time between %lld and %lld", (int)n, out,
		 (long long)lo, (long long)hi);
}

static int setup_tz(void **st)
{
	(void)st;
	setenv("TZ", WEST5, 1);
	tzset();
	return 0;
}

static void test_format_fixed_instants_utc(void **st)
{
	(void)st;
	assert_string_equal(fmt(0, 1), "Thu Jan  1 00:00:00 1970\r\n");
	assert_string_equal(fmt(1795239231, 1), "Sat Nov 21 05:33:51 2026\r\n");
	/* Single-digit day: space-padded, as ctime(3). */
	assert_string_equal(fmt(1793491200, 1), "Sun Nov  1 00:00:00 2026\r\n");
	assert_string_equal(fmt(-1, 1), "Wed Dec 31 23:59:59 1969\r\n");
	assert_string_equal(fmt(951782400, 1), "Tue Feb 29 00:00:00 2000\r\n");
	/* Past the RFC 868 wrap, and past year 9999: no truncation. */
	assert_string_equal(fmt(2085978496, 1), "Thu Feb  7 06:28:16 2036\r\n");
	assert_string_equal(fmt(253402300800, 1),
			    "Sat Jan  1 00:00:00 10000\r\n");
}

static void test_format_length_is_26_bytes(void **st)
{
	char buf[DAYTIME_MAX];

	(void)st;
	assert_int_equal(daytime_format(1795239231, 1, buf), 26);
}

/* Byte for byte what ctime(3) says, CR LF instead of LF, over 1901..2100. */
static void test_format_matches_asctime(void **st)
{
	(void)st;
	for (long long t = -2147483648LL; t < 4102444800LL; t += 7776001) {
		struct tm tm;
		char ref[64], *nl;

		assert_non_null(gmtime_r(&(time_t){ (time_t)t }, &tm));
		assert_non_null(asctime_r(&tm, ref));
		nl = strchr(ref, '\n');
		assert_non_null(nl);
		strcpy(nl, "\r\n");
		assert_string_equal(fmt((time_t)t, 1), ref);
	}
}

static void test_format_local_time_follows_tz(void **st)
{
	(void)st;
	assert_string_equal(fmt(0, 0), "Wed Dec 31 19:00:00 1969\r\n");
	assert_string_equal(fmt(0, 1), "Thu Jan  1 00:00:00 1970\r\n");
}

static void test_format_rejects_unrepresentable_year(void **st)
{
	char buf[DAYTIME_MAX];
	time_t huge = (time_t)INT64_MAX;

	(void)st;
	assert_int_equal(daytime_format(huge, 1, buf), 0);
}

static void test_option_utc_defaults_to_true(void **st)
{
	const struct pinetd_option *o = daytime_options;

	(void)st;
	assert_string_equal(o->name, "utc");
	assert_int_equal(o->type, PINETD_OPT_BOOL);
	assert_int_equal(o->def_int, 1);
	assert_int_equal(o[1].type, PINETD_OPT_END);
}

/* TCP: one line, then the plugin closes; later input changes nothing. */
static void test_tcp_sends_one_line_then_closes(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "daytime", NULL);
	time_t lo = time(NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	time_t hi = time(NULL);
	size_t n;
	const char *out;

	(void)st;
	assert_non_null(c);
	out = pt_output(c, &n);
	assert_int_equal(n, 26);
	assert_line_between(out, n, lo, hi, 1);
	assert_true(pt_closed(c));
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	pt_sendstr(s, c, "more\n");
	pt_output(c, &n);
	assert_int_equal(n, 26);
	pt_service_free(s);
}

static void test_tcp_local_time_with_utc_false(void **st)
{
	static const char *const opts[] = { "utc=false", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "daytime", opts);
	time_t lo = time(NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	time_t hi = time(NULL);
	size_t n;
	const char *out;

	(void)st;
	out = pt_output(c, &n);
	assert_line_between(out, n, lo, hi, 0);
	/* And it is not the UTC line (the zone is 5 h away). */
	assert_true(memcmp(out, fmt(lo, 1), n) != 0);
	assert_true(pt_closed(c));
	pt_service_free(s);
}

static void test_udp_replies_with_the_line(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "daytime", NULL);
	time_t lo = time(NULL), hi;
	size_t n;
	const char *r;

	(void)st;
	assert_int_equal(pt_datagram(s, "192.0.2.9", 5000, "", 0), 1);
	assert_int_equal(pt_datagram(s, "2001:db8::1", 5000, "what time?", 10),
			 1);
	hi = time(NULL);
	r = pt_reply(&n, NULL);
	assert_int_equal(n, 26);
	assert_line_between(r, n, lo, hi, 1);
	pt_service_free(s);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup(f, setup_tz)
	const struct CMUnitTest tests[] = {
		T(test_format_fixed_instants_utc),
		T(test_format_length_is_26_bytes),
		T(test_format_matches_asctime),
		T(test_format_local_time_follows_tz),
		T(test_format_rejects_unrepresentable_year),
		T(test_option_utc_defaults_to_true),
		T(test_tcp_sends_one_line_then_closes),
		T(test_tcp_local_time_with_utc_false),
		T(test_udp_replies_with_the_line),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
