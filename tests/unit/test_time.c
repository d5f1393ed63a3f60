/*
 * test_time.c -- the time plugin (RFC 868) on the fake core.
 *
 * The plugin's source is included to reach time_encode(), so fixed
 * instants (1900, 1970, the 2036 wrap) can be checked byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

#include "../../plugins/time.c"

static void assert_encodes(time_t t, const char *want)
{
	unsigned char v[TIME_LEN];

	time_encode(t, v);
	assert_memory_equal(v, want, TIME_LEN);
}

/* Decode 4 big-endian bytes, independently of the plugin. */
static uint32_t be32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	       (uint32_t)u[2] << 8 | u[3];
}

/* Assert the 4 bytes are the RFC 868 time of an instant in [lo, hi]. */
static void assert_time_between(const char *p, time_t lo, time_t hi)
{
	uint32_t v = be32(p);

	assert_in_range(v, (uint32_t)(lo + 2208988800LL),
			(uint32_t)(hi + 2208988800LL));
}

static void test_encode_fixed_instants(void **st)
{
	(void)st;
	assert_encodes(0, "\x83\xaa\x7e\x80");		/* 1970-01-01: 2208988800 */
	assert_encodes(-2208988800LL, "\0\0\0\0");	/* 1900-01-01 00:00:00 */
	assert_encodes(1, "\x83\xaa\x7e\x81");
	assert_encodes(1795239231, "\xee\xab\xab\xbf");	/* 2026-11-21 05:33:51 */
	/* 2036-02-07 06:28:15 is the last second before the 32-bit wrap. */
	assert_encodes(2085978495, "\xff\xff\xff\xff");
	assert_encodes(2085978496, "\0\0\0\0");
	assert_encodes(2085978497, "\0\0\0\x01");
}

static void test_tcp_sends_four_bytes_then_closes(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "time", NULL);
	time_t lo = time(NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	time_t hi = time(NULL);
	size_t n;
	const char *out;

	(void)st;
	assert_non_null(c);
	out = pt_output(c, &n);
	assert_int_equal(n, 4);
	assert_time_between(out, lo, hi);
	assert_true(pt_closed(c));
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	pt_sendstr(s, c, "ignored\n");
	pt_output(c, &n);
	assert_int_equal(n, 4);
	pt_service_free(s);
}

static void test_udp_replies_four_bytes_to_each_datagram(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "time", NULL);
	time_t lo = time(NULL), hi;
	size_t n;
	int count;
	const char *r;

	(void)st;
	assert_int_equal(pt_datagram(s, "192.0.2.9", 37, "", 0), 1);
	hi = time(NULL);
	r = pt_reply(&n, NULL);
	assert_int_equal(n, 4);
	assert_time_between(r, lo, hi);
	assert_int_equal(pt_datagram(s, "2001:db8::1", 5000, "xyz", 3), 1);
	hi = time(NULL);
	r = pt_reply(&n, &count);
	assert_int_equal(n, 4);
	assert_int_equal(count, 2);
	assert_time_between(r, lo, hi);
	pt_service_free(s);
}

static void test_descriptor(void **st)
{
	(void)st;
	assert_string_equal(pinetd_plugin_v1.name, "time");
	assert_int_equal(pinetd_plugin_v1.transports, PINETD_TCP | PINETD_UDP);
	assert_null(pinetd_plugin_v1.options);
	assert_null(pinetd_plugin_v1.on_data); /* input: read and dropped */
	assert_null(pinetd_plugin_v1.init);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_encode_fixed_instants),
		cmocka_unit_test(test_tcp_sends_four_bytes_then_closes),
		cmocka_unit_test(test_udp_replies_four_bytes_to_each_datagram),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
