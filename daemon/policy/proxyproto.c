/*
 * proxyproto.c -- the PROXY protocol header (see proxyproto.h).
 */
#include "proxyproto.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static const unsigned char v2sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};
static const char v1sig[] = "PROXY ";

#define PP2_TYPE_CRC32C 0x03

uint32_t pn_pp_crc32c(uint32_t crc, const void *data, size_t n)
{
	const unsigned char *p = data;

	crc = ~crc;
	while (n--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

void pn_pp_init(struct pn_pp *p, unsigned accept)
{
	memset(p, 0, offsetof(struct pn_pp, buf));
	p->accept = accept & PN_PP_ANY;
	p->state = PN_PP_MORE;
}

static int fail(struct pn_pp *p, const char *why)
{
	p->state = PN_PP_ERROR;
	p->err = why;
	return PN_PP_ERROR;
}

/* ---- version 1 ---- */

/* A port: "0" or 1-5 digits without a leading zero, at most 65535.
 * Returns the value or -1. */
static long v1_port(const char *s, size_t n)
{
	long v = 0;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= 65535 ? v : -1;
}

/* One address of family af from s[0..n) into ss; 0, or -1. */
static int v1_addr(int af, const char *s, size_t n, long port,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	char text[INET6_ADDRSTRLEN + 1];

	if (n == 0 || n >= sizeof text)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(ss, 0, sizeof *ss);
	if (af == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;
		if (inet_pton(AF_INET, text, &a->sin_addr) != 1)
			return -1;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*len = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		if (inet_pton(AF_INET6, text, &a->sin6_addr) != 1)
			return -1;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*len = sizeof *a;
	}
	return 0;
}

/*
 * Parse a whole v1 line, buf[0..n) ending in CRLF.  The four fields after
 * the protocol are split on single spaces: an empty field (two spaces, a
 * leading or trailing one) is an error.
 */
static int v1_parse(struct pn_pp *p, const char *buf, size_t n,
		    struct pn_pp_result *r)
{
	const char *s = buf + sizeof v1sig - 1, *end = buf + n - 2;
	const char *f[4];
	size_t fl[4];
	int af;

	if ((size_t)(end - s) >= 7 && memcmp(s, "UNKNOWN", 7) == 0 &&
	    (end - s == 7 || s[7] == ' ')) {
		r->local = 1; /* the rest is to be ignored */
		return PN_PP_DONE;
	}
	if ((size_t)(end - s) >= 5 && memcmp(s, "TCP4 ", 5) == 0)
		af = AF_INET;
	else if ((size_t)(end - s) >= 5 && memcmp(s, "TCP6 ", 5) == 0)
		af = AF_INET6;
	else
		return fail(p, "v1: unknown protocol (TCP4, TCP6, UNKNOWN)");
	s += 5;
	for (int i = 0; i < 4; i++) {
		const char *e = i < 3 ? memchr(s, ' ', (size_t)(end - s)) : end;
		if (!e)
			return fail(p, "v1: fewer than four fields");
		f[i] = s;
		fl[i] = (size_t)(e - s);
		if (fl[i] == 0)
			return fail(p, "v1: an empty field (two spaces?)");
		s = e + 1;
	}
	if (memchr(f[3], ' ', fl[3]))
		return fail(p, "v1: more than four fields");
	long sp = v1_port(f[2], fl[2]), dp = v1_port(f[3], fl[3]);
	if (sp < 0)
		return fail(p, "v1: bad source port");
	if (dp < 0)
		return fail(p, "v1: bad destination port");
	if (v1_addr(af, f[0], fl[0], sp, &r->src, &r->srclen) < 0)
		return fail(p, "v1: bad source address for its protocol");
	if (v1_addr(af, f[1], fl[1], dp, &r->dst, &r->dstlen) < 0)
		return fail(p, "v1: bad destination address for its protocol");
	return PN_PP_DONE;
}

/* Take bytes of a v1 line up to its LF. */
static int v1_feed(struct pn_pp *p, const unsigned char *d, size_t n,
		   size_t *used, struct pn_pp_result *r)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = d[i];
		if (p->len >= PN_PP_V1_MAX)
			return fail(p, "v1: longer than 107 bytes");
		if (p->len < sizeof v1sig - 1 && ch != (unsigned char)v1sig[p->len])
			return fail(p, "v1: does not start with \"PROXY \"");
		if (p->len > 0 && p->buf[p->len - 1] == '\r' && ch != '\n')
			return fail(p, "v1: CR without LF");
		if (ch == '\n' && (p->len == 0 || p->buf[p->len - 1] != '\r'))
			return fail(p, "v1: LF without CR");
		if (ch != '\r' && ch != '\n' && (ch < 0x20 || ch > 0x7e))
			return fail(p, "v1: a control or non-ASCII byte");
		p->buf[p->len++] = ch;
		if (ch == '\n') {
			*used = i + 1;
			return v1_parse(p, (const char *)p->buf, p->len, r);
		}
	}
	*used = n;
	return PN_PP_MORE;
}

/* ---- version 2 ---- */

/* Check the TLVs of buf[off..n): each one fits; a CRC32c one matches. */
static int v2_tlvs(struct pn_pp *p, size_t off, size_t n)
{
	while (off < n) {
		if (n - off < 3)
			return fail(p, "v2: a truncated TLV header");
		unsigned type = p->buf[off];
		size_t len = ((size_t)p->buf[off + 1] << 8) | p->buf[off + 2];
		if (len > n - off - 3)
			return fail(p, "v2: a TLV longer than the header");
		if (type == PP2_TYPE_CRC32C) {
			unsigned char *v = p->buf + off + 3;
			uint32_t want, got;
			if (len != 4)
				return fail(p, "v2: a CRC32C TLV not of 4 bytes");
			want = (uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 |
			       (uint32_t)v[2] << 8 | v[3];
			/* Computed with the field zeroed, then put back. */
			unsigned char save[4];
			memcpy(save, v, 4);
			memset(v, 0, 4);
			got = pn_pp_crc32c(0, p->buf, n);
			memcpy(v, save, 4);
			if (got != want)
				return fail(p, "v2: CRC32C mismatch");
		}
		off += 3 + len;
	}
	return PN_PP_DONE;
}

/* The whole v2 block is in buf[0..need). */
static int v2_parse(struct pn_pp *p, struct pn_pp_result *r)
{
	unsigned cmd = p->buf[12] & 0x0f, fam = p->buf[13] >> 4,
		 proto = p->buf[13] & 0x0f;
	size_t len = p->need - PN_PP_V2_HEAD, alen = 0;
	const unsigned char *a = p->buf + PN_PP_V2_HEAD;

	if (cmd == 0) {
		/* LOCAL: the block is to be skipped whatever it holds. */
		r->local = 1;
		return PN_PP_DONE;
	}
	if (fam == 3)
		return fail(p, "v2: AF_UNIX addresses (not served)");
	if (fam > 3)
		return fail(p, "v2: unknown address family");
	if (fam == 0) {
		/* UNSPEC: the specification asks for the real endpoints. */
		r->local = 1;
		return PN_PP_DONE;
	}
	if (proto != 1)
		return fail(p, "v2: not STREAM (TCP)");
	memset(&r->src, 0, sizeof r->src);
	memset(&r->dst, 0, sizeof r->dst);
	if (fam == 1) {
		struct sockaddr_in *s = (struct sockaddr_in *)&r->src,
				   *d = (struct sockaddr_in *)&r->dst;
		alen = 12;
		if (len < alen)
			return fail(p, "v2: too short for AF_INET addresses");
		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, a, 4);
		memcpy(&d->sin_addr, a + 4, 4);
		memcpy(&s->sin_port, a + 8, 2);
		memcpy(&d->sin_port, a + 10, 2);
		r->srclen = r->dstlen = sizeof *s;
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&r->src,
				    *d = (struct sockaddr_in6 *)&r->dst;
		alen = 36;
		if (len < alen)
			return fail(p, "v2: too short for AF_INET6 addresses");
		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, a, 16);
		memcpy(&d->sin6_addr, a + 16, 16);
		memcpy(&s->sin6_port, a + 32, 2);
		memcpy(&d->sin6_port, a + 34, 2);
		r->srclen = r->dstlen = sizeof *s;
	}
	return v2_tlvs(p, PN_PP_V2_HEAD + alen, p->need);
}

static int v2_feed(struct pn_pp *p, const unsigned char *d, size_t n,
		   size_t *used, struct pn_pp_result *r)
{
	size_t i = 0;

	/* The fixed part, checked byte by byte so garbage fails early. */
	while (p->len < PN_PP_V2_HEAD && i < n) {
		unsigned char ch = d[i++];
		if (p->len < sizeof v2sig && ch != v2sig[p->len])
			return fail(p, "v2: bad signature");
		if (p->len == 12 && (ch >> 4) != 2)
			return fail(p, "v2: not version 2");
		if (p->len == 12 && (ch & 0x0f) > 1)
			return fail(p, "v2: unknown command (LOCAL, PROXY)");
		p->buf[p->len++] = ch;
		if (p->len == PN_PP_V2_HEAD) {
			size_t len = ((size_t)p->buf[14] << 8) | p->buf[15];
			if (len > PN_PP_V2_MAX_LEN)
				return fail(p, "v2: length over the limit");
			p->need = PN_PP_V2_HEAD + len;
		}
	}
	if (p->len < PN_PP_V2_HEAD) {
		*used = n;
		return PN_PP_MORE;
	}
	size_t take = p->need - p->len;
	if (take > n - i)
		take = n - i;
	memcpy(p->buf + p->len, d + i, take);
	p->len += take;
	i += take;
	*used = i;
	if (p->len < p->need)
		return PN_PP_MORE;
	return v2_parse(p, r);
}

int pn_pp_feed(struct pn_pp *p, const void *data, size_t n, size_t *used,
	       struct pn_pp_result *r)
{
	const unsigned char *d = data;

	*used = 0;
	if (p->state != PN_PP_MORE)
		return p->state;
	if (n == 0)
		return PN_PP_MORE;
	if (!p->version) {
		if ((p->accept & PN_PP_V2) && d[0] == v2sig[0])
			p->version = 2;
		else if ((p->accept & PN_PP_V1) && d[0] == (unsigned char)v1sig[0])
			p->version = 1;
		else
			return fail(p, p->accept == PN_PP_V1 ? "v1: does not start with \"PROXY \""
				       : p->accept == PN_PP_V2 ? "v2: bad signature"
				       : "not a PROXY protocol header");
		memset(r, 0, sizeof *r);
		r->version = p->version;
	}
	p->state = p->version == 1 ? v1_feed(p, d, n, used, r)
				   : v2_feed(p, d, n, used, r);
	return p->state;
}

/* ---- building ---- */

size_t pn_pp_build(int version, const struct sockaddr *src,
		   const struct sockaddr *dst, void *out, size_t outlen)
{
	int af = src && dst && src->sa_family == dst->sa_family &&
			 (src->sa_family == AF_INET || src->sa_family == AF_INET6)
		 ? src->sa_family : AF_UNSPEC;
	const void *sa = NULL, *da = NULL;
	uint16_t sp = 0, dp = 0; /* network order */

	if (af == AF_INET) {
		sa = &((const struct sockaddr_in *)src)->sin_addr;
		da = &((const struct sockaddr_in *)dst)->sin_addr;
		sp = ((const struct sockaddr_in *)src)->sin_port;
		dp = ((const struct sockaddr_in *)dst)->sin_port;
	} else if (af == AF_INET6) {
		sa = &((const struct sockaddr_in6 *)src)->sin6_addr;
		da = &((const struct sockaddr_in6 *)dst)->sin6_addr;
		sp = ((const struct sockaddr_in6 *)src)->sin6_port;
		dp = ((const struct sockaddr_in6 *)dst)->sin6_port;
	}
	if (version == 1) {
		char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], line[PN_PP_V1_MAX + 1];
		int k;
		if (af == AF_UNSPEC || !inet_ntop(af, sa, s, sizeof s) ||
		    !inet_ntop(af, da, d, sizeof d))
			k = snprintf(line, sizeof line, "PROXY UNKNOWN\r\n");
		else
			k = snprintf(line, sizeof line, "PROXY %s %s %s %u %u\r\n",
				     af == AF_INET ? "TCP4" : "TCP6", s, d,
				     (unsigned)ntohs(sp), (unsigned)ntohs(dp));
		if (k < 0 || (size_t)k > outlen)
			return 0;
		memcpy(out, line, (size_t)k);
		return (size_t)k;
	}
	size_t alen = af == AF_INET ? 12 : af == AF_INET6 ? 36 : 0,
	       asz = af == AF_INET ? 4 : 16;
	unsigned char *o = out;
	if (PN_PP_V2_HEAD + alen > outlen)
		return 0;
	memcpy(o, v2sig, sizeof v2sig);
	o[12] = af == AF_UNSPEC ? 0x20 : 0x21;
	o[13] = af == AF_INET ? 0x11 : af == AF_INET6 ? 0x21 : 0x00;
	o[14] = 0;
	o[15] = (unsigned char)alen;
	if (alen) {
		memcpy(o + 16, sa, asz);
		memcpy(o + 16 + asz, da, asz);
		memcpy(o + 16 + 2 * asz, &sp, 2);
		memcpy(o + 18 + 2 * asz, &dp, 2);
	}
	return PN_PP_V2_HEAD + alen;
}
