/* Unit tests for the shared chat room's message format
 * (plugins/chat/chat_wire.c): exact bytes out, the same event back, and
 * refusal of anything else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "chat_wire.h"

static void test_chat_wire_encode_gives_the_documented_bytes(void **st)
{
	struct chat_ev ev = { .node = "n1", .epoch = 7, .seq = 42,
			      .kind = CHAT_EV_LINE, .joined = 1234,
			      .addr = "192.0.2.1:1001", .nick = "alice",
			      .arg = "rn", .text = "hi\tthere", .text_len = 8 };
	size_t n;
	char *m = chat_wire_encode(&ev, &n);
	const char *want = "pinetd-chat 1\nn1\n7\n42\nL\n1234\n192.0.2.1:1001\n"
			   "alice\nrn\nhi\tthere";

	(void)st;
	assert_non_null(m);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(m, want, n);
	free(m);
}

static void test_chat_wire_decode_gives_back_every_field(void **st)
{
	struct chat_ev ev = { .node = "host:12", .epoch = 99, .seq = 3,
			      .kind = CHAT_EV_LEAVE, .joined = -5,
			      .addr = "[2001:db8::3]:1003", .nick = "",
			      .arg = " (too slow)", .text = NULL };
	struct chat_ev got;
	size_t n;
	char *m = chat_wire_encode(&ev, &n);

	(void)st;
	assert_non_null(m);
	assert_int_equal(chat_wire_decode(m, n, &got), 0);
	assert_string_equal(got.node, "host:12");
	assert_int_equal(got.epoch, 99);
	assert_int_equal(got.seq, 3);
	assert_int_equal(got.kind, CHAT_EV_LEAVE);
	assert_int_equal(got.joined, -5);
	assert_string_equal(got.addr, "[2001:db8::3]:1003");
	assert_string_equal(got.nick, "");
	assert_string_equal(got.arg, " (too slow)");
	assert_int_equal(got.text_len, 0);
	free(m);
}

static void test_chat_wire_text_keeps_its_bytes(void **st)
{
	static const char text[] = "a\nb\0c";
	struct chat_ev ev = { .node = "n", .kind = CHAT_EV_ME, .text = text,
			      .text_len = sizeof text - 1 }, got;
	size_t n;
	char *m = chat_wire_encode(&ev, &n);

	(void)st;
	assert_int_equal(chat_wire_decode(m, n, &got), 0);
	assert_int_equal(got.text_len, sizeof text - 1);
	assert_memory_equal(got.text, text, sizeof text - 1);
	free(m);
}

static void test_chat_wire_encode_refuses_a_lf_in_a_field(void **st)
{
	struct chat_ev ev = { .node = "n", .kind = CHAT_EV_JOIN,
			      .nick = "a\nb" };
	size_t n;

	(void)st;
	assert_null(chat_wire_encode(&ev, &n));
}

static void test_chat_wire_decode_refuses_other_messages(void **st)
{
	static const char *const bad[] = {
		"",
		"hello",
		"pinetd-chat 2\nn\n1\n1\nL\n0\na\n\n\n",
		"pinetd-chat 1\nn\n1\n1\nL\n0\na\n\n", /* a field short */
		"pinetd-chat 1\n\n1\n1\nL\n0\na\n\n\n", /* no node */
		"pinetd-chat 1\nn\nx\n1\nL\n0\na\n\n\n", /* epoch */
		"pinetd-chat 1\nn\n1\n-1\nL\n0\na\n\n\n", /* seq */
		"pinetd-chat 1\nn\n1\n1\nZ\n0\na\n\n\n", /* kind */
		"pinetd-chat 1\nn\n1\n1\nLL\n0\na\n\n\n",
		"pinetd-chat 1\nn\n1\n1\nL\n1x\na\n\n\n", /* joined */
	};
	struct chat_ev ev;

	(void)st;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = strlen(bad[i]);
		char *m = malloc(n + 1);
		memcpy(m, bad[i], n + 1);
		if (chat_wire_decode(m, n, &ev) != -1)
			fail_msg("accepted case %zu", i);
		free(m);
	}
}

static void test_chat_wire_eol_round_trips(void **st)
{
	(void)st;
	assert_string_equal(chat_wire_eol(chat_wire_eol_arg("\r\n")), "\r\n");
	assert_string_equal(chat_wire_eol(chat_wire_eol_arg("\n")), "\n");
	assert_string_equal(chat_wire_eol(chat_wire_eol_arg("")), "");
	assert_string_equal(chat_wire_eol("junk"), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat_wire_encode_gives_the_documented_bytes),
		cmocka_unit_test(test_chat_wire_decode_gives_back_every_field),
		cmocka_unit_test(test_chat_wire_text_keeps_its_bytes),
		cmocka_unit_test(test_chat_wire_encode_refuses_a_lf_in_a_field),
		cmocka_unit_test(test_chat_wire_decode_refuses_other_messages),
		cmocka_unit_test(test_chat_wire_eol_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
