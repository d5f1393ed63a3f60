/*
 * fuzz_proxyproto.c -- libFuzzer target for the PROXY protocol parser
 * (daemon/policy/proxyproto.c).
 *
 * Input: one byte chooses the accepted versions (v1, v2 or both) and
 * seeds the chunk sizes; the rest is the connection's byte stream.  The
 * stream is parsed three times: whole, byte by byte, and in chunks of 1
 * to 64 bytes (each chunk in a malloc'd buffer of exactly its size, so
 * ASan sees any read past it).
 *
 * Checked: the three agree on the result, the header's length, the
 * addresses and the error reason; a header is never longer than the
 * stream, than PN_PP_V1_MAX (v1) or than PN_PP_BUF (v2); a v1 header ends
 * in CRLF; addresses are AF_INET or AF_INET6 with matching lengths unless
 * "local"; an error has a reason; a finished parser takes no more bytes;
 * and a header rebuilt from the result by pn_pp_build parses back to the
 * same addresses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>

#include "fuzz_input.h"
#include "proxyproto.h"

struct outcome {
	int rc;
	size_t hlen;
	const char *err;
	struct pn_pp_result r;
};

static struct pn_pp p; /* large: not on the stack */

/* Parse s[0..n) in chunks from `sizes` (0: whole; 1: byte by byte;
 * else a seed). */
static void run(unsigned accept, const uint8_t *s, size_t n, unsigned sizes,
		struct outcome *o)
{
	size_t off = 0, used;
	unsigned seed = sizes;

	memset(o, 0, sizeof *o);
	pn_pp_init(&p, accept);
	o->rc = PN_PP_MORE;
	while (off < n && o->rc == PN_PP_MORE) {
		size_t k = sizes == 0 ? n : sizes == 1 ? 1 : 1 + (seed = seed * 1103515245u + 12345u) % 64;
		if (k > n - off)
			k = n - off;
		uint8_t *chunk = malloc(k);
		if (!chunk)
			abort();
		memcpy(chunk, s + off, k);
		o->rc = pn_pp_feed(&p, chunk, k, &used, &o->r);
		free(chunk);
		if (used > k)
			abort();
		if (o->rc != PN_PP_ERROR)
			o->hlen += used;
		if (o->rc == PN_PP_MORE && used != k)
			abort(); /* wanting more, it takes everything */
		off += k;
	}
	if (o->rc == PN_PP_ERROR) {
		o->err = p.err;
		if (!o->err || !o->err[0])
			abort();
	}
	if (o->rc != PN_PP_MORE) {
		/* Finished: nothing more is taken, the result stays. */
		if (pn_pp_feed(&p, "x", 1, &used, &o->r) != o->rc || used != 0)
			abort();
	}
}

static void same(const struct outcome *a, const struct outcome *b)
{
	if (a->rc != b->rc)
		abort();
	if (a->rc == PN_PP_ERROR && strcmp(a->err, b->err) != 0)
		abort();
	if (a->rc != PN_PP_DONE)
		return;
	if (a->hlen != b->hlen || a->r.local != b->r.local ||
	    a->r.version != b->r.version)
		abort();
	if (!a->r.local && (a->r.srclen != b->r.srclen ||
			    memcmp(&a->r.src, &b->r.src, a->r.srclen) != 0 ||
			    memcmp(&a->r.dst, &b->r.dst, a->r.dstlen) != 0))
		abort();
}

static void check_done(const uint8_t *s, const struct outcome *o)
{
	const struct pn_pp_result *r = &o->r;

	if (o->hlen == 0)
		abort();
	if (r->version == 1 && (o->hlen > PN_PP_V1_MAX || o->hlen < 8 ||
				s[o->hlen - 2] != '\r' || s[o->hlen - 1] != '\n'))
		abort();
	if (r->version == 2 && (o->hlen > PN_PP_BUF || o->hlen < PN_PP_V2_HEAD))
		abort();
	if (r->local)
		return;
	int af = r->src.ss_family;
	if (af != r->dst.ss_family || (af != AF_INET && af != AF_INET6))
		abort();
	socklen_t want = af == AF_INET ? sizeof(struct sockaddr_in)
				       : sizeof(struct sockaddr_in6);
	if (r->srclen != want || r->dstlen != want)
		abort();
	/* Rebuilt in both versions, it parses back to the same. */
	for (int v = 1; v <= 2; v++) {
		unsigned char out[PN_PP_V1_MAX + 64];
		size_t n = pn_pp_build(v, (const struct sockaddr *)&r->src,
				       (const struct sockaddr *)&r->dst, out, sizeof out);
		struct outcome back;
		if (n == 0)
			abort();
		run(PN_PP_ANY, out, n, 0, &back);
		if (back.rc != PN_PP_DONE || back.hlen != n || back.r.local ||
		    memcmp(&back.r.src, &r->src, r->srclen) != 0 ||
		    memcmp(&back.r.dst, &r->dst, r->dstlen) != 0)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	unsigned ctl = fz_u8(&in);
	unsigned accept = 1 + ctl % 3;
	struct outcome whole, bytes, chunks;

	run(accept, in.p, in.n, 0, &whole);
	run(accept, in.p, in.n, 1, &bytes);
	run(accept, in.p, in.n, 2 + (ctl >> 2), &chunks);
	same(&whole, &bytes);
	same(&whole, &chunks);
	if (whole.rc == PN_PP_DONE) {
		if (whole.hlen > in.n)
			abort();
		check_done(in.p, &whole);
	}
	return 0;
}
