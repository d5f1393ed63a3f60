/*
 * chat_sanitize.c -- strip control characters, terminal escape sequences,
 * telnet commands, Unicode format characters and invalid UTF-8 from a
 * line of chat text (see chat_sanitize.h).
 *
 * The scan never writes ahead of where it reads (each input byte yields
 * at most one output byte), which is what makes in-place use safe.
 */
#include "chat_sanitize.h"

#include <stdint.h>

#define ESC 0x1b
#define BEL 0x07
#define IAC 0xff

/* Telnet command bytes that follow IAC (RFC 854). */
#define T_SE 0xf0
#define T_SB 0xfa
#define T_WILL 0xfb
#define T_DONT 0xfe

/*
 * Well-formed UTF-8 (RFC 3629, Unicode table 3-7): for each range of
 * lead bytes, the sequence length and the range allowed for the second
 * byte (later bytes are always 0x80-0xBF).  The narrowed second-byte
 * ranges exclude overlong forms (E0, F0), surrogates (ED) and code
 * points above U+10FFFF (F4).
 */
static const struct utf8_lead {
	uint8_t lo, hi; /* lead byte range */
	uint8_t len;	/* bytes in the sequence */
	uint8_t lo2, hi2; /* second byte range */
} utf8_leads[] = {
	{ 0xc2, 0xdf, 2, 0x80, 0xbf },
	{ 0xe0, 0xe0, 3, 0xa0, 0xbf },
	{ 0xe1, 0xec, 3, 0x80, 0xbf },
	{ 0xed, 0xed, 3, 0x80, 0x9f },
	{ 0xee, 0xef, 3, 0x80, 0xbf },
	{ 0xf0, 0xf0, 4, 0x90, 0xbf },
	{ 0xf1, 0xf3, 4, 0x80, 0xbf },
	{ 0xf4, 0xf4, 4, 0x80, 0x8f },
};

/* Length of the valid UTF-8 sequence of 2-4 bytes at s[0..n), or 0 when
 * s does not start one. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	for (size_t k = 0; k < sizeof utf8_leads / sizeof utf8_leads[0]; k++) {
		const struct utf8_lead *l = &utf8_leads[k];

		if (s[0] < l->lo || s[0] > l->hi)
			continue;
		if (n < l->len || s[1] < l->lo2 || s[1] > l->hi2)
			return 0;
		for (size_t i = 2; i < l->len; i++)
			if (s[i] < 0x80 || s[i] > 0xbf)
				return 0;
		return l->len;
	}
	return 0;
}

/*
 * The format characters (general category Cf, Unicode 15.1): invisible,
 * they change how the text around them looks.  The bidi controls (LRE,
 * RLE, PDF, LRO, RLO U+202A-U+202E; LRI, RLI, FSI, PDI U+2066-U+2069; the
 * marks U+200E, U+200F, U+061C) let a member reverse or reorder what
 * follows on other members' screens -- forge a line that seems to come
 * from someone else -- and the zero-width ones (U+200B-U+200D, U+2060,
 * U+FEFF, U+00AD) hide text in names and lines.  Joiners go too: an emoji
 * sequence shows as its parts.
 */
static const struct { uint32_t lo, hi; } format_chars[] = {
	{ 0xad, 0xad },	      { 0x600, 0x605 },	    { 0x61c, 0x61c },
	{ 0x6dd, 0x6dd },     { 0x70f, 0x70f },	    { 0x890, 0x891 },
	{ 0x8e2, 0x8e2 },     { 0x180e, 0x180e },   { 0x200b, 0x200f },
	{ 0x202a, 0x202e },   { 0x2060, 0x2064 },   { 0x2066, 0x206f },
	{ 0xfeff, 0xfeff },   { 0xfff9, 0xfffb },   { 0x110bd, 0x110bd },
	{ 0x110cd, 0x110cd }, { 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 },
	{ 0x1d173, 0x1d17a }, { 0xe0001, 0xe0001 }, { 0xe0020, 0xe007f },
};

/* The code point of the valid n-byte UTF-8 sequence at s. */
static uint32_t utf8_decode(const uint8_t *s, size_t n)
{
	uint32_t c = s[0] & (0x7fu >> n);

	for (size_t i = 1; i < n; i++)
		c = (c << 6) | (s[i] & 0x3fu);
	return c;
}

static int is_format_char(uint32_t c)
{
	for (size_t k = 0; k < sizeof format_chars / sizeof format_chars[0]; k++)
		if (c >= format_chars[k].lo && c <= format_chars[k].hi)
			return 1;
	return 0;
}

/* Index just past a string sequence (OSC, DCS, SOS, PM, APC) whose body
 * starts at s[i]: after its BEL or ESC \ terminator, at an ESC that
 * starts something else (terminals abort the string there), or at the
 * end of the line. */
static size_t skip_string(const uint8_t *s, size_t i, size_t n)
{
	for (; i < n; i++) {
		if (s[i] == BEL)
			return i + 1;
		if (s[i] == ESC)
			return (i + 1 < n && s[i + 1] == '\\') ? i + 2 : i;
	}
	return n;
}

/* Index just past the escape sequence that starts with the ESC at s[i].
 * A sequence broken by an unexpected byte ends before that byte, which
 * is then judged on its own. */
static size_t skip_escape(const uint8_t *s, size_t i, size_t n)
{
	size_t j = i + 1;

	if (j >= n)
		return j;
	switch (s[j]) {
	case '[': /* CSI: parameters 0x30-0x3F, intermediates 0x20-0x2F */
		for (j++; j < n; j++) {
			if (s[j] >= 0x40 && s[j] <= 0x7e)
				return j + 1; /* the final byte */
			if (s[j] < 0x20 || s[j] > 0x3f)
				return j;
		}
		return n;
	case ']': /* OSC */
	case 'P': /* DCS */
	case 'X': /* SOS */
	case '^': /* PM */
	case '_': /* APC */
		return skip_string(s, j + 1, n);
	default:
		break;
	}
	/* nF: intermediates 0x20-0x2F, then one final byte 0x30-0x7E;
	 * Fp, Fe, Fs: a single byte 0x30-0x7E. */
	while (j < n && s[j] >= 0x20 && s[j] <= 0x2f)
		j++;
	if (j < n && s[j] >= 0x30 && s[j] <= 0x7e)
		return j + 1;
	return j;
}

/* Index just past the telnet command that starts with the IAC at s[i];
 * *data is set when it is IAC IAC, an escaped 0xFF data byte. */
static size_t skip_telnet(const uint8_t *s, size_t i, size_t n, int *data)
{
	*data = 0;
	if (i + 1 >= n)
		return n;
	if (s[i + 1] == IAC) {
		*data = 1;
		return i + 2;
	}
	if (s[i + 1] >= T_WILL && s[i + 1] <= T_DONT) /* WILL WONT DO DONT */
		return i + 3 < n ? i + 3 : n;
	if (s[i + 1] == T_SB) {
		for (size_t j = i + 2; j + 1 < n; j++)
			if (s[j] == IAC && s[j + 1] == T_SE)
				return j + 2;
		return n;
	}
	return i + 2;
}

size_t chat_sanitize(char *dst, const char *src, size_t len)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t i = 0, o = 0;

	while (i < len) {
		uint8_t b = s[i];

		if (b >= 0x20 && b < 0x7f) {
			dst[o++] = (char)b;
			i++;
		} else if (b == '\t') {
			dst[o++] = '\t';
			i++;
		} else if (b == ESC) {
			i = skip_escape(s, i, len);
		} else if (b < 0x80) {
			i++; /* the other C0 controls and DEL */
		} else if (b == IAC) {
			int data;
			i = skip_telnet(s, i, len, &data);
			if (data)
				dst[o++] = '?';
		} else {
			size_t n = utf8_seq(s + i, len - i);
			if (n == 2 && b == 0xc2 && s[i + 1] <= 0x9f) {
				i += 2; /* U+0080-U+009F: C1 control */
			} else if (n > 0 && is_format_char(utf8_decode(s + i, n))) {
				i += n; /* Cf: bidi controls, zero-width characters */
			} else if (n > 0) {
				for (size_t k = 0; k < n; k++)
					dst[o++] = (char)s[i + k];
				i += n;
			} else {
				if (b > 0x9f) /* raw C1 bytes just vanish */
					dst[o++] = '?';
				i++;
			}
		}
	}
	return o;
}

int chat_is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}
