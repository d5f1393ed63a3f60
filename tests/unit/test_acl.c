/* Unit tests for daemon/acl.c: prefixes and allow/deny decisions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "acl.h"

static struct sockaddr_storage ss;

static const struct sockaddr *sa(const char *ip)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof ss);
	if (inet_pton(AF_INET, ip, &in->sin_addr) == 1)
		in->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &in6->sin6_addr) == 1)
		in6->sin6_family = AF_INET6;
	else
		fail_msg("bad test address %s", ip);
	return (const struct sockaddr *)&ss;
}

static struct pn_prefix P(const char *text)
{
	struct pn_prefix p;
	char err[128];

	if (pn_prefix_parse(text, &p, err, sizeof err) < 0)
		fail_msg("%s", err);
	return p;
}

static void test_prefix_parse_accepts_hosts_and_networks(void **st)
{
	struct pn_prefix p;
	char err[128];

	(void)st;
	assert_int_equal(pn_prefix_parse("192.0.2.0/24", &p, err, sizeof err), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_int_equal(pn_prefix_parse("::1", &p, err, sizeof err), 0);
	assert_int_equal(p.len, 128);
	assert_int_equal(pn_prefix_parse("2001:db8::/32", &p, err, sizeof err), 0);
	assert_int_equal(pn_prefix_parse("0.0.0.0/0", &p, err, sizeof err), 0);
	assert_int_equal(p.len, 0);
}

static void test_prefix_parse_rejects_bad_text(void **st)
{
	struct pn_prefix p;
	char err[128];

	(void)st;
	assert_int_equal(pn_prefix_parse("192.0.2.1/24", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix '192.0.2.1/24': bits set after the first 24");
	assert_int_equal(pn_prefix_parse("10.0.0.0/33", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix '10.0.0.0/33': length must be 0 to 32");
	assert_int_equal(pn_prefix_parse("host.example", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix 'host.example': 'host.example' is not an IPv4 or IPv6 address");
	assert_int_equal(pn_prefix_parse("/8", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix '/8'");
	assert_int_equal(pn_prefix_parse("::/x", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix '::/x': length must be 0 to 128");
}

static void test_prefix_parse_turns_v4_mapped_into_v4(void **st)
{
	struct pn_prefix p;
	char err[160];

	(void)st;
	assert_int_equal(pn_prefix_parse("::ffff:192.0.2.0/120", &p, err, sizeof err), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 24);
	assert_true(pn_prefix_contains(&p, sa("192.0.2.77")));
	assert_true(pn_prefix_contains(&p, sa("::ffff:192.0.2.77")));
	assert_int_equal(pn_prefix_parse("::ffff:0:0/80", &p, err, sizeof err), -1);
	assert_string_equal(err, "bad address prefix '::ffff:0:0/80': an IPv4-mapped prefix must be /96 or longer");
}

static void test_prefix_contains_and_v4_mapped(void **st)
{
	struct pn_prefix n = P("192.0.2.0/25");

	(void)st;
	assert_true(pn_prefix_contains(&n, sa("192.0.2.127")));
	assert_false(pn_prefix_contains(&n, sa("192.0.2.128")));
	assert_true(pn_prefix_contains(&n, sa("::ffff:192.0.2.1")));
	assert_false(pn_prefix_contains(&n, sa("2001:db8::1")));
	struct pn_prefix all6 = P("::/0");
	assert_true(pn_prefix_contains(&all6, sa("2001:db8::1")));
	assert_false(pn_prefix_contains(&all6, sa("10.0.0.1")));
}

static void test_prefix_of_aggregates_sources(void **st)
{
	struct pn_prefix a, b;

	(void)st;
	pn_prefix_of(sa("2001:db8:1:2:aaaa::1"), 24, 64, &a);
	pn_prefix_of(sa("2001:db8:1:2:bbbb::9"), 24, 64, &b);
	assert_true(pn_prefix_equal(&a, &b));
	pn_prefix_of(sa("2001:db8:1:3::1"), 24, 64, &b);
	assert_false(pn_prefix_equal(&a, &b));
	pn_prefix_of(sa("10.1.2.3"), 24, 64, &a);
	pn_prefix_of(sa("10.1.2.200"), 24, 64, &b);
	assert_true(pn_prefix_equal(&a, &b));
	assert_int_equal(a.len, 24);
}

static void test_acl_longest_prefix_wins_and_deny_breaks_ties(void **st)
{
	struct pn_prefix allow[] = { P("10.1.2.3"), P("192.0.2.0/24") };
	struct pn_prefix deny[] = { P("10.0.0.0/8"), P("192.0.2.0/24"), P("::/0") };
	struct pn_acl acl = { allow, deny, 2, 3 };

	(void)st;
	assert_true(pn_acl_allows(&acl, sa("10.1.2.3")));  /* /32 allow beats /8 deny */
	assert_false(pn_acl_allows(&acl, sa("10.1.2.4")));
	assert_false(pn_acl_allows(&acl, sa("192.0.2.9"))); /* equal lengths: deny */
	assert_false(pn_acl_allows(&acl, sa("203.0.113.1"))); /* allow list, no match */
	assert_false(pn_acl_allows(&acl, sa("::1")));
}

static void test_acl_empty_allows_all_and_deny_only(void **st)
{
	struct pn_prefix deny[] = { P("127.0.0.2") };
	struct pn_acl none = { 0 }, only_deny = { NULL, deny, 0, 1 };

	(void)st;
	assert_true(pn_acl_allows(&none, sa("198.51.100.7")));
	assert_true(pn_acl_allows(&only_deny, sa("127.0.0.1")));
	assert_false(pn_acl_allows(&only_deny, sa("127.0.0.2")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_parse_accepts_hosts_and_networks),
		cmocka_unit_test(test_prefix_parse_rejects_bad_text),
		cmocka_unit_test(test_prefix_parse_turns_v4_mapped_into_v4),
		cmocka_unit_test(test_prefix_contains_and_v4_mapped),
		cmocka_unit_test(test_prefix_of_aggregates_sources),
		cmocka_unit_test(test_acl_longest_prefix_wins_and_deny_breaks_ties),
		cmocka_unit_test(test_acl_empty_allows_all_and_deny_only),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
