/*
 * Unit tests for daemon/policy/sockfilter.c: the allow/deny lists and the
 * UDP guard compiled into a classic BPF socket filter.
 *
 * The compiled program is run two ways: by a small classic-BPF
 * interpreter below, on synthetic IPv4 and IPv6 packets, against the C
 * functions it must agree with (pn_acl_allows, pn_guard_check) for
 * thousands of random lists, guards and sources, every special range
 * included; and by the kernel, attached to a real UDP socket that
 * datagrams from allowed and refused loopback addresses are sent to.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "acl.h"
#include "guard.h"
#include "sockfilter.h"

static struct sock_filter prog[PN_SOCKFILTER_MAX];

/* ---- a classic BPF interpreter for what the compiler emits ---- */

struct pkt {
	uint8_t net[40]; /* the IPv4 (20 bytes) or IPv6 (40) header */
	size_t netlen;
	uint8_t udp[8];
};

/* Load size bytes at k as the kernel does: negative k from SKF_NET_OFF
 * in the network header, else from the UDP header; -1 out of range. */
static int64_t ld(const struct pkt *p, uint32_t k, unsigned size)
{
	const uint8_t *b;
	size_t len, off;
	uint32_t v = 0;

	if ((int32_t)k < 0) {
		if ((int32_t)k < SKF_NET_OFF)
			return -1;
		off = (size_t)((int32_t)k - SKF_NET_OFF);
		b = p->net;
		len = p->netlen;
	} else {
		off = k;
		b = p->udp;
		len = sizeof p->udp;
	}
	if (off + size > len)
		return -1;
	for (unsigned i = 0; i < size; i++)
		v = v << 8 | b[off + i];
	return v;
}

static uint32_t run(const struct sock_filter *f, int n, const struct pkt *p)
{
	uint32_t a = 0;

	for (int pc = 0; pc < n; pc++) {
		const struct sock_filter *i = &f[pc];
		int64_t v;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
		case BPF_LD | BPF_H | BPF_ABS:
		case BPF_LD | BPF_B | BPF_ABS:
			v = ld(p, i->k, BPF_SIZE(i->code) == BPF_W ? 4 : BPF_SIZE(i->code) == BPF_H ? 2 : 1);
			if (v < 0)
				return 0;
			a = (uint32_t)v;
			break;
		case BPF_ALU | BPF_AND | BPF_K: a &= i->k; break;
		case BPF_ALU | BPF_RSH | BPF_K: a >>= i->k; break;
		case BPF_JMP | BPF_JA: pc += (int)i->k; break;
		case BPF_JMP | BPF_JEQ | BPF_K: pc += a == i->k ? i->jt : i->jf; break;
		case BPF_JMP | BPF_JGE | BPF_K: pc += a >= i->k ? i->jt : i->jf; break;
		case BPF_RET | BPF_K: return i->k;
		default: fail_msg("instruction 0x%x at %d not interpreted", i->code, pc);
		}
		assert_true(pc + 1 <= n); /* jumps stay inside */
	}
	fail_msg("fell off the end");
	return 0;
}

/* A packet from the source of sa (its port in the UDP header). */
static void pkt_of(const struct sockaddr *sa, struct pkt *p)
{
	memset(p, 0, sizeof *p);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;
		p->netlen = 20;
		p->net[0] = 0x45;
		memcpy(p->net + 12, &in->sin_addr, 4);
		memcpy(p->udp, &in->sin_port, 2);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		p->netlen = 40;
		p->net[0] = 0x60;
		memcpy(p->net + 8, &in6->sin6_addr, 16);
		memcpy(p->udp, &in6->sin6_port, 2);
	}
}

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

static struct pn_prefix pfx(const char *text)
{
	struct pn_prefix p;
	char err[128];

	assert_int_equal(pn_prefix_parse(text, &p, err, sizeof err), 0);
	return p;
}

/* The filter's verdict on a datagram from ip:port: 1 kept, 0 dropped. */
static int kept(int n, const char *ip, unsigned port)
{
	struct pkt p;

	pkt_of(src(ip, port), &p);
	return run(prog, n, &p) == PN_SOCKFILTER_KEEP;
}

static void test_sockfilter_nothing_to_screen_is_no_program(void **st)
{
	struct pn_acl acl = { 0 };

	(void)st;
	assert_int_equal(pn_sockfilter_build(&acl, NULL, AF_INET, prog, PN_SOCKFILTER_MAX), 0);
	assert_int_equal(pn_sockfilter_build(&acl, NULL, AF_UNIX, prog, PN_SOCKFILTER_MAX), -EINVAL);
}

static void test_sockfilter_allow_list_ipv4(void **st)
{
	struct pn_prefix allow[] = { pfx("127.0.0.1/32"), pfx("10.0.0.0/8") };
	struct pn_prefix deny[] = { pfx("10.1.0.0/16") };
	struct pn_acl acl = { allow, deny, 2, 1 };
	int n = pn_sockfilter_build(&acl, NULL, AF_INET, prog, PN_SOCKFILTER_MAX);

	(void)st;
	assert_true(n > 0);
	assert_true(kept(n, "127.0.0.1", 5000));
	assert_false(kept(n, "127.0.0.2", 5000));
	assert_true(kept(n, "10.2.3.4", 5000));
	assert_false(kept(n, "10.1.3.4", 5000));
	assert_false(kept(n, "192.0.2.1", 5000));
}

static void test_sockfilter_guard_ipv4_and_ipv6(void **st)
{
	static const long nfs[] = { 2049 };
	struct pn_guard g = { .min_port = 1024, .deny_ports = nfs, .ndeny_ports = 1 };
	struct pn_acl acl = { 0 };
	int n;

	(void)st;
	n = pn_sockfilter_build(&acl, &g, AF_INET, prog, PN_SOCKFILTER_MAX);
	assert_true(n > 0);
	assert_true(kept(n, "192.0.2.1", 1024));
	assert_false(kept(n, "192.0.2.1", 1023));
	assert_false(kept(n, "192.0.2.1", 2049));
	assert_false(kept(n, "127.0.0.1", 5000));
	assert_false(kept(n, "0.1.2.3", 5000));
	assert_false(kept(n, "224.0.0.1", 5000));
	assert_false(kept(n, "255.255.255.255", 5000));
	n = pn_sockfilter_build(&acl, &g, AF_INET6, prog, PN_SOCKFILTER_MAX);
	assert_true(kept(n, "2001:db8::1", 5000));
	assert_false(kept(n, "2001:db8::1", 53));
	assert_false(kept(n, "::1", 5000));
	assert_false(kept(n, "::", 5000));
	assert_false(kept(n, "ff02::1", 5000));
	assert_false(kept(n, "::ffff:192.0.2.1", 5000));
	assert_false(kept(n, "::192.0.2.1", 5000));
	g.loopback_listener = 1;
	n = pn_sockfilter_build(&acl, &g, AF_INET6, prog, PN_SOCKFILTER_MAX);
	assert_true(kept(n, "::1", 5000));
}

static void test_sockfilter_refuses_what_does_not_fit(void **st)
{
	size_t count = PN_SOCKFILTER_MAX;
	struct pn_prefix *allow = calloc(count, sizeof *allow);
	struct pn_acl acl = { allow, NULL, count, 0 };

	(void)st;
	assert_non_null(allow);
	for (size_t i = 0; i < count; i++) {
		allow[i].family = AF_INET;
		allow[i].len = 32;
		allow[i].addr[0] = 10;
		allow[i].addr[2] = (uint8_t)(i >> 8);
		allow[i].addr[3] = (uint8_t)i;
	}
	assert_int_equal(pn_sockfilter_build(&acl, NULL, AF_INET, prog, PN_SOCKFILTER_MAX), -E2BIG);
	/* The lists of the kernel's size minus the frame fit. */
	acl.nallow = 1000;
	assert_true(pn_sockfilter_build(&acl, NULL, AF_INET, prog, PN_SOCKFILTER_MAX) > 0);
	free(allow);
}

/* ---- the differential test ---- */

/* Sources drawn from every range the lists and the guard treat apart. */
static const char *const pool4[] = {
	"127.0.0.1", "127.0.0.2", "10.0.0.1", "10.1.2.3", "10.1.255.255",
	"192.0.2.1", "192.0.2.129", "0.0.0.0", "0.9.9.9", "224.0.0.1",
	"239.255.255.255", "240.0.0.1", "255.255.255.255", "198.51.100.7",
};
static const char *const pool6[] = {
	"::1", "::", "2001:db8::1", "2001:db8:0:1::1", "2001:db8:ffff::1",
	"fe80::1", "ff02::1", "::ffff:192.0.2.1", "::ffff:10.1.2.3",
	"::192.0.2.1", "::2", "2001:db8::", "fd00::1:2:3:4",
};
static const unsigned ports[] = { 0, 7, 53, 1023, 1024, 1025, 2049, 5000, 65535 };

static uint64_t rng = 0x9e3779b97f4a7c15u;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* A random prefix of an address from the pools. */
static struct pn_prefix rnd_prefix(void)
{
	struct pn_prefix p;
	const struct sockaddr *sa;

	if (rnd(2))
		sa = src(pool4[rnd(sizeof pool4 / sizeof *pool4)], 0);
	else
		sa = src(pool6[rnd(sizeof pool6 / sizeof *pool6)], 0);
	pn_prefix_of(sa, rnd(33), rnd(129), &p);
	return p;
}

static void test_sockfilter_agrees_with_acl_and_guard(void **st)
{
	static const long deny_ports[] = { 2049, 53 };
	static unsigned char served[8192]; /* 5000 and 65535: reply loops */
	struct pn_prefix allow[6], deny[6];
	long checked = 0;

	(void)st;
	served[5000 >> 3] |= 1u << (5000 & 7);
	served[65535 >> 3] |= 1u << (65535 & 7);
	for (int round = 0; round < 3000; round++) {
		struct pn_acl acl = { allow, deny, rnd(7), rnd(7) };
		struct pn_guard g = {
			.min_port = (unsigned[]){ 0, 1024, 1025, 65536 }[rnd(4)],
			.deny_ports = deny_ports,
			.ndeny_ports = rnd(3),
			.loopback_listener = (int)rnd(2),
			.served_ports = rnd(2) ? served : NULL,
		};
		int guard = (int)rnd(2), family = rnd(2) ? AF_INET : AF_INET6;
		for (size_t i = 0; i < acl.nallow; i++)
			allow[i] = rnd_prefix();
		for (size_t i = 0; i < acl.ndeny; i++)
			deny[i] = rnd_prefix();
		int n = pn_sockfilter_build(&acl, guard ? &g : NULL, family, prog,
					    PN_SOCKFILTER_MAX);
		assert_true(n >= 0);
		for (int k = 0; k < 20; k++) {
			const char *ip = family == AF_INET
						 ? pool4[rnd(sizeof pool4 / sizeof *pool4)]
						 : pool6[rnd(sizeof pool6 / sizeof *pool6)];
			unsigned port = ports[rnd(sizeof ports / sizeof *ports)];
			const struct sockaddr *sa = src(ip, port);
			int want = pn_acl_allows(&acl, sa) &&
				   (!guard || !pn_guard_check(&g, sa));
			int got = n == 0 ? 1 : kept(n, ip, port);
			if (got != want)
				fail_msg("round %d: %s port %u: filter %s, C %s (allow %zu, "
					 "deny %zu, guard %d)", round, ip, port,
					 got ? "keeps" : "drops", want ? "keeps" : "drops",
					 acl.nallow, acl.ndeny, guard);
			checked++;
		}
	}
	assert_int_equal(checked, 3000 * 20);
}

/* ---- the kernel runs it ---- */

static int udp_from(const char *ip, unsigned port)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void test_sockfilter_attached_to_a_udp_socket(void **st)
{
	struct pn_prefix allow[] = { pfx("127.0.0.1/32") };
	struct pn_acl acl = { allow, NULL, 1, 0 };
	struct pn_guard g = { .min_port = 1024, .loopback_listener = 1 };
	int n = pn_sockfilter_build(&acl, &g, AF_INET, prog, PN_SOCKFILTER_MAX);
	struct sock_fprog fp = { .len = (unsigned short)n, .filter = prog };
	struct sockaddr_in to;
	socklen_t tolen = sizeof to;
	int rx = udp_from("127.0.0.1", 0), low;
	const char *const from[] = { "127.0.0.2", "127.0.0.1", "127.0.0.3", "127.0.0.1" };
	char buf[64];

	(void)st;
	assert_true(rx >= 0 && n > 0);
	assert_int_equal(setsockopt(rx, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp), 0);
	assert_int_equal(getsockname(rx, (struct sockaddr *)&to, &tolen), 0);
	/* From a low port, where the test may bind one (root). */
	if ((low = udp_from("127.0.0.1", 999)) >= 0) {
		assert_int_equal(sendto(low, "low", 3, 0, (struct sockaddr *)&to, tolen), 3);
		close(low);
	}
	for (int i = 0; i < 4; i++) {
		int tx = udp_from(from[i], 0);
		char msg[8];
		assert_true(tx >= 0);
		snprintf(msg, sizeof msg, "m%d", i);
		assert_int_equal(sendto(tx, msg, 2, 0, (struct sockaddr *)&to, tolen), 2);
		close(tx);
	}
	/* Only m1 and m3 were queued, in order. */
	for (int i = 1; i <= 3; i += 2) {
		ssize_t r = recv(rx, buf, sizeof buf, MSG_DONTWAIT);
		char want[8];
		snprintf(want, sizeof want, "m%d", i);
		assert_int_equal(r, 2);
		assert_memory_equal(buf, want, 2);
	}
	assert_int_equal(recv(rx, buf, sizeof buf, MSG_DONTWAIT), -1);
	assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	close(rx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockfilter_nothing_to_screen_is_no_program),
		cmocka_unit_test(test_sockfilter_allow_list_ipv4),
		cmocka_unit_test(test_sockfilter_guard_ipv4_and_ipv6),
		cmocka_unit_test(test_sockfilter_refuses_what_does_not_fit),
		cmocka_unit_test(test_sockfilter_agrees_with_acl_and_guard),
		cmocka_unit_test(test_sockfilter_attached_to_a_udp_socket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
