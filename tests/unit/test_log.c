/* Unit tests for daemon/common/log.c: the terminal and journal line
 * forms, JOURNAL_STREAM matching, each message's own priority handed to
 * syslog(3) (wrapped), and the detaching parent's report pipe. */
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

#include "log.h"

/* ---- syslog(3), wrapped (-Wl,--wrap=syslog,--wrap=__syslog_chk) ---- */

static int syslog_pri = -1;
static char syslog_msg[256];

void __wrap_syslog(int pri, const char *fmt, ...);
void __wrap___syslog_chk(int pri, int flag, const char *fmt, ...);

void __wrap_syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	syslog_pri = pri;
	vsnprintf(syslog_msg, sizeof syslog_msg, fmt, ap);
	va_end(ap);
}

void __wrap___syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	syslog_pri = pri;
	vsnprintf(syslog_msg, sizeof syslog_msg, fmt, ap);
	va_end(ap);
}

static void test_format_terminal(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(pn_log_format(buf, sizeof buf, 0, LOG_ERR, "x y"), 19);
	assert_string_equal(buf, "pinetd: error: x y\n");
	pn_log_format(buf, sizeof buf, 0, LOG_NOTICE, "n");
	assert_string_equal(buf, "pinetd: notice: n\n");
}

static void test_format_journal(void **state)
{
	char buf[128];

	(void)state;
	assert_int_equal(pn_log_format(buf, sizeof buf, 1, LOG_ERR, "x y"), 7);
	assert_string_equal(buf, "<3>x y\n");
	pn_log_format(buf, sizeof buf, 1, LOG_DEBUG, "d");
	assert_string_equal(buf, "<7>d\n");
}

static void test_format_every_line_prefixed(void **state)
{
	char buf[128];

	(void)state;
	pn_log_format(buf, sizeof buf, 1, LOG_WARNING, "a\nb\n");
	assert_string_equal(buf, "<4>a\n<4>b\n");
	pn_log_format(buf, sizeof buf, 0, LOG_INFO, "a\nb");
	assert_string_equal(buf, "pinetd: info: a\npinetd: info: b\n");
}

static void test_format_cut_to_fit(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(pn_log_format(buf, sizeof buf, 1, LOG_ERR, "abcdefgh"), 7);
	assert_string_equal(buf, "<3>abc\n");
	assert_true(pn_log_format(buf, sizeof buf, 1, LOG_ERR, "a\nbcdefgh") <= 7);
	assert_memory_equal(buf, "<3>a\n", 5);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
}

/* A temporary file, its JOURNAL_STREAM value in js. */
static int temp_file(char *js, size_t n)
{
	char path[] = "/tmp/test_log.XXXXXX";
	int fd = mkstemp(path);
	struct stat st;

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(js, n, "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
	return fd;
}

static void test_stream_matching(void **state)
{
	char js[64], other[64];
	int fd = temp_file(js, sizeof js), fd2 = temp_file(other, sizeof other);

	(void)state;
	assert_true(pn_log_stream_is_journal(fd, js));
	assert_false(pn_log_stream_is_journal(fd, other));
	assert_false(pn_log_stream_is_journal(fd, NULL));
	assert_false(pn_log_stream_is_journal(fd, ""));
	assert_false(pn_log_stream_is_journal(fd, "12"));
	strcat(js, "x");
	assert_false(pn_log_stream_is_journal(fd, js));
	close(fd);
	close(fd2);
}

/* What pn_log writes to stderr when stderr is a file with JOURNAL_STREAM
 * set to js (or unset when NULL). */
static void log_to_file(const char *js, int fd, char *out, size_t n)
{
	int saved = dup(2);
	ssize_t k;

	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	if (js)
		setenv("JOURNAL_STREAM", js, 1);
	else
		unsetenv("JOURNAL_STREAM");
	pn_log_open("pinetd", 1, LOG_INFO);
	pn_log(LOG_ERR, "bad %d", 1);
	pn_log(LOG_NOTICE, "note");
	pn_log(LOG_INFO, "info");
	pn_log(LOG_DEBUG, "not shown");
	dup2(saved, 2);
	close(saved);
	unsetenv("JOURNAL_STREAM");
	k = pread(fd, out, n - 1, 0);
	assert_true(k >= 0);
	out[k] = '\0';
}

static void test_stderr_journal(void **state)
{
	char js[64], out[256];
	int fd = temp_file(js, sizeof js);

	(void)state;
	log_to_file(js, fd, out, sizeof out);
	assert_true(pn_log_journal());
	assert_string_equal(out, "<3>bad 1\n<5>note\n<6>info\n");
	close(fd);
}

static void test_stderr_terminal(void **state)
{
	char js[64], other[64], out[256];
	int fd = temp_file(js, sizeof js), fd2 = temp_file(other, sizeof other);

	(void)state;
	log_to_file(other, fd, out, sizeof out);
	assert_false(pn_log_journal());
	assert_string_equal(out, "pinetd: error: bad 1\npinetd: notice: note\n"
				 "pinetd: info: info\n");
	close(fd);
	close(fd2);
}

static void test_syslog_gets_each_priority(void **state)
{
	(void)state;
	pn_log_open("pinetd", 0, LOG_INFO);
	pn_log(LOG_ERR, "e %s", "1");
	assert_int_equal(syslog_pri, LOG_ERR);
	assert_string_equal(syslog_msg, "e 1");
	pn_log(LOG_WARNING, "w");
	assert_int_equal(syslog_pri, LOG_WARNING);
	pn_log(LOG_NOTICE, "n %%d");
	assert_int_equal(syslog_pri, LOG_NOTICE);
	assert_string_equal(syslog_msg, "n %d"); /* a message is no format */
	pn_log(LOG_INFO, "i");
	assert_int_equal(syslog_pri, LOG_INFO);
	syslog_pri = -1;
	pn_log(LOG_DEBUG, "d");
	assert_int_equal(syslog_pri, -1);
	pn_log_open("pinetd", 1, LOG_INFO);
}

static void test_tee_and_report(void **state)
{
	int p[2];
	char buf[256];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	pn_log_open("pinetd", 0, LOG_DEBUG);
	pn_log_tee(p[1]);
	pn_log(LOG_ERR, "cannot bind");
	pn_log(LOG_WARNING, "careful");
	pn_log(LOG_NOTICE, "not for the terminal");
	pn_log_report(p[1], 3);
	pn_log(LOG_ERR, "after the report"); /* the tee ended */
	n = read(p[0], buf, sizeof buf);
	const char want[] = "pinetd: error: cannot bind\npinetd: warning: careful\n\0\3";
	assert_int_equal(n, sizeof want - 1);
	assert_memory_equal(buf, want, sizeof want - 1);
	assert_int_equal(read(p[0], buf, sizeof buf), 0); /* closed */
	close(p[0]);
	pn_log_open("pinetd", 1, LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_terminal),
		cmocka_unit_test(test_format_journal),
		cmocka_unit_test(test_format_every_line_prefixed),
		cmocka_unit_test(test_format_cut_to_fit),
		cmocka_unit_test(test_stream_matching),
		cmocka_unit_test(test_stderr_journal),
		cmocka_unit_test(test_stderr_terminal),
		cmocka_unit_test(test_syslog_gets_each_priority),
		cmocka_unit_test(test_tee_and_report),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
