/* Unit tests for daemon/plugopt.c: filling a plugin's option struct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugopt.h"

struct conf {
	const char *text;
	long n;
	int flag;
	int mode;
};

static const char *const modes[] = { "reply", "prefix", NULL };

static const struct pinetd_option opts[] = {
	PINETD_OPTION_STR("text", struct conf, text, "hello", "a string"),
	PINETD_OPTION_INT("n", struct conf, n, 5, 1, 10, "a number"),
	PINETD_OPTION_BOOL("flag", struct conf, flag, 1, "a flag"),
	PINETD_OPTION_ENUM("mode", struct conf, mode, 1, modes, "a choice"),
	PINETD_OPTION_END,
};

static void test_plugopt_new_holds_defaults(void **st)
{
	struct conf *c = pn_plugopt_new(opts, sizeof *c);

	(void)st;
	assert_non_null(c);
	assert_string_equal(c->text, "hello");
	assert_int_equal(c->n, 5);
	assert_int_equal(c->flag, 1);
	assert_int_equal(c->mode, 1);
	assert_int_equal(pn_plugopt_count(opts), 4);
	assert_ptr_equal(pn_plugopt_find(opts, "n"), &opts[1]);
	assert_null(pn_plugopt_find(opts, "nope"));
	pn_plugopt_free(opts, c);
}

static void test_plugopt_set_text_checks_each_type(void **st)
{
	struct conf *c = pn_plugopt_new(opts, sizeof *c);
	char err[256];

	(void)st;
	assert_int_equal(pn_plugopt_set_text(&opts[0], c, "bye", err, sizeof err), 0);
	assert_string_equal(c->text, "bye");
	assert_int_equal(pn_plugopt_set_text(&opts[1], c, "10", err, sizeof err), 0);
	assert_int_equal(c->n, 10);
	assert_int_equal(pn_plugopt_set_text(&opts[1], c, "11", err, sizeof err), -1);
	assert_string_equal(err, "value 11 out of range [1, 10]");
	assert_int_equal(pn_plugopt_set_text(&opts[1], c, "x", err, sizeof err), -1);
	assert_string_equal(err, "invalid integer 'x'");
	assert_int_equal(pn_plugopt_set_text(&opts[2], c, "off", err, sizeof err), 0);
	assert_int_equal(c->flag, 0);
	assert_int_equal(pn_plugopt_set_text(&opts[2], c, "maybe", err, sizeof err), -1);
	assert_string_equal(err, "invalid boolean 'maybe'");
	assert_int_equal(pn_plugopt_set_text(&opts[3], c, "reply", err, sizeof err), 0);
	assert_int_equal(c->mode, 0);
	assert_int_equal(pn_plugopt_set_text(&opts[3], c, "shout", err, sizeof err), -1);
	assert_string_equal(err, "invalid value 'shout' (expected one of: reply, prefix)");
	pn_plugopt_free(opts, c);
}

static void test_plugopt_equal_compares_values_not_pointers(void **st)
{
	struct conf *a = pn_plugopt_new(opts, sizeof *a);
	struct conf *b = pn_plugopt_new(opts, sizeof *b);
	char err[64];

	(void)st;
	assert_ptr_not_equal(a->text, b->text);
	assert_true(pn_plugopt_equal(opts, a, b));
	pn_plugopt_set_text(&opts[0], b, "other", err, sizeof err);
	assert_false(pn_plugopt_equal(opts, a, b));
	pn_plugopt_set_text(&opts[0], b, "hello", err, sizeof err);
	assert_true(pn_plugopt_equal(opts, a, b));
	pn_plugopt_set_text(&opts[3], b, "reply", err, sizeof err);
	assert_false(pn_plugopt_equal(opts, a, b));
	assert_true(pn_plugopt_equal(opts, NULL, NULL));
	assert_false(pn_plugopt_equal(opts, a, NULL));
	pn_plugopt_free(opts, a);
	pn_plugopt_free(opts, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugopt_new_holds_defaults),
		cmocka_unit_test(test_plugopt_set_text_checks_each_type),
		cmocka_unit_test(test_plugopt_equal_compares_values_not_pointers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
