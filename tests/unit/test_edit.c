/*
 * test_edit.c -- pinetctl's edit of a service's `enabled` line
 * (daemon/client/edit.c): exact bytes out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../daemon/client/edit.c"

/* Edit text; expect rc and, when 1, exactly want. */
static void check(const char *text, const char *name, int value, int rc,
		  const char *want)
{
	char *out = NULL, err[256] = "";
	size_t len = 0;

	assert_int_equal(pn_edit_enabled(text, strlen(text), name, value, &out, &len,
					 err, sizeof err), rc);
	if (rc == 1) {
		assert_int_equal(len, strlen(want));
		assert_string_equal(out, want);
	} else if (rc < 0) {
		assert_true(strstr(err, want) != NULL);
	}
	free(out);
}

static void test_edit_enabled_inserts_a_line_indented_like_the_next(void **s)
{
	(void)s;
	check("# x\nservice a {\n    plugin = \"echo\"\n}\n", "a", 0, 1,
	      "# x\nservice a {\n    enabled = false\n    plugin = \"echo\"\n}\n");
}

static void test_edit_enabled_replaces_the_value_only(void **s)
{
	(void)s;
	check("service a {\n\tenabled   =  false # off\n}\n", "a", 1, 1,
	      "service a {\n\tenabled   =  true # off\n}\n");
	check("service a {\n\tenabled = \"yes\"\n}\n", "a", 0, 1,
	      "service a {\n\tenabled = false\n}\n");
}

static void test_edit_enabled_finds_the_named_section(void **s)
{
	(void)s;
	check("service b {\n\tenabled = true\n}\nservice \"a\" {\n\tx = {1}\n}\n", "a", 0, 1,
	      "service b {\n\tenabled = true\n}\nservice \"a\" {\n\tenabled = false\n\tx = {1}\n}\n");
}

static void test_edit_enabled_skips_comments_and_nested_sections(void **s)
{
	(void)s;
	check("service a { # enabled = true\n\t/* enabled = true */\n\tsub { enabled = true }\n}\n",
	      "a", 0, 1,
	      "service a { # enabled = true\n\tenabled = false\n\t/* enabled = true */\n\tsub { enabled = true }\n}\n");
}

static void test_edit_enabled_nothing_to_do(void **s)
{
	(void)s;
	check("service a {\n\tenabled = off\n}\n", "a", 0, 0, NULL);
	check("service a {\n\tplugin = \"echo\"\n}\n", "a", 1, 0, NULL);
}

static void test_edit_enabled_refuses(void **s)
{
	(void)s;
	check("service b {\n}\n", "a", 0, -1, "no section 'service a'");
	check("service a { plugin = \"echo\" }\n", "a", 0, -1, "on one line");
	check("service a {\n\tplugin = \"echo\"\n", "a", 0, -1, "not closed");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edit_enabled_inserts_a_line_indented_like_the_next),
		cmocka_unit_test(test_edit_enabled_replaces_the_value_only),
		cmocka_unit_test(test_edit_enabled_finds_the_named_section),
		cmocka_unit_test(test_edit_enabled_skips_comments_and_nested_sections),
		cmocka_unit_test(test_edit_enabled_nothing_to_do),
		cmocka_unit_test(test_edit_enabled_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
