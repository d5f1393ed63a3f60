/*
 * test_hello.c -- unit tests for hello.c with the pinetd test kit: a fake
 * core that frames lines and parses options exactly as the daemon does,
 * so the plugin is tested without a daemon, a socket or a port.
 *
 * Built against the installed SDK by the Makefile of this directory:
 *	make check
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pinetd/testkit.h>

/* The descriptor hello.c exports. */
extern const struct pinetd_plugin pinetd_plugin_v1;

static void test_hello_greets_each_line(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", NULL);

	(void)st;
	assert_non_null(s);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	assert_non_null(c);
	assert_string_equal(pt_output(c, NULL), ""); /* no banner */
	pt_sendstr(s, c, "Ada\r\nGrace\nAl");	     /* CR LF, LF, partial */
	assert_string_equal(pt_output(c, NULL), "hello, Ada!\nhello, Grace!\n");
	pt_sendstr(s, c, "an\n");
	assert_string_equal(pt_output(c, NULL),
			    "hello, Ada!\nhello, Grace!\nhello, Alan!\n");
	pt_service_free(s);
}

static void test_hello_empty_line_greets_the_world(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_sendstr(s, c, "\n\r\n");
	assert_string_equal(pt_output(c, NULL),
			    "hello, world!\nhello, world!\n");
	pt_service_free(s);
}

static void test_hello_greeting_option(void **st)
{
	const char *opts[] = { "greeting=howdy", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_sendstr(s, c, "pinetd\n");
	assert_string_equal(pt_output(c, NULL), "howdy, pinetd!\n");
	pt_service_free(s);
}

static void test_hello_last_line_without_newline_at_eof(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_sendstr(s, c, "Linus");
	assert_string_equal(pt_output(c, NULL), "");
	pt_eof(s, c);
	assert_string_equal(pt_output(c, NULL), "hello, Linus!\n");
	pt_service_free(s);
}

static void test_hello_long_line_cut_at_max_line(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", NULL);

	(void)st;
	pt_set_max_line(s, 5);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_sendstr(s, c, "Bartholomew\nBo\n");
	assert_string_equal(pt_output(c, NULL), "hello, Barth!\nhello, Bo!\n");
	pt_service_free(s);
}

/* A reload that changes the greeting keeps the connection: its next
 * line is greeted the new way. */
static void test_hello_reconfigure_changes_the_greeting(void **st)
{
	const char *opts[] = { "greeting=hi", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "hello", NULL);

	(void)st;
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_sendstr(s, c, "Ada\n");
	assert_int_equal(pt_reconfigure(s, opts), 0);
	pt_sendstr(s, c, "Ada\n");
	assert_string_equal(pt_output(c, NULL), "hello, Ada!\nhi, Ada!\n");
	pt_service_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_greets_each_line),
		cmocka_unit_test(test_hello_empty_line_greets_the_world),
		cmocka_unit_test(test_hello_greeting_option),
		cmocka_unit_test(test_hello_last_line_without_newline_at_eof),
		cmocka_unit_test(test_hello_long_line_cut_at_max_line),
		cmocka_unit_test(test_hello_reconfigure_changes_the_greeting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
