/*
 * fuzz_framer.c -- libFuzzer target for the line framer (daemon/framer.c).
 *
 * Input: two bytes choose max_line (0 to 1023; 0 means 1 to the framer),
 * two more the line at which the callback asks to stop (0: never), one
 * the seed of the chunk sizes; the rest is the byte stream.  The stream is
 * fed in chunks of 1 to 64 bytes (each in a malloc'd buffer of exactly its
 * size, so ASan sees any read or write past a read), then finished as at
 * EOF.
 *
 * Checked against a model that frames the whole stream at once: the same
 * lines, bytes and flags in the same order whatever the chunking; every
 * line at most max_line bytes and NUL-terminated; the carried partial line
 * never longer than max_line; no memory held after finish; a non-zero
 * callback result stops the feed and is returned.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

#include "framer.h"
#include "fuzz_input.h"

/* One line as the model expects it. */
struct want {
	size_t off, len; /* in the stream */
	unsigned flags;
};

struct run {
	const uint8_t *stream;
	struct want *want;
	size_t nwant, next; /* lines expected, lines seen */
	size_t max_line;
	size_t stop_at; /* 1-based line whose callback returns 7; 0: none */
};

/*
 * The model: split at every LF; a line of more than max_line bytes is cut
 * to max_line with PINETD_LINE_TRUNCATED (CR kept), any other loses one
 * CR before its LF and says so with PINETD_LINE_CRLF (a last line without
 * LF loses a trailing CR, without the flag); the bytes after the last LF
 * form a NOEOL line when
 * they fit in max_line, else a TRUNCATED line (delivered as soon as it
 * outgrew max_line).  Returns the number of lines written to w.
 */
static size_t model(const uint8_t *s, size_t n, size_t max_line,
		    struct want *w)
{
	size_t nw = 0, start = 0;

	for (size_t i = 0; i <= n; i++) {
		int eol = i < n && s[i] == '\n';
		if (!eol && i < n)
			continue;
		size_t len = i - start;
		if (i == n && len == 0)
			break;
		if (len > max_line) {
			w[nw++] = (struct want){ start, max_line,
						 PINETD_LINE_TRUNCATED };
		} else {
			unsigned flags = eol ? 0 : PINETD_LINE_NOEOL;
			if (len > 0 && s[start + len - 1] == '\r') {
				len--;
				if (eol)
					flags |= PINETD_LINE_CRLF;
			}
			w[nw++] = (struct want){ start, len, flags };
		}
		start = i + 1;
	}
	return nw;
}

static int on_line(void *arg, char *line, size_t len, unsigned flags)
{
	struct run *r = arg;

	fz_check(r->next < r->nwant, "line %zu beyond the %zu expected",
		 r->next + 1, r->nwant);
	const struct want *w = &r->want[r->next++];
	fz_check(len <= r->max_line, "line of %zu bytes, max_line %zu", len,
		 r->max_line);
	fz_check(line[len] == '\0', "line %zu not NUL-terminated", r->next);
	fz_check(len == w->len, "line %zu: %zu bytes, want %zu", r->next, len,
		 w->len);
	fz_check(flags == w->flags, "line %zu: flags %u, want %u", r->next,
		 flags, w->flags);
	fz_check(memcmp(line, r->stream + w->off, len) == 0,
		 "line %zu: bytes differ", r->next);
	return r->next == r->stop_at ? 7 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	size_t max_line = fz_u16(&in) % 1024;
	size_t stop_at = fz_u16(&in) % 64;
	unsigned seed = fz_u8(&in);
	size_t n;
	const uint8_t *stream = fz_bytes(&in, fz_left(&in), &n);
	struct run r = { .stream = stream, .stop_at = stop_at };
	struct pn_framer f = { 0 };
	int rc = 0;

	r.max_line = max_line ? max_line : 1; /* the framer's own rule */
	r.want = malloc((n + 1) * sizeof *r.want);
	if (!r.want)
		return 0;
	r.nwant = model(stream, n, r.max_line, r.want);

	for (size_t off = 0; off < n && rc == 0;) {
		size_t chunk = 1 + (seed * 37u + off * 13u) % 64;
		if (chunk > n - off)
			chunk = n - off;
		char *buf = malloc(chunk);
		if (!buf)
			abort();
		memcpy(buf, stream + off, chunk);
		size_t before = r.next;
		rc = pn_framer_feed(&f, buf, chunk, max_line, on_line, &r);
		free(buf);
		fz_check(rc == 0 || rc == 7, "feed returned %d", rc);
		fz_check(rc == 0 || r.next == r.stop_at,
			 "feed returned %d after line %zu", rc, r.next);
		fz_check(rc != 0 || r.stop_at == 0 || r.next < r.stop_at ||
				 before >= r.stop_at,
			 "the stop at line %zu was ignored", r.stop_at);
		fz_check(f.len <= r.max_line, "framer carries %zu bytes", f.len);
		off += chunk;
		seed = seed * 1103515245u + 12345u;
	}
	if (rc == 0) {
		rc = pn_framer_finish(&f, on_line, &r);
		fz_check(rc == 0 || (rc == 7 && r.next == r.stop_at),
			 "finish returned %d", rc);
		fz_check(r.next == r.nwant, "%zu lines, want %zu", r.next,
			 r.nwant);
		fz_check(f.buf == NULL && f.len == 0 && f.cap == 0 &&
				 !f.discarding,
			 "framer holds state after finish");
	}
	pn_framer_free(&f);
	free(r.want);
	return 0;
}
