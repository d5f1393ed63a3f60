/*
 * Unit tests for the helpers of daemon/spawn.c: the stderr line assembly,
 * wait statuses in words, and the /proc fallback that closes descriptors
 * in the child.  The spawner itself runs in the real daemon
 * (integration/test_exec.sh, test_exec_procs.sh).
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "spawn.h"

/* Collects lines from pn_lines_*. */
struct lines {
	char text[8][1024];
	int n;
};

static void collect_line(void *arg, const char *line)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	snprintf(l->text[l->n++], sizeof l->text[0], "%s", line);
}

/* CR LF and LF end lines; control characters become '?'; empty lines
 * are dropped; a line longer than PN_SPAWN_LINE_MAX comes in pieces. */
static void test_lines_split_cut_and_clean(void **st)
{
	struct pn_lines l = { .len = 0 };
	struct lines got = { .n = 0 };
	char big[PN_SPAWN_LINE_MAX + 10];

	(void)st;
	pn_lines_feed(&l, "one\r\ntw", 7, collect_line, &got);
	assert_int_equal(got.n, 1);
	pn_lines_feed(&l, "o\n\n\nbell\a esc\033[2J\tend", 21, collect_line, &got);
	assert_int_equal(got.n, 2);
	pn_lines_flush(&l, collect_line, &got);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.text[0], "one");
	assert_string_equal(got.text[1], "two");
	assert_string_equal(got.text[2], "bell? esc?[2J\tend");
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	pn_lines_feed(&l, big, sizeof big, collect_line, &got);
	assert_int_equal(got.n, 5);
	assert_int_equal(strlen(got.text[3]), PN_SPAWN_LINE_MAX);
	assert_string_equal(got.text[4], "xxxxxxxxx");
	pn_lines_flush(&l, collect_line, &got);
	assert_int_equal(got.n, 5);
}

static void test_status_text_exit_signal_core(void **st)
{
	char buf[128];

	(void)st;
	pn_spawn_status_text(0, buf, sizeof buf);
	assert_string_equal(buf, "exited with status 0");
	pn_spawn_status_text(3 << 8, buf, sizeof buf);
	assert_string_equal(buf, "exited with status 3");
	pn_spawn_status_text(SIGKILL, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 9 (Killed)");
	pn_spawn_status_text(SIGSEGV | 0x80, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 11 (Segmentation fault), "
				 "core dumped");
}

/* The /proc fallback (kernels without close_range) closes everything
 * from lowfd up, scattered and high descriptors included. */
static void test_close_from_proc(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fds[40], bad = 0;
		for (int i = 0; i < 40; i++)
			if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
				_exit(2);
		if (dup2(fds[0], 900) < 0)
			_exit(2);
		if (pn_close_from_proc(5) < 0)
			_exit(3);
		for (int fd = 0; fd < 5; fd++)
			bad += fcntl(fd, F_GETFD) < 0 && fd < 3; /* 0-2 kept */
		for (int i = 0; i < 40; i++)
			bad += fds[i] >= 5 && fcntl(fds[i], F_GETFD) >= 0;
		bad += fcntl(900, F_GETFD) >= 0;
		bad += fcntl(fds[0], F_GETFD) < 0 && fds[0] < 5;
		_exit(bad ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_split_cut_and_clean),
		cmocka_unit_test(test_status_text_exit_signal_core),
		cmocka_unit_test(test_close_from_proc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
