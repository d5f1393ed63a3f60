/*
 * test_discard.c -- the discard plugin (RFC 863) on the fake core.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

static int setup(void **st)
{
	*st = pt_service_new(&pinetd_plugin_v1, "discard", NULL);
	return *st ? 0 : -1;
}

static int teardown(void **st)
{
	pt_service_free(*st);
	return 0;
}

static void test_descriptor_is_tcp_and_udp(void **st)
{
	(void)st;
	assert_string_equal(pinetd_plugin_v1.name, "discard");
	assert_int_equal(pinetd_plugin_v1.transports, PINETD_TCP | PINETD_UDP);
	assert_int_equal(pinetd_plugin_v1.flags, 0);
	assert_null(pinetd_plugin_v1.on_drain);
	/* No input callback, no init: the core reads and drops the input. */
	assert_null(pinetd_plugin_v1.on_data);
	assert_null(pinetd_plugin_v1.on_line);
	assert_null(pinetd_plugin_v1.init);
}

static void test_open_sends_nothing(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n;

	assert_non_null(c);
	pt_output(c, &n);
	assert_int_equal(n, 0);
	assert_false(pt_closed(c));
	assert_false(pt_wants_drain(c));
}

/* One MiB in uneven pieces, binary included: no byte back, still open. */
static void test_tcp_mebibyte_gets_no_reply_and_stays_open(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	static char buf[4093];
	size_t total = 0, n;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 7);
	while (total < (1u << 20)) {
		size_t k = (1u << 20) - total;
		if (k > sizeof buf)
			k = sizeof buf;
		pt_send(*st, c, buf, k);
		total += k;
	}
	pt_sendstr(*st, c, "line\r\n");
	pt_output(c, &n);
	assert_int_equal(n, 0);
	assert_false(pt_closed(c));
	assert_int_equal(pt_close_reason(c), -1);
}

static void test_tcp_peer_eof_closes_with_peer_reason(void **st)
{
	pinetd_conn *c = pt_connect(*st, "192.0.2.1", 4242);
	size_t n;

	pt_sendstr(*st, c, "bye\n");
	pt_eof(*st, c);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	pt_output(c, &n);
	assert_int_equal(n, 0);
}

static void test_udp_no_reply_whatever_the_size(void **st)
{
	static const char big[65507];
	int count;

	assert_int_equal(pt_datagram(*st, "192.0.2.9", 9, "hello", 5), 0);
	assert_int_equal(pt_datagram(*st, "192.0.2.9", 9, "", 0), 0);
	assert_int_equal(pt_datagram(*st, "2001:db8::1", 53, big, sizeof big),
			 0);
	pt_reply(NULL, &count);
	assert_int_equal(count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_descriptor_is_tcp_and_udp),
		cmocka_unit_test_setup_teardown(test_open_sends_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_mebibyte_gets_no_reply_and_stays_open, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_peer_eof_closes_with_peer_reason, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_udp_no_reply_whatever_the_size, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
