/* Unit tests for daemon/addr.c: listen address parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

static void expect_ok(const char *text, int count, const char *first,
		      const char *second)
{
	struct pn_addr a[2];
	char err[256] = "", buf[PN_ADDR_TEXT + 8];

	assert_int_equal(pn_addr_parse(text, a, err, sizeof err), count);
	pn_addr_format(&a[0], buf, sizeof buf);
	assert_string_equal(buf, first);
	if (second) {
		pn_addr_format(&a[1], buf, sizeof buf);
		assert_string_equal(buf, second);
	}
}

static void expect_err(const char *text, const char *msg)
{
	struct pn_addr a[2];
	char err[256] = "";

	assert_int_equal(pn_addr_parse(text, a, err, sizeof err), -1);
	assert_string_equal(err, msg);
}

static void test_parse_listen_accepts_ipv4_ipv6_and_wildcard(void **st)
{
	(void)st;
	expect_ok("tcp://127.0.0.1:7007", 1, "tcp://127.0.0.1:7007", NULL);
	expect_ok("udp://[::1]:7", 1, "udp://[::1]:7", NULL);
	expect_ok("tcp://0.0.0.0:65535", 1, "tcp://0.0.0.0:65535", NULL);
	expect_ok("udp://[::]:9", 1, "udp://[::]:9", NULL);
	expect_ok("tcp://*:13", 2, "tcp://0.0.0.0:13", "tcp://[::]:13");
	expect_ok("udp://[2001:db8::1]:1", 1, "udp://[2001:db8::1]:1", NULL);
}

static void test_parse_listen_rejects_bad_input(void **st)
{
	(void)st;
	expect_err("127.0.0.1:7", "bad listen address '127.0.0.1:7': expected "
				  "tcp://HOST:PORT or udp://HOST:PORT");
	expect_err("sctp://127.0.0.1:7", "bad listen address 'sctp://127.0.0.1:7': "
					 "expected tcp://HOST:PORT or udp://HOST:PORT");
	expect_err("tcp://127.0.0.1", "bad listen address 'tcp://127.0.0.1': missing ':PORT'");
	expect_err("tcp://:7", "bad listen address 'tcp://:7': missing host (use * for any)");
	expect_err("tcp://256.1.1.1:7", "bad listen address 'tcp://256.1.1.1:7': invalid IPv4 address");
	expect_err("tcp://my_host!:7", "bad listen address 'tcp://my_host!:7': host "
				       "'my_host!' not found (Name or service not known)");
	expect_err("tcp://::1:7", "bad listen address 'tcp://::1:7': IPv6 addresses "
				  "must be in brackets, e.g. [::1]:7");
	expect_err("tcp://[::1:7", "bad listen address 'tcp://[::1:7': missing ']' after IPv6 address");
	expect_err("tcp://[::g]:7", "bad listen address 'tcp://[::g]:7': invalid IPv6 address");
	expect_err("tcp://[::1]7", "bad listen address 'tcp://[::1]7': missing ':PORT'");
}

static void test_parse_listen_rejects_port_out_of_range(void **st)
{
	(void)st;
	expect_err("tcp://127.0.0.1:0", "bad listen address 'tcp://127.0.0.1:0': "
					"port '0' out of range [1, 65535]");
	expect_err("udp://127.0.0.1:65536", "bad listen address 'udp://127.0.0.1:65536': "
					    "port '65536' out of range [1, 65535]");
	expect_err("tcp://127.0.0.1:7x", "bad listen address 'tcp://127.0.0.1:7x': "
					 "no service '7x' for tcp in /etc/services");
	expect_err("tcp://127.0.0.1:99999999999999999999", "bad listen address "
		   "'tcp://127.0.0.1:99999999999999999999': port "
		   "'99999999999999999999' out of range [1, 65535]");
	expect_err("tcp://127.0.0.1:x", "bad listen address 'tcp://127.0.0.1:x': "
					"no service 'x' for tcp in /etc/services");
	expect_err("tcp://127.0.0.1:", "bad listen address 'tcp://127.0.0.1:': "
				       "missing port");
}

/* Service names come from /etc/services, host names from the resolver
 * (/etc/hosts has localhost everywhere). */
static void test_parse_listen_resolves_names(void **st)
{
	struct pn_addr a[2];
	char err[256], t[PN_ADDR_TEXT + 8];

	(void)st;
	assert_int_equal(pn_addr_parse("tcp://127.0.0.1:echo", a, err, sizeof err), 1);
	pn_addr_format(&a[0], t, sizeof t);
	assert_string_equal(t, "tcp://127.0.0.1:7");
	assert_int_equal(pn_addr_parse("udp://[::1]:discard", a, err, sizeof err), 1);
	pn_addr_format(&a[0], t, sizeof t);
	assert_string_equal(t, "udp://[::1]:9");
	int n = pn_addr_parse("tcp://localhost:7007", a, err, sizeof err);
	assert_true(n >= 1);
	pn_addr_format(&a[0], t, sizeof t);
	assert_true(strcmp(t, "tcp://127.0.0.1:7007") == 0 ||
		    strcmp(t, "tcp://[::1]:7007") == 0);
}

static void test_addr_overlap_rules(void **st)
{
	struct pn_addr a[2], b[2], c[2], d[2];
	char err[128];

	(void)st;
	pn_addr_parse("tcp://0.0.0.0:7", a, err, sizeof err);
	pn_addr_parse("tcp://127.0.0.1:7", b, err, sizeof err);
	pn_addr_parse("udp://127.0.0.1:7", c, err, sizeof err);
	pn_addr_parse("tcp://[::]:7", d, err, sizeof err);
	assert_true(pn_addr_overlap(&a[0], &b[0]));  /* wildcard covers */
	assert_false(pn_addr_overlap(&b[0], &c[0])); /* other transport */
	assert_false(pn_addr_overlap(&a[0], &d[0])); /* v6only: no clash */
	assert_true(pn_addr_overlap(&b[0], &b[0]));
	assert_true(pn_addr_equal(&b[0], &b[0]));
	assert_false(pn_addr_equal(&a[0], &b[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_listen_accepts_ipv4_ipv6_and_wildcard),
		cmocka_unit_test(test_parse_listen_rejects_bad_input),
		cmocka_unit_test(test_parse_listen_rejects_port_out_of_range),
		cmocka_unit_test(test_parse_listen_resolves_names),
		cmocka_unit_test(test_addr_overlap_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
