/*
 * Unit tests for plugins/telnet_edit.c, the telnet shell's line editor:
 * keys in, exact echo bytes and lines out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "telnet_edit.h"

/* Echo bytes collected from the editor. */
static char echo_buf[8192];
static size_t echo_len;

static void collect(void *arg, const char *buf, size_t len)
{
	(void)arg;
	assert_true(echo_len + len < sizeof echo_buf);
	memcpy(echo_buf + echo_len, buf, len);
	echo_len += len;
	echo_buf[echo_len] = '\0';
}

/* A fresh editor with echo on or off; the echo buffer emptied. */
static void fresh(struct tnedit *e, int echo)
{
	tnedit_init(e, collect, NULL);
	tnedit_set_echo(e, echo);
	echo_len = 0;
	echo_buf[0] = '\0';
}

/* Feed bytes; return the last non-NONE event (NONE if there was none)
 * and count the LINE events in *lines. */
static enum tnedit_event feed(struct tnedit *e, const char *keys, size_t n,
			      int *lines)
{
	enum tnedit_event last = TNEDIT_NONE;

	if (lines)
		*lines = 0;
	for (size_t i = 0; i < n; i++) {
		enum tnedit_event ev = tnedit_key(e, (unsigned char)keys[i]);
		if (ev != TNEDIT_NONE)
			last = ev;
		if (ev == TNEDIT_LINE && lines)
			(*lines)++;
	}
	return last;
}

#define FEED(e, s) feed((e), (s), sizeof(s) - 1, NULL)

static void test_edit_printable_is_inserted_and_echoed(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	assert_int_equal(FEED(&e, "echo hi"), TNEDIT_NONE);
	assert_string_equal(tnedit_line(&e, NULL), "echo hi");
	assert_string_equal(echo_buf, "echo hi");
	assert_int_equal(FEED(&e, "\r"), TNEDIT_LINE);
	assert_string_equal(echo_buf, "echo hi\r\n");
	assert_string_equal(tnedit_line(&e, NULL), "echo hi");
}

static void test_edit_without_echo_emits_nothing(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 0);
	assert_int_equal(FEED(&e, "abc\x7f\x15xy\x17z\x03q\r"), TNEDIT_LINE);
	assert_string_equal(tnedit_line(&e, NULL), "q");
	assert_int_equal(echo_len, 0);
}

static void test_edit_line_ends_crlf_crnul_lf_once_each(void **st)
{
	struct tnedit e;
	int lines;

	(void)st;
	fresh(&e, 0);
	feed(&e, "a\r\nb\r\0c\nd\r", 10, &lines);
	assert_int_equal(lines, 4);
	assert_string_equal(tnedit_line(&e, NULL), "d");
	/* The LF of a CR LF split over two reads is still swallowed. */
	assert_int_equal(FEED(&e, "\n"), TNEDIT_NONE);
	assert_string_equal(tnedit_line(&e, NULL), "");
	/* Two CRs are two (empty) lines; NUL alone is ignored. */
	feed(&e, "\r\r", 2, &lines);
	assert_int_equal(lines, 2);
	feed(&e, "x\0y", 3, &lines);
	assert_int_equal(lines, 0);
	assert_string_equal(tnedit_line(&e, NULL), "xy");
}

static void test_edit_finished_line_is_cleared_by_next_key(void **st)
{
	struct tnedit e;
	size_t len;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "one\r");
	assert_string_equal(tnedit_line(&e, &len), "one");
	assert_int_equal(len, 3);
	FEED(&e, "t");
	assert_string_equal(tnedit_line(&e, &len), "t");
	assert_int_equal(len, 1);
}

static void test_edit_backspace_and_del_erase_one_char(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "echoo\b hi");
	assert_string_equal(tnedit_line(&e, NULL), "echo hi");
	assert_string_equal(echo_buf, "echoo\b \b hi");
	FEED(&e, "\x7f\x7f");
	assert_string_equal(tnedit_line(&e, NULL), "echo ");
	/* On an empty line erasing does nothing at all. */
	fresh(&e, 1);
	FEED(&e, "\b\x7f");
	assert_int_equal(echo_len, 0);
}

static void test_edit_erases_utf8_sequences_whole(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "h\xc3\xa9");		/* "hé" */
	echo_len = 0;
	FEED(&e, "\x7f");
	assert_string_equal(tnedit_line(&e, NULL), "h");
	assert_string_equal(echo_buf, "\b \b");

	fresh(&e, 1);
	FEED(&e, "a\xe6\x97\xa5");	/* "a日": a wide character */
	assert_int_equal(tnedit_width(&e), 3);
	echo_len = 0;
	FEED(&e, "\x7f");
	assert_string_equal(tnedit_line(&e, NULL), "a");
	assert_string_equal(echo_buf, "\b\b  \b\b");

	fresh(&e, 1);
	FEED(&e, "xe\xcc\x81");		/* e + COMBINING ACUTE ACCENT */
	assert_int_equal(tnedit_width(&e), 2);
	echo_len = 0;
	FEED(&e, "\x7f");
	assert_string_equal(tnedit_line(&e, NULL), "x");
	assert_string_equal(echo_buf, "\b \b");

	fresh(&e, 1);
	FEED(&e, "\xf0\x9f\x98\x80");	/* U+1F600, four bytes */
	FEED(&e, "\b");
	assert_string_equal(tnedit_line(&e, NULL), "");
}

static void test_edit_erases_invalid_bytes_one_by_one(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "a\xff\x80\xe6\x97"); /* 0xff, a stray continuation, a
					  truncated sequence */
	assert_int_equal(tnedit_width(&e), 5);
	echo_len = 0;
	FEED(&e, "\x7f\x7f\x7f\x7f");
	assert_string_equal(tnedit_line(&e, NULL), "a");
	assert_string_equal(echo_buf, "\b \b\b \b\b \b\b \b");
}

static void test_edit_ctrl_u_erases_the_line(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "ab\xe6\x97\xa5");
	echo_len = 0;
	FEED(&e, "\x15");
	assert_string_equal(tnedit_line(&e, NULL), "");
	assert_string_equal(echo_buf, "\b\b\b\b    \b\b\b\b");
	/* Long lines are erased in one go too (chunked echo). */
	fresh(&e, 1);
	for (int i = 0; i < 40; i++)
		FEED(&e, "x");
	echo_len = 0;
	FEED(&e, "\x15");
	assert_int_equal(echo_len, 120);
	assert_int_equal(strspn(echo_buf, "\b"), 40);
	assert_int_equal(strspn(echo_buf + 40, " "), 40);
	assert_int_equal(strspn(echo_buf + 80, "\b"), 40);
}

static void test_edit_ctrl_w_erases_a_word(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "echo foo bar  ");
	echo_len = 0;
	FEED(&e, "\x17");
	assert_string_equal(tnedit_line(&e, NULL), "echo foo ");
	assert_string_equal(echo_buf, "\b\b\b\b\b     \b\b\b\b\b");
	FEED(&e, "\x17\x17");
	assert_string_equal(tnedit_line(&e, NULL), "");
	echo_len = 0;
	FEED(&e, "\x17");
	assert_int_equal(echo_len, 0);
}

static void test_edit_ctrl_c_cancels(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "zz");
	assert_int_equal(FEED(&e, "\x03"), TNEDIT_CANCEL);
	assert_string_equal(echo_buf, "zz^C\r\n");
	assert_string_equal(tnedit_line(&e, NULL), "");
	assert_int_equal(FEED(&e, "ok\r"), TNEDIT_LINE);
	assert_string_equal(tnedit_line(&e, NULL), "ok");
}

static void test_edit_ctrl_d_is_eof_only_on_an_empty_line(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "ab");
	assert_int_equal(FEED(&e, "\x04"), TNEDIT_NONE);
	assert_string_equal(tnedit_line(&e, NULL), "ab");
	assert_string_equal(echo_buf, "ab");
	FEED(&e, "\x15");
	assert_int_equal(FEED(&e, "\x04"), TNEDIT_EOF);
}

static void test_edit_redraw_keys(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "ab");
	assert_int_equal(FEED(&e, "\x0c"), TNEDIT_REDRAW);
	assert_int_equal(FEED(&e, "\x12"), TNEDIT_REDRAW);
	assert_string_equal(tnedit_line(&e, NULL), "ab");
}

static void test_edit_ignores_controls_and_escape_sequences(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	/* Tab, ^A, ^E, arrow keys (CSI and SS3), a CSI with parameters,
	 * F1 (SS3 P) and Alt-x. */
	FEED(&e, "a\t\x01\x05\x1b[A\x1bOB\x1b[1;5C\x1bOP\x1bxb");
	assert_string_equal(tnedit_line(&e, NULL), "ab");
	assert_string_equal(echo_buf, "ab");
	/* A control character ends an escape sequence and still acts. */
	assert_int_equal(FEED(&e, "\x1b[1\r"), TNEDIT_LINE);
	assert_string_equal(tnedit_line(&e, NULL), "ab");
	assert_int_equal(FEED(&e, "\x1b\r"), TNEDIT_LINE);
}

static void test_edit_refuses_bytes_beyond_max_with_a_bell(void **st)
{
	struct tnedit e;
	char big[TNEDIT_MAX];

	(void)st;
	fresh(&e, 1);
	memset(big, 'a', sizeof big);
	feed(&e, big, sizeof big, NULL);
	assert_false(tnedit_overflowed(&e));
	echo_len = 0;
	FEED(&e, "bc");
	assert_string_equal(echo_buf, "\a\a");
	assert_true(tnedit_overflowed(&e));
	size_t len;
	tnedit_line(&e, &len);
	assert_int_equal(len, TNEDIT_MAX);
	/* Erasing makes room again; the flag stays for this line. */
	FEED(&e, "\x7f" "d");
	assert_int_equal(tnedit_line(&e, NULL)[TNEDIT_MAX - 1], 'd');
	assert_true(tnedit_overflowed(&e));
	FEED(&e, "\r");
	FEED(&e, "x");
	assert_false(tnedit_overflowed(&e));
}

static void test_edit_refuses_a_utf8_sequence_that_does_not_fit(void **st)
{
	struct tnedit e;
	char big[TNEDIT_MAX - 1];
	size_t len;

	(void)st;
	fresh(&e, 1);
	memset(big, 'a', sizeof big);
	feed(&e, big, sizeof big, NULL);
	echo_len = 0;
	FEED(&e, "\xe6\x97\xa5"); /* three bytes, one place left */
	assert_string_equal(echo_buf, "\a");
	tnedit_line(&e, &len);
	assert_int_equal(len, TNEDIT_MAX - 1);
	FEED(&e, "\xc3\xa9");	/* two bytes do not fit either */
	assert_string_equal(echo_buf, "\a\a");
	FEED(&e, "z");		/* one does */
	tnedit_line(&e, &len);
	assert_int_equal(len, TNEDIT_MAX);
	assert_string_equal(echo_buf, "\a\az");
}

static void test_edit_keeps_byte_255(void **st)
{
	struct tnedit e;

	(void)st;
	fresh(&e, 1);
	FEED(&e, "echo \xff");
	assert_string_equal(tnedit_line(&e, NULL), "echo \xff");
	assert_string_equal(echo_buf, "echo \xff");
}

/* Seeded random keys: no crash, the line never exceeds TNEDIT_MAX, the
 * buffer stays NUL-terminated (run under valgrind for the rest). */
static void test_edit_random_keys_keep_invariants(void **st)
{
	struct tnedit e;
	uint32_t x = 42;
	size_t len;

	(void)st;
	fresh(&e, 1);
	for (int i = 0; i < 200000; i++) {
		x = x * 1103515245u + 12345u;
		unsigned char k = (unsigned char)(x >> 16);
		/* Favour printable bytes so that lines get long. */
		if (k < 0x20 && (x >> 8 & 3))
			k |= 0x40;
		tnedit_key(&e, k);
		const char *line = tnedit_line(&e, &len);
		assert_true(len <= TNEDIT_MAX);
		assert_int_equal(line[len], '\0');
		if (echo_len > sizeof echo_buf / 2)
			echo_len = 0;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_printable_is_inserted_and_echoed),
		cmocka_unit_test(test_edit_without_echo_emits_nothing),
		cmocka_unit_test(test_edit_line_ends_crlf_crnul_lf_once_each),
		cmocka_unit_test(test_edit_finished_line_is_cleared_by_next_key),
		cmocka_unit_test(test_edit_backspace_and_del_erase_one_char),
		cmocka_unit_test(test_edit_erases_utf8_sequences_whole),
		cmocka_unit_test(test_edit_erases_invalid_bytes_one_by_one),
		cmocka_unit_test(test_edit_ctrl_u_erases_the_line),
		cmocka_unit_test(test_edit_ctrl_w_erases_a_word),
		cmocka_unit_test(test_edit_ctrl_c_cancels),
		cmocka_unit_test(test_edit_ctrl_d_is_eof_only_on_an_empty_line),
		cmocka_unit_test(test_edit_redraw_keys),
		cmocka_unit_test(test_edit_ignores_controls_and_escape_sequences),
		cmocka_unit_test(test_edit_refuses_bytes_beyond_max_with_a_bell),
		cmocka_unit_test(test_edit_refuses_a_utf8_sequence_that_does_not_fit),
		cmocka_unit_test(test_edit_keeps_byte_255),
		cmocka_unit_test(test_edit_random_keys_keep_invariants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
