/* Unit tests for daemon/privs.c: resolving and applying identities. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privs.h"

static void test_ident_resolves_user_and_primary_group(void **st)
{
	struct pn_ident id;
	char err[128];
	struct passwd *pw = getpwnam("nobody");

	(void)st;
	assert_non_null(pw);
	assert_int_equal(pn_ident_resolve("nobody", NULL, &id, err, sizeof err), 0);
	assert_string_equal(id.user, "nobody");
	assert_int_equal(id.uid, pw->pw_uid);
	assert_int_equal(id.gid, pw->pw_gid);
	struct group *gr = getgrnam("daemon");
	assert_non_null(gr);
	assert_int_equal(pn_ident_resolve("nobody", "daemon", &id, err, sizeof err), 0);
	assert_int_equal(id.gid, gr->gr_gid);
}

static void test_ident_rejects_unknown_names(void **st)
{
	struct pn_ident id;
	char err[128];

	(void)st;
	assert_int_equal(pn_ident_resolve("no-such-user-x", NULL, &id, err, sizeof err), -1);
	assert_string_equal(err, "unknown user 'no-such-user-x'");
	assert_int_equal(pn_ident_resolve("nobody", "no-such-group-x", &id, err, sizeof err), -1);
	assert_string_equal(err, "unknown group 'no-such-group-x'");
	assert_int_equal(pn_ident_resolve("", NULL, &id, err, sizeof err), 0);
	assert_string_equal(id.user, "");
}

/* In a child: become nobody, and check that root cannot come back. */
static void test_ident_apply_drops_for_good(void **st)
{
	struct pn_ident id;
	char err[128];
	int status;

	(void)st;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pn_ident_resolve("nobody", NULL, &id, err, sizeof err), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (pn_ident_apply(&id, err, sizeof err) < 0)
			_exit(1);
		if (getuid() != id.uid || geteuid() != id.uid || setuid(0) == 0)
			_exit(2);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ident_resolves_user_and_primary_group),
		cmocka_unit_test(test_ident_rejects_unknown_names),
		cmocka_unit_test(test_ident_apply_drops_for_good),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
