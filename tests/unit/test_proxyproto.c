/*
 * Unit tests for daemon/policy/proxyproto.c: the PROXY protocol header
 * against the examples of HAProxy's doc/proxy-protocol.txt, each fed
 * whole and byte by byte (the two must agree), with data after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "proxyproto.h"

static const unsigned char SIG[12] = "\r\n\r\n\0\r\nQUIT\n";

/* Feed buf[0..n) whole, then byte by byte: both must give the same
 * result, the same header length (*hlen) and the same reason. */
static int feed_both(unsigned accept, const void *buf, size_t n,
		     struct pn_pp_result *r, size_t *hlen, const char **err)
{
	static struct pn_pp a, b;
	struct pn_pp_result rb;
	size_t used, total = 0;
	int ra, rc = PN_PP_MORE;

	pn_pp_init(&a, accept);
	memset(r, 0, sizeof *r);
	ra = pn_pp_feed(&a, buf, n, &used, r);
	*hlen = ra == PN_PP_DONE ? used : 0;
	*err = ra == PN_PP_ERROR ? a.err : NULL;

	pn_pp_init(&b, accept);
	memset(&rb, 0, sizeof rb);
	for (size_t i = 0; i < n && rc == PN_PP_MORE; i++) {
		rc = pn_pp_feed(&b, (const char *)buf + i, 1, &used, &rb);
		total += used;
	}
	assert_int_equal(rc, ra);
	if (ra == PN_PP_DONE) {
		assert_int_equal(total, *hlen);
		assert_int_equal(rb.local, r->local);
		assert_memory_equal(&rb.src, &r->src, sizeof rb.src);
		assert_memory_equal(&rb.dst, &r->dst, sizeof rb.dst);
	}
	if (ra == PN_PP_ERROR)
		assert_string_equal(b.err, a.err);
	return ra;
}

static void expect_in(const struct sockaddr_storage *ss, const char *ip,
		      unsigned port)
{
	char text[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
		assert_int_equal(ntohs(a->sin_port), port);
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		assert_int_equal(ss->ss_family, AF_INET6);
		inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
		assert_int_equal(ntohs(a->sin6_port), port);
	}
	assert_string_equal(text, ip);
}

static void test_v1_tcp4_with_data_after(void **st)
{
	const char in[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET /";
	struct pn_pp_result r;
	size_t h;
	const char *err;

	(void)st;
	assert_int_equal(feed_both(PN_PP_V1, in, sizeof in - 1, &r, &h, &err),
			 PN_PP_DONE);
	assert_int_equal(h, sizeof in - 1 - 5); /* "GET /" is the client's */
	assert_int_equal(r.version, 1);
	assert_false(r.local);
	expect_in(&r.src, "192.168.0.1", 56324);
	expect_in(&r.dst, "192.168.0.11", 443);
}

static void test_v1_tcp6(void **st)
{
	const char in[] = "PROXY TCP6 2001:db8::1 ::1 65535 0\r\n";
	struct pn_pp_result r;
	size_t h;
	const char *err;

	(void)st;
	assert_int_equal(feed_both(PN_PP_ANY, in, sizeof in - 1, &r, &h, &err),
			 PN_PP_DONE);
	expect_in(&r.src, "2001:db8::1", 65535);
	expect_in(&r.dst, "::1", 0);
}

static void test_v1_unknown(void **st)
{
	struct pn_pp_result r;
	size_t h;
	const char *err;
	const char a[] = "PROXY UNKNOWN\r\n";
	const char b[] = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n";

	(void)st;
	assert_int_equal(feed_both(PN_PP_V1, a, sizeof a - 1, &r, &h, &err), PN_PP_DONE);
	assert_true(r.local);
	assert_int_equal(h, sizeof a - 1);
	assert_int_equal(feed_both(PN_PP_V1, b, sizeof b - 1, &r, &h, &err), PN_PP_DONE);
	assert_true(r.local);
}

static void test_v1_longest_is_107_bytes(void **st)
{
	const char in[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
			  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	char longer[200];
	struct pn_pp_result r;
	size_t h;
	const char *err;

	(void)st;
	assert_int_equal(sizeof in - 1, 104);
	assert_int_equal(feed_both(PN_PP_V1, in, sizeof in - 1, &r, &h, &err), PN_PP_DONE);
	/* UNKNOWN with filler: 107 bytes pass, 108 do not. */
	memset(longer, 'x', sizeof longer);
	memcpy(longer, "PROXY UNKNOWN ", 14);
	memcpy(longer + 105, "\r\n", 2);
	assert_int_equal(feed_both(PN_PP_V1, longer, 107, &r, &h, &err), PN_PP_DONE);
	memset(longer, 'x', sizeof longer);
	memcpy(longer, "PROXY UNKNOWN ", 14);
	memcpy(longer + 106, "\r\n", 2);
	assert_int_equal(feed_both(PN_PP_V1, longer, 108, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v1: longer than 107 bytes");
}

static void test_v1_rejects_sloppy_syntax(void **st)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "v1: unknown protocol (TCP4, TCP6, UNKNOWN)" },
		{ "PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "v1: an empty field (two spaces?)" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "v1: more than four fields" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "v1: fewer than four fields" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "v1: bad source port" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 65536\r\n", "v1: bad destination port" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 -1 2\r\n", "v1: bad source port" },
		{ "PROXY TCP4 ::1 5.6.7.8 1 2\r\n", "v1: bad source address for its protocol" },
		{ "PROXY TCP6 ::1 5.6.7.8 1 2\r\n", "v1: bad destination address for its protocol" },
		{ "PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n", "v1: bad source address for its protocol" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "v1: LF without CR" },
		{ "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "v1: CR without LF" },
		{ "PROXY UDP4 1.2.3.4 5.6.7.8 1 2\r\n", "v1: unknown protocol (TCP4, TCP6, UNKNOWN)" },
		{ "PROXY UNKNOWNX\r\n", "v1: unknown protocol (TCP4, TCP6, UNKNOWN)" },
		{ "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "v1: does not start with \"PROXY \"" },
		{ "PROXY TCP4 1.2.3.4\t5.6.7.8 1 2\r\n", "v1: a control or non-ASCII byte" },
		{ "GET / HTTP/1.0\r\n", "v1: does not start with \"PROXY \"" },
	};
	struct pn_pp_result r;
	size_t h;
	const char *err;

	(void)st;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(feed_both(PN_PP_V1, bad[i].in, strlen(bad[i].in), &r,
					   &h, &err), PN_PP_ERROR);
		assert_string_equal(err, bad[i].why);
	}
}

static void test_v1_truncated_wants_more(void **st)
{
	const char in[] = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	struct pn_pp_result r;
	size_t h;
	const char *err;

	(void)st;
	for (size_t n = 1; n < sizeof in - 1; n++)
		assert_int_equal(feed_both(PN_PP_ANY, in, n, &r, &h, &err), PN_PP_MORE);
}

/* A v2 block: header, then body[0..n). */
static size_t v2(unsigned char *out, unsigned char vc, unsigned char fam,
		 const void *body, size_t n)
{
	memcpy(out, SIG, 12);
	out[12] = vc;
	out[13] = fam;
	out[14] = (unsigned char)(n >> 8);
	out[15] = (unsigned char)n;
	memcpy(out + 16, body, n);
	return 16 + n;
}

static void test_v2_proxy_inet_with_tlvs(void **st)
{
	unsigned char buf[256], body[64];
	size_t n = 0, len, h;
	struct pn_pp_result r;
	const char *err;

	(void)st;
	memcpy(body, "\xc6\x33\x64\x07" "\xcb\x00\x71\x05" "\x30\x39" "\x00\x50", 12);
	n = 12;
	/* PP2_TYPE_ALPN "h2", PP2_TYPE_AUTHORITY, a NOOP of 0 bytes. */
	memcpy(body + n, "\x01\x00\x02h2", 5);
	n += 5;
	memcpy(body + n, "\x02\x00\x0b" "example.com", 14);
	n += 14;
	memcpy(body + n, "\x04\x00\x00", 3);
	n += 3;
	len = v2(buf, 0x21, 0x11, body, n);
	memcpy(buf + len, "hello", 5);
	assert_int_equal(feed_both(PN_PP_V2, buf, len + 5, &r, &h, &err), PN_PP_DONE);
	assert_int_equal(h, len);
	assert_int_equal(r.version, 2);
	assert_false(r.local);
	expect_in(&r.src, "198.51.100.7", 12345);
	expect_in(&r.dst, "203.0.113.5", 80);
	/* The same through "any". */
	assert_int_equal(feed_both(PN_PP_ANY, buf, len, &r, &h, &err), PN_PP_DONE);
	/* A TLV running past the block. */
	buf[15] = 12 + 5 + 10; /* ends inside "example.com" */
	assert_int_equal(feed_both(PN_PP_V2, buf, 16 + 27, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: a TLV longer than the header");
	/* A TLV header cut short. */
	buf[15] = 12 + 2;
	assert_int_equal(feed_both(PN_PP_V2, buf, 16 + 14, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: a truncated TLV header");
}

static void test_v2_crc32c(void **st)
{
	unsigned char buf[64], body[24];
	size_t len, h;
	struct pn_pp_result r;
	const char *err;
	uint32_t crc;

	(void)st;
	/* The standard check value of CRC-32C. */
	assert_int_equal(pn_pp_crc32c(0, "123456789", 9), 0xE3069283u);
	memcpy(body, "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02", 12);
	memcpy(body + 12, "\x03\x00\x04\0\0\0\0", 7);
	len = v2(buf, 0x21, 0x11, body, 19);
	crc = pn_pp_crc32c(0, buf, len);
	buf[len - 4] = (unsigned char)(crc >> 24);
	buf[len - 3] = (unsigned char)(crc >> 16);
	buf[len - 2] = (unsigned char)(crc >> 8);
	buf[len - 1] = (unsigned char)crc;
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_DONE);
	expect_in(&r.src, "10.0.0.1", 1);
	buf[19] ^= 1; /* the source address changed in flight */
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: CRC32C mismatch");
}

static void test_v2_local_keeps_the_peer(void **st)
{
	unsigned char buf[64];
	size_t len, h;
	struct pn_pp_result r;
	const char *err;

	(void)st;
	len = v2(buf, 0x20, 0x00, "", 0);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_DONE);
	assert_true(r.local);
	assert_int_equal(h, 16);
	/* LOCAL with an address block: skipped whatever it holds. */
	len = v2(buf, 0x20, 0x31, "whatever", 8);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_DONE);
	assert_true(r.local);
	assert_int_equal(h, 24);
	/* PROXY over AF_UNSPEC: the real endpoints too. */
	len = v2(buf, 0x21, 0x00, "", 0);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_DONE);
	assert_true(r.local);
}

static void test_v2_inet6(void **st)
{
	unsigned char buf[128], body[36];
	size_t len, h;
	struct pn_pp_result r;
	const char *err;
	struct in6_addr a, b;

	(void)st;
	inet_pton(AF_INET6, "2001:db8::7", &a);
	inet_pton(AF_INET6, "2001:db8:1::1", &b);
	memcpy(body, &a, 16);
	memcpy(body + 16, &b, 16);
	memcpy(body + 32, "\xff\xff\x01\xbb", 4);
	len = v2(buf, 0x21, 0x21, body, 36);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_DONE);
	expect_in(&r.src, "2001:db8::7", 65535);
	expect_in(&r.dst, "2001:db8:1::1", 443);
	/* Too short for its family. */
	len = v2(buf, 0x21, 0x21, body, 35);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: too short for AF_INET6 addresses");
	len = v2(buf, 0x21, 0x11, body, 11);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: too short for AF_INET addresses");
}

static void test_v2_refusals(void **st)
{
	unsigned char buf[PN_PP_BUF + 64], body[216] = { 0 };
	size_t len, h;
	struct pn_pp_result r;
	const char *err;

	(void)st;
	len = v2(buf, 0x21, 0x31, body, 216);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: AF_UNIX addresses (not served)");
	len = v2(buf, 0x21, 0x12, body, 12);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: not STREAM (TCP)");
	len = v2(buf, 0x21, 0x41, body, 12);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: unknown address family");
	len = v2(buf, 0x11, 0x11, body, 12);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: not version 2");
	len = v2(buf, 0x22, 0x11, body, 12);
	assert_int_equal(feed_both(PN_PP_V2, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: unknown command (LOCAL, PROXY)");
	/* Oversized: refused from its length field, before the body. */
	memcpy(buf, SIG, 12);
	memcpy(buf + 12, "\x21\x11\xff\xff", 4);
	assert_int_equal(feed_both(PN_PP_V2, buf, 16, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: length over the limit");
	/* The largest accepted length, filled with a NOOP TLV. */
	memset(buf, 0, sizeof buf);
	memcpy(buf, SIG, 12);
	buf[12] = 0x21;
	buf[13] = 0x11;
	buf[14] = PN_PP_V2_MAX_LEN >> 8;
	buf[15] = PN_PP_V2_MAX_LEN & 0xff;
	buf[16 + 12] = 0x04;
	buf[16 + 13] = (PN_PP_V2_MAX_LEN - 15) >> 8;
	buf[16 + 14] = (PN_PP_V2_MAX_LEN - 15) & 0xff;
	assert_int_equal(feed_both(PN_PP_V2, buf, PN_PP_BUF + 10, &r, &h, &err),
			 PN_PP_DONE);
	assert_int_equal(h, PN_PP_BUF);
	/* Garbage and the wrong version for the setting. */
	assert_int_equal(feed_both(PN_PP_V2, "\r\n\r\n\0\r\nQUIX\n", 12, &r, &h, &err),
			 PN_PP_ERROR);
	assert_string_equal(err, "v2: bad signature");
	assert_int_equal(feed_both(PN_PP_V2, "PROXY TCP4 ", 11, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "v2: bad signature");
	len = v2(buf, 0x20, 0x00, "", 0);
	assert_int_equal(feed_both(PN_PP_V1, buf, len, &r, &h, &err), PN_PP_ERROR);
	assert_int_equal(feed_both(PN_PP_ANY, "\x16\x03\x01", 3, &r, &h, &err), PN_PP_ERROR);
	assert_string_equal(err, "not a PROXY protocol header");
	/* Truncated v2: more wanted at every length. */
	len = v2(buf, 0x21, 0x11, body, 12);
	for (size_t n = 1; n < len; n++)
		assert_int_equal(feed_both(PN_PP_ANY, buf, n, &r, &h, &err), PN_PP_MORE);
}

static void test_done_parser_takes_nothing_more(void **st)
{
	struct pn_pp p;
	struct pn_pp_result r;
	size_t used;

	(void)st;
	pn_pp_init(&p, PN_PP_ANY);
	assert_int_equal(pn_pp_feed(&p, "PROXY UNKNOWN\r\nxy", 17, &used, &r), PN_PP_DONE);
	assert_int_equal(used, 15);
	assert_int_equal(pn_pp_feed(&p, "more", 4, &used, &r), PN_PP_DONE);
	assert_int_equal(used, 0);
}

static void test_build_round_trips(void **st)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(4000) },
			   d = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(1) },
			    d6 = { .sin6_family = AF_INET6, .sin6_port = htons(2) };
	unsigned char out[PN_PP_V1_MAX + 64];
	struct pn_pp_result r;
	size_t n, h;
	const char *err;

	(void)st;
	inet_pton(AF_INET, "198.51.100.7", &s.sin_addr);
	inet_pton(AF_INET, "127.0.0.1", &d.sin_addr);
	inet_pton(AF_INET6, "2001:db8::7", &s6.sin6_addr);
	inet_pton(AF_INET6, "::1", &d6.sin6_addr);
	n = pn_pp_build(1, (struct sockaddr *)&s, (struct sockaddr *)&d, out, sizeof out);
	assert_int_equal(n, strlen("PROXY TCP4 198.51.100.7 127.0.0.1 4000 7\r\n"));
	assert_memory_equal(out, "PROXY TCP4 198.51.100.7 127.0.0.1 4000 7\r\n", n);
	for (int v = 1; v <= 2; v++) {
		n = pn_pp_build(v, (struct sockaddr *)&s6, (struct sockaddr *)&d6, out,
				sizeof out);
		assert_int_equal(feed_both(PN_PP_ANY, out, n, &r, &h, &err), PN_PP_DONE);
		assert_int_equal(h, n);
		expect_in(&r.src, "2001:db8::7", 1);
		expect_in(&r.dst, "::1", 2);
		/* Mixed families: UNKNOWN / LOCAL. */
		n = pn_pp_build(v, (struct sockaddr *)&s, (struct sockaddr *)&d6, out,
				sizeof out);
		assert_int_equal(feed_both(PN_PP_ANY, out, n, &r, &h, &err), PN_PP_DONE);
		assert_true(r.local);
	}
	assert_int_equal(pn_pp_build(2, (struct sockaddr *)&s, (struct sockaddr *)&d,
				     out, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_tcp4_with_data_after),
		cmocka_unit_test(test_v1_tcp6),
		cmocka_unit_test(test_v1_unknown),
		cmocka_unit_test(test_v1_longest_is_107_bytes),
		cmocka_unit_test(test_v1_rejects_sloppy_syntax),
		cmocka_unit_test(test_v1_truncated_wants_more),
		cmocka_unit_test(test_v2_proxy_inet_with_tlvs),
		cmocka_unit_test(test_v2_crc32c),
		cmocka_unit_test(test_v2_local_keeps_the_peer),
		cmocka_unit_test(test_v2_inet6),
		cmocka_unit_test(test_v2_refusals),
		cmocka_unit_test(test_done_parser_takes_nothing_more),
		cmocka_unit_test(test_build_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
