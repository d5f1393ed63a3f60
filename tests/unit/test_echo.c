/* Unit tests for plugins/echo.c against the fake core. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

static void test_echo_stream_returns_every_byte(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "echo", NULL);
	char bin[256];
	size_t n;

	(void)st;
	for (int i = 0; i < 256; i++)
		bin[i] = (char)i;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "hello\n");
	pt_send(s, c, bin, sizeof bin);
	const char *out = pt_output(c, &n);
	assert_int_equal(n, 6 + 256);
	assert_memory_equal(out, "hello\n", 6);
	assert_memory_equal(out + 6, bin, 256);
	pt_disconnect(s, c);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	pt_service_free(s);
}

static void test_echo_datagram_replies_unchanged(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "echo", NULL);
	size_t n;
	int count;

	(void)st;
	assert_int_equal(pt_datagram(s, "::1", 4000, "ping\0x", 6), 1);
	const char *r = pt_reply(&n, &count);
	assert_int_equal(n, 6);
	assert_memory_equal(r, "ping\0x", 6);
	assert_int_equal(pt_datagram(s, "127.0.0.1", 4000, "", 0), 1);
	pt_reply(&n, &count);
	assert_int_equal(n, 0);
	assert_int_equal(count, 2);
	pt_service_free(s);
}

/* close_word: the read that is the word (trailing white space ignored)
 * is echoed, then the connection closes; the word inside a longer read,
 * or with something after it, does not close. */
static void test_echo_close_word_closes_after_the_echo(void **st)
{
	const char *opts[] = { "close_word=close", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "echo", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "closed");
	pt_sendstr(s, c, "close it");
	pt_sendstr(s, c, " close");
	assert_false(pt_closed(c));
	pt_sendstr(s, c, "close \r\n");
	assert_true(pt_closed(c));
	pt_sendstr(s, c, "after");
	assert_string_equal(pt_output(c, NULL), "closedclose it closeclose \r\n");
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	pt_service_free(s);

	s = pt_service_new(&pinetd_plugin_v1, "echo", opts);
	c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "close"); /* the seed's client sends no newline */
	assert_true(pt_closed(c));
	assert_string_equal(pt_output(c, NULL), "close");
	pt_service_free(s);
}

/* Without close_word (the default) nothing closes; a NUL byte is not
 * white space. */
static void test_echo_close_word_default_never_closes(void **st)
{
	const char *opts[] = { "close_word=x", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "echo", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "close\n");
	pt_sendstr(s, c, "");
	assert_false(pt_closed(c));
	pt_service_free(s);
	s = pt_service_new(&pinetd_plugin_v1, "echo", opts);
	c = pt_connect(s, "127.0.0.1", 5000);
	pt_send(s, c, "x\0", 2);
	assert_false(pt_closed(c));
	pt_service_free(s);
}

/* A reload that sets close_word applies to an open connection. */
static void test_echo_reconfigure_applies_in_place(void **st)
{
	const char *opts[] = { "close_word=bye", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "echo", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 5000);
	pt_sendstr(s, c, "bye\n");
	assert_false(pt_closed(c));
	assert_int_equal(pt_reconfigure(s, opts), 0);
	pt_sendstr(s, c, "bye\n");
	assert_true(pt_closed(c));
	assert_string_equal(pt_output(c, NULL), "bye\nbye\n");
	pt_service_free(s);
}

static void test_echo_descriptor(void **st)
{
	(void)st;
	assert_int_equal(pinetd_plugin_v1.abi, PINETD_ABI_VERSION);
	assert_string_equal(pinetd_plugin_v1.name, "echo");
	assert_int_equal(pinetd_plugin_v1.transports, PINETD_TCP | PINETD_UDP);
	assert_int_equal(pinetd_plugin_v1.flags & PINETD_PF_LINES, 0);
	assert_int_equal(pinetd_plugin_v1.size, sizeof(struct pinetd_plugin));
	assert_null(pinetd_plugin_v1.init); /* the state is the conf */
	assert_non_null(pinetd_plugin_v1.reconfigure);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_echo_stream_returns_every_byte),
		cmocka_unit_test(test_echo_datagram_replies_unchanged),
		cmocka_unit_test(test_echo_close_word_closes_after_the_echo),
		cmocka_unit_test(test_echo_close_word_default_never_closes),
		cmocka_unit_test(test_echo_reconfigure_applies_in_place),
		cmocka_unit_test(test_echo_descriptor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
