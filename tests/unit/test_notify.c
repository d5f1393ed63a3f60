/* Unit tests for daemon/common/notify.c's watchdog interval and the
 * STATUS= line of daemon/supervisor/status.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "notify.h"
#include "status.h"

static void test_status_text(void **state)
{
	struct pn_status_facts f = { 8, 6, 3 };
	char buf[256];

	(void)state;
	pn_status_text(buf, sizeof buf, &f, "");
	assert_string_equal(buf, "8 services in 6 workers, 3 connections");
	f = (struct pn_status_facts){ 1, 1, 1 };
	pn_status_text(buf, sizeof buf, &f, "");
	assert_string_equal(buf, "1 service in 1 worker, 1 connection");
	f = (struct pn_status_facts){ 0, 0, 0 };
	pn_status_text(buf, sizeof buf, &f, "reloaded at 10:00:00");
	assert_string_equal(buf, "0 services in 0 workers, 0 connections; "
				 "reloaded at 10:00:00");
}

static void test_watchdog_usec(void **state)
{
	char pid[32];

	(void)state;
	unsetenv("WATCHDOG_PID");
	unsetenv("WATCHDOG_USEC");
	assert_int_equal(pn_notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "600000", 1);
#ifdef HAVE_LIBSYSTEMD
	assert_int_equal(pn_notify_watchdog_usec(), 600000);
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(pn_notify_watchdog_usec(), 600000);
	/* Another process's watchdog (a worker inherited the variables). */
	snprintf(pid, sizeof pid, "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(pn_notify_watchdog_usec(), 0);
#else
	(void)pid;
	assert_int_equal(pn_notify_watchdog_usec(), 0);
#endif
	setenv("WATCHDOG_USEC", "junk", 1);
	unsetenv("WATCHDOG_PID");
	assert_int_equal(pn_notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_USEC");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_text),
		cmocka_unit_test(test_watchdog_usec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
