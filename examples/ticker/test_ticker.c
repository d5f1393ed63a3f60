/*
 * test_ticker.c -- unit tests for ticker.c with the pinetd test kit: time
 * is the kit's fake clock (a timer fires when the test advances it) and
 * the FIFO is a real one, whose watch runs when the test polls.
 *
 * Built against the installed SDK by the Makefile of this directory:
 *	make check
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <pinetd/testkit.h>

/* The descriptor ticker.c exports. */
extern const struct pinetd_plugin pinetd_plugin_v1;

/* A FIFO in a fresh directory, and its option "fifo=PATH". */
struct fifo {
	char dir[64], path[96], opt[104];
	int wfd; /* the test's writing end */
};

static int fifo_setup(void **st)
{
	struct fifo *f = calloc(1, sizeof *f);

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/test_ticker.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/fifo", f->dir);
	snprintf(f->opt, sizeof f->opt, "fifo=%s", f->path);
	assert_int_equal(mkfifo(f->path, 0600), 0);
	f->wfd = -1;
	*st = f;
	return 0;
}

static int fifo_teardown(void **st)
{
	struct fifo *f = *st;

	if (f->wfd >= 0)
		close(f->wfd);
	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Write s into the FIFO (opened once ticker has it open for reading). */
static void fifo_write(struct fifo *f, const char *s)
{
	if (f->wfd < 0)
		f->wfd = open(f->path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	assert_true(f->wfd >= 0);
	assert_int_equal(write(f->wfd, s, strlen(s)), (ssize_t)strlen(s));
}

static void test_ticker_ticks_every_interval(void **st)
{
	const char *opts[] = { "interval=2", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", opts);

	(void)st;
	assert_non_null(s);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	assert_non_null(c);
	pt_advance(s, 1999);
	assert_string_equal(pt_output(c, NULL), "");
	pt_advance(s, 1);
	assert_string_equal(pt_output(c, NULL), "tick 1\n");
	pt_advance(s, 6000); /* three periods in one step: three ticks */
	assert_string_equal(pt_output(c, NULL),
			    "tick 1\ntick 2\ntick 3\ntick 4\n");
	pt_service_free(s);
}

static void test_ticker_each_client_has_its_own_timer(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", NULL);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 4242);
	pt_advance(s, 500);
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 4242);
	pt_advance(s, 500);
	assert_string_equal(pt_output(a, NULL), "tick 1\n");
	assert_string_equal(pt_output(b, NULL), "");
	pt_advance(s, 500);
	assert_string_equal(pt_output(b, NULL), "tick 1\n");
	/* a's timer ends with a: nothing fires for a closed connection */
	pt_disconnect(s, a);
	pt_advance(s, 10000);
	assert_string_equal(pt_output(b, NULL), "tick 1\ntick 2\ntick 3\ntick 4\n"
						"tick 5\ntick 6\ntick 7\ntick 8\n"
						"tick 9\ntick 10\ntick 11\n");
	pt_service_free(s);
}

static void test_ticker_relays_fifo_lines_to_every_client(void **st)
{
	struct fifo *f = *st;
	const char *opts[] = { f->opt, "interval=60", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", opts);

	assert_non_null(s);
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 4242);
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 4242);
	fifo_write(f, "lunch\npart");
	assert_int_equal(pt_poll(s, 0), 1); /* the watch reads the FIFO */
	assert_string_equal(pt_output(a, NULL), "lunch\n");
	assert_string_equal(pt_output(b, NULL), "lunch\n");
	fifo_write(f, "ial line\n");
	assert_int_equal(pt_poll(s, 0), 1);
	assert_string_equal(pt_output(a, NULL), "lunch\npartial line\n");
	assert_string_equal(pt_output(b, NULL), "lunch\npartial line\n");
	pt_service_free(s);
}

static void test_ticker_cuts_a_long_fifo_line(void **st)
{
	struct fifo *f = *st;
	const char *opts[] = { f->opt, NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", opts);
	char line[1501], want[1503];

	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	memset(line, 'x', 1500);
	line[1500] = '\0';
	fifo_write(f, line);
	fifo_write(f, "\n");
	/* 1024 bytes without LF: relayed as a line, the rest as the next */
	assert_int_equal(pt_poll(s, 0), 1);
	assert_int_equal(pt_poll(s, 0), 1);
	memset(want, 'x', sizeof want);
	want[1024] = '\n';
	want[1501] = '\n';
	want[1502] = '\0';
	assert_string_equal(pt_output(c, NULL), want);
	pt_service_free(s);
}

static void test_ticker_refuses_a_file_that_is_no_fifo(void **st)
{
	const char *opts[] = { "fifo=/dev/null", NULL };

	(void)st;
	assert_null(pt_service_new(&pinetd_plugin_v1, "ticker", opts));
	assert_string_equal(pt_last_error(),
			    "fifo /dev/null: not a FIFO (mkfifo it)");
}

static void test_ticker_reconfigure_applies_a_new_interval(void **st)
{
	struct fifo *f = *st;
	const char *opts[] = { f->opt, NULL };
	const char *slower[] = { f->opt, "interval=5", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", opts);

	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	pt_advance(s, 1000);
	assert_int_equal(pt_reconfigure(s, slower), 0);
	pt_advance(s, 4999);
	assert_string_equal(pt_output(c, NULL), "tick 1\n");
	pt_advance(s, 1);
	assert_string_equal(pt_output(c, NULL), "tick 1\ntick 2\n");
	pt_service_free(s);
}

static void test_ticker_reconfigure_refuses_another_fifo(void **st)
{
	const char *none[] = { NULL };
	struct fifo *f = *st;
	const char *opts[] = { f->opt, NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "ticker", none);

	assert_int_equal(pt_reconfigure(s, opts), -1);
	assert_string_equal(pt_last_error(), "fifo changed: a new worker opens it");
	pt_service_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ticker_ticks_every_interval),
		cmocka_unit_test(test_ticker_each_client_has_its_own_timer),
		cmocka_unit_test_setup_teardown(
			test_ticker_relays_fifo_lines_to_every_client,
			fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(test_ticker_cuts_a_long_fifo_line,
						fifo_setup, fifo_teardown),
		cmocka_unit_test(test_ticker_refuses_a_file_that_is_no_fifo),
		cmocka_unit_test_setup_teardown(
			test_ticker_reconfigure_applies_a_new_interval,
			fifo_setup, fifo_teardown),
		cmocka_unit_test_setup_teardown(
			test_ticker_reconfigure_refuses_another_fifo,
			fifo_setup, fifo_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
