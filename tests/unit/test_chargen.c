/*
 * test_chargen.c -- the chargen plugin (RFC 864) on the fake core.
 *
 * Expected output comes from expect_byte(), written from the RFC's rule
 * independently of the plugin's table: byte k of the stream is in line
 * k / 74, column k % 74; columns 0..71 hold character 32 + (line + column)
 * mod 95, columns 72 and 73 CR LF.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

#define LINE 74
#define BURST_MAX 16384	  /* the most one on_drain may send */
#define UDP_REPLY 444	  /* 6 whole lines */

/* RFC 864, line 0 (characters 32..103) and line 1 (33..104). */
static const char line0[] = " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJ"
			    "KLMNOPQRSTUVWXYZ[\\]^_`abcdefg\r\n";
static const char line1[] = "!\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJK"
			    "LMNOPQRSTUVWXYZ[\\]^_`abcdefgh\r\n";
/* Line 94 starts with the last character and wraps: '~', then 32..102. */
static const char line94[] = "~ !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHI"
			     "JKLMNOPQRSTUVWXYZ[\\]^_`abcdef\r\n";

static char expect_byte(size_t k)
{
	size_t line = k / LINE, col = k % LINE;

	if (col == 72)
		return '\r';
	if (col == 73)
		return '\n';
	return (char)(32 + (line + col) % 95);
}

/* Assert buf[0..len) is the stream from byte offset `from`. */
static void assert_stream(const char *buf, size_t len, size_t from)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != expect_byte(from + i))
			fail_msg("stream byte %zu: got 0x%02x, want 0x%02x",
				 from + i, (unsigned char)buf[i],
				 (unsigned char)expect_byte(from + i));
	}
}

static int setup(void **st)
{
	*st = pt_service_new(&pinetd_plugin_v1, "chargen", NULL);
	return *st ? 0 : -1;
}

static int teardown(void **st)
{
	pt_service_free(*st);
	return 0;
}

static void test_literal_lines_are_74_bytes(void **st)
{
	(void)st;
	assert_int_equal(strlen(line0), LINE);
	assert_int_equal(strlen(line1), LINE);
	assert_int_equal(strlen(line94), LINE);
	assert_int_equal(expect_byte(0), ' ');
	assert_int_equal(expect_byte(71), 'g');
	assert_int_equal(expect_byte(94 * LINE), '~');
}

static void test_open_sends_nothing_and_wants_drain(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n;

	assert_non_null(c);
	pt_output(c, &n);
	assert_int_equal(n, 0);
	assert_true(pt_wants_drain(c));
	assert_false(pt_closed(c));
}

static void test_first_burst_starts_with_rfc_lines(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n;
	const char *out;

	pt_drain(*st, c);
	out = pt_output(c, &n);
	assert_true(n >= 2 * LINE);
	assert_true(n <= BURST_MAX);
	assert_int_equal(n % LINE, 0);
	assert_memory_equal(out, line0, LINE);
	assert_memory_equal(out + LINE, line1, LINE);
	assert_stream(out, n, 0);
}

/* Many bursts, each bounded and whole lines, continue one another
 * across many wraps of the 95-line pattern. */
static void test_bursts_are_bounded_and_continuous(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t total = 0, n;
	int saw94 = 0;

	for (int i = 0; i < 40; i++) {
		const char *out;

		pt_clear(c);
		pt_drain(*st, c);
		out = pt_output(c, &n);
		assert_true(n > 0);
		assert_true(n <= BURST_MAX);
		assert_int_equal(n % LINE, 0);
		assert_stream(out, n, total);
		/* Find pattern line 94 wherever it falls in this burst. */
		for (size_t off = 0; off < n; off += LINE)
			if ((total + off) / LINE % 95 == 94) {
				assert_memory_equal(out + off, line94, LINE);
				saw94 = 1;
			}
		total += n;
	}
	assert_true(saw94);
	assert_true(total / LINE > 3 * 95);
	assert_false(pt_closed(c));
}

static void test_input_is_discarded(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n, first;
	const char *out;

	pt_sendstr(*st, c, "hello\r\n");
	pt_output(c, &n);
	assert_int_equal(n, 0);
	pt_drain(*st, c);
	pt_output(c, &first);
	pt_send(*st, c, "\0\xff binary", 9);
	pt_drain(*st, c);
	out = pt_output(c, &n);
	assert_int_equal(n, 2 * first);
	assert_stream(out, n, 0);
}

static void test_connections_rotate_independently(void **st)
{
	pinetd_conn *a = pt_connect(*st, "192.0.2.1", 1000);
	pinetd_conn *b = pt_connect(*st, "192.0.2.2", 2000);
	size_t na, nb;
	const char *out;

	pt_drain(*st, a);
	pt_drain(*st, a);
	pt_drain(*st, b);
	out = pt_output(b, &nb);
	assert_memory_equal(out, line0, LINE);
	assert_stream(out, nb, 0);
	out = pt_output(a, &na);
	assert_int_equal(na, 2 * nb);
	assert_stream(out, na, 0);
}

/* The peer's EOF (half close) does not stop the pattern: RFC 864 sends
 * until the user goes away; once gone, no more drains. */
static void test_closed_connection_gets_no_more_drains(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n, before;

	pt_drain(*st, c);
	pt_output(c, &before);
	pt_eof(*st, c);
	assert_false(pt_closed(c));
	pt_drain(*st, c);
	pt_output(c, &n);
	assert_int_equal(n, 2 * before);
	pt_disconnect(*st, c);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	pt_drain(*st, c);
	pt_output(c, &before);
	assert_int_equal(n, before);
}

/* A send the core refuses ends the connection; the plugin copes. */
static void test_refused_send_closes_with_overflow(void **st)
{
	pinetd_conn *c;

	pt_set_output_max(*st, 1000);
	c = pt_connect(*st, "192.0.2.1", 4242);
	pt_drain(*st, c);
	assert_true(pt_closed(c));
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_OVERFLOW);
}

/* UDP: 444 bytes (6 lines) per datagram; the replies of the service
 * continue one rotation, whoever sends, through the wrap at 95 lines. */
static void test_udp_replies_continue_the_rotation(void **st)
{
	size_t n;
	const char *r;

	assert_int_equal(pt_datagram(*st, "192.0.2.9", 5000, "x", 1), 1);
	r = pt_reply(&n, NULL);
	assert_int_equal(n, UDP_REPLY);
	assert_memory_equal(r, line0, LINE);
	assert_memory_equal(r + LINE, line1, LINE);
	assert_stream(r, n, 0);
	for (size_t i = 1; i < 40; i++) {
		const char *peer = i % 2 ? "2001:db8::7" : "192.0.2.10";
		assert_int_equal(pt_datagram(*st, peer, 6000, "", 0), 1);
		r = pt_reply(&n, NULL);
		assert_int_equal(n, UDP_REPLY);
		assert_stream(r, n, i * UDP_REPLY);
		if (i == 16) /* 96 lines in: past the wrap, pattern line 1 */
			assert_memory_equal(r, line1, LINE);
	}
}

static void test_udp_reply_ignores_content(void **st)
{
	static const char big[65507];
	size_t n;
	const char *r;

	assert_int_equal(pt_datagram(*st, "192.0.2.9", 5000, big, sizeof big),
			 1);
	r = pt_reply(&n, NULL);
	assert_int_equal(n, UDP_REPLY);
	assert_stream(r, n, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_literal_lines_are_74_bytes),
		T(test_open_sends_nothing_and_wants_drain),
		T(test_first_burst_starts_with_rfc_lines),
		T(test_bursts_are_bounded_and_continuous),
		T(test_input_is_discarded),
		T(test_connections_rotate_independently),
		T(test_closed_connection_gets_no_more_drains),
		T(test_refused_send_closes_with_overflow),
		T(test_udp_replies_continue_the_rotation),
		T(test_udp_reply_ignores_content),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
