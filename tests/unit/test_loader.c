/* Unit tests for daemon/loader.c: loading and rejecting plugins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "loader.h"

/* PLUGINDIR: the build tree's plugins; TESTPLUGINDIR: tests/plugins. */

static void expect_reject(const char *dir, const char *ref, const char *want)
{
	struct pn_registry r;
	char err[1024] = "";

	pn_registry_init(&r);
	assert_null(pn_plugin_load(&r, dir, ref, err, sizeof err));
	assert_string_equal(err, want);
	assert_null(r.plugins);
	pn_registry_free(&r);
}

static void test_loader_loads_echo_once(void **st)
{
	struct pn_registry r;
	struct pn_plugin *p, *q;
	char err[1024] = "", path[1024];

	(void)st;
	pn_registry_init(&r);
	p = pn_plugin_load(&r, "/nonexistent:" PLUGINDIR, "echo", err, sizeof err);
	assert_non_null(p);
	assert_string_equal(p->name, "echo");
	snprintf(path, sizeof path, "%s/echo.so", PLUGINDIR);
	assert_string_equal(p->path, path);
	assert_int_equal(p->desc->abi, PINETD_ABI_VERSION);
	q = pn_plugin_load(&r, PLUGINDIR, "echo", err, sizeof err);
	assert_ptr_equal(p, q);
	assert_ptr_equal(pn_plugin_find(&r, "echo"), p);
	pn_registry_free(&r);
}

static void test_loader_rejects_missing_file(void **st)
{
	(void)st;
	expect_reject(PLUGINDIR, "nosuch",
		      "plugin 'nosuch': no file nosuch.so in plugin_dir " PLUGINDIR);
	expect_reject("", "echo",
		      "plugin 'echo': no plugin_dir configured to look it up in");
	expect_reject(PLUGINDIR, "/nonexistent/x.so",
		      "plugin '/nonexistent/x.so' (/nonexistent/x.so): cannot load: "
		      "/nonexistent/x.so: cannot open shared object file: No such "
		      "file or directory (is the name right? for a missing library, "
		      "run ldd on the file)");
}

static void test_loader_rejects_wrong_abi(void **st)
{
	(void)st;
	expect_reject(TESTPLUGINDIR, "bad_abi",
		      "plugin 'bad_abi' (" TESTPLUGINDIR "/bad_abi.so): ABI version 2, expected 1");
}

static void test_loader_rejects_small_descriptor(void **st)
{
	char want[1024];

	(void)st;
	snprintf(want, sizeof want,
		 "plugin 'bad_size' (%s/bad_size.so): descriptor is 48 bytes, "
		 "expected at least %zu (built against an older pinetd/plugin.h?)",
		 TESTPLUGINDIR, sizeof(struct pinetd_plugin));
	expect_reject(TESTPLUGINDIR, "bad_size", want);
}

static void test_loader_rejects_missing_symbol(void **st)
{
	(void)st;
	expect_reject(TESTPLUGINDIR, "bad_nosym",
		      "plugin 'bad_nosym' (" TESTPLUGINDIR "/bad_nosym.so): no "
		      "'pinetd_plugin' symbol, not a pinetd plugin (" TESTPLUGINDIR
		      "/bad_nosym.so: undefined symbol: pinetd_plugin)");
}

static void test_loader_rejects_missing_name(void **st)
{
	(void)st;
	expect_reject(TESTPLUGINDIR, "bad_noname",
		      "plugin 'bad_noname' (" TESTPLUGINDIR
		      "/bad_noname.so): descriptor has no name");
}

static void test_loader_rejects_name_mismatch(void **st)
{
	(void)st;
	expect_reject(TESTPLUGINDIR, "dup_echo",
		      "plugin 'dup_echo' (" TESTPLUGINDIR "/dup_echo.so): "
		      "descriptor is named 'echo', expected 'dup_echo'");
}

static void test_loader_rejects_second_plugin_with_same_name(void **st)
{
	struct pn_registry r;
	char err[1024] = "";

	(void)st;
	pn_registry_init(&r);
	assert_non_null(pn_plugin_load(&r, PLUGINDIR, "echo", err, sizeof err));
	assert_null(pn_plugin_load(&r, PLUGINDIR, TESTPLUGINDIR "/dup_echo.so",
				   err, sizeof err));
	assert_string_equal(err, "plugin '" TESTPLUGINDIR "/dup_echo.so' ("
			    TESTPLUGINDIR "/dup_echo.so): a plugin named 'echo' "
			    "is already loaded from " PLUGINDIR "/echo.so");
	pn_registry_free(&r);
}

/* Descriptors checked without dlopen: callbacks and option tables. */
static int init(const struct pinetd_core *c, pinetd_svc *s, const void *conf,
		void **st, char *e, size_t el)
{
	return 0;
}

static void data(void *st, pinetd_conn *c, const char *b, size_t l) {}

struct oc {
	long n;
};

static void test_check_rejects_incomplete_descriptors(void **st)
{
	static const struct pinetd_option clash[] = {
		PINETD_OPTION_INT("listen", struct oc, n, 1, 0, 0, "x"),
		PINETD_OPTION_END,
	};
	static const struct pinetd_option outside[] = {
		PINETD_OPTION_INT("n", struct oc, n, 1, 0, 0, "x"),
		PINETD_OPTION_END,
	};
	struct pinetd_plugin d = {
		PINETD_PLUGIN_HEAD, .name = "t", .transports = PINETD_TCP,
		.init = init, .on_data = data,
	};
	char err[512];

	(void)st;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), 0);
	d.transports = PINETD_UDP;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): supports UDP but has no on_datagram callback");
	d.transports = PINETD_TCP;
	d.flags = PINETD_PF_LINES;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): supports TCP but has no on_line callback");
	d.flags = 0;
	d.init = NULL;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): no init callback");
	d.init = init;
	d.transports = 0;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): transports 0x0, expected TCP and/or UDP");
	d.transports = PINETD_TCP;
	d.options = clash;
	d.conf_size = sizeof(struct oc);
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): option 'listen' clashes with a core service option");
	d.options = outside;
	d.conf_size = 4;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): option 'n' lies outside conf_size 4");
}

static int opened(void *st, pinetd_conn *c) { return 0; }
static int waited(void *st, pinetd_svc *s, int fd) { return 0; }

/* A process-mode plugin that takes the connection over in on_open (exec)
 * needs no on_data, and one that serves UDP through on_wait no
 * on_datagram. */
static void test_check_accepts_takeover_plugins(void **st)
{
	struct pinetd_plugin d = {
		PINETD_PLUGIN_HEAD, .name = "x", .transports = PINETD_TCP | PINETD_UDP,
		.flags = PINETD_PF_PROCESS, .init = init, .on_open = opened,
		.on_wait = waited,
	};
	char err[512];

	(void)st;
	assert_int_equal(pn_plugin_check(&d, "x", "/p/x.so", err, sizeof err), 0);
	d.flags = 0; /* event mode: on_open alone serves nothing */
	assert_int_equal(pn_plugin_check(&d, "x", "/p/x.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 'x' (/p/x.so): supports TCP but has no on_data callback");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loader_loads_echo_once),
		cmocka_unit_test(test_loader_rejects_missing_file),
		cmocka_unit_test(test_loader_rejects_wrong_abi),
		cmocka_unit_test(test_loader_rejects_small_descriptor),
		cmocka_unit_test(test_loader_rejects_missing_symbol),
		cmocka_unit_test(test_loader_rejects_missing_name),
		cmocka_unit_test(test_loader_rejects_name_mismatch),
		cmocka_unit_test(test_loader_rejects_second_plugin_with_same_name),
		cmocka_unit_test(test_check_rejects_incomplete_descriptors),
		cmocka_unit_test(test_check_accepts_takeover_plugins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
