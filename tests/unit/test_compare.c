/* Unit tests for daemon/config/compare.c: services the same for a running
 * instance (pn_service_conf_same) or the same but for the plugin's options
 * (pn_service_conf_same_core), in full tables and in views (fingerprints). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "view.h"
#include "wire.h"

#define DIRS PLUGINDIR ":" TESTPLUGINDIR

/* Services a..f of one table: a the base, b only another plugin option,
 * c another core option, d another plugin with a's options, e another
 * user, f a's options with another listen address. */
static const char *const TEXT =
	"services_dir = \"\"\n"
	"service a {\n plugin = recon\n listen = { \"tcp://127.0.0.1:17991\" }\n"
	" reply = \"one\"\n max_line = 100\n}\n"
	"service b {\n plugin = recon\n listen = { \"tcp://127.0.0.1:17992\" }\n"
	" reply = \"two\"\n max_line = 100\n}\n"
	"service c {\n plugin = recon\n listen = { \"tcp://127.0.0.1:17993\" }\n"
	" reply = \"one\"\n max_line = 200\n}\n"
	"service d {\n plugin = recon_fixed\n listen = { \"tcp://127.0.0.1:17994\" }\n"
	" reply = \"one\"\n max_line = 100\n}\n"
	"service e {\n plugin = recon\n listen = { \"tcp://127.0.0.1:17995\" }\n"
	" reply = \"one\"\n max_line = 100\n user = \"root\"\n}\n"
	"service f {\n plugin = recon\n listen = { \"tcp://127.0.0.1:17996\" }\n"
	" reply = \"one\"\n max_line = 100\n}\n";

struct fix {
	char path[64];
	struct pn_registry reg;
	struct pn_config *full, *view;
	struct pn_wbuf w;
};

static int setup(void **st)
{
	struct fix *x = calloc(1, sizeof *x);
	FILE *f;
	int nerr = 0, fd;

	if (!x)
		return -1;
	snprintf(x->path, sizeof x->path, "/tmp/pn-compare.XXXXXX");
	if ((fd = mkstemp(x->path)) < 0 || !(f = fdopen(fd, "w")))
		return -1;
	fputs(TEXT, f);
	fclose(f);
	pn_registry_init(&x->reg);
	if (!(x->full = pn_config_load(x->path, DIRS, &x->reg, stderr, &nerr)))
		return -1;
	pn_view_encode(x->full, &x->w);
	struct pn_rbuf r = { x->w.p, x->w.len, 0 };
	char err[256];
	if (!(x->view = pn_view_decode(&r, err, sizeof err)))
		return -1;
	*st = x;
	return 0;
}

static int teardown(void **st)
{
	struct fix *x = *st;

	pn_config_free(x->view);
	pn_config_free(x->full);
	pn_registry_free(&x->reg);
	pn_wbuf_free(&x->w);
	unlink(x->path);
	free(x);
	return 0;
}

/* Both comparisons of services i and j, in the full table and the view. */
static void expect(struct fix *x, size_t i, size_t j, int same, int core)
{
	const struct pn_config *t[2] = { x->full, x->view };

	for (int k = 0; k < 2; k++) {
		assert_int_equal(pn_service_conf_same(&t[k]->svcs[i], &t[k]->svcs[j]),
				 same);
		assert_int_equal(pn_service_conf_same_core(&t[k]->svcs[i],
							   &t[k]->svcs[j]),
				 core);
	}
}

static void test_same_core_ignores_plugin_options_only(void **st)
{
	struct fix *x = *st;

	expect(x, 0, 5, 1, 1); /* listen aside, the same */
	expect(x, 0, 1, 0, 1); /* another reply: the same but for options */
	expect(x, 1, 0, 0, 1);
	expect(x, 0, 2, 0, 0); /* max_line */
	expect(x, 0, 3, 0, 0); /* another plugin */
	expect(x, 0, 4, 0, 0); /* another user */
}

static void test_fingerprint_puts_plugin_options_last(void **st)
{
	struct fix *x = *st;
	const char *fp = x->view->svcs[0].fingerprint;
	const char *o = strstr(fp, "\nplugin-options\n");

	assert_non_null(o);
	assert_string_equal(o, "\nplugin-options\n"
			       "option reply \"one\"\n"
			       "option refuse \"\"\n"
			       "option fail_uid -1\n");
	assert_non_null(strstr(fp, "max_line 100\n"));
	assert_true(strstr(fp, "max_line 100\n") < o);
}

static void test_fingerprint_without_options_line_is_never_core_same(void **st)
{
	struct fix *x = *st;
	struct pn_service_conf *a = &x->view->svcs[0], *f = &x->view->svcs[5];
	char *o = strstr(a->fingerprint, "plugin-options\n");

	/* A forged text without the line: equal texts, yet not comparable
	 * as cores (a forged one must not pass for a reconfigure). */
	assert_non_null(o);
	memcpy(o, "plugin-OPTIONS", 14);
	o = strstr(f->fingerprint, "plugin-options\n");
	memcpy(o, "plugin-OPTIONS", 14);
	assert_true(pn_service_conf_same(a, f));
	assert_false(pn_service_conf_same_core(a, f));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_same_core_ignores_plugin_options_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fingerprint_puts_plugin_options_last,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_fingerprint_without_options_line_is_never_core_same, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
