/*
 * wire.h -- a small, bounded binary encoding for what the configuration
 * checker sends back to the supervisor (checker.c, snapshot.c, view.c).
 *
 * Integers are little-endian of fixed width; a string or byte run is a
 * u32 length then the bytes (a NULL string is the length 0xffffffff).
 * The writer grows a buffer and remembers an allocation failure instead
 * of failing each call; the reader never reads past its end and, once
 * anything is wrong (short input, a length beyond the caller's limit, a
 * NUL inside a string), returns zeroes and NULLs and keeps `bad` set, so
 * a decoder checks once at the end.
 */
#ifndef PN_WIRE_H
#define PN_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct pn_wbuf {
	unsigned char *p;
	size_t len, cap;
	int oom; /* an allocation failed: the contents are incomplete */
};

void pn_wput_u8(struct pn_wbuf *w, uint8_t v);
void pn_wput_u32(struct pn_wbuf *w, uint32_t v);
void pn_wput_i64(struct pn_wbuf *w, int64_t v);
void pn_wput_bytes(struct pn_wbuf *w, const void *p, size_t n);
void pn_wput_str(struct pn_wbuf *w, const char *s);
void pn_wbuf_free(struct pn_wbuf *w);

struct pn_rbuf {
	const unsigned char *p;
	size_t left;
	int bad; /* the input was short or malformed */
};

uint8_t pn_rget_u8(struct pn_rbuf *r);
uint32_t pn_rget_u32(struct pn_rbuf *r);
int64_t pn_rget_i64(struct pn_rbuf *r);
/* A long within [lo, hi]; outside it sets bad. */
long pn_rget_long(struct pn_rbuf *r, long lo, long hi);
/* A run of at most max bytes: a pointer into the input (not copied). */
const void *pn_rget_bytes(struct pn_rbuf *r, size_t *n, size_t max);
/* A string of at most max bytes without NUL: malloc'd (NULL for a NULL
 * string; a NULL from a failure sets bad).  *isnull tells them apart
 * when the caller allows NULL; when isnull is NULL, NULL is refused. */
char *pn_rget_str(struct pn_rbuf *r, size_t max, int *isnull);

#endif
