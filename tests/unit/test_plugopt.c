/* Unit tests for daemon/config/plugopt.c: checking a plugin's option
 * table and filling its option struct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plugopt.h"

struct conf {
	const char *text;
	int64_t n;
	int32_t flag;
	int32_t mode;
	int64_t big;
};

static const char *const modes[] = { "reply", "prefix", NULL };

static const struct pinetd_option opts[] = {
	PINETD_OPTION_STR("text", struct conf, text, "hello", "a string"),
	PINETD_OPTION_INT("n", struct conf, n, 5, 1, 10, "a number"),
	PINETD_OPTION_BOOL("flag", struct conf, flag, 1, "a flag"),
	PINETD_OPTION_ENUM("mode", struct conf, mode, "prefix", modes,
			   "a choice"),
	PINETD_OPTION_INT("big", struct conf, big, -5000000000LL, 0, 0,
			  "an unbounded number"),
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
	assert_int_equal(c->mode, 1); /* "prefix", by name */
	assert_true(c->big == -5000000000LL);
	assert_int_equal(pn_plugopt_count(opts), 5);
	assert_ptr_equal(pn_plugopt_find(opts, "n"), &opts[1]);
	assert_null(pn_plugopt_find(opts, "nope"));
	pn_plugopt_free(opts, c);
}

static void test_plugopt_enum_default_null_is_first_choice(void **st)
{
	static const struct pinetd_option o[] = {
		PINETD_OPTION_ENUM("mode", struct conf, mode, NULL, modes, ""),
		PINETD_OPTION_END,
	};
	struct conf *c = pn_plugopt_new(o, sizeof *c);

	(void)st;
	assert_int_equal(c->mode, 0);
	assert_string_equal(pn_plugopt_enum_default(&o[0]), "reply");
	assert_string_equal(pn_plugopt_enum_default(&opts[3]), "prefix");
	assert_int_equal(pn_plugopt_choice(&opts[3], "reply"), 0);
	assert_int_equal(pn_plugopt_choice(&opts[3], "prefix"), 1);
	assert_int_equal(pn_plugopt_choice(&opts[3], "Prefix"), -1);
	pn_plugopt_free(o, c);
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
	assert_int_equal(c->n, 10);
	assert_int_equal(pn_plugopt_set_text(&opts[1], c, "x", err, sizeof err), -1);
	assert_string_equal(err, "invalid integer 'x'");
	assert_int_equal(pn_plugopt_set_text(&opts[4], c, "9000000000", err, sizeof err), 0);
	assert_true(c->big == 9000000000LL);
	assert_int_equal(pn_plugopt_set_text(&opts[4], c, "99999999999999999999", err,
					     sizeof err), -1);
	assert_string_equal(err, "invalid integer '99999999999999999999'");
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

static void test_plugopt_format_writes_config_text(void **st)
{
	struct conf *c = pn_plugopt_new(opts, sizeof *c);
	char err[64], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)st;
	pn_plugopt_set_text(&opts[0], c, "a\"b\n", err, sizeof err);
	for (size_t i = 0; i < 5; i++) {
		pn_plugopt_format(&opts[i], c, f);
		fputc(' ', f);
	}
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\n\" 5 true prefix -5000000000 ");
	free(buf);
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
	pn_plugopt_set_text(&opts[3], b, "prefix", err, sizeof err);
	pn_plugopt_set_text(&opts[4], b, "-5000000001", err, sizeof err);
	assert_false(pn_plugopt_equal(opts, a, b));
	assert_true(pn_plugopt_equal(opts, NULL, NULL));
	assert_false(pn_plugopt_equal(opts, a, NULL));
	pn_plugopt_free(opts, a);
	pn_plugopt_free(opts, b);
}

static void test_plugopt_field_size_and_type_name(void **st)
{
	(void)st;
	assert_int_equal(pn_plugopt_field_size(PINETD_OPT_STR), sizeof(char *));
	assert_int_equal(pn_plugopt_field_size(PINETD_OPT_INT), 8);
	assert_int_equal(pn_plugopt_field_size(PINETD_OPT_BOOL), 4);
	assert_int_equal(pn_plugopt_field_size(PINETD_OPT_ENUM), 4);
	assert_int_equal(pn_plugopt_field_size(PINETD_OPT_END), 0);
	assert_int_equal(pn_plugopt_field_size(77), 0);
	assert_string_equal(pn_plugopt_type_name(PINETD_OPT_STR), "string");
	assert_string_equal(pn_plugopt_type_name(PINETD_OPT_INT), "integer");
	assert_string_equal(pn_plugopt_type_name(PINETD_OPT_BOOL), "boolean");
	assert_string_equal(pn_plugopt_type_name(PINETD_OPT_ENUM), "choice");
	assert_string_equal(pn_plugopt_type_name(77), "?");
	assert_int_equal(PN_PLUGOPT_MIN_SIZE, sizeof(struct pinetd_option));
}

/* ---- normalize ---- */

static void test_plugopt_normalize_copies_a_table_of_our_size(void **st)
{
	char err[128] = "";
	struct pinetd_option *n =
		pn_plugopt_normalize(opts, sizeof opts[0], err, sizeof err);

	(void)st;
	assert_non_null(n);
	assert_ptr_not_equal(n, opts);
	assert_memory_equal(n, opts, sizeof opts);
	assert_int_equal(pn_plugopt_count(n), 5);
	assert_int_equal(pn_plugopt_check(n, sizeof(struct conf), err, sizeof err), 0);
	free(n);
}

static void test_plugopt_normalize_null_table_is_just_the_end(void **st)
{
	char err[128] = "";
	struct pinetd_option *n = pn_plugopt_normalize(NULL, 0, err, sizeof err);

	(void)st;
	assert_non_null(n);
	assert_int_equal(n[0].type, PINETD_OPT_END);
	assert_null(n[0].name);
	assert_int_equal(pn_plugopt_count(n), 0);
	assert_int_equal(pn_plugopt_check(n, 0, err, sizeof err), 0);
	free(n);
}

/* A newer plugin's entries: two members we do not know appended. */
struct newer_option {
	struct pinetd_option base;
	const char *unit;
	uint64_t flags;
};

static void test_plugopt_normalize_steps_by_a_larger_entry(void **st)
{
	static const struct newer_option big[] = {
		{ PINETD_OPTION_INT("n", struct conf, n, 7, 1, 10, "h"), "s", 3 },
		{ PINETD_OPTION_STR("text", struct conf, text, "x", "t"), "u", 4 },
		{ PINETD_OPTION_END, NULL, 0 },
	};
	char err[128] = "";
	struct pinetd_option *n =
		pn_plugopt_normalize(&big[0].base, sizeof big[0], err, sizeof err);

	(void)st;
	assert_non_null(n);
	assert_int_equal(pn_plugopt_count(n), 2);
	assert_memory_equal(&n[0], &big[0].base, sizeof n[0]);
	assert_memory_equal(&n[1], &big[1].base, sizeof n[1]);
	assert_string_equal(n[1].name, "text");
	assert_string_equal(n[1].def_str, "x");
	assert_int_equal(n[2].type, PINETD_OPT_END);
	free(n);
}

static void test_plugopt_normalize_refuses_small_entries(void **st)
{
	char err[128] = "";

	(void)st;
	assert_null(pn_plugopt_normalize(opts, PN_PLUGOPT_MIN_SIZE - 8, err,
					 sizeof err));
	assert_string_equal(err, "option entries of 56 bytes are smaller than "
				 "the minimum 64");
}

static void test_plugopt_normalize_refuses_an_unterminated_table(void **st)
{
	/* A hostile table: more entries than the bound, none of them END
	 * (every entry is readable, so only the bound can stop the walk). */
	size_t count = PN_PLUGOPT_MAX + 50;
	struct pinetd_option *t = calloc(count, sizeof *t);
	char err[128] = "";

	(void)st;
	for (size_t i = 0; i < count; i++) {
		t[i].name = "x";
		t[i].type = PINETD_OPT_BOOL;
	}
	assert_null(pn_plugopt_normalize(t, sizeof *t, err, sizeof err));
	assert_string_equal(err, "option table has no end after 1024 options");
	/* One END at the last place the bound allows is accepted. */
	t[PN_PLUGOPT_MAX].type = PINETD_OPT_END;
	t[PN_PLUGOPT_MAX].name = NULL;
	struct pinetd_option *n = pn_plugopt_normalize(t, sizeof *t, err, sizeof err);
	assert_non_null(n);
	assert_int_equal(pn_plugopt_count(n), PN_PLUGOPT_MAX);
	free(n);
	free(t);
}

/* ---- check ---- */

/* Check a one-option table against conf_size; return the message. */
static const char *check1(struct pinetd_option o, size_t conf_size)
{
	static char err[256];
	struct pinetd_option t[2] = { o, PINETD_OPTION_END };

	strcpy(err, "(accepted)");
	if (pn_plugopt_check(t, conf_size, err, sizeof err) == 0)
		assert_string_equal(err, "(accepted)");
	return err;
}

static void test_plugopt_check_refuses_each_defect(void **st)
{
	static const char *const framing[] = { "lines", "reads", NULL };
	static const char *const none[] = { NULL };
	struct pinetd_option o;

	(void)st;
	o = (struct pinetd_option)PINETD_OPTION_BOOL(NULL, struct conf, flag, 0, "");
	assert_string_equal(check1(o, sizeof(struct conf)), "option #1 has no name");
	o = (struct pinetd_option)PINETD_OPTION_BOOL("", struct conf, flag, 0, "");
	assert_string_equal(check1(o, sizeof(struct conf)), "option #1 has no name");
	o = (struct pinetd_option)PINETD_OPTION_BOOL("flag", struct conf, flag, 0, "");
	o.type = 9;
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'flag' has unknown type 9");
	o = (struct pinetd_option)PINETD_OPTION_INT("n", struct conf, n, 5, 0, 0, "");
	assert_string_equal(check1(o, offsetof(struct conf, n) + 7),
			    "option 'n' lies outside conf_size 15");
	assert_string_equal(check1(o, offsetof(struct conf, n) + 8), "(accepted)");
	o.offset = 0xfffffffcu; /* no wrap-around */
	assert_string_equal(check1(o, 64), "option 'n' lies outside conf_size 64");
	o.offset = 12;
	assert_string_equal(check1(o, 64),
			    "option 'n': offset 12 is not a multiple of 8");
	o = (struct pinetd_option)PINETD_OPTION_INT("n", struct conf, n, 0, 1, 10, "");
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'n': default 0 is outside [1, 10]");
	o.def_int = 11;
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'n': default 11 is outside [1, 10]");
	o.def_int = 10;
	assert_string_equal(check1(o, sizeof(struct conf)), "(accepted)");
	o.min = o.max = 3; /* no range: any default */
	o.def_int = -7;
	assert_string_equal(check1(o, sizeof(struct conf)), "(accepted)");
	o = (struct pinetd_option)PINETD_OPTION_ENUM("framing", struct conf, mode,
						     "x", framing, "");
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'framing': default 'x' is not one of: "
			    "lines, reads");
	o.def_str = "reads";
	assert_string_equal(check1(o, sizeof(struct conf)), "(accepted)");
	o.def_str = NULL;
	assert_string_equal(check1(o, sizeof(struct conf)), "(accepted)");
	o.choices = none;
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'framing' has no choices");
	o.choices = NULL;
	assert_string_equal(check1(o, sizeof(struct conf)),
			    "option 'framing' has no choices");
}

static void test_plugopt_check_refuses_a_name_declared_twice(void **st)
{
	static const struct pinetd_option t[] = {
		PINETD_OPTION_BOOL("flag", struct conf, flag, 0, ""),
		PINETD_OPTION_STR("text", struct conf, text, NULL, ""),
		PINETD_OPTION_BOOL("flag", struct conf, mode, 0, ""),
		PINETD_OPTION_END,
	};
	char err[128] = "";

	(void)st;
	assert_int_equal(pn_plugopt_check(t, sizeof(struct conf), err, sizeof err), -1);
	assert_string_equal(err, "option 'flag' is declared twice");
	assert_int_equal(pn_plugopt_check(opts, sizeof(struct conf), err, sizeof err), 0);
	assert_int_equal(pn_plugopt_check(NULL, 0, err, sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plugopt_new_holds_defaults),
		cmocka_unit_test(test_plugopt_enum_default_null_is_first_choice),
		cmocka_unit_test(test_plugopt_set_text_checks_each_type),
		cmocka_unit_test(test_plugopt_format_writes_config_text),
		cmocka_unit_test(test_plugopt_equal_compares_values_not_pointers),
		cmocka_unit_test(test_plugopt_field_size_and_type_name),
		cmocka_unit_test(test_plugopt_normalize_copies_a_table_of_our_size),
		cmocka_unit_test(test_plugopt_normalize_null_table_is_just_the_end),
		cmocka_unit_test(test_plugopt_normalize_steps_by_a_larger_entry),
		cmocka_unit_test(test_plugopt_normalize_refuses_small_entries),
		cmocka_unit_test(test_plugopt_normalize_refuses_an_unterminated_table),
		cmocka_unit_test(test_plugopt_check_refuses_each_defect),
		cmocka_unit_test(test_plugopt_check_refuses_a_name_declared_twice),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
