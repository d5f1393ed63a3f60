/*
 * telnet_edit.h -- the line editor of the telnet shell.
 *
 * Keys go in one byte at a time (already stripped of Telnet commands);
 * echo bytes come out through a callback, finished lines through the
 * return value.  The editor does no I/O and knows nothing about Telnet, so
 * it can be unit-tested and fuzzed on its own.
 *
 * Keys:
 *	printable bytes (0x20-0x7e and every byte >= 0x80) are inserted and
 *	echoed; a UTF-8 sequence is kept whole (it is refused whole when it
 *	does not fit);
 *	CR, LF, CR LF and CR NUL end a line (the LF or NUL after a CR is
 *	swallowed, even when it comes in a later call);
 *	BS (^H) and DEL erase one character (a whole UTF-8 sequence, with the
 *	combining marks that follow its base), echoing "\b \b" per column;
 *	^U erases the line, ^W the last word (whitespace-delimited);
 *	^C cancels the line (echo "^C" CR LF), ^D on an empty line is EOF;
 *	^L and ^R ask the caller to reprint the prompt and the line;
 *	ESC sequences (arrow keys: ESC [ ... final, ESC O x) are ignored,
 *	like every other control character.
 * Echo is off until tnedit_set_echo(): a client that edits lines itself
 * (line mode, nc) sees nothing twice.  A byte that does not fit in the
 * TNEDIT_MAX bytes of a line is refused with a bell (BEL) when echo is on;
 * tnedit_overflowed() tells the caller that something was refused.
 */
#ifndef PINETD_TELNET_EDIT_H
#define PINETD_TELNET_EDIT_H

#include <stddef.h>

/* The longest line, in bytes. */
#define TNEDIT_MAX 512

/* What a key did (tnedit_key). */
enum tnedit_event {
	TNEDIT_NONE = 0, /* consumed; nothing for the caller to do */
	TNEDIT_LINE,	 /* a line is complete: see tnedit_line() */
	TNEDIT_CANCEL,	 /* ^C: the line was dropped */
	TNEDIT_EOF,	 /* ^D on an empty line */
	TNEDIT_REDRAW,	 /* ^L or ^R: reprint the prompt and the line */
};

/* Where echo bytes go. */
typedef void tnedit_emit_fn(void *arg, const char *buf, size_t len);

struct tnedit {
	char buf[TNEDIT_MAX + 1]; /* the line, NUL-terminated */
	size_t len;
	tnedit_emit_fn *emit;
	void *arg;
	unsigned char echo;	/* echo keys back */
	unsigned char cr;	/* the last key was CR */
	unsigned char esc;	/* escape-sequence state */
	unsigned char skip;	/* continuation bytes left of a refused char */
	unsigned char overflow; /* a byte of this line was refused */
	unsigned char done;	/* buf holds a finished line */
};

/* tnedit_init -- an empty line, echo off, echo bytes to emit(arg, ...). */
void tnedit_init(struct tnedit *e, tnedit_emit_fn *emit, void *arg);

/* tnedit_set_echo -- turn echo on (on != 0) or off. */
void tnedit_set_echo(struct tnedit *e, int on);

/*
 * tnedit_key -- process one key.  After TNEDIT_LINE the finished line
 * stays readable with tnedit_line() until the next tnedit_key() call,
 * which starts a new line.
 */
enum tnedit_event tnedit_key(struct tnedit *e, unsigned char ch);

/* tnedit_line -- the current line (NUL-terminated); *len its length. */
const char *tnedit_line(const struct tnedit *e, size_t *len);

/* tnedit_overflowed -- non-zero when a byte of this line was refused. */
int tnedit_overflowed(const struct tnedit *e);

/* tnedit_width -- the terminal columns the line takes. */
size_t tnedit_width(const struct tnedit *e);

#endif
