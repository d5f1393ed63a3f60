/*
 * framer.c -- split a byte stream into lines (see framer.h).
 */
#include "framer.h"

#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

/* Strip one CR before the (already removed) LF and say so with
 * PINETD_LINE_CRLF (a last line without LF loses a trailing CR too, but
 * did not end with CR LF), NUL-terminate, deliver. */
static int deliver(char *line, size_t len, unsigned flags, pn_line_fn *fn,
		   void *arg)
{
	if (!(flags & PINETD_LINE_TRUNCATED) && len > 0 && line[len - 1] == '\r') {
		len--;
		if (!(flags & PINETD_LINE_NOEOL))
			flags |= PINETD_LINE_CRLF;
	}
	line[len] = '\0';
	return fn(arg, line, len, flags);
}

/* Make room for `need` bytes plus a NUL in the carried buffer. */
static int reserve(struct pn_framer *f, size_t need)
{
	if (need + 1 <= f->cap)
		return 0;
	size_t cap = f->cap ? f->cap : 128;
	while (cap < need + 1)
		cap *= 2;
	char *p = realloc(f->buf, cap);
	if (!p)
		return -1;
	f->buf = p;
	f->cap = cap;
	return 0;
}

/* Drop the carried buffer once it is empty and large, so idle
 * connections do not keep memory. */
static void shrink(struct pn_framer *f)
{
	if (f->len == 0 && f->cap > 0) {
		free(f->buf);
		f->buf = NULL;
		f->cap = 0;
	}
}

int pn_framer_feed(struct pn_framer *f, char *data, size_t len,
		   size_t max_line, pn_line_fn *fn, void *arg)
{
	size_t used;

	return pn_framer_feed_part(f, data, len, max_line, fn, arg, &used);
}

int pn_framer_feed_part(struct pn_framer *f, char *data, size_t len,
			size_t max_line, pn_line_fn *fn, void *arg,
			size_t *consumed)
{
	const char *start = data;
	int rc;

	*consumed = len;

	if (max_line == 0)
		max_line = 1;
	while (len > 0) {
		char *nl = memchr(data, '\n', len);
		size_t seg = nl ? (size_t)(nl - data) : len;
		size_t used = nl ? seg + 1 : seg;

		if (f->discarding) {
			if (nl)
				f->discarding = 0;
		} else if (f->len == 0 && nl && seg <= max_line) {
			/* The common case: a whole line inside this read. */
			if ((rc = deliver(data, seg, 0, fn, arg)) != 0) {
				*consumed = (size_t)(data - start) + used;
				return rc;
			}
		} else {
			/* Carry: append what fits under max_line. */
			size_t room = max_line - f->len;
			size_t take = seg < room ? seg : room;
			if (reserve(f, f->len + take) < 0)
				return -1;
			memcpy(f->buf + f->len, data, take);
			f->len += take;
			if (seg > take) {
				/* Over-long: deliver the first max_line bytes
				 * now, drop the rest of the line. */
				size_t n = f->len;
				f->len = 0;
				f->discarding = !nl;
				rc = deliver(f->buf, n, PINETD_LINE_TRUNCATED,
					     fn, arg);
				shrink(f);
				if (rc != 0) {
					*consumed = (size_t)(data - start) + used;
					return rc;
				}
			} else if (nl) {
				size_t n = f->len;
				f->len = 0;
				rc = deliver(f->buf, n, 0, fn, arg);
				shrink(f);
				if (rc != 0) {
					*consumed = (size_t)(data - start) + used;
					return rc;
				}
			}
		}
		data += used;
		len -= used;
	}
	return 0;
}

int pn_framer_finish(struct pn_framer *f, pn_line_fn *fn, void *arg)
{
	int rc = 0;

	if (f->len > 0 && !f->discarding) {
		size_t n = f->len;
		f->len = 0;
		rc = deliver(f->buf, n, PINETD_LINE_NOEOL, fn, arg);
	}
	f->discarding = 0;
	f->len = 0;
	shrink(f);
	return rc;
}

void pn_framer_free(struct pn_framer *f)
{
	free(f->buf);
	f->buf = NULL;
	f->len = f->cap = 0;
	f->discarding = 0;
}
