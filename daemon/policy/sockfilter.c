/*
 * sockfilter.c -- allow/deny lists and the UDP guard as a classic BPF
 * socket filter (see sockfilter.h).
 *
 * A tiny assembler: conditional jumps only ever skip the one instruction
 * after them, an unconditional BPF_JA (32-bit offset) to a label, so no
 * 8-bit jump offset can overflow however long the lists are.  Labels are
 * placed once and only jumped to forward, as classic BPF requires.
 */
#include "sockfilter.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

/* Offsets of what the program reads (sockfilter.h). */
#define NET(off) ((uint32_t)(SKF_NET_OFF + (off)))
#define V4_SRC NET(12)
#define V6_SRC NET(8)
#define UDP_SPORT 0u

enum { L_DROP, L_KEEP, L_PORT, L_FIXED }; /* labels every program has */

struct as {
	struct sock_filter *p;
	size_t n, cap;
	int *fix;  /* per instruction: the label of a BPF_JA, else -1 */
	long *at;  /* per label: its instruction, -1 until placed */
	int nlabels, maxlabels;
	int err;
};

static void emit(struct as *a, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (a->err)
		return;
	if (a->n >= a->cap) {
		a->err = -E2BIG;
		return;
	}
	a->fix[a->n] = -1;
	a->p[a->n++] = (struct sock_filter){ code, jt, jf, k };
}

static int label_new(struct as *a)
{
	if (a->nlabels >= a->maxlabels) {
		a->err = -E2BIG;
		return L_DROP;
	}
	a->at[a->nlabels] = -1;
	return a->nlabels++;
}

static void place(struct as *a, int label)
{
	a->at[label] = (long)a->n;
}

static void jump(struct as *a, int label)
{
	emit(a, BPF_JMP | BPF_JA, 0, 0, 0);
	if (!a->err)
		a->fix[a->n - 1] = label;
}

/* Jump to label when the comparison `op` of A with k is true (jt = 0,
 * jf = 1: the jump follows) or false (jt = 1, jf = 0). */
static void jump_if(struct as *a, uint16_t op, uint32_t k, int when, int label)
{
	emit(a, BPF_JMP | op | BPF_K, when ? 0 : 1, when ? 1 : 0, k);
	jump(a, label);
}

static void load(struct as *a, uint16_t size, uint32_t off)
{
	emit(a, BPF_LD | size | BPF_ABS, 0, 0, off);
}

/* The 32-bit word `w` of a prefix's address, as BPF loads it. */
static uint32_t word(const struct pn_prefix *p, unsigned w)
{
	const uint8_t *b = p->addr + 4 * w;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

struct entry {
	const struct pn_prefix *p;
	int deny;
};

/* Longest first; on equal lengths deny first (it wins, acl.h). */
static int entry_cmp(const void *x, const void *y)
{
	const struct entry *a = x, *b = y;

	if (a->p->len != b->p->len)
		return a->p->len > b->p->len ? -1 : 1;
	return b->deny - a->deny;
}

/*
 * The lists' verdict on the address of `family` at off: the first entry
 * (in entry_cmp order) that contains it decides, which is the longest
 * match with deny winning ties, as pn_acl_allows() judges; none: allowed
 * only when the lists have no allow entry at all (of either family).
 * Allowed goes to `ok`, refused to L_DROP.
 */
static void acl_block(struct as *a, const struct pn_acl *acl, int family,
		      uint32_t off, int ok)
{
	size_t n = 0, total = acl->nallow + acl->ndeny;
	struct entry *v = total ? malloc(total * sizeof *v) : NULL;

	if (total && !v) {
		a->err = -ENOMEM;
		return;
	}
	for (size_t i = 0; i < acl->nallow; i++)
		if (acl->allow[i].family == family)
			v[n++] = (struct entry){ &acl->allow[i], 0 };
	for (size_t i = 0; i < acl->ndeny; i++)
		if (acl->deny[i].family == family)
			v[n++] = (struct entry){ &acl->deny[i], 1 };
	if (n)
		qsort(v, n, sizeof *v, entry_cmp);
	for (size_t i = 0; i < n && !a->err; i++) {
		int next = label_new(a);
		unsigned len = v[i].p->len;
		for (unsigned w = 0; 32 * w < len; w++) {
			unsigned bits = len - 32 * w > 32 ? 32 : len - 32 * w;
			uint32_t mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
			load(a, BPF_W, off + 4 * w);
			if (mask != 0xffffffffu)
				emit(a, BPF_ALU | BPF_AND | BPF_K, 0, 0, mask);
			jump_if(a, BPF_JEQ, word(v[i].p, w) & mask, 0, next);
		}
		jump(a, v[i].deny ? L_DROP : ok);
		place(a, next);
	}
	jump(a, acl->nallow ? L_DROP : ok);
	free(v);
}

/* The guard on an IPv4 source (guard.c's check_v4), then L_PORT. */
static void guard_v4(struct as *a, const struct pn_guard *g)
{
	load(a, BPF_B, V4_SRC);
	jump_if(a, BPF_JEQ, 0, 1, L_DROP);	/* 0.0.0.0/8 */
	if (!g->loopback_listener)
		jump_if(a, BPF_JEQ, 127, 1, L_DROP); /* 127.0.0.0/8 */
	jump_if(a, BPF_JGE, 224, 1, L_DROP);	/* 224/4 and 240/4 */
	jump(a, L_PORT);
}

/* The guard on an IPv6 source that is not IPv4-mapped, then L_PORT:
 * multicast, and within ::/96 the unspecified address, IPv4-compatible
 * addresses and (off loopback) ::1. */
static void guard_v6(struct as *a, const struct pn_guard *g)
{
	load(a, BPF_B, V6_SRC);
	jump_if(a, BPF_JEQ, 0xff, 1, L_DROP);
	for (unsigned w = 0; w < 3; w++) {
		load(a, BPF_W, V6_SRC + 4 * w);
		jump_if(a, BPF_JEQ, 0, 0, L_PORT);
	}
	if (g->loopback_listener) {
		load(a, BPF_W, V6_SRC + 12);
		jump_if(a, BPF_JEQ, 1, 1, L_PORT);
	}
	jump(a, L_DROP);
}

/* An IPv4 source (from an IPv4 packet at v4off, or IPv4-mapped): the
 * guard refuses it on an IPv6 socket, else the IPv4 lists judge it. */
static void mapped_v4(struct as *a, const struct pn_acl *acl,
		      const struct pn_guard *g, uint32_t v4off)
{
	if (g)
		jump(a, L_DROP);
	else
		acl_block(a, acl, AF_INET, v4off, L_PORT);
}

/* The guard on the source port (udp_min_port, udp_deny_ports, and the
 * ports this daemon serves over UDP: a reply loop, guard.h). */
static void guard_port(struct as *a, const struct pn_guard *g)
{
	load(a, BPF_H, UDP_SPORT);
	if (g->min_port > 0)
		jump_if(a, BPF_JGE, g->min_port, 0, L_DROP);
	for (size_t i = 0; i < g->ndeny_ports; i++)
		if (g->deny_ports[i] >= 0 && g->deny_ports[i] <= 65535)
			jump_if(a, BPF_JEQ, (uint32_t)g->deny_ports[i], 1, L_DROP);
	for (uint32_t port = 0; g->served_ports && port < 65536; port++)
		if (g->served_ports[port >> 3] & (1u << (port & 7)))
			jump_if(a, BPF_JEQ, port, 1, L_DROP);
}

/* Resolve every jump to its label: forward only. */
static int link_jumps(struct as *a)
{
	for (size_t i = 0; i < a->n; i++) {
		long to;
		if (a->fix[i] < 0)
			continue;
		to = a->at[a->fix[i]];
		if (to <= (long)i)
			return -EINVAL; /* a label never placed, or behind */
		a->p[i].k = (uint32_t)(to - (long)i - 1);
	}
	return (int)a->n;
}

int pn_sockfilter_build(const struct pn_acl *acl, const struct pn_guard *guard,
			int family, struct sock_filter *prog, size_t cap)
{
	struct as a = { .p = prog, .cap = cap < PN_SOCKFILTER_MAX ? cap : PN_SOCKFILTER_MAX };
	int rc;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (!guard && acl->nallow + acl->ndeny == 0)
		return 0;
	a.maxlabels = (int)a.cap + L_FIXED + 8;
	a.fix = malloc(a.cap * sizeof *a.fix);
	a.at = malloc((size_t)a.maxlabels * sizeof *a.at);
	if (!a.fix || !a.at) {
		free(a.fix);
		free(a.at);
		return -ENOMEM;
	}
	for (int i = 0; i < L_FIXED; i++)
		a.at[i] = -1;
	a.nlabels = L_FIXED;

	int native = label_new(&a), foreign = label_new(&a);
	load(&a, BPF_B, NET(0));
	emit(&a, BPF_ALU | BPF_RSH | BPF_K, 0, 0, 4);
	jump_if(&a, BPF_JEQ, family == AF_INET ? 4 : 6, 1, native);
	jump_if(&a, BPF_JEQ, family == AF_INET ? 6 : 4, 1, foreign);
	jump(&a, L_DROP);

	place(&a, foreign);
	if (family == AF_INET)
		jump(&a, L_DROP); /* IPv6 on an IPv4 socket: never queued */
	else
		mapped_v4(&a, acl, guard, V4_SRC);

	place(&a, native);
	if (family == AF_INET) {
		int g4 = label_new(&a);
		acl_block(&a, acl, AF_INET, V4_SRC, guard ? g4 : L_PORT);
		place(&a, g4);
		if (guard)
			guard_v4(&a, guard);
	} else {
		int notmapped = label_new(&a), g6 = label_new(&a);
		load(&a, BPF_W, V6_SRC);
		jump_if(&a, BPF_JEQ, 0, 0, notmapped);
		load(&a, BPF_W, V6_SRC + 4);
		jump_if(&a, BPF_JEQ, 0, 0, notmapped);
		load(&a, BPF_W, V6_SRC + 8);
		jump_if(&a, BPF_JEQ, 0xffff, 0, notmapped);
		mapped_v4(&a, acl, guard, V6_SRC + 12);
		place(&a, notmapped);
		acl_block(&a, acl, AF_INET6, V6_SRC, guard ? g6 : L_PORT);
		place(&a, g6);
		if (guard)
			guard_v6(&a, guard);
	}

	place(&a, L_PORT);
	if (guard)
		guard_port(&a, guard);
	place(&a, L_KEEP);
	emit(&a, BPF_RET | BPF_K, 0, 0, PN_SOCKFILTER_KEEP);
	place(&a, L_DROP);
	emit(&a, BPF_RET | BPF_K, 0, 0, 0);

	rc = a.err ? a.err : link_jumps(&a);
	free(a.fix);
	free(a.at);
	return rc;
}
