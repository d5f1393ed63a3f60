/*
 * fuzz_addr.c -- libFuzzer target for listen addresses (daemon/addr.c)
 * and address prefixes and allow/deny lists (daemon/acl.c).
 *
 * The input is read as lines:
 *	"a TEXT"  an allow entry, parsed with pn_prefix_parse
 *	"d TEXT"  a deny entry, likewise
 *	"c TEXT"  a client address (inet_pton, IPv4 then IPv6)
 *	"4XXXX"   a client IPv4 address from 4 raw bytes
 *	"6X...X"  a client IPv6 address from 16 raw bytes
 *	anything else: a listen address, parsed with pn_addr_parse
 *
 * Checked: a parsed listen address formats back to text that parses to
 * the same address (and overlaps itself), a refused one has a reason; a
 * parsed prefix has no host bits, contains its own address, formats back
 * to text that parses to the same prefix and equals pn_prefix_of its own
 * address; every client is judged by pn_acl_allows exactly as a bit-by-bit
 * model of the longest-prefix rule judges it (deny wins ties, no match
 * means allowed only without allow entries, IPv4-mapped IPv6 is IPv4).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "addr.h"
#include "fuzz_input.h"

#define MAX_ENTRIES 64
#define MAX_CLIENTS 32

static void check_listen(const char *text)
{
	struct pn_addr a[2], b[2];
	char err[256] = "", fmt[PN_ADDR_TEXT + 8];
	int k = pn_addr_parse(text, a, err, sizeof err);

	if (k < 0) {
		fz_check(err[0] != '\0', "'%s' refused without a reason", text);
		return;
	}
	fz_check(k == 1 || k == 2, "pn_addr_parse returned %d", k);
	for (int i = 0; i < k; i++) {
		char err2[256] = "";
		fz_check(a[i].proto == PINETD_TCP || a[i].proto == PINETD_UDP,
			 "proto %u", a[i].proto);
		pn_addr_format(&a[i], fmt, sizeof fmt);
		int k2 = pn_addr_parse(fmt, b, err2, sizeof err2);
		/* "*" formats as 0.0.0.0 and [::]: one address each. */
		fz_check(k2 == 1, "'%s' (from '%s') parses to %d: %s", fmt,
			 text, k2, err2);
		fz_check(pn_addr_equal(&a[i], &b[0]),
			 "'%s' does not round-trip through '%s'", text, fmt);
		fz_check(pn_addr_overlap(&a[i], &a[i]), "'%s' overlap", fmt);
	}
	if (k == 2)
		fz_check(pn_addr_overlap(&a[0], &a[1]) == 0,
			 "0.0.0.0 and [::] are different families");
}

/* The sockaddr of a prefix's address (port 0). */
static void prefix_sockaddr(const struct pn_prefix *p,
			    struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	ss->ss_family = (sa_family_t)p->family;
	if (p->family == AF_INET)
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, p->addr, 4);
	else
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, p->addr, 16);
}

static int bit(const uint8_t *a, unsigned i)
{
	return a[i / 8] >> (7 - i % 8) & 1;
}

/* Returns 0 when the prefix was refused. */
static int check_prefix(const char *text, struct pn_prefix *p)
{
	char err[512] = "", err2[512], t[INET6_ADDRSTRLEN + 8];
	struct pn_prefix q, of;
	struct sockaddr_storage ss;
	unsigned max;

	if (pn_prefix_parse(text, p, err, sizeof err) < 0) {
		fz_check(err[0] != '\0', "'%s' refused without a reason", text);
		return 0;
	}
	fz_check(p->family == AF_INET || p->family == AF_INET6, "family %d",
		 p->family);
	max = p->family == AF_INET ? 32 : 128;
	fz_check(p->len <= max, "'%s': length %u", text, p->len);
	for (unsigned i = p->len; i < 128; i++)
		fz_check(!bit(p->addr, i), "'%s': bit %u set", text, i);
	prefix_sockaddr(p, &ss);
	fz_check(pn_prefix_contains(p, (struct sockaddr *)&ss) ||
			 (p->family == AF_INET6 &&
			  IN6_IS_ADDR_V4MAPPED((struct in6_addr *)p->addr)),
		 "'%s' does not contain its own address", text);
	inet_ntop(p->family, p->addr, t, INET6_ADDRSTRLEN);
	snprintf(t + strlen(t), 8, "/%u", p->len);
	fz_check(pn_prefix_parse(t, &q, err2, sizeof err2) == 0,
		 "'%s' (from '%s') refused: %s", t, text, err2);
	fz_check(pn_prefix_equal(p, &q), "'%s' does not round-trip via '%s'",
		 text, t);
	if (!(p->family == AF_INET6 &&
	      IN6_IS_ADDR_V4MAPPED((struct in6_addr *)p->addr))) {
		pn_prefix_of((struct sockaddr *)&ss, p->len, p->len, &of);
		fz_check(pn_prefix_equal(p, &of), "pn_prefix_of('%s')", text);
	}
	return 1;
}

/* The client as the model sees it: IPv4-mapped IPv6 becomes IPv4. */
static int model_bytes(const struct sockaddr_storage *ss, uint8_t a[16])
{
	memset(a, 0, 16);
	if (ss->ss_family == AF_INET) {
		memcpy(a, &((const struct sockaddr_in *)ss)->sin_addr, 4);
		return AF_INET;
	}
	const uint8_t *b = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	if (memcmp(b, mapped, 12) == 0) {
		memcpy(a, b + 12, 4);
		return AF_INET;
	}
	memcpy(a, b, 16);
	return AF_INET6;
}

static int model_contains(const struct pn_prefix *p, int fam,
			  const uint8_t a[16])
{
	if (p->family != fam)
		return 0;
	for (unsigned i = 0; i < p->len; i++)
		if (bit(p->addr, i) != bit(a, i))
			return 0;
	return 1;
}

/* Longest first: at each length a deny entry beats an allow entry. */
static int model_allows(const struct pn_acl *acl,
			const struct sockaddr_storage *ss)
{
	uint8_t a[16];
	int fam = model_bytes(ss, a);

	for (int len = 128; len >= 0; len--) {
		for (size_t i = 0; i < acl->ndeny; i++)
			if ((int)acl->deny[i].len == len &&
			    model_contains(&acl->deny[i], fam, a))
				return 0;
		for (size_t i = 0; i < acl->nallow; i++)
			if ((int)acl->allow[i].len == len &&
			    model_contains(&acl->allow[i], fam, a))
				return 1;
	}
	return acl->nallow == 0;
}

static int client_from_text(const char *text, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, text, &((struct sockaddr_in *)ss)->sin_addr) == 1) {
		ss->ss_family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, text, &((struct sockaddr_in6 *)ss)->sin6_addr) == 1) {
		ss->ss_family = AF_INET6;
		return 1;
	}
	return 0;
}

static void client_raw(const uint8_t *b, size_t n, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof *ss);
	if (n == 4) {
		ss->ss_family = AF_INET;
		memcpy(&((struct sockaddr_in *)ss)->sin_addr, b, 4);
	} else {
		ss->ss_family = AF_INET6;
		memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, b, 16);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pn_prefix allow[MAX_ENTRIES], deny[MAX_ENTRIES];
	static struct sockaddr_storage clients[MAX_CLIENTS];
	struct pn_acl acl = { 0 };
	size_t nclients = 0;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	/* Raw clients first: their bytes may hold LF or NUL. */
	for (size_t i = 0; i < size;) {
		size_t want = data[i] == '4' ? 4 : data[i] == '6' ? 16 : 0;
		const uint8_t *nl = memchr(data + i, '\n', size - i);
		size_t end = nl ? (size_t)(nl - data) : size;

		if (want && i + 1 + want <= size) {
			if (nclients < MAX_CLIENTS)
				client_raw(data + i + 1, want,
					   &clients[nclients++]);
			i += 1 + want;
			if (i < size && data[i] == '\n')
				i++;
			continue;
		}
		/* A text line, NUL-terminated at its first NUL or LF. */
		memcpy(text, data + i, end - i);
		text[end - i] = '\0';
		i = end + 1;
		if ((text[0] == 'a' || text[0] == 'd') && text[1] == ' ') {
			struct pn_prefix *v = text[0] == 'a' ? allow : deny;
			size_t *nv = text[0] == 'a' ? &acl.nallow : &acl.ndeny;
			if (*nv < MAX_ENTRIES && check_prefix(text + 2, &v[*nv]))
				(*nv)++;
		} else if (text[0] == 'c' && text[1] == ' ') {
			if (nclients < MAX_CLIENTS &&
			    client_from_text(text + 2, &clients[nclients]))
				nclients++;
		} else {
			check_listen(text);
		}
	}
	acl.allow = allow;
	acl.deny = deny;
	for (size_t i = 0; i < nclients; i++) {
		int got = pn_acl_allows(&acl, (struct sockaddr *)&clients[i]);
		int want = model_allows(&acl, &clients[i]);
		char name[PN_ADDR_TEXT];
		pn_sockaddr_name((struct sockaddr *)&clients[i], name, sizeof name);
		fz_check(got == want, "client %s: allowed %d, model says %d", name,
			 got, want);
	}
	free(text);
	return 0;
}
