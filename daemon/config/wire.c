/*
 * wire.c -- bounded binary encoding (see wire.h).
 */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

#define NULL_LEN 0xffffffffu

static int reserve(struct pn_wbuf *w, size_t n)
{
	if (w->oom)
		return -1;
	if (n > SIZE_MAX - w->len) {
		w->oom = 1;
		return -1;
	}
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap < w->len + n)
			cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
		unsigned char *p = realloc(w->p, cap);
		if (!p) {
			w->oom = 1;
			return -1;
		}
		w->p = p;
		w->cap = cap;
	}
	return 0;
}

static void put_le(struct pn_wbuf *w, uint64_t v, unsigned width)
{
	if (reserve(w, width) < 0)
		return;
	for (unsigned i = 0; i < width; i++)
		w->p[w->len++] = (unsigned char)(v >> (8 * i));
}

void pn_wput_u8(struct pn_wbuf *w, uint8_t v) { put_le(w, v, 1); }
void pn_wput_u32(struct pn_wbuf *w, uint32_t v) { put_le(w, v, 4); }
void pn_wput_i64(struct pn_wbuf *w, int64_t v) { put_le(w, (uint64_t)v, 8); }

void pn_wput_bytes(struct pn_wbuf *w, const void *p, size_t n)
{
	if (n >= NULL_LEN) {
		w->oom = 1; /* cannot be encoded; callers cap far below */
		return;
	}
	pn_wput_u32(w, (uint32_t)n);
	if (n && reserve(w, n) == 0) {
		memcpy(w->p + w->len, p, n);
		w->len += n;
	}
}

void pn_wput_str(struct pn_wbuf *w, const char *s)
{
	if (!s)
		pn_wput_u32(w, NULL_LEN);
	else
		pn_wput_bytes(w, s, strlen(s));
}

void pn_wbuf_free(struct pn_wbuf *w)
{
	free(w->p);
	*w = (struct pn_wbuf){ 0 };
}

static uint64_t get_le(struct pn_rbuf *r, unsigned width)
{
	uint64_t v = 0;

	if (r->bad || r->left < width) {
		r->bad = 1;
		return 0;
	}
	for (unsigned i = 0; i < width; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += width;
	r->left -= width;
	return v;
}

uint8_t pn_rget_u8(struct pn_rbuf *r) { return (uint8_t)get_le(r, 1); }
uint32_t pn_rget_u32(struct pn_rbuf *r) { return (uint32_t)get_le(r, 4); }
int64_t pn_rget_i64(struct pn_rbuf *r) { return (int64_t)get_le(r, 8); }

long pn_rget_long(struct pn_rbuf *r, long lo, long hi)
{
	int64_t v = pn_rget_i64(r);

	if (v < lo || v > hi) {
		r->bad = 1;
		return lo;
	}
	return (long)v;
}

const void *pn_rget_bytes(struct pn_rbuf *r, size_t *n, size_t max)
{
	uint32_t len = pn_rget_u32(r);
	const void *p;

	*n = 0;
	if (r->bad || len == NULL_LEN || len > max || len > r->left) {
		r->bad = 1;
		return NULL;
	}
	p = r->p;
	r->p += len;
	r->left -= len;
	*n = len;
	return p;
}

char *pn_rget_str(struct pn_rbuf *r, size_t max, int *isnull)
{
	uint32_t len = pn_rget_u32(r);
	char *s;

	if (isnull)
		*isnull = 0;
	if (r->bad)
		return NULL;
	if (len == NULL_LEN) {
		if (!isnull)
			r->bad = 1;
		else
			*isnull = 1;
		return NULL;
	}
	if (len > max || len > r->left || memchr(r->p, '\0', len) ||
	    !(s = malloc((size_t)len + 1))) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, r->p, len);
	s[len] = '\0';
	r->p += len;
	r->left -= len;
	return s;
}
