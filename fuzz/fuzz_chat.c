/*
 * fuzz_chat.c -- libFuzzer target for the chat plugin (plugins/chat*.c)
 * through the plugin test kit (tests/kit/pinetd_testkit.c, which frames
 * lines with the daemon's framer), and for its sanitizer on its own.
 *
 * Part 1, chat_sanitize and chat_telnet_refuse on the whole input:
 * the output is never longer than the input, the same in place and out
 * of place, terminal-safe (TAB, printable ASCII and well-formed UTF-8
 * without C1 code points, nothing else), unchanged by a second pass, and
 * unchanged when the input was printable ASCII already; the telnet
 * refusals are whole IAC WONT/DONT x triples within the given room, a
 * small room giving a prefix of what a large one gives.
 *
 * Part 2, a room: two bytes choose max_line (1 to 2048), one output_max
 * (1 KiB to 64 KiB, or 1 MiB), then each step is a control byte (member
 * slot 0-7 and an action) and its arguments: send up to 255 bytes, send
 * one byte repeated up to 4095 times (over-long lines), EOF, disconnect,
 * (re)connect, fake a backlog (a slow reader).  After every step each
 * member's output is checked and cleared: apart from telnet refusals it
 * is terminal-safe text of whole lines (LF-terminated, none longer than
 * max_line plus a prefix); the room's member count matches the
 * connections that are open.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "chat_sanitize.h"
#include "chat_telnet.h"
#include "fuzz_input.h"
#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

#define SLOTS 8
#define MAX_CONNS 64 /* connections per input, reconnects included */
#define IAC 0xff
#define WONT 0xfc
#define DONT 0xfe

/*
 * Length of the terminal-safe character at s[0..n): TAB, printable ASCII,
 * or a well-formed UTF-8 sequence of a code point from U+00A0 on (no
 * overlong form, no surrogate, at most U+10FFFF); 0 when s starts with
 * anything else.
 */
static size_t safe_char(const uint8_t *s, size_t n)
{
	unsigned cp, len, min;

	if (s[0] == '\t' || (s[0] >= 0x20 && s[0] < 0x7f))
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f, min = 0x80;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f, min = 0x800;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (unsigned i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
	    cp < 0xa0)
		return 0;
	return len;
}

/* Offset of the first unsafe byte of s[0..n), or n. */
static size_t first_unsafe(const uint8_t *s, size_t n)
{
	size_t i = 0, k;

	while (i < n && (k = safe_char(s + i, n - i)) > 0)
		i += k;
	return i;
}

static void check_refusals(const uint8_t *out, size_t n, size_t cap)
{
	fz_check(n <= cap && n % 3 == 0, "%zu refusal bytes, room %zu", n, cap);
	for (size_t i = 0; i < n; i += 3)
		fz_check(out[i] == IAC && (out[i + 1] == WONT || out[i + 1] == DONT),
			 "refusal %zu is %02x %02x", i / 3, out[i], out[i + 1]);
}

static void sanitizer(const uint8_t *data, size_t size)
{
	char *a = malloc(size ? size : 1), *b = malloc(size ? size : 1);
	char *c = malloc(size ? size : 1);
	size_t na, nb, nc, bad;
	int printable = 1;

	if (!a || !b || !c)
		abort();
	na = chat_sanitize(a, (const char *)data, size);
	fz_check(na <= size, "%zu bytes out of %zu", na, size);
	memcpy(b, data, size);
	nb = chat_sanitize(b, b, size);
	fz_check(nb == na && memcmp(a, b, na) == 0, "in place differs");
	bad = first_unsafe((const uint8_t *)a, na);
	fz_check(bad == na, "unsafe byte 0x%02x at %zu of %zu",
		 (unsigned)(uint8_t)a[bad], bad, na);
	nc = chat_sanitize(c, a, na);
	fz_check(nc == na && memcmp(a, c, na) == 0, "second pass changed it");
	for (size_t i = 0; i < size && printable; i++)
		printable = data[i] == '\t' || (data[i] >= 0x20 && data[i] < 0x7f);
	if (printable)
		fz_check(na == size && memcmp(a, data, size) == 0,
			 "printable ASCII changed");
	fz_check(chat_is_blank(a, 0) == 1, "empty not blank");

	/* Refusals: all of them, and a prefix in a small room. */
	size_t big = 3 * size + 3, small = size ? data[0] % 32 : 0;
	uint8_t *all = malloc(big), *some = malloc(small ? small : 1);
	if (!all || !some)
		abort();
	size_t nall = chat_telnet_refuse((const char *)data, size, (char *)all, big);
	size_t nsome = chat_telnet_refuse((const char *)data, size, (char *)some,
					  small);
	check_refusals(all, nall, big);
	check_refusals(some, nsome, small);
	fz_check(nsome <= nall && memcmp(all, some, nsome) == 0 &&
			 (nsome == nall || nsome + 3 > small),
		 "a small room gives %zu bytes, a large one %zu", nsome, nall);
	free(all);
	free(some);
	free(a);
	free(b);
	free(c);
}

/* ---- part 2: a room ---- */

struct room {
	struct pt_service *s;
	pinetd_conn *slot[SLOTS];
	pinetd_conn *all[MAX_CONNS]; /* every connection made, open or not */
	size_t nall;
	unsigned port;
	size_t max_line;
};

static void join(struct room *r, unsigned i)
{
	static const char *const ips[] = { "192.0.2.1", "2001:db8::2",
					   "198.51.100.3", "::ffff:192.0.2.4" };
	pinetd_conn *c;

	if (r->nall == MAX_CONNS)
		return;
	c = pt_connect(r->s, ips[r->port % 4], 1000 + r->port);
	r->port++;
	fz_check(c != NULL, "the chat refused a member");
	r->slot[i] = c;
	r->all[r->nall++] = c;
}

/* Apart from telnet refusals, whole lines of terminal-safe text. */
static void check_output(struct room *r, pinetd_conn *c)
{
	size_t n, line = 0;
	const uint8_t *o = (const uint8_t *)pt_output(c, &n);
	int last = '\n';

	for (size_t i = 0; i < n;) {
		size_t k;
		if (o[i] == IAC) {
			fz_check(i + 2 < n && (o[i + 1] == WONT || o[i + 1] == DONT),
				 "bad IAC at %zu", i);
			i += 3;
			continue;
		}
		if (o[i] == '\n') {
			line = 0;
			last = '\n';
			i++;
			continue;
		}
		k = safe_char(o + i, n - i);
		fz_check(k > 0, "unsafe byte 0x%02x at %zu of %zu", o[i], i, n);
		line += k;
		fz_check(line <= r->max_line + 96 || line <= 4096,
			 "a line of %zu bytes, max_line %zu", line, r->max_line);
		last = o[i];
		i += k;
	}
	fz_check(last == '\n', "output ends inside a line");
}

static void check_room(struct room *r)
{
	const struct chat *ch = pt_service_state(r->s);
	size_t open = 0;

	for (size_t i = 0; i < r->nall; i++) {
		if (pt_close_reason(r->all[i]) < 0)
			open++;
		check_output(r, r->all[i]);
		pt_clear(r->all[i]);
	}
	fz_check(ch->members == open, "room counts %zu members, %zu are open",
		 ch->members, open);
	for (unsigned i = 0; i < SLOTS; i++)
		if (r->slot[i] && pt_close_reason(r->slot[i]) >= 0)
			r->slot[i] = NULL;
}

static void room(const uint8_t *data, size_t size)
{
	static const char *const opts[] = { "welcome=welcome \xe2\x9c\x93",
					    NULL };
	struct fz_in in = { data, size };
	struct room r = { 0 };
	char big[4096];

	r.s = pt_service_new(&pinetd_plugin_v1, "chat", opts);
	fz_check(r.s != NULL, "init failed: %s", pt_last_error());
	r.max_line = 1 + fz_u16(&in) % 2048;
	pt_set_max_line(r.s, r.max_line);
	unsigned om = fz_u8(&in);
	pt_set_output_max(r.s, om == 255 ? 1u << 20 : 1024 + om * 256u);
	for (unsigned i = 0; i < 3; i++)
		join(&r, i);
	check_room(&r);

	while (fz_left(&in) > 0) {
		unsigned ctl = fz_u8(&in), i = ctl % SLOTS, op = ctl / SLOTS;
		pinetd_conn *c = r.slot[i];
		size_t n;
		const uint8_t *p;

		if (op < 20) { /* send bytes */
			p = fz_bytes(&in, fz_u8(&in), &n);
			if (c)
				pt_send(r.s, c, p, n);
		} else if (op < 22) { /* one byte, many times */
			unsigned fill = fz_u8(&in);
			n = fz_u16(&in) % sizeof big;
			memset(big, (int)fill, n);
			if (c)
				pt_send(r.s, c, big, n);
		} else if (op < 24) {
			if (c)
				pt_eof(r.s, c);
		} else if (op < 26) {
			if (c)
				pt_disconnect(r.s, c);
		} else if (op < 29) {
			if (!c)
				join(&r, i);
		} else {
			unsigned pend = fz_u16(&in);
			if (c)
				pt_set_pending(c, (size_t)pend * 32);
		}
		check_room(&r);
	}
	pt_service_free(r.s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	sanitizer(data, size);
	room(data, size);
	return 0;
}
