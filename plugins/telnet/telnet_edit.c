/*
 * telnet_edit.c -- the line editor of the telnet shell (see
 * telnet_edit.h).  The cursor is always at the end of the line, so editing
 * is appending and erasing from the end; the only subtle part is erasing
 * the right number of bytes (a UTF-8 sequence) and of columns (wide and
 * zero-width characters).
 */
#include "telnet_edit.h"

#include <string.h>

#define KEY_CTRL(c) ((unsigned char)((c) & 0x1f))
#define KEY_DEL 0x7f
#define KEY_ESC 0x1b

/* Escape-sequence states (struct tnedit.esc). */
enum { ESC_NONE, ESC_START, ESC_CSI, ESC_SS3 };

struct cp_range {
	unsigned lo, hi;
};

/* Code points a terminal draws in no column: combining marks, joiners. */
static const struct cp_range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x1ab0, 0x1aff },
	{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff },
	{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
};

/* Code points a terminal draws in two columns: East Asian wide, emoji. */
static const struct cp_range wide[] = {
	{ 0x1100, 0x115f },   { 0x2e80, 0x303e },   { 0x3041, 0x33ff },
	{ 0x3400, 0x4dbf },   { 0x4e00, 0x9fff },   { 0xa000, 0xa4cf },
	{ 0xac00, 0xd7a3 },   { 0xf900, 0xfaff },   { 0xfe30, 0xfe4f },
	{ 0xff00, 0xff60 },   { 0xffe0, 0xffe6 },   { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
};

static int in_ranges(unsigned cp, const struct cp_range *r, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return 1;
	return 0;
}

/* The columns one code point takes (a lone invalid byte counts as one:
 * terminals draw U+FFFD for it). */
static size_t cp_width(unsigned cp)
{
	if (in_ranges(cp, zero_width, sizeof zero_width / sizeof *zero_width))
		return 0;
	if (in_ranges(cp, wide, sizeof wide / sizeof *wide))
		return 2;
	return 1;
}

static int is_cont(unsigned char b)
{
	return (b & 0xc0) == 0x80;
}

/* The length of the UTF-8 sequence a byte starts; 1 for ASCII and for
 * bytes that cannot start a sequence. */
static size_t seq_len(unsigned char b)
{
	if (b >= 0xc2 && b <= 0xdf)
		return 2;
	if (b >= 0xe0 && b <= 0xef)
		return 3;
	if (b >= 0xf0 && b <= 0xf4)
		return 4;
	return 1;
}

static unsigned decode(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0xff, 0x1f, 0x0f, 0x07 };
	unsigned cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

/*
 * The byte length of the code point that ends at e->len: a whole UTF-8
 * sequence when the bytes before the end form one, else the last byte.
 * *cp receives the code point (the byte itself when it stands alone).
 */
static size_t last_cp(const struct tnedit *e, unsigned *cp)
{
	const unsigned char *b = (const unsigned char *)e->buf;
	size_t start = e->len - 1, k = 0;

	while (start > 0 && k < 3 && is_cont(b[start])) {
		start--;
		k++;
	}
	if (k > 0 && seq_len(b[start]) == k + 1) {
		*cp = decode(b + start, k + 1);
		return k + 1;
	}
	*cp = b[e->len - 1];
	return 1;
}

static void emit(struct tnedit *e, const char *s, size_t n)
{
	if (e->echo && n)
		e->emit(e->arg, s, n);
}

/* Echo the erasure of `cols` columns: back, blank, back again. */
static void emit_erase(struct tnedit *e, size_t cols)
{
	static const char bs[16] = "\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b\b";
	static const char sp[16] = "                ";

	for (int pass = 0; pass < 3; pass++) {
		for (size_t left = cols; left > 0;) {
			size_t n = left < sizeof bs ? left : sizeof bs;
			emit(e, pass == 1 ? sp : bs, n);
			left -= n;
		}
	}
}

/* Remove the last character with the zero-width marks after its base;
 * return the columns it took (0 when the line is empty). */
static size_t pop_char(struct tnedit *e)
{
	size_t cols = 0, w;
	unsigned cp;

	do {
		e->len -= last_cp(e, &cp);
		w = cp_width(cp);
		cols += w;
	} while (w == 0 && e->len > 0);
	e->buf[e->len] = '\0';
	return cols;
}

static int last_is_space(const struct tnedit *e)
{
	return e->len > 0 && e->buf[e->len - 1] == ' ';
}

static void erase_char(struct tnedit *e)
{
	if (e->len > 0)
		emit_erase(e, pop_char(e));
}

static void erase_word(struct tnedit *e)
{
	size_t cols = 0;

	while (last_is_space(e))
		cols += pop_char(e);
	while (e->len > 0 && !last_is_space(e))
		cols += pop_char(e);
	emit_erase(e, cols);
}

static void erase_line(struct tnedit *e)
{
	emit_erase(e, tnedit_width(e));
	e->len = 0;
	e->buf[0] = '\0';
}

static void refuse(struct tnedit *e)
{
	e->overflow = 1;
	emit(e, "\a", 1);
}

/* Insert a byte of text, keeping a UTF-8 sequence whole: a lead byte is
 * taken only when its whole sequence fits, and the continuation bytes of
 * a refused sequence are dropped without another bell. */
static void insert(struct tnedit *e, unsigned char ch)
{
	if (is_cont(ch) && e->skip > 0) {
		e->skip--;
		return;
	}
	e->skip = 0;
	size_t need = seq_len(ch);
	if (e->len + need > TNEDIT_MAX) {
		e->skip = (unsigned char)(need - 1);
		refuse(e);
		return;
	}
	e->buf[e->len++] = (char)ch;
	e->buf[e->len] = '\0';
	emit(e, (const char *)&ch, 1);
}

/* Consume the bytes of an escape sequence; return 1 when ch was part of
 * one, 0 when it must be processed as a key. */
static int escape(struct tnedit *e, unsigned char ch)
{
	switch (e->esc) {
	case ESC_START:
		e->esc = ch == '[' ? ESC_CSI : ch == 'O' ? ESC_SS3 : ESC_NONE;
		return ch >= 0x20;
	case ESC_CSI:
		if (ch >= 0x20 && ch <= 0x3f) /* parameters, intermediates */
			return 1;
		e->esc = ESC_NONE;
		return ch >= 0x40 && ch <= 0x7e; /* the final byte */
	case ESC_SS3:
		e->esc = ESC_NONE;
		return ch >= 0x20;
	}
	return 0;
}

void tnedit_init(struct tnedit *e, tnedit_emit_fn *fn, void *arg)
{
	memset(e, 0, sizeof *e);
	e->emit = fn;
	e->arg = arg;
}

void tnedit_set_echo(struct tnedit *e, int on)
{
	e->echo = on != 0;
}

/* The key table: what each control key does. */
enum key_action {
	KA_IGNORE = 0,
	KA_EOL,
	KA_ERASE,
	KA_KILL,
	KA_WORD,
	KA_CANCEL,
	KA_EOF,
	KA_REDRAW,
	KA_ESC,
};

static const unsigned char key_actions[32] = {
	[KEY_CTRL('M')] = KA_EOL,    [KEY_CTRL('J')] = KA_EOL,
	[KEY_CTRL('H')] = KA_ERASE,  [KEY_CTRL('U')] = KA_KILL,
	[KEY_CTRL('W')] = KA_WORD,   [KEY_CTRL('C')] = KA_CANCEL,
	[KEY_CTRL('D')] = KA_EOF,    [KEY_CTRL('L')] = KA_REDRAW,
	[KEY_CTRL('R')] = KA_REDRAW, [KEY_ESC] = KA_ESC,
};

enum tnedit_event tnedit_key(struct tnedit *e, unsigned char ch)
{
	int after_cr = e->cr;

	if (e->done) {
		e->done = 0;
		e->len = 0;
		e->buf[0] = '\0';
		e->overflow = 0;
	}
	e->cr = 0;
	if (e->esc != ESC_NONE && escape(e, ch))
		return TNEDIT_NONE;
	if (ch >= 0x20 && ch != KEY_DEL) {
		insert(e, ch);
		return TNEDIT_NONE;
	}
	e->skip = 0;
	switch (ch == KEY_DEL ? KA_ERASE : key_actions[ch]) {
	case KA_EOL:
		if (ch == '\n' && after_cr)
			return TNEDIT_NONE; /* the LF of CR LF */
		e->cr = ch == '\r';
		e->done = 1;
		emit(e, "\r\n", 2);
		return TNEDIT_LINE;
	case KA_ERASE:
		erase_char(e);
		return TNEDIT_NONE;
	case KA_KILL:
		erase_line(e);
		return TNEDIT_NONE;
	case KA_WORD:
		erase_word(e);
		return TNEDIT_NONE;
	case KA_CANCEL:
		emit(e, "^C\r\n", 4);
		e->len = 0;
		e->buf[0] = '\0';
		e->overflow = 0;
		return TNEDIT_CANCEL;
	case KA_EOF:
		return e->len == 0 ? TNEDIT_EOF : TNEDIT_NONE;
	case KA_REDRAW:
		return TNEDIT_REDRAW;
	case KA_ESC:
		e->esc = ESC_START;
		return TNEDIT_NONE;
	default: /* NUL (also the NUL of CR NUL) and other controls */
		return TNEDIT_NONE;
	}
}

const char *tnedit_line(const struct tnedit *e, size_t *len)
{
	if (len)
		*len = e->len;
	return e->buf;
}

int tnedit_overflowed(const struct tnedit *e)
{
	return e->overflow;
}

size_t tnedit_width(const struct tnedit *e)
{
	const unsigned char *b = (const unsigned char *)e->buf;
	size_t cols = 0;

	for (size_t i = 0; i < e->len;) {
		size_t n = seq_len(b[i]), k = 1;
		while (k < n && i + k < e->len && is_cont(b[i + k]))
			k++;
		if (k == n && n > 1) {
			cols += cp_width(decode(b + i, n));
			i += n;
		} else {
			cols += 1;
			i += 1;
		}
	}
	return cols;
}
