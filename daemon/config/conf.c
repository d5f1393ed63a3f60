/*
 * conf.c -- read pinetd.conf and its drop-in directory (see conf.h).
 *
 * libconfuse needs the whole schema before it parses, but a service's
 * plugin options are only known once its plugin is loaded.  So a file is
 * read twice:
 *
 *   pass 1  a lenient schema (unknown options ignored) to learn which
 *           plugins the services name, and services_dir;
 *   pass 2  the strict schema: core options plus the options of every
 *           loaded plugin.  An option that belongs to another plugin than
 *           the service's own is then refused by name.
 *
 * libconfuse keeps no line numbers for values, so pass 2 attaches a
 * validation callback to every service option that records the line each
 * value was read on; checks done after parsing (addresses, ranges,
 * duplicates) report that line.
 *
 * This file runs the passes over the files; parse.c does the libconfuse
 * side (schema, text, lines, errors, paths), service.c reads a service
 * section, compare.c compares services.
 */
#include "conf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "facts.h"
#include "log.h"
#include "parse.h"
#include "service.h"
#include "snapshot.h"

/* ---- pass 1: which plugins ---- */

static void load_plugins_of(struct pn__ctx *c, cfg_t *cfg)
{
	char err[1024];

	for (unsigned i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *s = cfg_getnsec(cfg, "service", i);
		const char *ref = cfg_getstr(s, "plugin");
		if (!ref || !ref[0])
			pn__report(c, c->file, s->line,
			       "service '%s': no plugin (plugin = NAME)",
			       cfg_title(s));
		else {
			int line = pn__line_of(c, s, "plugin", 0);
			pn__progress("loading plugin '%s' for service '%s' (%s:%d)", ref,
				 cfg_title(s), c->file, line);
			if (!pn_plugin_load(c->reg, c->plugin_dir, ref, err, sizeof err))
				pn__report(c, c->file, line, "service '%s': %s",
				       cfg_title(s), err);
		}
	}
}

/*
 * The inetd.conf file the main file names (inetd_conf), into snap after
 * the main file.  A missing file is an empty one: no service yet (Debian
 * creates /etc/inetd.conf with the first package that registers one).
 * Returns 0, or -1 (reported).
 */
static int read_inetd(struct pn__ctx *c, struct pn_snapshot *snap,
		      const char *path, cfg_t *cfg)
{
	const char *opt = cfg_getstr(cfg, "inetd_conf");
	char err[256], *file, *data;
	size_t len;
	int rc = 0;

	if (!opt || !opt[0])
		return 0;
	if (!(file = pn__resolve(path, opt))) {
		pn__report(c, path, 0, "out of memory");
		return -1;
	}
	pn__progress("reading %s", file);
	if (pn_file_read(file, PN_CONF_FILE_MAX, &data, &len, err, sizeof err) < 0) {
		if (access(file, F_OK) == 0 || errno != ENOENT) {
			pn__report(c, path, 0, "inetd_conf '%s': %s", file, err);
			free(file);
			return -1;
		}
		data = strdup("");
		len = 0;
	}
	if (!data || pn_snapshot_add(snap, file, PN_SNAP_INETD, data, len, err,
				     sizeof err) < 0) {
		pn__report(c, path, 0, "inetd_conf '%s': %s", file,
			   data ? err : "out of memory");
		rc = -1;
	}
	free(file);
	return rc;
}

/* Does snap hold the inetd.conf the main file names (read_inetd)?
 * Returns 0, or -1 (reported). */
static int check_inetd(struct pn__ctx *c, const struct pn_snapshot *snap,
		       const char *path, cfg_t *cfg)
{
	const char *opt = cfg_getstr(cfg, "inetd_conf");
	char *file = opt && opt[0] ? pn__resolve(path, opt) : strdup("");
	const char *held = snap->nfiles > 1 && snap->files[1].role == PN_SNAP_INETD
				   ? snap->files[1].path : "";
	int rc = file && strcmp(file, held) == 0 ? 0 : -1;

	if (rc < 0)
		pn__report(c, path, 0, "inetd_conf '%s' is not the file the snapshot "
				       "was read from ('%s')", file ? file : "?", held);
	free(file);
	return rc;
}

struct pn_snapshot *pn_config_read_files(const char *path, FILE *errs,
					 int *nerrors)
{
	struct pn_registry none; /* pass 1 needs no plugin to find services_dir */
	struct pn__ctx c = { .errs = errs, .reg = &none, .file = path };
	struct pn_snapshot *snap = pn_snapshot_new();
	char err[256], *data, *dir, **files = NULL;
	size_t len, nfiles = 0;
	cfg_t *cfg = NULL;
	int is_default;

	pn_registry_init(&none);
	pn__ctx_begin(&c);
	if (!snap)
		goto oom;
	pn__progress("reading %s", path);
	if (pn_file_read(path, PN_CONF_FILE_MAX, &data, &len, err, sizeof err) < 0 ||
	    pn_snapshot_add(snap, path, PN_SNAP_MAIN, data, len, err, sizeof err) < 0) {
		pn__report(&c, path, 0, "%s", err);
		goto out;
	}
	if (!(cfg = pn__new_cfg(&c, 1, 1)))
		goto oom;
	if (pn__parse_text(&c, cfg, &snap->files[0]) < 0)
		goto out;
	if (read_inetd(&c, snap, path, cfg) < 0)
		goto out;
	is_default = strcmp(cfg_getstr(cfg, "services_dir"), PN_SERVICESDIR) == 0;
	if (!(dir = pn__resolve(path, cfg_getstr(cfg, "services_dir"))))
		goto oom;
	free(snap->services_dir);
	snap->services_dir = dir;
	c.file = path;
	if (pn__list_dropins(&c, dir, is_default, &files, &nfiles) < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++) {
		pn__progress("reading %s", files[i]);
		if (pn_file_read(files[i], PN_CONF_FILE_MAX, &data, &len, err,
				 sizeof err) < 0 ||
		    pn_snapshot_add(snap, files[i], PN_SNAP_DROPIN, data, len, err,
				    sizeof err) < 0)
			pn__report(&c, files[i], 0, "%s", err);
	}
	goto out;
oom:
	pn__report(&c, path, 0, "out of memory");
out:
	if (cfg)
		cfg_free(cfg);
	pn__free_list(files, nfiles);
	pn__ctx_end(&c);
	if (nerrors)
		*nerrors = c.nerr;
	if (c.nerr) {
		pn_snapshot_free(snap);
		return NULL;
	}
	return snap;
}

struct pn_config *pn_config_load_snapshot(const struct pn_snapshot *snap,
					  const char *path,
					  const char *plugin_dir,
					  struct pn_registry *reg, FILE *errs,
					  int *nerrors)
{
	struct pn__ctx c = { .errs = errs, .reg = reg, .file = path };
	struct pn_config *conf = calloc(1, sizeof *conf);
	cfg_t *cfg = NULL;

	pn__ctx_begin(&c);
	if (!conf || !(conf->path = strdup(path)))
		goto oom;
	if (!snap || snap->nfiles == 0 || snap->files[0].role != PN_SNAP_MAIN ||
	    strcmp(snap->files[0].path, path) != 0) {
		pn__report(&c, path, 0, "the configuration snapshot does not hold this "
				    "file");
		goto out;
	}

	/* Pass 1: the main file, leniently, for global options and plugins. */
	if (!(cfg = pn__new_cfg(&c, 1, 1)))
		goto oom;
	pn__reset_records(&c);
	if (pn__parse_text(&c, cfg, &snap->files[0]) < 0)
		goto out;
	conf->plugin_dir = plugin_dir ? strdup(plugin_dir)
				      : pn__resolve(path, cfg_getstr(cfg, "plugin_dir"));
	conf->services_dir = pn__resolve(path, cfg_getstr(cfg, "services_dir"));
	if (!conf->plugin_dir || !conf->services_dir)
		goto oom;
	if (strcmp(conf->services_dir, snap->services_dir) != 0) {
		pn__report(&c, path, 0, "services_dir '%s' is not the directory the "
				    "snapshot was read from ('%s')",
		       conf->services_dir, snap->services_dir);
		goto out;
	}
	if (check_inetd(&c, snap, path, cfg) < 0)
		goto out;
	c.plugin_dir = conf->plugin_dir;
	conf->log_level = pn_log_level_parse(cfg_getstr(cfg, "log_level"));
	conf->backlog = cfg_getint(cfg, "backlog");
	if (conf->backlog < 1 || conf->backlog > 1L << 20)
		pn__report(&c, path, 0, "backlog %ld out of range [1, 1048576]",
		       conf->backlog);
	conf->shutdown_timeout = cfg_getint(cfg, "shutdown_timeout");
	if (conf->shutdown_timeout < 0 || conf->shutdown_timeout > 86400)
		pn__report(&c, path, 0, "shutdown_timeout %ld out of range [0, 86400]",
		       conf->shutdown_timeout);
	conf->drain_timeout = cfg_getint(cfg, "drain_timeout");
	if (conf->drain_timeout < 0 || conf->drain_timeout > 86400)
		pn__report(&c, path, 0, "drain_timeout %ld out of range [0, 86400]",
		       conf->drain_timeout);
	conf->watchdog = cfg_getint(cfg, "watchdog");
	if (conf->watchdog < 0 || conf->watchdog > 3600)
		pn__report(&c, path, 0, "watchdog %ld out of range [0, 3600]",
		       conf->watchdog);
	conf->core_dumps = cfg_getbool(cfg, "core_dumps") ? 1 : 0;
	if (!(conf->pid_file = pn__resolve(path, cfg_getstr(cfg, "pid_file"))))
		goto oom;
	load_plugins_of(&c, cfg);
	cfg_free(cfg);
	cfg = NULL;
	for (size_t i = 1; i < snap->nfiles; i++) {
		if (!(cfg = pn__new_cfg(&c, 0, 1)))
			goto oom;
		pn__reset_records(&c);
		if (pn__parse_text(&c, cfg, &snap->files[i]) == 0)
			load_plugins_of(&c, cfg);
		cfg_free(cfg);
		cfg = NULL;
	}
	if (c.nerr)
		goto out;

	/* Pass 2: strictly, with every loaded plugin's options. */
	for (size_t i = 0; i < snap->nfiles; i++) {
		const char *file = snap->files[i].path;
		pn__reset_records(&c);
		if (!(cfg = pn__new_cfg(&c, i == 0, 0)))
			goto oom;
		if (pn__parse_text(&c, cfg, &snap->files[i]) == 0) {
			if (i == 0) {
				pn__read_prefixes(&c, cfg, file, "", "allow",
					      &c.global_acl.allow, &c.global_acl.nallow);
				pn__read_prefixes(&c, cfg, file, "", "deny",
					      &c.global_acl.deny, &c.global_acl.ndeny);
			}
			pn__take_services(&c, conf, cfg, file);
		}
		cfg_free(cfg);
		cfg = NULL;
	}
	pn__check_addresses(&c, conf);
	goto out;

oom:
	pn__report(&c, path, 0, "out of memory");
out:
	if (cfg)
		cfg_free(cfg);
	pn__ctx_end(&c);
	pn_acl_free(&c.global_acl);
	if (nerrors)
		*nerrors = c.nerr;
	if (c.nerr) {
		pn_config_free(conf);
		return NULL;
	}
	return conf;
}

/* The facts of one parsed file's services (pn_config_facts). */
static int add_facts(struct pn_facts *f, cfg_t *cfg)
{
	for (unsigned i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *sec = cfg_getnsec(cfg, "service", i);
		struct pn_fact_svc *v = realloc(f->svcs, (f->nsvcs + 1) * sizeof *v);
		if (!v)
			return -1;
		f->svcs = v;
		struct pn_fact_svc *fs = &v[f->nsvcs++];
		memset(fs, 0, sizeof *fs);
		fs->name = strdup(cfg_title(sec));
		fs->user = strdup(cfg_getstr(sec, "user"));
		fs->group = strdup(cfg_getstr(sec, "group"));
		fs->enabled = cfg_getbool(sec, "enabled") ? 1 : 0;
		fs->nlisten = cfg_size(sec, "listen");
		fs->listen = calloc(fs->nlisten ? fs->nlisten : 1, sizeof *fs->listen);
		if (!fs->name || !fs->user || !fs->group || !fs->listen)
			return -1;
		for (size_t j = 0; j < fs->nlisten; j++)
			if (!(fs->listen[j] = strdup(cfg_getnstr(sec, "listen", (unsigned)j))))
				return -1;
	}
	return 0;
}

int pn_config_facts(const struct pn_snapshot *snap, const char *path,
		    FILE *errs, struct pn_facts *f)
{
	struct pn_registry none; /* no plugin: only core options are known */
	struct pn__ctx c = { .errs = errs, .reg = &none, .file = path };
	int rc = -1;

	pn_registry_init(&none);
	memset(f, 0, sizeof *f);
	pn__ctx_begin(&c);
	for (size_t i = 0; snap && i < snap->nfiles; i++) {
		cfg_t *cfg = pn__new_cfg(&c, i == 0, 1);
		if (!cfg)
			goto out;
		pn__reset_records(&c);
		int ok = pn__parse_text(&c, cfg, &snap->files[i]) == 0 &&
			 (i > 0 || (f->pid_file = pn__resolve(path, cfg_getstr(cfg, "pid_file")))) &&
			 add_facts(f, cfg) == 0;
		cfg_free(cfg);
		if (!ok)
			goto out;
	}
	rc = snap && snap->nfiles ? 0 : -1;
out:
	pn__ctx_end(&c);
	if (rc < 0)
		pn_facts_free(f);
	return rc;
}

struct pn_config *pn_config_load(const char *path, const char *plugin_dir,
				 struct pn_registry *reg, FILE *errs,
				 int *nerrors)
{
	struct pn_snapshot *snap = pn_config_read_files(path, errs, nerrors);
	struct pn_config *conf;

	if (!snap)
		return NULL;
	conf = pn_config_load_snapshot(snap, path, plugin_dir, reg, errs, nerrors);
	if (conf)
		conf->snap = snap;
	else
		pn_snapshot_free(snap);
	return conf;
}

void pn_config_summary(const struct pn_config *conf, FILE *out)
{
	fprintf(out, "configuration %s: %zu service%s, plugins from %s\n",
		conf->path, conf->nsvcs, conf->nsvcs == 1 ? "" : "s",
		conf->plugin_dir);
	for (size_t i = 0; i < conf->nsvcs; i++) {
		const struct pn_service_conf *sc = &conf->svcs[i];
		fprintf(out, "service %-12s plugin %-10s %-8s", sc->name,
			sc->plugin->name, sc->enabled ? "enabled" : "disabled");
		if (sc->mode == PN_MODE_PROCESS || sc->user[0] || sc->workers > 1)
			fprintf(out, " [%s%s%s%s]",
				sc->mode == PN_MODE_PROCESS ? "process" : "event",
				sc->user[0] ? ", user " : "", sc->user,
				sc->workers > 1 ? ", several workers" : "");
		for (size_t j = 0; j < sc->naddrs; j++) {
			char t[PN_ADDR_TEXT + 8];
			pn_addr_format(&sc->addrs[j], t, sizeof t);
			fprintf(out, " %s", t);
		}
		fputc('\n', out);
	}
}

void pn_config_free(struct pn_config *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->nsvcs; i++)
		pn__free_service(&conf->svcs[i]);
	free(conf->svcs);
	while (conf->view_plugins) {
		struct pn_plugin *p = conf->view_plugins;
		conf->view_plugins = p->next;
		free(p->name);
		free(p->path);
		free(p);
	}
	pn_snapshot_free(conf->snap);
	free(conf->path);
	free(conf->plugin_dir);
	free(conf->services_dir);
	free(conf->pid_file);
	free(conf);
}

const struct pn_service_conf *pn_config_find(const struct pn_config *conf,
					     const char *name)
{
	for (size_t i = 0; i < conf->nsvcs; i++)
		if (strcmp(conf->svcs[i].name, name) == 0)
			return &conf->svcs[i];
	return NULL;
}
