/*
 * fuzz_conf.c -- libFuzzer target for the configuration reader
 * (daemon/conf.c with loader.c, plugopt.c, addr.c, log.c and libconfuse)
 * under the real schema: the build tree's plugins are loaded once, at
 * start, so every plugin option is known.
 *
 * The input is a main configuration file; when it holds a line "%%", the
 * text after that line becomes a drop-in file services.d/fuzz.conf next
 * to it (reached with services_dir = "services.d").  Both live in a
 * scratch directory made at start and removed at exit.
 *
 * Each input is loaded twice with pn_config_load and everything is freed
 * each time.  Checked: a table comes back exactly when no error was
 * counted, and errors were written when counted; a table is consistent
 * (services named once, found by name, each with its plugin, listen
 * addresses, core options in range and equal to itself); both loads agree
 * on the errors (byte for byte) and on the table.
 *
 * The configuration may name plugins by path and any services_dir: the
 * target only lets dlopen reach the plugin directory and scandir reach
 * its own scratch directory (-Wl,--wrap), so an input never loads or
 * reads anything else.  FUZZ_VERBOSE=1 prints the errors of each input.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "loader.h"
#include "fuzz_input.h"

#ifndef FUZZ_PLUGIN_DIR
#error "build with -DFUZZ_PLUGIN_DIR='\"BUILDDIR/plugins/.libs\"'"
#endif

static char plugin_dir[PATH_MAX];  /* realpath of the plugins */
static char scratch[PATH_MAX];	   /* our directory */
static char dropin_dir[PATH_MAX];  /* scratch/services.d */
static char main_path[PATH_MAX];   /* scratch/pinetd.conf */
static char dropin_path[PATH_MAX]; /* scratch/services.d/fuzz.conf */
static struct pn_registry reg;
static FILE *devnull;
static int verbose; /* FUZZ_VERBOSE=1: print each load's errors */

void *__real_dlopen(const char *file, int mode);
void *__wrap_dlopen(const char *file, int mode);
int __real_scandir(const char *dir, struct dirent ***list,
		   int (*filter)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **));
int __wrap_scandir(const char *dir, struct dirent ***list,
		   int (*filter)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **));

/* Is the real path of p inside dir (itself a real path)? */
static int inside(const char *p, const char *dir)
{
	char real[PATH_MAX];
	size_t n = strlen(dir);

	if (!realpath(p, real))
		return 0;
	return strncmp(real, dir, n) == 0 && (real[n] == '/' || !real[n]);
}

void *__wrap_dlopen(const char *file, int mode)
{
	if (!file || !inside(file, plugin_dir))
		return NULL; /* the loader reports a failed dlopen */
	return __real_dlopen(file, mode);
}

int __wrap_scandir(const char *dir, struct dirent ***list,
		   int (*filter)(const struct dirent *),
		   int (*cmp)(const struct dirent **, const struct dirent **))
{
	if (!inside(dir, scratch)) {
		errno = ENOENT;
		return -1;
	}
	return __real_scandir(dir, list, filter, cmp);
}

static void cleanup(void)
{
	unlink(dropin_path);
	rmdir(dropin_dir);
	unlink(main_path);
	rmdir(scratch);
	pn_registry_free(&reg);
	if (devnull)
		fclose(devnull);
}

/* Load every plugin of the directory, so the schema never changes. */
static void preload(void)
{
	DIR *d = opendir(plugin_dir);
	struct dirent *e;
	char err[1024];

	if (!d) {
		fprintf(stderr, "fuzz_conf: %s: %s\n", plugin_dir, strerror(errno));
		exit(1);
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n <= 3 || strcmp(e->d_name + n - 3, ".so") != 0)
			continue;
		e->d_name[n - 3] = '\0';
		if (!pn_plugin_load(&reg, plugin_dir, e->d_name, err, sizeof err))
			fprintf(stderr, "fuzz_conf: %s\n", err);
	}
	closedir(d);
	if (!reg.plugins) {
		fprintf(stderr, "fuzz_conf: no plugin in %s (build first)\n",
			plugin_dir);
		exit(1);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("PINETD_FUZZ_PLUGIN_DIR");
	const char *tmp = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	if (!realpath(dir ? dir : FUZZ_PLUGIN_DIR, plugin_dir)) {
		fprintf(stderr, "fuzz_conf: plugin directory %s: %s\n",
			dir ? dir : FUZZ_PLUGIN_DIR, strerror(errno));
		exit(1);
	}
	snprintf(scratch, sizeof scratch, "%s/fuzz_conf.XXXXXX",
		 tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch) || !realpath(scratch, scratch)) {
		perror("fuzz_conf: mkdtemp");
		exit(1);
	}
	snprintf(dropin_dir, sizeof dropin_dir, "%s/services.d", scratch);
	snprintf(main_path, sizeof main_path, "%s/pinetd.conf", scratch);
	snprintf(dropin_path, sizeof dropin_path, "%s/fuzz.conf", dropin_dir);
	if (mkdir(dropin_dir, 0700) < 0 || !(devnull = fopen("/dev/null", "w"))) {
		perror("fuzz_conf: setup");
		exit(1);
	}
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	pn_registry_init(&reg);
	atexit(cleanup);
	preload();
	return 0;
}

static void write_file(const char *path, const uint8_t *p, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
}

/* One load: the table (or NULL), the error count and the error text. */
struct load {
	struct pn_config *conf;
	int nerr;
	char *errs;
	size_t errlen;
};

static void load(struct load *l)
{
	FILE *errs = open_memstream(&l->errs, &l->errlen);

	if (!errs)
		abort();
	l->nerr = -1;
	l->conf = pn_config_load(main_path, plugin_dir, &reg, errs, &l->nerr);
	if (fclose(errs) != 0)
		abort();
}

static void check_table(const struct load *l)
{
	const struct pn_config *c = l->conf;

	fz_check((c != NULL) == (l->nerr == 0), "table %p with %d errors",
		 (const void *)c, l->nerr);
	fz_check((l->nerr > 0) == (l->errlen > 0),
		 "%d errors counted, %zu bytes of messages", l->nerr, l->errlen);
	if (!c)
		return;
	fz_check(c->plugin_dir && c->services_dir && c->pid_file,
		 "global paths missing");
	for (size_t i = 0; i < c->nsvcs; i++) {
		const struct pn_service_conf *s = &c->svcs[i];
		fz_check(s->name && s->file && s->plugin, "service %zu empty", i);
		fz_check(pn_config_find(c, s->name) == s,
			 "service '%s' found elsewhere", s->name);
		fz_check(s->nlisten > 0 && s->naddrs >= s->nlisten &&
				 s->naddrs <= 2 * s->nlisten,
			 "service '%s': %zu listen, %zu addresses", s->name,
			 s->nlisten, s->naddrs);
		for (size_t j = 0; j < s->naddrs; j++)
			fz_check(s->addrs[j].proto & s->plugin->desc->transports,
				 "service '%s': transport", s->name);
		fz_check(s->max_line >= 1 && s->output_buffer >= 1024 &&
				 s->output_max >= s->output_buffer &&
				 s->idle_timeout >= 0,
			 "service '%s': core options out of range", s->name);
		fz_check(pn_service_conf_same(s, s), "service '%s' != itself",
			 s->name);
	}
	pn_config_summary(c, devnull);
}

static void check_same(const struct load *a, const struct load *b)
{
	fz_check(a->nerr == b->nerr, "errors %d then %d", a->nerr, b->nerr);
	fz_check(a->errlen == b->errlen && memcmp(a->errs, b->errs, a->errlen) == 0,
		 "messages differ:\n%s---\n%s", a->errs, b->errs);
	if (!a->conf)
		return;
	fz_check(a->conf->nsvcs == b->conf->nsvcs, "%zu then %zu services",
		 a->conf->nsvcs, b->conf->nsvcs);
	for (size_t i = 0; i < a->conf->nsvcs; i++) {
		const struct pn_service_conf *x = &a->conf->svcs[i],
					     *y = &b->conf->svcs[i];
		fz_check(strcmp(x->name, y->name) == 0 && x->enabled == y->enabled &&
				 x->naddrs == y->naddrs && pn_service_conf_same(x, y),
			 "service %zu differs between loads", i);
		for (size_t j = 0; j < x->naddrs; j++)
			fz_check(pn_addr_equal(&x->addrs[j], &y->addrs[j]),
				 "service '%s' address %zu differs", x->name, j);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\n%%\n";
	const uint8_t *cut = memmem(data, size, sep, sizeof sep - 1);
	struct load a = { 0 }, b = { 0 };

	if (cut) {
		size_t head = (size_t)(cut - data) + 1; /* keep its LF */
		size_t skip = head + sizeof sep - 2;
		write_file(main_path, data, head);
		write_file(dropin_path, data + skip, size - skip);
	} else {
		write_file(main_path, data, size);
		unlink(dropin_path);
	}
	load(&a);
	if (verbose)
		fprintf(stderr, "%d error(s):\n%s", a.nerr, a.errs);
	check_table(&a);
	load(&b);
	check_same(&a, &b);
	pn_config_free(a.conf);
	pn_config_free(b.conf);
	free(a.errs);
	free(b.errs);
	return 0;
}
