/* Unit tests for plugins/chat_sanitize.c: what reaches other people's
 * terminals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat_sanitize.h"

/* One case: len bytes of in (may hold NUL), and the exact result. */
struct san_case {
	const char *what;
	const char *in;
	size_t len;
	const char *out;
};

#define CASE(what, in, out) { what, in, sizeof(in) - 1, out }

/* Run each case both into a separate buffer and in place. */
static void run_cases(const struct san_case *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char dst[256], inplace[256];
		size_t got;

		assert_true(v[i].len < sizeof dst);
		memset(dst, 'Z', sizeof dst);
		got = chat_sanitize(dst, v[i].in, v[i].len);
		if (got != strlen(v[i].out) || memcmp(dst, v[i].out, got) != 0)
			fail_msg("%s: got \"%.*s\" (%zu bytes), expected \"%s\"",
				 v[i].what, (int)got, dst, got, v[i].out);
		assert_int_equal(dst[got], 'Z'); /* no write past the result */
		memcpy(inplace, v[i].in, v[i].len);
		got = chat_sanitize(inplace, inplace, v[i].len);
		assert_int_equal(got, strlen(v[i].out));
		assert_memory_equal(inplace, v[i].out, got);
	}
}

static void test_chat_sanitize_keeps_printable_text_and_tab(void **st)
{
	static const struct san_case v[] = {
		CASE("ascii", "hello, world! ~{}[]", "hello, world! ~{}[]"),
		CASE("tab", "a\tb", "a\tb"),
		CASE("empty", "", ""),
		CASE("brackets alone are text", "[31m ]0; P", "[31m ]0; P"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_c0_and_del(void **st)
{
	static const struct san_case v[] = {
		CASE("C0 and DEL", "a\x01" "b\0c\rd\x7f" "e\bf\x07g\x0bh", "abcdefgh"),
		CASE("only controls", "\r\x01\x02\x1f", ""),
		CASE("CR in the middle cannot overwrite", "fake\rreal", "fakereal"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_csi_sequences(void **st)
{
	static const struct san_case v[] = {
		CASE("SGR colour", "\x1b[31mred\x1b[0m", "red"),
		CASE("private mode", "\x1b[?25lhidden cursor", "hidden cursor"),
		CASE("clear screen", "\x1b[2J\x1b[1;1H", ""),
		CASE("intermediate byte", "a\x1b[1 qb", "ab"),
		CASE("broken by a control", "\x1b[31\x01m", "m"),
		CASE("broken by UTF-8", "\x1b[3\xc3\xa9", "\xc3\xa9"),
		CASE("unterminated at end", "x\x1b[12;", "x"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_string_sequences(void **st)
{
	static const struct san_case v[] = {
		CASE("OSC title, BEL", "\x1b]0;pwned\x07" "after", "after"),
		CASE("OSC 52 clipboard, ST", "\x1b]52;c;Zm9v\x1b\\x", "x"),
		CASE("OSC unterminated", "a\x1b]0;evil title", "a"),
		CASE("OSC cut by a new ESC", "\x1b]0;t\x1b[1mb", "b"),
		CASE("DCS", "\x1bPq#0;2;0;0;0\x1b\\ok", "ok"),
		CASE("APC", "\x1b_hidden\x1b\\shown", "shown"),
		CASE("PM and SOS", "\x1b^pm\x07\x1bXsos\x07z", "z"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_other_escapes(void **st)
{
	static const struct san_case v[] = {
		CASE("charset (nF)", "\x1b(Bx", "x"),
		CASE("reset (RIS)", "\x1b" "cx", "x"),
		CASE("save/restore cursor", "\x1b" "7x\x1b" "8", "x"),
		CASE("keypad", "\x1b=y\x1b>", "y"),
		CASE("lone ESC at end", "x\x1b", "x"),
		CASE("ESC ESC", "\x1b\x1b[1mx", "x"),
		CASE("ESC before UTF-8", "\x1b\xc3\xa9", "\xc3\xa9"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_c1_controls(void **st)
{
	static const struct san_case v[] = {
		CASE("raw C1 (8-bit CSI, NEL)", "a\x9b" "31mb\x85" "c", "a31mbc"),
		CASE("raw 8-bit OSC byte", "\x9d" "0;t\x9c", "0;t"),
		CASE("C1 encoded as UTF-8", "a\xc2\x9b" "31mb\xc2\x80", "a31mb"),
		CASE("U+00A0 is not C1", "a\xc2\xa0" "b", "a\xc2\xa0" "b"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_keeps_valid_utf8(void **st)
{
	static const struct san_case v[] = {
		CASE("latin and check mark", "h\xc3\xa9llo \xe2\x9c\x93",
		     "h\xc3\xa9llo \xe2\x9c\x93"),
		CASE("CJK", "\xe4\xbd\xa0\xe5\xa5\xbd", "\xe4\xbd\xa0\xe5\xa5\xbd"),
		CASE("emoji (4 bytes)", "\xf0\x9f\x98\x80!", "\xf0\x9f\x98\x80!"),
		CASE("edges: U+07FF U+0800 U+FFFF U+10000 U+10FFFF",
		     "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf",
		     "\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf"),
		CASE("last before surrogates U+D7FF", "\xed\x9f\xbf", "\xed\x9f\xbf"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

/* Format characters (Cf) vanish; their neighbours and other marks stay. */
static void test_chat_sanitize_removes_format_characters(void **st)
{
	static const struct san_case v[] = {
		CASE("RLO U+202E (reverses what follows)",
		     "<bob> hi \xe2\x80\xae" "olleh", "<bob> hi olleh"),
		CASE("LRE RLE PDF LRO", "a\xe2\x80\xaa" "b\xe2\x80\xab" "c\xe2\x80\xac"
		     "d\xe2\x80\xad" "e", "abcde"),
		CASE("LRI RLI FSI PDI U+2066-U+2069",
		     "a\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9" "b", "ab"),
		CASE("LRM RLM ALM", "a\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c" "b", "ab"),
		CASE("ZWSP ZWNJ ZWJ WJ BOM", "a\xe2\x80\x8b\xe2\x80\x8c\xe2\x80\x8d"
		     "\xe2\x81\xa0\xef\xbb\xbf" "b", "ab"),
		CASE("soft hyphen U+00AD, Mongolian vowel separator U+180E",
		     "a\xc2\xad" "b\xe1\xa0\x8e" "c", "abc"),
		CASE("tag characters U+E0001, U+E007F (4 bytes)",
		     "a\xf3\xa0\x80\x81\xf3\xa0\x81\xbf" "b", "ab"),
		CASE("neighbours kept: U+2065 (unassigned), U+2070, U+200A, U+2010",
		     "\xe2\x81\xa5\xe2\x81\xb0\xe2\x80\x8a\xe2\x80\x90",
		     "\xe2\x81\xa5\xe2\x81\xb0\xe2\x80\x8a\xe2\x80\x90"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_replaces_invalid_utf8(void **st)
{
	static const struct san_case v[] = {
		CASE("latin-1", "caf\xe9", "caf?"),
		CASE("overlong slash", "\xc0\xaf", "??"),
		CASE("overlong 3 bytes", "\xe0\x80\xaf", "??"),
		CASE("surrogate", "\xed\xa0\x80", "??"),
		CASE("above U+10FFFF", "\xf4\x90\x80\x80", "?"),
		CASE("F5..FE", "\xf5\xfe", "??"),
		CASE("cut sequence at end", "ok\xe2\x9c", "ok?"),
		CASE("cut sequence mid-line", "\xe2\x9cx", "?x"),
		CASE("stray continuation", "a\xa9" "b", "a?b"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

static void test_chat_sanitize_removes_telnet_commands(void **st)
{
	static const struct san_case v[] = {
		CASE("IAC WILL LINEMODE (printable option byte)", "\xff\xfb\x22x", "x"),
		CASE("IAC IP, IAC DO TIMING-MARK", "\xff\xf4\xff\xfd\x06", ""),
		CASE("subnegotiation", "\xff\xfa\x18\x00" "ANSI\xff\xf0y", "y"),
		CASE("unterminated subnegotiation", "a\xff\xfa\x1f\x00P", "a"),
		CASE("escaped data byte", "\xff\xff", "?"),
		CASE("IAC at end", "z\xff", "z"),
		CASE("IAC DO at end", "z\xff\xfd", "z"),
	};

	(void)st;
	run_cases(v, sizeof v / sizeof v[0]);
}

/* What the filter promises of any output: no C0 but TAB, no DEL, no
 * ESC, well-formed UTF-8 and no C1 code point. */
static int output_is_safe(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t b = s[i];
		size_t len;
		uint32_t cp;

		if (b < 0x80) {
			if ((b < 0x20 && b != '\t') || b == 0x7f)
				return 0;
			i++;
			continue;
		}
		if (b >= 0xc2 && b <= 0xdf)
			len = 2, cp = b & 0x1f;
		else if (b >= 0xe0 && b <= 0xef)
			len = 3, cp = b & 0x0f;
		else if (b >= 0xf0 && b <= 0xf4)
			len = 4, cp = b & 0x07;
		else
			return 0;
		if (i + len > n)
			return 0;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    cp <= 0x9f)
			return 0;
		i += len;
	}
	return 1;
}

/* Random input, weighted towards the interesting bytes: the output is
 * never longer than the input and always safe; in place equals copy. */
static void test_chat_sanitize_random_input_is_always_safe(void **st)
{
	static const uint8_t hot[] = { 0x1b, '[', ']', '\\', 0x07, 0xff, 0xfa,
				       0xf0, 0xfb, 0xc2, 0x9b, 0xe2, 0x9c,
				       0x80, 0xbf, 0xf4, 0x8f, 'P', 'm', 0 };
	uint32_t seed = 12345;

	(void)st;
	for (int round = 0; round < 20000; round++) {
		uint8_t in[64], a[64], b[64];
		size_t n, la, lb;

		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % sizeof in;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			uint32_t r = seed >> 8;
			in[i] = (r & 1) ? hot[(r >> 1) % sizeof hot]
					: (uint8_t)(r >> 4);
		}
		la = chat_sanitize((char *)a, (const char *)in, n);
		memcpy(b, in, n);
		lb = chat_sanitize((char *)b, (const char *)b, n);
		assert_true(la <= n);
		assert_int_equal(la, lb);
		if (la > 0)
			assert_memory_equal(a, b, la);
		if (!output_is_safe(a, la))
			fail_msg("round %d: unsafe output for %zu input bytes",
				 round, n);
	}
}

static void test_chat_is_blank(void **st)
{
	(void)st;
	assert_true(chat_is_blank("", 0));
	assert_true(chat_is_blank(" \t  ", 4));
	assert_false(chat_is_blank("  x ", 4));
	assert_false(chat_is_blank(".", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat_sanitize_keeps_printable_text_and_tab),
		cmocka_unit_test(test_chat_sanitize_removes_c0_and_del),
		cmocka_unit_test(test_chat_sanitize_removes_csi_sequences),
		cmocka_unit_test(test_chat_sanitize_removes_string_sequences),
		cmocka_unit_test(test_chat_sanitize_removes_other_escapes),
		cmocka_unit_test(test_chat_sanitize_removes_c1_controls),
		cmocka_unit_test(test_chat_sanitize_keeps_valid_utf8),
		cmocka_unit_test(test_chat_sanitize_removes_format_characters),
		cmocka_unit_test(test_chat_sanitize_replaces_invalid_utf8),
		cmocka_unit_test(test_chat_sanitize_removes_telnet_commands),
		cmocka_unit_test(test_chat_sanitize_random_input_is_always_safe),
		cmocka_unit_test(test_chat_is_blank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
