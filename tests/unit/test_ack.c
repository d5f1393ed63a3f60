/* Unit tests for plugins/ack.c against the fake core: every mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin;

static void test_ack_default_reply_per_line(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", NULL);

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
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	assert_string_equal(pt_output(c, NULL),
			    "Welcome to the server. Type something and hit enter\n");
	pt_clear(c);
	pt_sendstr(s, c, "hello\n\nHow are you?\n");
	assert_string_equal(pt_output(c, NULL), "OK...hello\nOK...\nOK...How are you?\n");
	pt_service_free(s);
}

static void test_ack_close_after_reply_and_custom_text(void **st)
{
	const char *opts[] = { "reply=Thank you.", "close_after_reply=yes", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", opts);

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
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", opts);
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
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", NULL);
	size_t n;

	(void)st;
	assert_int_equal(pt_datagram(s, "127.0.0.1", 4000, "x", 1), 1);
	assert_string_equal(pt_reply(&n, NULL), "Got your message\n");
	pt_service_free(s);

	const char *opts[] = { "mode=prefix", NULL };
	s = pt_service_new(&pinetd_plugin, "ack", opts);
	pt_datagram(s, "127.0.0.1", 4000, "1st udp client\n", 15);
	assert_string_equal(pt_reply(&n, NULL), "OK...1st udp client\n");
	assert_int_equal(n, 20);
	pt_service_free(s);
}

static void test_ack_prefix_reply_never_exceeds_one_datagram(void **st)
{
	const char *opts[] = { "mode=prefix", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin, "ack", opts);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_default_reply_per_line),
		cmocka_unit_test(test_ack_prefix_mode_with_greeting),
		cmocka_unit_test(test_ack_close_after_reply_and_custom_text),
		cmocka_unit_test(test_ack_logs_messages),
		cmocka_unit_test(test_ack_datagram_modes),
		cmocka_unit_test(test_ack_prefix_reply_never_exceeds_one_datagram),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
