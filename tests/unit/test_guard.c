/* Unit tests for daemon/guard.c: datagram sources not to answer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "guard.h"

static struct sockaddr_storage ss;

static const struct sockaddr *src(const char *ip, unsigned port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
	} else {
		assert_int_equal(inet_pton(AF_INET6, ip, &in6->sin6_addr), 1);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	}
	return (const struct sockaddr *)&ss;
}

static const long nfs[] = { 2049 };

static void test_guard_refuses_low_and_listed_ports(void **st)
{
	struct pn_guard g = { .min_port = 1024, .deny_ports = nfs, .ndeny_ports = 1 };

	(void)st;
	assert_null(pn_guard_check(&g, src("192.0.2.1", 40000)));
	assert_string_equal(pn_guard_check(&g, src("192.0.2.1", 7)), "low source port");
	assert_string_equal(pn_guard_check(&g, src("192.0.2.1", 19)), "low source port");
	assert_string_equal(pn_guard_check(&g, src("192.0.2.1", 2049)), "refused source port");
	assert_null(pn_guard_check(&g, src("192.0.2.1", 1024)));
}

static void test_guard_refuses_martian_v4_sources(void **st)
{
	struct pn_guard g = { .min_port = 1024 };

	(void)st;
	assert_string_equal(pn_guard_check(&g, src("0.1.2.3", 5000)), "source in 0.0.0.0/8");
	assert_string_equal(pn_guard_check(&g, src("127.0.0.1", 5000)),
			    "loopback source on a non-loopback listener");
	assert_string_equal(pn_guard_check(&g, src("224.0.0.1", 5000)), "multicast source");
	assert_string_equal(pn_guard_check(&g, src("255.255.255.255", 5000)),
			    "broadcast or reserved source");
	g.loopback_listener = 1;
	assert_null(pn_guard_check(&g, src("127.0.0.1", 5000)));
}

static void test_guard_refuses_odd_v6_sources(void **st)
{
	struct pn_guard g = { .min_port = 1024 };

	(void)st;
	assert_null(pn_guard_check(&g, src("2001:db8::1", 5000)));
	assert_string_equal(pn_guard_check(&g, src("::", 5000)), "unspecified source");
	assert_string_equal(pn_guard_check(&g, src("ff02::1", 5000)), "multicast source");
	assert_string_equal(pn_guard_check(&g, src("::ffff:192.0.2.1", 5000)), "IPv4-mapped source");
	assert_string_equal(pn_guard_check(&g, src("::192.0.2.1", 5000)), "IPv4-compatible source");
	assert_string_equal(pn_guard_check(&g, src("::1", 5000)),
			    "loopback source on a non-loopback listener");
	g.loopback_listener = 1;
	assert_null(pn_guard_check(&g, src("::1", 5000)));
}

static void test_guard_refuses_served_ports_from_any_address(void **st)
{
	unsigned char served[65536 / 8] = { 0 };
	struct pn_guard g = { .min_port = 1024, .served_ports = served };

	(void)st;
	served[7019 >> 3] |= 1u << (7019 & 7);
	served[65535 >> 3] |= 1u << (65535 & 7);
	assert_string_equal(pn_guard_check(&g, src("192.0.2.1", 7019)), PN_GUARD_SERVED);
	assert_string_equal(pn_guard_check(&g, src("2001:db8::1", 65535)), PN_GUARD_SERVED);
	assert_null(pn_guard_check(&g, src("192.0.2.1", 7018)));
	assert_null(pn_guard_check(&g, src("192.0.2.1", 7020)));
	g.loopback_listener = 1;
	assert_string_equal(pn_guard_check(&g, src("127.0.0.1", 7019)), PN_GUARD_SERVED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guard_refuses_low_and_listed_ports),
		cmocka_unit_test(test_guard_refuses_martian_v4_sources),
		cmocka_unit_test(test_guard_refuses_odd_v6_sources),
		cmocka_unit_test(test_guard_refuses_served_ports_from_any_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
