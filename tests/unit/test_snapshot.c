/* Unit tests for daemon/snapshot.c, daemon/view.c and the checks of
 * conf.c that guard them: reading only regular files within the size
 * caps, the snapshot and view encodings (round trips, every truncation,
 * corrupted bytes), fingerprints, and parsing from a snapshot only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "facts.h"
#include "plugopt.h"
#include "snapshot.h"
#include "view.h"
#include "wire.h"

#define DIRS PLUGINDIR ":" TESTPLUGINDIR
#define FX(name) FIXTURES "/" name

static char dir[64];

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof dir, "/tmp/pn-snap.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **st)
{
	char cmd[128];

	(void)st;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *in_dir(const char *name)
{
	static char path[4][128];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
	return path[k];
}

static void write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

/* ---- pn_file_read ---- */

static void test_file_read_reads_a_regular_file_exactly(void **st)
{
	char *data, err[128];
	size_t len;

	(void)st;
	write_file(in_dir("a.conf"), "abc\n", 4);
	assert_int_equal(pn_file_read(in_dir("a.conf"), 16, &data, &len, err,
				      sizeof err), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(data, "abc\n", 5); /* NUL-terminated */
	free(data);
}

static void test_file_read_refuses_a_fifo_without_waiting(void **st)
{
	char *data = (char *)1, err[128];
	size_t len;

	(void)st;
	assert_int_equal(mkfifo(in_dir("x.conf"), 0600), 0);
	alarm(5); /* a blocking open would hang here */
	assert_int_equal(pn_file_read(in_dir("x.conf"), 16, &data, &len, err,
				      sizeof err), -1);
	alarm(0);
	assert_string_equal(err, "not a regular file");
	assert_null(data);
}

static void test_file_read_refuses_a_symlink_to_dev_zero_and_a_dir(void **st)
{
	char *data, err[128];
	size_t len;

	(void)st;
	assert_int_equal(symlink("/dev/zero", in_dir("z.conf")), 0);
	assert_int_equal(pn_file_read(in_dir("z.conf"), PN_CONF_FILE_MAX, &data,
				      &len, err, sizeof err), -1);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(mkdir(in_dir("d.conf"), 0700), 0);
	assert_int_equal(pn_file_read(in_dir("d.conf"), 16, &data, &len, err,
				      sizeof err), -1);
	assert_string_equal(err, "not a regular file");
	/* A symbolic link to a regular file is fine. */
	write_file(in_dir("r"), "x", 1);
	assert_int_equal(symlink(in_dir("r"), in_dir("l.conf")), 0);
	assert_int_equal(pn_file_read(in_dir("l.conf"), 16, &data, &len, err,
				      sizeof err), 0);
	assert_int_equal(len, 1);
	free(data);
}

static void test_file_read_caps_the_size(void **st)
{
	char buf[17], *data, err[128];
	size_t len;

	(void)st;
	memset(buf, 'x', sizeof buf);
	write_file(in_dir("16"), buf, 16);
	write_file(in_dir("17"), buf, 17);
	assert_int_equal(pn_file_read(in_dir("16"), 16, &data, &len, err, sizeof err), 0);
	assert_int_equal(len, 16);
	free(data);
	assert_int_equal(pn_file_read(in_dir("17"), 16, &data, &len, err, sizeof err), -1);
	assert_string_equal(err, "larger than 16 bytes (the limit for one "
				 "configuration file)");
	assert_int_equal(pn_file_read(in_dir("none"), 16, &data, &len, err,
				      sizeof err), -1);
	assert_string_equal(err, "cannot read: No such file or directory");
}

/* ---- snapshots ---- */

static struct pn_snapshot *sample(void)
{
	struct pn_snapshot *s = pn_snapshot_new();
	char err[128];

	assert_non_null(s);
	free(s->services_dir);
	s->services_dir = strdup("/etc/x/services.d");
	assert_int_equal(pn_snapshot_add(s, "/etc/x/main.conf", PN_SNAP_MAIN,
					 strdup("a = 1\n"), 6, err, sizeof err), 0);
	assert_int_equal(pn_snapshot_add(s, "/etc/x/services.d/b.conf",
					 PN_SNAP_DROPIN, strdup(""), 0, err,
					 sizeof err), 0);
	return s;
}

static void test_snapshot_add_keeps_order_and_total_cap(void **st)
{
	struct pn_snapshot *s = sample();
	char err[160], *big;

	(void)st;
	assert_int_equal(pn_snapshot_add(s, "m", PN_SNAP_MAIN, strdup("x"), 1, err,
					 sizeof err), -1);
	assert_string_equal(err, "the main file must come first, and only once");
	/* Eight files of 1 MiB fill the total; the ninth byte is refused. */
	for (int i = 0; i < 8; i++) {
		size_t n = i == 0 ? PN_CONF_FILE_MAX - 6 : PN_CONF_FILE_MAX;
		assert_non_null(big = calloc(1, n + 1));
		assert_int_equal(pn_snapshot_add(s, "f", PN_SNAP_DROPIN, big, n, err,
						 sizeof err), 0);
	}
	assert_int_equal(s->total, PN_CONF_TOTAL_MAX);
	assert_int_equal(pn_snapshot_add(s, "g", PN_SNAP_DROPIN, strdup("y"), 1,
					 err, sizeof err), -1);
	assert_string_equal(err, "the configuration files together exceed "
				 "8388608 bytes (the limit for all of them)");
	pn_snapshot_free(s);
}

static void test_snapshot_round_trip_and_every_truncation(void **st)
{
	struct pn_snapshot *s = sample(), *d;
	struct pn_wbuf w = { 0 };
	char err[160];

	(void)st;
	pn_snapshot_encode(s, &w);
	assert_false(w.oom);
	struct pn_rbuf r = { w.p, w.len, 0 };
	assert_non_null(d = pn_snapshot_decode(&r, err, sizeof err));
	assert_int_equal(r.left, 0);
	assert_string_equal(d->services_dir, s->services_dir);
	assert_int_equal(d->nfiles, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(d->files[i].path, s->files[i].path);
		assert_int_equal(d->files[i].role, s->files[i].role);
		assert_int_equal(d->files[i].len, s->files[i].len);
		assert_memory_equal(d->files[i].data, s->files[i].data,
				    s->files[i].len + 1);
	}
	assert_ptr_equal(pn_snapshot_find(d, "/etc/x/main.conf"), &d->files[0]);
	assert_null(pn_snapshot_find(d, "/etc/x/other.conf"));
	pn_snapshot_free(d);
	for (size_t n = 0; n < w.len; n++) {
		struct pn_rbuf t = { w.p, n, 0 };
		assert_null(pn_snapshot_decode(&t, err, sizeof err));
	}
	/* Another version is refused by number. */
	w.p[4] = 2;
	struct pn_rbuf v = { w.p, w.len, 0 };
	assert_null(pn_snapshot_decode(&v, err, sizeof err));
	assert_string_equal(err, "snapshot: version 2, expected 1");
	pn_wbuf_free(&w);
	pn_snapshot_free(s);
}

/* ---- views ---- */

static struct pn_config *load_good(struct pn_registry *reg)
{
	char *errs = NULL;
	size_t len;
	FILE *f = open_memstream(&errs, &len);
	int nerr = -1;
	struct pn_config *conf;

	assert_non_null(f);
	pn_registry_init(reg);
	conf = pn_config_load(FX("good.conf"), DIRS, reg, f, &nerr);
	fclose(f);
	assert_string_equal(errs, "");
	free(errs);
	assert_non_null(conf);
	return conf;
}

static struct pn_config *round_trip(const struct pn_config *conf,
				    struct pn_wbuf *w)
{
	struct pn_config *view;
	char err[256];

	pn_view_encode(conf, w);
	assert_false(w->oom);
	struct pn_rbuf r = { w->p, w->len, 0 };
	view = pn_view_decode(&r, err, sizeof err);
	if (!view)
		fail_msg("%s", err);
	return view;
}

static void test_view_round_trip_keeps_everything_but_plugin_code(void **st)
{
	struct pn_registry reg;
	struct pn_config *full = load_good(&reg), *view, *again;
	struct pn_wbuf w = { 0 }, w2 = { 0 };

	(void)st;
	view = round_trip(full, &w);
	assert_string_equal(view->path, full->path);
	assert_string_equal(view->plugin_dir, full->plugin_dir);
	assert_string_equal(view->services_dir, full->services_dir);
	assert_string_equal(view->pid_file, full->pid_file);
	assert_int_equal(view->log_level, 7);
	assert_int_equal(view->backlog, 1024);
	assert_int_equal(view->nsvcs, full->nsvcs);
	for (size_t i = 0; i < full->nsvcs; i++) {
		const struct pn_service_conf *a = &full->svcs[i], *b = &view->svcs[i];
		char *fp = pn_service_fingerprint(a);
		assert_string_equal(b->name, a->name);
		assert_string_equal(b->file, a->file);
		assert_int_equal(b->line, a->line);
		assert_int_equal(b->enabled, a->enabled);
		assert_string_equal(b->plugin->name, a->plugin->name);
		assert_string_equal(b->plugin->path, a->plugin->path);
		assert_null(b->plugin->desc);
		assert_null(b->plugin->dl);
		assert_null(b->pconf);
		assert_int_equal(b->nlisten, a->nlisten);
		for (size_t j = 0; j < a->nlisten; j++)
			assert_string_equal(b->listen[j], a->listen[j]);
		assert_int_equal(b->naddrs, a->naddrs);
		for (size_t j = 0; j < a->naddrs; j++)
			assert_true(pn_addr_equal(&b->addrs[j], &a->addrs[j]));
		for (const struct pn_core_option *o = pn_core_options; o->name; o++)
			if (pn_core_numeric(o))
				assert_int_equal(pn_core_field_get(b, o),
						 pn_core_field_get(a, o));
		assert_int_equal(b->nudp_deny_ports, a->nudp_deny_ports);
		assert_int_equal(b->udp_deny_ports[0], 2049);
		assert_string_equal(b->user, a->user);
		assert_string_equal(b->group, a->group);
		assert_string_equal(b->fingerprint, fp);
		assert_null(a->fingerprint);
		free(fp);
	}
	/* The plugin records are shared like a registry's. */
	assert_ptr_equal(view->svcs[1].plugin, view->svcs[2].plugin);
	/* A view encodes to the same bytes as the table it came from. */
	again = round_trip(view, &w2);
	assert_int_equal(w2.len, w.len);
	assert_memory_equal(w2.p, w.p, w.len);
	assert_true(pn_service_conf_same(&view->svcs[0], &again->svcs[0]));
	assert_false(pn_service_conf_same(&view->svcs[0], &again->svcs[3]));
	pn_config_free(again);
	pn_config_free(view);
	pn_config_free(full);
	pn_registry_free(&reg);
	pn_wbuf_free(&w);
	pn_wbuf_free(&w2);
}

static void test_facts_match_the_view_and_catch_a_forged_one(void **st)
{
	struct pn_registry reg;
	struct pn_config *full = load_good(&reg), *view;
	struct pn_wbuf w = { 0 }, wf = { 0 };
	struct pn_facts f, g;
	char err[256];

	(void)st;
	view = round_trip(full, &w);
	assert_int_equal(pn_config_facts(full->snap, full->path, stderr, &f), 0);
	assert_int_equal(f.nsvcs, full->nsvcs);
	assert_string_equal(f.pid_file, full->pid_file);
	/* Round trip, and every truncation refused. */
	pn_facts_encode(&f, &wf);
	struct pn_rbuf r = { wf.p, wf.len, 0 };
	assert_int_equal(pn_facts_decode(&r, &g, err, sizeof err), 0);
	assert_string_equal(g.svcs[0].name, f.svcs[0].name);
	assert_int_equal(g.svcs[0].nlisten, f.svcs[0].nlisten);
	pn_facts_free(&g);
	for (size_t n = 0; n < wf.len; n++) {
		struct pn_rbuf t = { wf.p, n, 0 };
		assert_int_equal(pn_facts_decode(&t, &g, err, sizeof err), -1);
	}
	assert_int_equal(pn_facts_verify(view, &f, err, sizeof err), 0);
	/* A view that says another user, or another address, is refused. */
	free(view->svcs[0].user);
	view->svcs[0].user = strdup("root");
	assert_int_equal(pn_facts_verify(view, &f, err, sizeof err), -1);
	assert_non_null(strstr(err, "differs from the file's"));
	free(view->svcs[0].user);
	view->svcs[0].user = strdup(f.svcs[0].user);
	view->svcs[0].ident.uid = 12345; /* whatever the view says... */
	strcpy(view->svcs[0].ident.user, "forged");
	assert_int_equal(pn_facts_verify(view, &f, err, sizeof err), 0);
	/* ... the identity is the one the supervisor resolved itself. */
	struct pn_ident want;

	memset(&want, 0, sizeof want);
	if (f.svcs[0].user[0])
		assert_int_equal(pn_ident_resolve(f.svcs[0].user, f.svcs[0].group, &want,
						  err, sizeof err), 0);
	assert_string_equal(view->svcs[0].ident.user, want.user);
	assert_int_equal(view->svcs[0].ident.uid, want.uid);
	view->svcs[0].addrs[0].ss.ss_family = AF_UNIX;
	assert_int_equal(pn_facts_verify(view, &f, err, sizeof err), -1);
	pn_facts_free(&f);
	pn_config_free(view);
	pn_config_free(full);
	pn_registry_free(&reg);
	pn_wbuf_free(&w);
	pn_wbuf_free(&wf);
}

static void test_view_decode_survives_truncation_and_corruption(void **st)
{
	struct pn_registry reg;
	struct pn_config *full = load_good(&reg), *v;
	struct pn_wbuf w = { 0 };
	char err[256];

	(void)st;
	pn_view_encode(full, &w);
	for (size_t n = 0; n < w.len; n++) {
		struct pn_rbuf r = { w.p, n, 0 };
		assert_null(pn_view_decode(&r, err, sizeof err));
	}
	/* Every byte flipped: refused or a consistent view, never a crash
	 * (ASan and UBSan watch the sanitizer build). */
	for (size_t i = 0; i < w.len; i++) {
		w.p[i] ^= 0xa5;
		struct pn_rbuf r = { w.p, w.len, 0 };
		if ((v = pn_view_decode(&r, err, sizeof err))) {
			for (size_t k = 0; k < v->nsvcs; k++)
				assert_non_null(v->svcs[k].plugin);
			pn_config_free(v);
		}
		w.p[i] ^= 0xa5;
	}
	/* A count far beyond the input allocates nothing. */
	struct pn_rbuf r = { (const unsigned char *)"PNVW\1\0\0\0", 8, 0 };
	assert_null(pn_view_decode(&r, err, sizeof err));
	pn_wbuf_free(&w);
	pn_config_free(full);
	pn_registry_free(&reg);
}

static void test_fingerprint_ignores_listen_and_enabled_only(void **st)
{
	struct pn_registry reg;
	struct pn_config *full = load_good(&reg);
	struct pn_service_conf *ack = &full->svcs[1];
	const struct pinetd_option *o = pn_plugopt_find(ack->plugin->desc->options,
						      "prefix");
	char *fp = pn_service_fingerprint(ack), *fp2, err[64];

	(void)st;
	assert_non_null(strstr(fp, "option prefix \"OK...\"\n"));
	assert_non_null(strstr(fp, "option mode prefix\n"));
	assert_non_null(strstr(fp, "option close_after_reply true\n"));
	assert_null(strstr(fp, "17001"));
	ack->enabled = 0;
	ack->naddrs = 0;
	fp2 = pn_service_fingerprint(ack);
	assert_string_equal(fp2, fp);
	free(fp2);
	assert_int_equal(pn_plugopt_set_str(o, ack->pconf, "OK\"\n", err, sizeof err), 0);
	fp2 = pn_service_fingerprint(ack);
	assert_non_null(strstr(fp2, "option prefix \"OK\\\"\\n\"\n"));
	free(fp2);
	ack->max_line = 99;
	fp2 = pn_service_fingerprint(ack);
	assert_non_null(strstr(fp2, "max_line 99\n"));
	free(fp2);
	free(fp);
	pn_config_free(full);
	pn_registry_free(&reg);
}

/* ---- parsing from the snapshot ---- */

static void test_load_snapshot_reads_no_file(void **st)
{
	struct pn_registry reg;
	struct pn_snapshot *snap;
	struct pn_config *conf;
	const char *main_conf = in_dir("main.conf");
	const char *text = "services_dir = \"\"\nservice e {\n plugin = echo\n"
			   " listen = { \"tcp://127.0.0.1:17999\" }\n}\n";
	int nerr = -1;

	(void)st;
	write_file(main_conf, text, strlen(text));
	assert_non_null(snap = pn_config_read_files(main_conf, stderr, &nerr));
	assert_int_equal(nerr, 0);
	write_file(main_conf, "garbage {", 9);
	pn_registry_init(&reg);
	conf = pn_config_load_snapshot(snap, main_conf, DIRS, &reg, stderr, &nerr);
	assert_non_null(conf);
	assert_int_equal(conf->nsvcs, 1);
	assert_string_equal(conf->svcs[0].name, "e");
	pn_config_free(conf);
	unlink(main_conf);
	assert_non_null(conf = pn_config_load_snapshot(snap, main_conf, DIRS, &reg,
						       stderr, &nerr));
	pn_config_free(conf);
	pn_registry_free(&reg);
	pn_snapshot_free(snap);
}

static void expect_read_error(const char *name, const char *text, size_t n,
			      const char *want)
{
	struct pn_registry reg;
	char *errs = NULL, expect[512];
	size_t len;
	FILE *f = open_memstream(&errs, &len);
	int nerr = 0;

	write_file(in_dir(name), text, n);
	pn_registry_init(&reg);
	assert_null(pn_config_load(in_dir(name), DIRS, &reg, f, &nerr));
	fclose(f);
	snprintf(expect, sizeof expect, "%s%s\n", in_dir(name), want);
	assert_string_equal(errs, expect);
	assert_int_equal(nerr, 1);
	free(errs);
	pn_registry_free(&reg);
}

static void test_conf_refuses_deep_nesting_nul_bytes_and_fifos(void **st)
{
	char deep[17 * 12 + 1] = "";

	(void)st;
	for (int i = 0; i < 17; i++)
		strcat(deep, "service a {\n");
	expect_read_error("deep.conf", deep, strlen(deep),
			  ":17: sections nested deeper than 16 levels");
	expect_read_error("nul.conf", "log_level = info\n\0x", 19,
			  ":2: a NUL byte (offset 17): not a text file");
	/* A FIFO among the drop-ins: named, not waited for. */
	const char *text = "services_dir = \"d\"\n";
	assert_int_equal(mkdir(in_dir("d"), 0700), 0);
	assert_int_equal(mkfifo(in_dir("d/x.conf"), 0600), 0);
	struct pn_registry reg;
	char *errs = NULL, expect[256];
	size_t len;
	FILE *f = open_memstream(&errs, &len);
	int nerr = 0;
	write_file(in_dir("m.conf"), text, strlen(text));
	pn_registry_init(&reg);
	alarm(5);
	assert_null(pn_config_load(in_dir("m.conf"), DIRS, &reg, f, &nerr));
	alarm(0);
	fclose(f);
	snprintf(expect, sizeof expect, "%s: not a regular file\n", in_dir("d/x.conf"));
	assert_string_equal(errs, expect);
	free(errs);
	pn_registry_free(&reg);
}

static void test_conf_squeezes_blanks_outside_strings_only(void **st)
{
	struct pn_registry reg;
	struct pn_config *conf;
	char *text, *errs = NULL, expect[256];
	size_t len, n = 0;
	FILE *f;
	int nerr = -1;

	(void)st;
	/* A megabyte of blanks on one line (seconds for libconfuse's lexer
	 * unsqueezed), a string with blanks to keep, an error two lines on. */
	assert_non_null(text = malloc(PN_CONF_FILE_MAX));
	n += (size_t)sprintf(text, "services_dir = \"\"\nservice a {\n plugin = ack\n"
			     " listen = { \"tcp://127.0.0.1:17998\" }\n reply = "
			     "\"x  \\\"\t y\"");
	memset(text + n, ' ', 1000000);
	n += 1000000;
	n += (size_t)sprintf(text + n, "\t \t\n}\n\nbogus = 1\n");
	write_file(in_dir("b.conf"), text, n);
	free(text);
	assert_non_null(f = open_memstream(&errs, &len));
	pn_registry_init(&reg);
	assert_null(pn_config_load(in_dir("b.conf"), DIRS, &reg, f, &nerr));
	fclose(f);
	snprintf(expect, sizeof expect, "%s:8: no such option 'bogus'\n", in_dir("b.conf"));
	assert_string_equal(errs, expect);
	free(errs);
	/* Without the error: the string keeps its blanks. */
	text = malloc(PN_CONF_FILE_MAX);
	FILE *in = fopen(in_dir("b.conf"), "r");
	assert_non_null(in);
	n = fread(text, 1, PN_CONF_FILE_MAX, in);
	fclose(in);
	n -= strlen("bogus = 1\n");
	write_file(in_dir("b.conf"), text, n);
	free(text);
	assert_non_null(conf = pn_config_load(in_dir("b.conf"), DIRS, &reg, stderr, &nerr));
	const struct pinetd_option *o = pn_plugopt_find(conf->svcs[0].plugin->desc->options,
						      "reply");
	assert_string_equal(*(char **)(void *)((char *)conf->svcs[0].pconf + o->offset),
			    "x  \"\t y");
	pn_config_free(conf);
	pn_registry_free(&reg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_file_read_reads_a_regular_file_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_read_refuses_a_fifo_without_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_read_refuses_a_symlink_to_dev_zero_and_a_dir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_read_caps_the_size, setup, teardown),
		cmocka_unit_test(test_snapshot_add_keeps_order_and_total_cap),
		cmocka_unit_test(test_snapshot_round_trip_and_every_truncation),
		cmocka_unit_test(test_view_round_trip_keeps_everything_but_plugin_code),
		cmocka_unit_test(test_view_decode_survives_truncation_and_corruption),
		cmocka_unit_test(test_facts_match_the_view_and_catch_a_forged_one),
		cmocka_unit_test(test_fingerprint_ignores_listen_and_enabled_only),
		cmocka_unit_test_setup_teardown(test_load_snapshot_reads_no_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_refuses_deep_nesting_nul_bytes_and_fifos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conf_squeezes_blanks_outside_strings_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
