/*
 * framer.h -- split a byte stream into lines.
 *
 * Self-contained (no other daemon module): the core uses it for
 * PINETD_PF_LINES services and the plugin test kit uses the same code, so
 * a plugin sees identical framing under test and in the daemon.
 */
#ifndef PN_FRAMER_H
#define PN_FRAMER_H

#include <stddef.h>

/* Receives one line: no LF (nor CR before it), NUL-terminated, writable.
 * flags are PINETD_LINE_*.  Returns 0 to go on, non-zero to stop feeding
 * (the connection is closing; the rest of the input is dropped). */
typedef int pn_line_fn(void *arg, char *line, size_t len, unsigned flags);

struct pn_framer {
	char *buf;	/* partial line carried between reads, or NULL */
	size_t len;	/* bytes in buf */
	size_t cap;	/* allocated size of buf */
	int discarding; /* inside an over-long line: drop until LF */
};

/*
 * pn_framer_feed -- frame `len` bytes of `data` (modified in place).
 * Complete lines are handed to fn straight from `data` without copying;
 * only a trailing partial line is copied into the framer.  A line longer
 * than max_line is delivered cut at max_line bytes with
 * PINETD_LINE_TRUNCATED and the rest of it, up to the next LF, is dropped,
 * so a framer never holds more than max_line + 1 bytes.
 * Returns 0, -1 on allocation failure, or fn's non-zero value.
 */
int pn_framer_feed(struct pn_framer *f, char *data, size_t len,
		   size_t max_line, pn_line_fn *fn, void *arg);

/*
 * pn_framer_feed_part -- pn_framer_feed that says in *consumed how many
 * bytes of data it used: all of them, or, when fn stopped it, those up to
 * and including the line fn stopped at.  The rest is untouched, ready to
 * be fed later (a paused connection).  A reserve failure (-1) consumed
 * an unknown part: treat it as fatal.
 */
int pn_framer_feed_part(struct pn_framer *f, char *data, size_t len,
			size_t max_line, pn_line_fn *fn, void *arg,
			size_t *consumed);

/* pn_framer_finish -- at EOF: deliver a pending partial line with
 * PINETD_LINE_NOEOL.  Returns like pn_framer_feed. */
int pn_framer_finish(struct pn_framer *f, pn_line_fn *fn, void *arg);

/* pn_framer_free -- release the carried partial line. */
void pn_framer_free(struct pn_framer *f);

#endif
