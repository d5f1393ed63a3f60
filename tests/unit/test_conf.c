/* Unit tests for daemon/conf.c: the configuration, good and bad fixtures,
 * asserting the exact error text with file:line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"
#include "conf.h"
#include "plugopt.h"

/*
 * Fault injection: the daemon's calls to calloc go through here
 * (-Wl,--wrap=calloc in tests/Makefile.am).  With fail_prefix_calloc = N,
 * the Nth array of address prefixes (elements of struct pn_prefix's size)
 * is refused; 0 refuses none.
 */
void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);
static int fail_prefix_calloc;

void *__wrap_calloc(size_t n, size_t size)
{
	if (fail_prefix_calloc > 0 && size == sizeof(struct pn_prefix) &&
	    --fail_prefix_calloc == 0)
		return NULL;
	return __real_calloc(n, size);
}

#define DIRS PLUGINDIR ":" TESTPLUGINDIR
#define FX(name) FIXTURES "/" name

/* Load a fixture; returns the table (or NULL) and the error text. */
static struct pn_config *load(const char *path, struct pn_registry *reg,
			      char **errs, int *nerr)
{
	size_t len;
	FILE *f = open_memstream(errs, &len);
	struct pn_config *conf;

	assert_non_null(f);
	conf = pn_config_load(path, DIRS, reg, f, nerr);
	fclose(f);
	return conf;
}

static void expect_errors(const char *path, const char *want, int nwant)
{
	struct pn_registry reg;
	char *errs = NULL;
	int nerr = 0;

	pn_registry_init(&reg);
	assert_null(load(path, &reg, &errs, &nerr));
	assert_string_equal(errs, want);
	assert_int_equal(nerr, nwant);
	free(errs);
	pn_registry_free(&reg);
}

static void test_conf_reads_good_fixture_and_dropins(void **st)
{
	struct pn_registry reg;
	struct pn_config *conf;
	char *errs = NULL;
	int nerr = -1;

	(void)st;
	pn_registry_init(&reg);
	conf = load(FX("good.conf"), &reg, &errs, &nerr);
	assert_string_equal(errs, "");
	assert_int_equal(nerr, 0);
	assert_non_null(conf);
	assert_int_equal(conf->log_level, 7);
	assert_int_equal(conf->backlog, 1024);
	assert_string_equal(conf->plugin_dir, DIRS);
	assert_string_equal(conf->services_dir, FIXTURES "/good.d");
	assert_int_equal(conf->nsvcs, 4);

	const struct pn_service_conf *e = &conf->svcs[0];
	assert_string_equal(e->name, "echo");
	assert_string_equal(e->plugin->name, "echo");
	assert_int_equal(e->line, 7);
	assert_int_equal(e->naddrs, 2);
	assert_int_equal(e->max_line, 100);
	assert_int_equal(e->output_max, PN_DEF_OUTPUT_MAX);
	assert_true(e->enabled);

	const struct pn_service_conf *a = &conf->svcs[1];
	assert_string_equal(a->name, "ack");
	assert_int_equal(a->naddrs, 2); /* "*" is IPv4 and IPv6 */
	assert_int_equal(a->nlisten, 1);
	assert_string_equal(a->listen[0], "tcp://*:17001");
	/* ack's conf: mode, reply, udp_reply, prefix, greeting, close, log */
	const struct pinetd_option *mode = pn_plugopt_find(a->plugin->desc->options, "mode");
	assert_int_equal(*(int *)(void *)((char *)a->pconf + mode->offset), 1);
	const struct pinetd_option *gr = pn_plugopt_find(a->plugin->desc->options, "greeting");
	assert_string_equal(*(char **)(void *)((char *)a->pconf + gr->offset),
			    "# and // and /* are not comments in strings");
	assert_int_equal(a->line, 13);

	const struct pn_service_conf *u = &conf->svcs[2];
	assert_string_equal(u->name, "ack-udp");
	assert_string_equal(u->file, FIXTURES "/good.d/10-ack-udp.conf");
	const struct pinetd_option *ur = pn_plugopt_find(u->plugin->desc->options, "udp_reply");
	assert_string_equal(*(char **)(void *)((char *)u->pconf + ur->offset), "Ack");
	/* defaults where nothing was set */
	const struct pinetd_option *rp = pn_plugopt_find(u->plugin->desc->options, "reply");
	assert_string_equal(*(char **)(void *)((char *)u->pconf + rp->offset),
			    "I got your message");

	assert_string_equal(conf->svcs[3].name, "echo-off");
	assert_false(conf->svcs[3].enabled);
	pn_config_free(conf);
	free(errs);
	pn_registry_free(&reg);
}

static void test_conf_rejects_unknown_option(void **st)
{
	(void)st;
	expect_errors(FX("bad_unknown_option.conf"),
		      FX("bad_unknown_option.conf") ":5: no such option 'colour'\n", 1);
}

static void test_conf_rejects_options_of_other_plugins_and_bad_choices(void **st)
{
	(void)st;
	expect_errors(FX("bad_plugin_option.conf"),
		      FX("bad_plugin_option.conf") ":5: service 'echo': option 'reply' "
		      "is not an option of plugin 'echo'\n"
		      FX("bad_plugin_option.conf") ":10: service 'ack': option 'mode': "
		      "invalid value 'shout' (expected one of: reply, prefix)\n", 2);
}

static void test_conf_rejects_bad_addresses(void **st)
{
	(void)st;
	expect_errors(FX("bad_address.conf"),
		      FX("bad_address.conf") ":5: service 'echo': bad listen address "
		      "'tcp://127.0.0.1:70000': port '70000' out of range [1, 65535]\n"
		      FX("bad_address.conf") ":6: service 'echo': bad listen address "
		      "'udp://256.0.0.1:7': invalid IPv4 address\n"
		      FX("bad_address.conf") ":9: service 'nolisten': no listen address "
		      "(listen = { \"tcp://HOST:PORT\" })\n", 3);
}

static void test_conf_rejects_udp_for_tcp_only_plugin_and_range(void **st)
{
	(void)st;
	expect_errors(FX("bad_udp.conf"),
		      FX("bad_udp.conf") ":4: service 'tcponly': plugin 'bad_udp' does "
		      "not support UDP (udp://127.0.0.1:17100)\n"
		      FX("bad_udp.conf") ":5: service 'tcponly': option 'count': value 11 "
		      "out of range [1, 10]\n", 2);
}

static void test_conf_rejects_two_services_on_one_address(void **st)
{
	(void)st;
	expect_errors(FX("bad_duplicate.conf"),
		      FX("dup.d/one.conf") ":4: service 'one' is already defined at "
		      FX("bad_duplicate.conf") ":3\n"
		      FX("bad_duplicate.conf") ":7: service 'two': address "
		      "tcp://127.0.0.1:17007 conflicts with tcp://0.0.0.0:17007 of service "
		      "'one' (" FX("bad_duplicate.conf") ":3)\n"
		      FX("bad_duplicate.conf") ":7: service 'two': address "
		      "udp://127.0.0.1:17009 is listed twice\n", 3);
}

static void test_conf_rejects_missing_plugins(void **st)
{
	(void)st;
	expect_errors(FX("bad_plugin.conf"),
		      FX("bad_plugin.conf") ":3: service 'x': plugin 'nosuch': no file "
		      "nosuch.so in plugin_dir " DIRS "\n"
		      FX("bad_plugin.conf") ":8: service 'y': no plugin (plugin = NAME)\n", 2);
}

static void test_conf_rejects_syntax_and_values(void **st)
{
	(void)st;
	expect_errors(FX("bad_syntax.conf"),
		      FX("bad_syntax.conf") ":5: invalid integer value for option 'max_line'\n", 1);
	expect_errors(FX("bad_log_level.conf"),
		      FX("bad_log_level.conf") ":2: invalid log_level 'loud' (expected "
		      "one of: error, warning, notice, info, debug)\n", 1);
	expect_errors(FX("bad_core_range.conf"),
		      FX("bad_core_range.conf") ":5: service 'echo': max_line 0 out of "
		      "range [1, 1048576]\n"
		      FX("bad_core_range.conf") ":7: service 'echo': output_max 2048 is "
		      "less than output_buffer 4096\n", 2);
	expect_errors(FX("bad_services_dir.conf"),
		      FX("bad_services_dir.conf") ": services_dir '" FIXTURES
		      "/no-such-dir': No such file or directory\n", 1);
	expect_errors(FX("no-such-file.conf"),
		      FX("no-such-file.conf") ": cannot read: No such file or directory\n", 1);
}

/*
 * An allow list that cannot be stored would be an empty list, which
 * allows every address: the load fails instead, naming the list.
 */
static void test_conf_allow_list_allocation_failure_fails_the_load(void **st)
{
	(void)st;
	fail_prefix_calloc = 1; /* the global list */
	expect_errors(FX("oom_allow.conf"),
		      FX("oom_allow.conf") ":4: allow: out of memory\n", 1);
	fail_prefix_calloc = 2; /* service own's list */
	expect_errors(FX("oom_allow.conf"),
		      FX("oom_allow.conf") ":9: service 'own': allow: out of memory\n", 1);
	fail_prefix_calloc = 3; /* service inherits's copy of the global list */
	expect_errors(FX("oom_allow.conf"),
		      FX("oom_allow.conf") ":13: service 'inherits': the global allow "
		      "list: out of memory\n", 1);
	fail_prefix_calloc = 0;
}

/*
 * The comment stripper blanks only what libconfuse reads as a comment:
 * "//" inside an unquoted word is part of it (a listen address), and
 * errors keep their exact lines.
 */
static void test_conf_keeps_slashes_inside_unquoted_values(void **st)
{
	struct pn_registry reg;
	struct pn_config *conf;
	char *errs = NULL;
	int nerr = -1;

	(void)st;
	pn_registry_init(&reg);
	conf = load(FX("slashes.conf"), &reg, &errs, &nerr);
	assert_string_equal(errs, "");
	assert_non_null(conf);
	assert_int_equal(conf->nsvcs, 1);
	assert_int_equal(conf->svcs[0].nlisten, 2);
	assert_string_equal(conf->svcs[0].listen[0], "tcp://127.0.0.1:17011");
	assert_string_equal(conf->svcs[0].listen[1], "udp://127.0.0.1:17011");
	assert_int_equal(conf->svcs[0].max_line, 100);
	assert_int_equal(conf->svcs[0].line, 5);
	pn_config_free(conf);
	free(errs);
	pn_registry_free(&reg);

	expect_errors(FX("bad_slashes.conf"),
		      FX("bad_slashes.conf") ":7: invalid integer value for option "
		      "'max_line'\n", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conf_reads_good_fixture_and_dropins),
		cmocka_unit_test(test_conf_rejects_unknown_option),
		cmocka_unit_test(test_conf_rejects_options_of_other_plugins_and_bad_choices),
		cmocka_unit_test(test_conf_rejects_bad_addresses),
		cmocka_unit_test(test_conf_rejects_udp_for_tcp_only_plugin_and_range),
		cmocka_unit_test(test_conf_rejects_two_services_on_one_address),
		cmocka_unit_test(test_conf_rejects_missing_plugins),
		cmocka_unit_test(test_conf_rejects_syntax_and_values),
		cmocka_unit_test(test_conf_allow_list_allocation_failure_fails_the_load),
		cmocka_unit_test(test_conf_keeps_slashes_inside_unquoted_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
