/* Unit tests for daemon/loader.c: loading and rejecting plugins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
		 "smaller than the %zu of plugin API 1.0 (define it with "
		 "PINETD_PLUGIN_DEFINE)",
		 TESTPLUGINDIR, (size_t)PINETD_PLUGIN_MIN_SIZE);
	expect_reject(TESTPLUGINDIR, "bad_size", want);
}

static void test_loader_rejects_missing_symbol(void **st)
{
	(void)st;
	expect_reject(TESTPLUGINDIR, "bad_nosym",
		      "plugin 'bad_nosym' (" TESTPLUGINDIR "/bad_nosym.so): no "
		      "'pinetd_plugin_v1' symbol, not a pinetd plugin (" TESTPLUGINDIR
		      "/bad_nosym.so: undefined symbol: pinetd_plugin_v1)");
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
static void data(void *st, pinetd_conn *c, const char *b, size_t l) {}
static void line(void *st, pinetd_conn *c, char *b, size_t l, uint32_t f) {}
static void eof(void *st, pinetd_conn *c) {}
static int reconf(void *st, pinetd_svc *s, const void *conf, char *e,
		  size_t el)
{
	return 0;
}

static const struct pinetd_core *slot;

struct oc {
	int64_t n;
	int32_t e;
};

static const char *const abc[] = { "a", "b", "c", NULL };

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
	static const struct pinetd_option baddef[] = {
		PINETD_OPTION_ENUM("e", struct oc, e, "d", abc, "x"),
		PINETD_OPTION_END,
	};
	struct pinetd_plugin d = {
		.abi = PINETD_ABI_VERSION, .size = sizeof d, .core = &slot,
		.name = "t", .transports = PINETD_TCP,
	};
	char err[512];

	(void)st;
	/* Input callbacks are optional (the input is dropped). */
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), 0);
	d.transports = PINETD_UDP;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): supports UDP but has no on_datagram callback");
	d.transports = PINETD_TCP;
	d.flags = PINETD_PF_LINES;
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): PINETD_PF_LINES without an on_line callback");
	d.flags = 0;
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
	d.options = baddef;
	d.conf_size = sizeof(struct oc);
	assert_int_equal(pn_plugin_check(&d, "t", "/p/t.so", err, sizeof err), -1);
	assert_non_null(strstr(err, "plugin 't' (/p/t.so): option 'e': default 'd'"));
}

/* adopt: what a descriptor from a shared object becomes. */
static int adopt(const struct pinetd_plugin *raw, struct pinetd_plugin *out,
		 char *err, size_t errlen)
{
	struct pinetd_option *opts = NULL;
	int rc = pn_plugin_adopt(raw, "t", "/p/t.so", out, &opts, err, errlen);

	free(opts);
	return rc;
}

/* One member shorter (an older 1.x header): loads, the member it lacks is
 * absent even though the memory after its size holds a function. */
static void test_adopt_treats_members_beyond_size_as_absent(void **st)
{
	struct pinetd_plugin d = {
		.abi = PINETD_ABI_VERSION, .core = &slot, .name = "t",
		.transports = PINETD_TCP, .on_data = data, .on_eof = eof,
		.reconfigure = reconf,
		.size = offsetof(struct pinetd_plugin, reconfigure),
	}, out;
	char err[512] = "";

	(void)st;
	assert_int_equal(adopt(&d, &out, err, sizeof err), 0);
	assert_null(out.reconfigure);
	assert_ptr_equal(out.on_eof, eof);
	assert_ptr_equal(out.on_data, data);
	assert_int_equal(out.size, sizeof out);
	/* The documented minimum still loads, everything after it absent. */
	d.size = PINETD_PLUGIN_MIN_SIZE;
	assert_int_equal(adopt(&d, &out, err, sizeof err), 0);
	assert_null(out.on_eof);
	assert_null(out.on_datagram);
	d.size = PINETD_PLUGIN_MIN_SIZE - 1;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "smaller than the"));
}

/* One member longer (a newer header): loads, the extra member ignored. */
static void test_adopt_accepts_longer_descriptors(void **st)
{
	struct {
		struct pinetd_plugin base;
		void (*newer)(void);
	} d = {
		.base = { .abi = PINETD_ABI_VERSION, .size = sizeof d,
			  .core = &slot, .name = "t", .transports = PINETD_TCP,
			  .flags = PINETD_PF_LINES, .on_line = line,
			  .reconfigure = reconf },
		.newer = (void (*)(void))data,
	};
	struct pinetd_plugin out;
	char err[512] = "";

	(void)st;
	assert_int_equal(adopt(&d.base, &out, err, sizeof err), 0);
	assert_ptr_equal(out.reconfigure, reconf);
	assert_ptr_equal(out.on_line, line);
}

static void test_adopt_refuses_what_it_lacks(void **st)
{
	static const char *const ok[] = { PINETD_FEATURE_API_1_0, NULL };
	static const char *const newer[] = { "api-1.0", "quantum", NULL };
	struct pinetd_plugin d = {
		.abi = PINETD_ABI_VERSION, .size = sizeof d, .core = &slot,
		.name = "t", .transports = PINETD_TCP,
	}, out;
	char err[512] = "";

	(void)st;
	d.requires = ok;
	assert_int_equal(adopt(&d, &out, err, sizeof err), 0);
	d.requires = newer;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): requires feature "
			    "'quantum', which this daemon (plugin API 1.0) "
			    "lacks: it needs a newer pinetd");
	d.requires = NULL;
	d.flags = 1u << 12;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): uses flag 0x1000, unknown "
			    "to this daemon (plugin API 1.0): it needs a newer "
			    "pinetd");
	d.flags = 0;
	d.core = NULL;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): descriptor has no core "
			    "slot (define it with PINETD_PLUGIN_DEFINE)");
	d.core = &slot;
	d.abi = 2;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_string_equal(err, "plugin 't' (/p/t.so): ABI version 2, expected 1");
}

/* Option entries of a newer, larger struct pinetd_option are stepped
 * through by option_size. */
static void test_adopt_steps_options_by_their_size(void **st)
{
	struct bigger_option {
		struct pinetd_option o;
		uint64_t newer;
	} opts[] = {
		{ .o = PINETD_OPTION_INT("n", struct oc, n, 7, 1, 9, "x"), .newer = 1 },
		{ .o = PINETD_OPTION_ENUM("e", struct oc, e, "b", abc, "x") },
		{ .o = PINETD_OPTION_END },
	};
	struct pinetd_plugin d = {
		.abi = PINETD_ABI_VERSION, .size = sizeof d, .core = &slot,
		.name = "t", .transports = PINETD_TCP,
		.options = &opts[0].o, .option_size = sizeof opts[0],
		.conf_size = sizeof(struct oc),
	}, out;
	struct pinetd_option *norm = NULL;
	char err[512] = "";

	(void)st;
	assert_int_equal(pn_plugin_adopt(&d, "t", "/p/t.so", &out, &norm, err,
					 sizeof err), 0);
	assert_ptr_equal(out.options, norm);
	assert_string_equal(norm[0].name, "n");
	assert_int_equal(norm[0].def_int, 7);
	assert_string_equal(norm[1].name, "e");
	assert_string_equal(norm[1].def_str, "b");
	assert_int_equal(norm[2].type, PINETD_OPT_END);
	free(norm);
	d.option_size = 8;
	assert_int_equal(adopt(&d, &out, err, sizeof err), -1);
	assert_non_null(strstr(err, "plugin 't' (/p/t.so): option entries of 8 bytes"));
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
		cmocka_unit_test(test_adopt_treats_members_beyond_size_as_absent),
		cmocka_unit_test(test_adopt_accepts_longer_descriptors),
		cmocka_unit_test(test_adopt_refuses_what_it_lacks),
		cmocka_unit_test(test_adopt_steps_options_by_their_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
