/* Unit tests for plugins/ack.c against the fake core: every mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

static void test_ack_default_reply_per_line(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	assert_string_equal(pt_output(c, NULL), ""); /* no greeting */
	pt_sendstr(s, c, "hi\r\nthere\npartial");
	assert_string_equal(pt_output(c, NULL), "I got your message\nI got your message\n");
	assert_false(pt_closed(c));
	pt_eof(s, c); /* the last line without LF is answered too */
	assert_string_equal(pt_output(c, NULL),
			    "I got your message\nI got your message\nI got your message\n");
	pt_service_free(s);
}

static void test_ack_prefix_mode_with_greeting(void **st)
{
	const char *opts[] = { "mode=prefix", "greeting=Welcome to the server. "
			       "Type something and hit enter", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	assert_string_equal(pt_output(c, NULL),
			    "Welcome to the server. Type something and hit enter\n");
	pt_clear(c);
	pt_sendstr(s, c, "hello\n\nHow are you?\n");
	assert_string_equal(pt_output(c, NULL), "OK...hello\nOK...\nOK...How are you?\n");
	pt_service_free(s);
}

/* A core that counts the plugin's sends: the kit's, seen through the
 * plugin's own `pinetd` slot, which the test points at a copy. */
static int sends, sendvs;
static struct pinetd_core counting;

static int count_send(pinetd_conn *c, const void *buf, size_t len)
{
	sends++;
	return pt_core.send(c, buf, len);
}

static int count_sendv(pinetd_conn *c, const struct iovec *iov, int iovcnt)
{
	sendvs++;
	return pt_core.sendv(c, iov, iovcnt);
}

static void count_sends(void)
{
	counting = pt_core;
	counting.send = count_send;
	counting.sendv = count_sendv;
	pinetd = &counting;
	sends = sendvs = 0;
}

/* Each answer is one sendv (one write, one TCP segment), in both modes,
 * however it ends. */
static void test_ack_each_answer_is_one_sendv(void **st)
{
	const char *prefix[] = { "mode=prefix", "reply_end=crlf", NULL };
	const char *reply[] = { "framing=read", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", prefix);

	(void)st;
	count_sends();
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "one\ntwo\r\nthree");
	assert_string_equal(pt_output(c, NULL), "OK...one\r\nOK...two\r\n");
	assert_int_equal(sendvs, 2);
	assert_int_equal(sends, 0);
	pt_service_free(s);

	s = pt_service_new(&pinetd_plugin_v1, "ack", reply);
	count_sends();
	c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "a read\n");
	assert_string_equal(pt_output(c, NULL), "I got your message\n");
	assert_int_equal(sendvs, 1);
	assert_int_equal(sends, 0);
	pt_service_free(s);
}

static void test_ack_close_after_reply_and_custom_text(void **st)
{
	const char *opts[] = { "reply=Thank you.", "close_after_reply=yes", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "Hello from Steve\nsecond line\n");
	assert_string_equal(pt_output(c, NULL), "Thank you.\n");
	assert_true(pt_closed(c));
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	pt_service_free(s);
}

static void test_ack_logs_messages(void **st)
{
	const char *opts[] = { "log_messages=true", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
	int count;

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "Hello from Steve\n");
	assert_string_equal(pt_last_log(&count), "Here is the message: Hello from Steve");
	assert_int_equal(count, 1);
	pt_datagram(s, "127.0.0.1", 4000, "udp msg\n", 8);
	assert_string_equal(pt_last_log(&count), "Here is the message: udp msg\n");
	pt_service_free(s);
}

static void test_ack_datagram_modes(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", NULL);
	size_t n;

	(void)st;
	assert_int_equal(pt_datagram(s, "127.0.0.1", 4000, "x", 1), 1);
	assert_string_equal(pt_reply(&n, NULL), "Got your message\n");
	pt_service_free(s);

	const char *opts[] = { "mode=prefix", NULL };
	s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
	pt_datagram(s, "127.0.0.1", 4000, "1st udp client\n", 15);
	assert_string_equal(pt_reply(&n, NULL), "OK...1st udp client\n");
	assert_int_equal(n, 20);
	pt_service_free(s);
}

static void test_ack_prefix_reply_never_exceeds_one_datagram(void **st)
{
	const char *opts[] = { "mode=prefix", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
	static char big[65507];
	size_t n;

	(void)st;
	memset(big, 'a', sizeof big);
	pt_datagram(s, "127.0.0.1", 4000, big, sizeof big);
	const char *r = pt_reply(&n, NULL);
	assert_int_equal(n, 65507);
	assert_memory_equal(r, "OK...aaa", 8);
	pt_service_free(s);
}

/* framing = read: what one read returned is one message, answered once,
 * whether or not it ends with a newline (seed 000's C server). */
static void test_ack_read_framing_answers_each_read_once(void **st)
{
	const char *opts[] = { "framing=read", "reply_end=none", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
	size_t n;

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "Hello, World!"); /* no newline: answered anyway */
	assert_string_equal(pt_output(c, &n), "I got your message");
	assert_int_equal(n, 18);
	pt_clear(c);
	pt_sendstr(s, c, "two\nlines\n"); /* one read, one reply */
	assert_string_equal(pt_output(c, NULL), "I got your message");
	pt_clear(c);
	pt_eof(s, c); /* nothing carried, nothing answered at EOF */
	assert_string_equal(pt_output(c, NULL), "");
	pt_service_free(s);
}

/* Prefix mode over reads keeps the read's bytes, endings included, by
 * default (auto): "OK..." + data, as the Python servers send it. */
static void test_ack_read_framing_prefix_keeps_the_bytes(void **st)
{
	const char *opts[] = { "framing=read", "mode=prefix", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "hi\r\n");
	assert_string_equal(pt_output(c, NULL), "OK...hi\r\n");
	pt_clear(c);
	pt_sendstr(s, c, "a\nb");
	assert_string_equal(pt_output(c, NULL), "OK...a\nb");
	pt_clear(c);
	pt_sendstr(s, c, "a\nb\n");
	assert_string_equal(pt_output(c, NULL), "OK...a\nb\n");
	pt_service_free(s);
}

/* An empty prefix over reads, closing after the reply: an echo of one
 * read (seed 003's first echo server, seed 004's SocketServer one). */
static void test_ack_read_framing_empty_prefix_echoes_once_and_closes(void **st)
{
	const char *opts[] = { "framing=read", "mode=prefix", "prefix=",
			       "close_after_reply=true", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "happy\r\n");
	assert_string_equal(pt_output(c, NULL), "happy\r\n");
	assert_true(pt_closed(c));
	pt_sendstr(s, c, "ignored\n");
	assert_string_equal(pt_output(c, NULL), "happy\r\n");
	pt_service_free(s);
}

/* reply_end over lines: none, lf, crlf, and same (the line's own LF, CR
 * LF, or nothing for a last line without one). */
static void test_ack_reply_end_over_lines(void **st)
{
	static const struct {
		const char *end, *want;
	} cases[] = {
		{ "reply_end=none", "OK...aOK...bOK...c" },
		{ "reply_end=lf", "OK...a\nOK...b\nOK...c\n" },
		{ "reply_end=crlf", "OK...a\r\nOK...b\r\nOK...c\r\n" },
		{ "reply_end=same", "OK...a\r\nOK...b\nOK...c" },
		{ "reply_end=auto", "OK...a\nOK...b\nOK...c\n" },
	};

	(void)st;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *opts[] = { "mode=prefix", cases[i].end, NULL };
		struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
		pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
		pt_sendstr(s, c, "a\r\nb\nc");
		pt_eof(s, c);
		assert_string_equal(pt_output(c, NULL), cases[i].want);
		pt_service_free(s);
	}
}

/* reply_end in reply mode over reads: same answers with the read's own
 * ending; crlf always with CR LF. */
static void test_ack_reply_end_reply_mode_over_reads(void **st)
{
	const char *same[] = { "framing=read", "reply_end=same", NULL };
	const char *crlf[] = { "framing=read", "reply_end=crlf", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", same);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "x\r\n");
	pt_sendstr(s, c, "y");
	pt_sendstr(s, c, "z\n");
	assert_string_equal(pt_output(c, NULL),
			    "I got your message\r\nI got your message"
			    "I got your message\n");
	pt_service_free(s);
	s = pt_service_new(&pinetd_plugin_v1, "ack", crlf);
	c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "y");
	assert_string_equal(pt_output(c, NULL), "I got your message\r\n");
	pt_service_free(s);
}

/* reply_end applies to datagrams: "Ack" alone (seed 000's Python UDP
 * server), "OK..." + the text without its LF, or with CR LF. */
static void test_ack_reply_end_over_datagrams(void **st)
{
	const char *ack[] = { "udp_reply=Ack", "reply_end=none", NULL };
	const char *none[] = { "mode=prefix", "reply_end=none", NULL };
	const char *crlf[] = { "mode=prefix", "reply_end=crlf", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", ack);
	size_t n;

	(void)st;
	pt_datagram(s, "127.0.0.1", 4000, "Hello, World!", 13);
	assert_string_equal(pt_reply(&n, NULL), "Ack");
	assert_int_equal(n, 3);
	pt_service_free(s);
	s = pt_service_new(&pinetd_plugin_v1, "ack", none);
	pt_datagram(s, "127.0.0.1", 4000, "hi\r\n", 4);
	assert_string_equal(pt_reply(&n, NULL), "OK...hi");
	pt_service_free(s);
	s = pt_service_new(&pinetd_plugin_v1, "ack", crlf);
	pt_datagram(s, "127.0.0.1", 4000, "hi\n", 3);
	assert_string_equal(pt_reply(&n, NULL), "OK...hi\r\n");
	pt_service_free(s);
}

/* A full-size datagram in prefix mode with reply_end = crlf: the text is
 * cut, the ending kept, the whole within one datagram. */
static void test_ack_datagram_keeps_its_ending_when_cut(void **st)
{
	const char *opts[] = { "mode=prefix", "reply_end=crlf", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ack", opts);
	static char big[65507];
	size_t n;

	(void)st;
	memset(big, 'a', sizeof big);
	pt_datagram(s, "127.0.0.1", 4000, big, sizeof big);
	const char *r = pt_reply(&n, NULL);
	assert_int_equal(n, 65507);
	assert_memory_equal(r, "OK...aaa", 8);
	assert_memory_equal(r + n - 3, "a\r\n", 3);
	pt_service_free(s);
}

/* The new options list their choices, defaulting (by name) to what ack
 * always did. */
static void test_ack_framing_and_reply_end_list_their_choices(void **st)
{
	const struct pinetd_option *o = pinetd_plugin_v1.options;
	int seen = 0;

	(void)st;
	for (; o->name; o++) {
		if (strcmp(o->name, "framing") == 0) {
			assert_string_equal(o->def_str, "line");
			assert_string_equal(o->choices[0], "line");
			assert_string_equal(o->choices[1], "read");
			seen++;
		} else if (strcmp(o->name, "reply_end") == 0) {
			assert_string_equal(o->def_str, "auto");
			seen++;
		}
	}
	assert_int_equal(seen, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_default_reply_per_line),
		cmocka_unit_test(test_ack_prefix_mode_with_greeting),
		cmocka_unit_test(test_ack_each_answer_is_one_sendv),
		cmocka_unit_test(test_ack_close_after_reply_and_custom_text),
		cmocka_unit_test(test_ack_logs_messages),
		cmocka_unit_test(test_ack_datagram_modes),
		cmocka_unit_test(test_ack_prefix_reply_never_exceeds_one_datagram),
		cmocka_unit_test(test_ack_read_framing_answers_each_read_once),
		cmocka_unit_test(test_ack_read_framing_prefix_keeps_the_bytes),
		cmocka_unit_test(test_ack_read_framing_empty_prefix_echoes_once_and_closes),
		cmocka_unit_test(test_ack_reply_end_over_lines),
		cmocka_unit_test(test_ack_reply_end_reply_mode_over_reads),
		cmocka_unit_test(test_ack_reply_end_over_datagrams),
		cmocka_unit_test(test_ack_datagram_keeps_its_ending_when_cut),
		cmocka_unit_test(test_ack_framing_and_reply_end_list_their_choices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
