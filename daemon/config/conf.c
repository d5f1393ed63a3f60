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
 */
#include "conf.h"

#include <confuse.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "facts.h"
#include "log.h"
#include "plugopt.h"
#include "snapshot.h"

#ifndef PN_PLUGINDIR
#define PN_PLUGINDIR "/usr/local/lib/pinetd"
#endif
#ifndef PN_SERVICESDIR
#define PN_SERVICESDIR "/etc/pinetd/services.d"
#endif

/* Deepest nesting of { } a file may have (too_deep). */
#define PN_CONF_NEST_MAX 16

/* Where a value was read: section, option, value index, line. */
struct linerec {
	cfg_t *sec;
	const char *opt;
	unsigned idx;
	int line;
};

/* State of one load; libconfuse callbacks reach it through `cur`. */
struct ctx {
	FILE *errs;
	int nerr;
	const char *file; /* the file being parsed */
	struct linerec *recs;
	size_t nrecs, caprecs;
	struct pn_registry *reg;
	const char *plugin_dir;
	struct pn_acl global_acl; /* the main file's allow/deny */
	cfg_t *run_sec;		  /* section_run's cache */
	size_t run_start, run_end;
};

/* libconfuse's callbacks carry no user pointer; one load runs at a time. */
static struct ctx *cur;

/* What the load is doing, for a checker that may die on the way
 * (pn_config_set_progress). */
static pn_config_progress_fn *progress_fn;
static void *progress_arg;

void pn_config_set_progress(pn_config_progress_fn *fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void progress(const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	if (!progress_fn)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	progress_fn(progress_arg, what);
}

static void report(struct ctx *c, const char *file, int line, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));

static void report(struct ctx *c, const char *file, int line, const char *fmt,
		   ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!c->errs && line > 0)
		pn_log(LOG_ERR, "%s:%d: %s", file, line, msg);
	else if (!c->errs)
		pn_log(LOG_ERR, "%s: %s", file, msg);
	else if (line > 0)
		fprintf(c->errs, "%s:%d: %s\n", file, line, msg);
	else
		fprintf(c->errs, "%s: %s\n", file, msg);
	c->nerr++;
}

static void errfunc(cfg_t *cfg, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	report(cur, cur->file, cfg ? cfg->line : 0, "%s", msg);
}

/*
 * Records are appended in parse order, so the records of one section are
 * contiguous: both functions below only look at that run, which keeps a
 * configuration of a thousand services linear.
 */
static int record_line(cfg_t *sec, cfg_opt_t *opt)
{
	struct ctx *c = cur;
	unsigned idx = opt->nvalues ? opt->nvalues - 1 : 0;

	for (size_t i = c->nrecs; i-- > 0 && c->recs[i].sec == sec;) {
		struct linerec *r = &c->recs[i];
		if (r->idx == idx && strcmp(r->opt, opt->name) == 0) {
			r->line = sec->line;
			return 0;
		}
	}
	if (c->nrecs == c->caprecs) {
		size_t cap = c->caprecs ? c->caprecs * 2 : 64;
		struct linerec *n = realloc(c->recs, cap * sizeof *n);
		if (!n)
			return -1;
		c->recs = n;
		c->caprecs = cap;
	}
	c->recs[c->nrecs++] = (struct linerec){ sec, opt->name, idx, sec->line };
	return 0;
}

/* The run of records of sec: [*start, *end).  Sections are looked up in
 * order, so the search resumes where the previous one ended. */
static void section_run(struct ctx *c, cfg_t *sec, size_t *start, size_t *end)
{
	size_t i;

	if (c->run_sec != sec || c->run_end > c->nrecs) {
		for (i = c->run_end <= c->nrecs ? c->run_end : 0;
		     i < c->nrecs && c->recs[i].sec != sec; i++)
			;
		if (i == c->nrecs)
			for (i = 0; i < c->nrecs && c->recs[i].sec != sec; i++)
				;
		c->run_start = i;
		while (i < c->nrecs && c->recs[i].sec == sec)
			i++;
		c->run_end = i;
		c->run_sec = sec;
	}
	*start = c->run_start;
	*end = c->run_end;
}

/* The line a value was read on, or 0 if the option was not set. */
static int line_of(struct ctx *c, cfg_t *sec, const char *opt, unsigned idx)
{
	size_t a, b;

	section_run(c, sec, &a, &b);
	for (size_t i = a; i < b; i++)
		if (c->recs[i].idx == idx && strcmp(c->recs[i].opt, opt) == 0)
			return c->recs[i].line;
	return 0;
}

static int validate_log_level(cfg_t *cfg, cfg_opt_t *opt)
{
	const char *v = cfg_opt_getnstr(opt, 0);

	if (pn_log_level_parse(v) < 0) {
		cfg_error(cfg, "invalid log_level '%s' (expected one of: error, "
			       "warning, notice, info, debug)", v);
		return -1;
	}
	return 0;
}

/* ---- schema ---- */

/* A core option (coreopt.h) as libconfuse sees it. */
static cfg_opt_t core_cfg_opt(const struct pn_core_option *o)
{
	int flags = o->sdef ? CFGF_NONE : CFGF_NODEFAULT;
	/* A list's default is text libconfuse parses ("{2049}"), never
	 * writes: its field is a plain char * all the same. */
	char *ldef = (char *)o->sdef;

	switch (o->type) {
	case PN_CO_INT:
		return (cfg_opt_t)CFG_INT(o->name, o->def, CFGF_NONE);
	case PN_CO_BOOL:
		return (cfg_opt_t)CFG_BOOL(o->name, o->def ? cfg_true : cfg_false,
					   CFGF_NONE);
	case PN_CO_STR_LIST:
		return (cfg_opt_t)CFG_STR_LIST(o->name, ldef, flags);
	case PN_CO_INT_LIST:
		return (cfg_opt_t)CFG_INT_LIST(o->name, ldef, flags);
	default:
		return (cfg_opt_t)CFG_STR(o->name, o->sdef, flags);
	}
}

/* A plugin option as libconfuse sees it. */
static cfg_opt_t plugin_cfg_opt(const struct pinetd_option *o)
{
	switch (o->type) {
	case PINETD_OPT_INT:
		return (cfg_opt_t)CFG_INT(o->name, 0, CFGF_NONE);
	case PINETD_OPT_BOOL:
		return (cfg_opt_t)CFG_BOOL(o->name, cfg_false, CFGF_NONE);
	default:
		return (cfg_opt_t)CFG_STR(o->name, NULL, CFGF_NONE);
	}
}

/*
 * Build the service section's options: the core's, then every option of
 * every loaded plugin (once per name).  Two plugins that declare one name
 * with different types cannot share a schema: reported, first one kept.
 * lenient adds the catch-all "__unknown".  Returns a malloc'd array.
 */
static cfg_opt_t *service_opts(struct ctx *c, int lenient)
{
	const struct pn_core_option *o;
	size_t n = 2, ncore = 0;
	cfg_opt_t *opts;

	for (o = pn_core_options; o->name; o++)
		n++;
	for (struct pn_plugin *p = c->reg->plugins; p; p = p->next)
		n += pn_plugopt_count(p->desc->options);
	if (!(opts = calloc(n, sizeof *opts)))
		return NULL;
	for (o = pn_core_options; o->name; o++)
		if (o->type != PN_CO_FIELD)
			opts[ncore++] = core_cfg_opt(o);
	n = ncore;
	for (struct pn_plugin *p = c->reg->plugins; p; p = p->next) {
		const struct pinetd_option *po = p->desc->options;
		for (size_t i = 0; po && po[i].type != PINETD_OPT_END; i++) {
			size_t j;
			for (j = ncore; j < n; j++)
				if (strcmp(opts[j].name, po[i].name) == 0)
					break;
			if (j == n) {
				opts[n++] = plugin_cfg_opt(&po[i]);
				continue;
			}
			cfg_opt_t other = plugin_cfg_opt(&po[i]);
			if (other.type != opts[j].type)
				report(c, c->file, 0,
				       "plugin '%s' declares option '%s' with another "
				       "type than an earlier plugin; they cannot be "
				       "used together",
				       p->name, po[i].name);
		}
	}
	if (lenient)
		opts[n++] = (cfg_opt_t)CFG_STR_LIST("__unknown", NULL, CFGF_NONE);
	opts[n] = (cfg_opt_t)CFG_END();
	return opts;
}

/*
 * A cfg for one file.  main: the global options too.  Returns NULL on
 * allocation failure.
 */
static cfg_t *new_cfg(struct ctx *c, int main_file, int lenient)
{
	cfg_opt_t *svc = service_opts(c, lenient);
	cfg_flag_t secflags = CFGF_MULTI | CFGF_TITLE | CFGF_NO_TITLE_DUPES;
	cfg_t *cfg;

	if (!svc)
		return NULL;
	if (lenient)
		secflags |= CFGF_IGNORE_UNKNOWN;
	cfg_opt_t top[] = {
		CFG_STR("plugin_dir", PN_PLUGINDIR, CFGF_NONE),
		CFG_STR("services_dir", PN_SERVICESDIR, CFGF_NONE),
		CFG_STR("log_level", "info", CFGF_NONE),
		CFG_INT("backlog", PN_DEF_BACKLOG, CFGF_NONE),
		CFG_INT("shutdown_timeout", PN_DEF_SHUTDOWN_TIMEOUT, CFGF_NONE),
		CFG_STR("pid_file", PN_DEF_PID_FILE, CFGF_NONE),
		CFG_INT("drain_timeout", PN_DEF_DRAIN_TIMEOUT, CFGF_NONE),
		CFG_INT("watchdog", PN_DEF_WATCHDOG, CFGF_NONE),
		CFG_STR_LIST("allow", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("deny", NULL, CFGF_NODEFAULT),
		CFG_SEC("service", svc, secflags),
		CFG_STR_LIST("__unknown", NULL, CFGF_NONE),
		CFG_END(),
	};
	/* Drop-in files hold services only: the array from "service" on. */
	cfg_opt_t *opts = main_file ? top : top + 10;
	if (!lenient) /* drop the catch-all */
		top[11] = (cfg_opt_t)CFG_END();
	cfg = cfg_init(opts, lenient ? CFGF_IGNORE_UNKNOWN : CFGF_NONE);
	free(svc);
	if (!cfg)
		return NULL;
	cfg_set_error_function(cfg, errfunc);
	if (main_file) {
		cfg_set_validate_func(cfg, "log_level", validate_log_level);
		cfg_set_validate_func(cfg, "allow", record_line);
		cfg_set_validate_func(cfg, "deny", record_line);
	}
	if (lenient) {
		cfg_set_validate_func(cfg, "service|plugin", record_line);
	} else {
		cfg_t *dummy = cfg;
		cfg_opt_t *sec = cfg_getopt(dummy, "service");
		for (cfg_opt_t *o = sec->subopts; o && o->name; o++) {
			char path[256];
			snprintf(path, sizeof path, "service|%s", o->name);
			cfg_set_validate_func(cfg, path, record_line);
		}
	}
	return cfg;
}

/*
 * Blank out comments (#, // and C-style), keeping every newline, outside
 * quoted strings.  libconfuse 3.3 miscounts lines after a comment, so the
 * daemon hands it text without any: every file:line stays exact.
 */
static void blank_comments(char *p)
{
	char quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '#' || (p[0] == '/' && p[1] == '/')) {
			while (*p && *p != '\n')
				*p++ = ' ';
			if (!*p)
				break;
		} else if (p[0] == '/' && p[1] == '*') {
			*p++ = ' ';
			*p = ' ';
			while (p[1] && !(p[1] == '*' && p[2] == '/')) {
				p++;
				if (*p != '\n')
					*p = ' ';
			}
			if (p[1]) {
				p[1] = p[2] = ' ';
				p += 2;
			}
		}
	}
}

/*
 * Squeeze each run of blanks (spaces and tabs) outside quoted strings to
 * one.  libconfuse's lexer takes time quadratic in the length of a run
 * (an 8 MB comment, blanked, took 62 s); one blank means the same to it,
 * and newlines, hence line numbers, are kept.
 */
static void squeeze_blanks(char *p)
{
	char *out = p, quote = 0;

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				*out++ = *p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if ((*p == ' ' || *p == '\t') && (p[1] == ' ' || p[1] == '\t')) {
			continue; /* keep the last blank of the run */
		}
		*out++ = *p;
	}
	*out = '\0';
}

/*
 * Refuse sections nested deeper than PN_CONF_NEST_MAX before libconfuse
 * sees the text: its parser recurses once per level, so 50,000 nested
 * `service a {` would overflow the stack.  A real file nests two levels
 * (a service and a list).  Quoted strings are skipped as blank_comments
 * does; comments are already blank.  Returns the line of the first brace
 * too deep, or 0.
 */
static int too_deep(const char *p)
{
	int depth = 0, line = 1;
	char quote = 0;

	for (; *p; p++) {
		if (*p == '\n')
			line++;
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
		} else if (*p == '"' || *p == '\'') {
			quote = *p;
		} else if (*p == '{' && ++depth > PN_CONF_NEST_MAX) {
			return line;
		} else if (*p == '}' && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* The line of offset off in text. */
static int line_at(const char *text, size_t off)
{
	int line = 1;

	for (size_t i = 0; i < off; i++)
		line += text[i] == '\n';
	return line;
}

/* Parse one file's bytes with the given cfg; returns 0 or -1 (errors
 * reported). */
static int parse_text(struct ctx *c, cfg_t *cfg, const struct pn_snapfile *f)
{
	size_t nul = strlen(f->data);
	char *text;
	int rc, deep;

	c->file = f->path;
	progress("parsing %s", f->path);
	if (nul < f->len) {
		report(c, f->path, line_at(f->data, nul),
		       "a NUL byte (offset %zu): not a text file", nul);
		return -1;
	}
	if (!(text = strdup(f->data))) {
		report(c, f->path, 0, "out of memory");
		return -1;
	}
	blank_comments(text);
	squeeze_blanks(text);
	if ((deep = too_deep(text))) {
		report(c, f->path, deep, "sections nested deeper than %d levels",
		       PN_CONF_NEST_MAX);
		free(text);
		return -1;
	}
	rc = cfg_parse_buf(cfg, text);
	free(text);
	return rc == CFG_SUCCESS ? 0 : -1;
}

/* ---- paths ---- */

/*
 * Resolve each ':'-separated part of p that is relative against the
 * directory of the config file.  Returns a malloc'd string or NULL.
 */
static char *resolve(const char *conf_path, const char *p)
{
	const char *slash = strrchr(conf_path, '/');
	int dlen = slash ? (int)(slash - conf_path) : 1;
	const char *dir = slash ? conf_path : ".";
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);

	if (!f)
		return NULL;
	for (const char *part = p ? p : ""; *part;) {
		size_t n = strcspn(part, ":");
		if (part != p)
			fputc(':', f);
		if (n > 0 && part[0] != '/')
			fprintf(f, "%.*s/", dlen, dir);
		fprintf(f, "%.*s", (int)n, part);
		part += n;
		if (*part == ':')
			part++;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static int conf_name_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 &&
	       strcmp(d->d_name + n - 5, ".conf") == 0;
}

/*
 * The drop-in files of dir in name order (malloc'd paths).  A missing
 * compiled-in default directory is not an error; a configured one is.
 */
static int list_dropins(struct ctx *c, const char *dir, int is_default,
			char ***files, size_t *nfiles)
{
	struct dirent **ents;
	int n;

	*files = NULL;
	*nfiles = 0;
	if (!dir[0])
		return 0;
	n = scandir(dir, &ents, conf_name_filter, alphasort);
	if (n < 0) {
		if (errno == ENOENT && is_default)
			return 0;
		report(c, c->file, 0, "services_dir '%s': %s", dir, strerror(errno));
		return -1;
	}
	if ((unsigned)n > PN_CONF_FILES_MAX) {
		report(c, c->file, 0, "services_dir '%s': %d drop-in files, more "
				      "than the limit of %u", dir, n, PN_CONF_FILES_MAX);
		for (int i = 0; i < n; i++)
			free(ents[i]);
		free(ents);
		return -1;
	}
	*files = calloc((size_t)n + 1, sizeof **files);
	for (int i = 0; i < n; i++) {
		if (*files && asprintf(&(*files)[*nfiles], "%s/%s", dir,
				       ents[i]->d_name) >= 0)
			(*nfiles)++;
		free(ents[i]);
	}
	free(ents);
	return *files ? 0 : -1;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* ---- pass 1: which plugins ---- */

static void load_plugins_of(struct ctx *c, cfg_t *cfg)
{
	char err[1024];

	for (unsigned i = 0; i < cfg_size(cfg, "service"); i++) {
		cfg_t *s = cfg_getnsec(cfg, "service", i);
		const char *ref = cfg_getstr(s, "plugin");
		if (!ref || !ref[0])
			report(c, c->file, s->line,
			       "service '%s': no plugin (plugin = NAME)",
			       cfg_title(s));
		else {
			int line = line_of(c, s, "plugin", 0);
			progress("loading plugin '%s' for service '%s' (%s:%d)", ref,
				 cfg_title(s), c->file, line);
			if (!pn_plugin_load(c->reg, c->plugin_dir, ref, err, sizeof err))
				report(c, c->file, line, "service '%s': %s",
				       cfg_title(s), err);
		}
	}
}

/* ---- pass 2: one service ---- */

static int set_plugin_option(struct ctx *c, struct pn_service_conf *sc,
			     cfg_t *s, const struct pinetd_option *o, int line)
{
	char err[512];
	int rc = 0;

	switch (o->type) {
	case PINETD_OPT_STR:
		rc = pn_plugopt_set_str(o, sc->pconf, cfg_getstr(s, o->name), err,
					sizeof err);
		break;
	case PINETD_OPT_INT:
		rc = pn_plugopt_set_int(o, sc->pconf, cfg_getint(s, o->name), err,
					sizeof err);
		break;
	case PINETD_OPT_BOOL:
		rc = pn_plugopt_set_bool(o, sc->pconf, cfg_getbool(s, o->name));
		break;
	case PINETD_OPT_ENUM:
		rc = pn_plugopt_set_enum(o, sc->pconf, cfg_getstr(s, o->name), err,
					 sizeof err);
		break;
	case PINETD_OPT_END:
		break;
	}
	if (rc < 0)
		report(c, sc->file, line, "service '%s': option '%s': %s", sc->name,
		       o->name, err);
	return rc;
}

/* The numeric core options of one group (coreopt.h), in table order:
 * each integer within its range. */
static void read_core_group(struct ctx *c, struct pn_service_conf *sc,
			    cfg_t *s, enum pn_core_group g)
{
	for (const struct pn_core_option *o = pn_core_options; o->name; o++) {
		long v;

		if (o->group != g || !pn_core_numeric(o))
			continue;
		if (o->type == PN_CO_BOOL) {
			v = cfg_getbool(s, o->name) == cfg_true;
		} else {
			v = cfg_getint(s, o->name);
			if (v < o->lo || v > o->hi)
				report(c, sc->file, line_of(c, s, o->name, 0),
				       "service '%s': %s %ld out of range [%ld, %ld]",
				       sc->name, o->name, v, o->lo, o->hi);
		}
		pn_core_field_set(sc, o, v);
	}
}

/* Check that every option set in s belongs to the core or to the
 * service's plugin. */
static void check_foreign_options(struct ctx *c, struct pn_service_conf *sc,
				  cfg_t *s)
{
	size_t a, b;

	section_run(c, s, &a, &b);
	for (size_t i = a; i < b; i++) {
		struct linerec *r = &c->recs[i];
		if (pn_core_option_name(r->opt))
			continue;
		if (!pn_plugopt_find(sc->plugin->desc->options, r->opt))
			report(c, sc->file, r->line,
			       "service '%s': option '%s' is not an option of plugin '%s'",
			       sc->name, r->opt, sc->plugin->name);
	}
}

/* Read a list of address prefixes (allow, deny) of section sec. */
static void read_prefixes(struct ctx *c, cfg_t *sec, const char *file,
			  const char *who, const char *name,
			  struct pn_prefix **out, size_t *n)
{
	unsigned k = cfg_size(sec, name);
	char err[256];

	*out = NULL;
	*n = 0;
	if (k == 0 || !(*out = calloc(k, sizeof **out)))
		return;
	for (unsigned i = 0; i < k; i++) {
		const char *text = cfg_getnstr(sec, name, i);
		if (pn_prefix_parse(text, &(*out)[*n], err, sizeof err) < 0)
			report(c, file, line_of(c, sec, name, i), "%s%s: %s", who,
			       name, err);
		else
			(*n)++;
	}
}

static int copy_prefixes(struct pn_prefix **dst, const struct pn_prefix *src,
			 size_t n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if (!(*dst = malloc(n * sizeof **dst)))
		return -1;
	memcpy(*dst, src, n * sizeof **dst);
	return 0;
}

/* The defense options of a service (see conf.h). */
static void read_defense(struct ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	char who[300];

	snprintf(who, sizeof who, "service '%s': ", sc->name);
	if (cfg_size(s, "allow") || cfg_size(s, "deny")) {
		read_prefixes(c, s, sc->file, who, "allow", &sc->acl.allow,
			      &sc->acl.nallow);
		read_prefixes(c, s, sc->file, who, "deny", &sc->acl.deny,
			      &sc->acl.ndeny);
	} else {
		const struct pn_acl *g = &c->global_acl;
		if (copy_prefixes(&sc->acl.allow, g->allow, g->nallow) == 0)
			sc->acl.nallow = g->nallow;
		if (copy_prefixes(&sc->acl.deny, g->deny, g->ndeny) == 0)
			sc->acl.ndeny = g->ndeny;
	}
	read_core_group(c, sc, s, PN_CG_DEFENSE);
	if (sc->burst_per_source == 0)
		sc->burst_per_source = sc->rate_per_source;
	unsigned k = cfg_size(s, "udp_deny_ports");
	if (k && (sc->udp_deny_ports = calloc(k, sizeof *sc->udp_deny_ports))) {
		for (unsigned i = 0; i < k; i++)
			sc->udp_deny_ports[i] = cfg_getnint(s, "udp_deny_ports", i);
		sc->nudp_deny_ports = k;
	}
}

/* execution, user, group, max_children, workers; the plugin's needs. */
static void read_isolation(struct ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	const struct pinetd_plugin *d = sc->plugin->desc;
	const char *mode = cfg_getstr(s, "execution");
	int line = line_of(c, s, "execution", 0) ?: sc->line;
	char err[256];

	sc->mode = (d->flags & PINETD_PF_PROCESS) ? PN_MODE_PROCESS : PN_MODE_EVENT;
	if (mode && strcmp(mode, "event") == 0)
		sc->mode = PN_MODE_EVENT;
	else if (mode && strcmp(mode, "process") == 0)
		sc->mode = PN_MODE_PROCESS;
	else if (mode)
		report(c, sc->file, line, "service '%s': invalid execution '%s' "
		       "(expected one of: event, process)", sc->name, mode);
	if (sc->mode == PN_MODE_PROCESS && (d->flags & PINETD_PF_EVENT))
		report(c, sc->file, line, "service '%s': plugin '%s' shares state "
		       "between connections and cannot run in process mode "
		       "(use execution = event)", sc->name, d->name);
	if (sc->mode == PN_MODE_EVENT && (d->flags & PINETD_PF_PROCESS))
		report(c, sc->file, line, "service '%s': plugin '%s' blocks and "
		       "must run in process mode (use execution = process)", sc->name,
		       d->name);
	if (sc->mode == PN_MODE_PROCESS && (d->flags & PINETD_PF_SPAWN))
		report(c, sc->file, line, "service '%s': plugin '%s' starts its "
		       "programs from the worker and runs in event mode "
		       "(use execution = event)", sc->name, d->name);
	if (sc->mode == PN_MODE_EVENT && !d->on_datagram &&
	    !((d->flags & PINETD_PF_SPAWN) && d->on_wait))
		for (size_t i = 0; i < sc->naddrs; i++)
			if (sc->addrs[i].proto == PINETD_UDP) {
				report(c, sc->file, line, "service '%s': plugin '%s' "
				       "serves UDP only in process mode (it has no "
				       "on_datagram)", sc->name, d->name);
				break;
			}
	if (sc->mode == PN_MODE_PROCESS && (d->transports & PINETD_UDP) &&
	    !d->on_wait)
		for (size_t i = 0; i < sc->naddrs; i++)
			if (sc->addrs[i].proto == PINETD_UDP) {
				report(c, sc->file, line, "service '%s': plugin '%s' "
				       "cannot serve UDP in process mode (it has no "
				       "on_wait)", sc->name, d->name);
				break;
			}
	sc->user = strdup(cfg_getstr(s, "user"));
	sc->group = strdup(cfg_getstr(s, "group"));
	if (sc->user && sc->group && sc->user[0] &&
	    pn_ident_resolve(sc->user, sc->group, &sc->ident, err, sizeof err) < 0)
		report(c, sc->file, line_of(c, s, "user", 0) ?: sc->line,
		       "service '%s': %s", sc->name, err);
	if (sc->group && sc->group[0] && !(sc->user && sc->user[0]))
		report(c, sc->file, line_of(c, s, "group", 0),
		       "service '%s': group needs user", sc->name);
	read_core_group(c, sc, s, PN_CG_ISOLATION); /* max_children, workers */
	if (sc->workers > 1 && (d->flags & PINETD_PF_EVENT))
		report(c, sc->file, line_of(c, s, "workers", 0),
		       "service '%s': plugin '%s' shares state between connections "
		       "and runs in one worker (workers = 1)", sc->name, d->name);
	if (sc->workers > 1 && sc->mode == PN_MODE_PROCESS)
		report(c, sc->file, line_of(c, s, "workers", 0),
		       "service '%s': workers applies to event mode only", sc->name);
	sc->worker_group = strdup(cfg_getstr(s, "worker_group"));
	if (sc->worker_group && sc->worker_group[0] && sc->workers > 1)
		report(c, sc->file, line_of(c, s, "worker_group", 0),
		       "service '%s': worker_group and workers > 1 exclude each "
		       "other (services sharing a worker run in one process)",
		       sc->name);
	for (size_t i = 0; sc->workers > 1 && (d->flags & PINETD_PF_SPAWN) &&
			   i < sc->naddrs; i++)
		if (sc->addrs[i].proto == PINETD_UDP) {
			/* One program has the socket at a time (wait). */
			report(c, sc->file, line_of(c, s, "workers", 0),
			       "service '%s': plugin '%s' serves UDP in wait mode, "
			       "in one worker (workers = 1)", sc->name, d->name);
			break;
		}
}

static void read_listen(struct ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	unsigned n = cfg_size(s, "listen");
	char err[512];

	if (n == 0) {
		report(c, sc->file, sc->line,
		       "service '%s': no listen address (listen = { \"tcp://HOST:PORT\" })",
		       sc->name);
		return;
	}
	sc->listen = calloc(n, sizeof *sc->listen);
	sc->addrs = calloc(2 * (size_t)n, sizeof *sc->addrs);
	if (!sc->listen || !sc->addrs)
		return;
	for (unsigned i = 0; i < n; i++) {
		const char *text = cfg_getnstr(s, "listen", i);
		int line = line_of(c, s, "listen", i);
		struct pn_addr a[2];
		int k = pn_addr_parse(text, a, err, sizeof err);

		sc->listen[sc->nlisten++] = strdup(text);
		if (k < 0) {
			report(c, sc->file, line, "service '%s': %s", sc->name, err);
			continue;
		}
		if (!(sc->plugin->desc->transports & a[0].proto)) {
			report(c, sc->file, line,
			       "service '%s': plugin '%s' does not support %s (%s)",
			       sc->name, sc->plugin->name,
			       a[0].proto == PINETD_UDP ? "UDP" : "TCP", text);
			continue;
		}
		for (int j = 0; j < k; j++)
			sc->addrs[sc->naddrs++] = a[j];
	}
}

/*
 * Read one service section into sc.  Returns 0 when the service is
 * usable (errors may still have been reported for it).
 */
static int read_service(struct ctx *c, cfg_t *s, const char *file,
			struct pn_service_conf *sc)
{
	const char *ref = cfg_getstr(s, "plugin");
	char err[1024];

	sc->name = strdup(cfg_title(s));
	sc->file = strdup(file);
	sc->line = line_of(c, s, "plugin", 0);
	if (!sc->line)
		sc->line = s->line;
	if (!sc->name || !sc->file)
		return -1;
	if (!ref || !ref[0]) {
		report(c, file, sc->line, "service '%s': no plugin (plugin = NAME)",
		       sc->name);
		return -1;
	}
	if (!(sc->plugin = pn_plugin_load(c->reg, c->plugin_dir, ref, err,
					  sizeof err))) {
		report(c, file, sc->line, "service '%s': %s", sc->name, err);
		return -1;
	}
	sc->enabled = cfg_getbool(s, "enabled") == cfg_true;
	read_core_group(c, sc, s, PN_CG_BASIC);
	if (sc->output_max < sc->output_buffer)
		report(c, file, line_of(c, s, "output_max", 0) ?: sc->line,
		       "service '%s': output_max %ld is less than output_buffer %ld",
		       sc->name, sc->output_max, sc->output_buffer);
	read_listen(c, sc, s);
	read_defense(c, sc, s);
	read_isolation(c, sc, s);
	check_foreign_options(c, sc, s);

	const struct pinetd_plugin *d = sc->plugin->desc;
	if (d->conf_size && !(sc->pconf = pn_plugopt_new(d->options, d->conf_size)))
		return -1;
	for (size_t i = 0; d->options && d->options[i].type != PINETD_OPT_END; i++) {
		int line = line_of(c, s, d->options[i].name, 0);
		if (line)
			set_plugin_option(c, sc, s, &d->options[i], line);
	}
	return 0;
}

/* One address of an enabled service, for the overlap check. */
struct addr_ref {
	unsigned port, proto;
	size_t svc, addr;
};

static unsigned addr_port(const struct pn_addr *a)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	return sa->sa_family == AF_INET
		       ? ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port)
		       : ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

static int cmp_ref(const void *x, const void *y)
{
	const struct addr_ref *a = x, *b = y;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * Two enabled services (or one service twice) on overlapping addresses.
 * Only addresses of one transport and port can overlap, so they are
 * sorted by those and compared within each run: linear in practice for a
 * thousand services.
 */
static void check_addresses(struct ctx *c, struct pn_config *conf)
{
	struct addr_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < conf->nsvcs; i++)
		if (conf->svcs[i].enabled)
			n += conf->svcs[i].naddrs;
	if (n < 2 || !(v = malloc(n * sizeof *v)))
		return;
	n = 0;
	for (size_t i = 0; i < conf->nsvcs; i++)
		for (size_t j = 0; conf->svcs[i].enabled && j < conf->svcs[i].naddrs; j++)
			v[n++] = (struct addr_ref){ addr_port(&conf->svcs[i].addrs[j]),
						    conf->svcs[i].addrs[j].proto, i, j };
	qsort(v, n, sizeof *v, cmp_ref);
	for (size_t x = 0; x < n; x++) {
		for (size_t y = x + 1; y < n && v[y].port == v[x].port &&
				       v[y].proto == v[x].proto; y++) {
			/* Report on the later one (configuration order). */
			struct pn_service_conf *a = &conf->svcs[v[y].svc];
			struct pn_service_conf *b = &conf->svcs[v[x].svc];
			const struct pn_addr *aa = &a->addrs[v[y].addr];
			const struct pn_addr *ba = &b->addrs[v[x].addr];
			if (!pn_addr_overlap(aa, ba))
				continue;
			char ta[PN_ADDR_TEXT + 8], tb[PN_ADDR_TEXT + 8];
			pn_addr_format(aa, ta, sizeof ta);
			pn_addr_format(ba, tb, sizeof tb);
			if (a == b)
				report(c, a->file, a->line,
				       "service '%s': address %s is listed twice",
				       a->name, ta);
			else
				report(c, a->file, a->line,
				       "service '%s': address %s conflicts with %s of service '%s' (%s:%d)",
				       a->name, ta, tb, b->name, b->file, b->line);
		}
	}
	free(v);
}

static void free_service(struct pn_service_conf *sc)
{
	free(sc->fingerprint);
	if (sc->plugin && sc->pconf)
		pn_plugopt_free(sc->plugin->desc->options, sc->pconf);
	for (size_t i = 0; i < sc->nlisten; i++)
		free(sc->listen[i]);
	free(sc->listen);
	free(sc->addrs);
	free(sc->name);
	free(sc->file);
	pn_acl_free(&sc->acl);
	free(sc->udp_deny_ports);
	free(sc->user);
	free(sc->group);
	free(sc->worker_group);
}

void pn_config_free(struct pn_config *conf)
{
	if (!conf)
		return;
	for (size_t i = 0; i < conf->nsvcs; i++)
		free_service(&conf->svcs[i]);
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

static int same_prefixes(const struct pn_prefix *a, size_t na,
			 const struct pn_prefix *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!pn_prefix_equal(&a[i], &b[i]))
			return 0;
	return 1;
}

static void put_prefixes(FILE *f, const char *name, const struct pn_prefix *v,
			 size_t n)
{
	fprintf(f, "%s", name);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, " %d/", v[i].family);
		for (size_t j = 0; j < sizeof v[i].addr; j++)
			fprintf(f, "%02x", v[i].addr[j]);
		fprintf(f, "/%u", v[i].len);
	}
	fputc('\n', f);
}

char *pn_service_fingerprint(const struct pn_service_conf *sc)
{
	const struct pinetd_plugin *d = sc->plugin->desc;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputs("plugin ", f);
	pn_plugopt_quote(sc->plugin->name, f);
	fputc(' ', f);
	pn_plugopt_quote(sc->plugin->path, f);
	fputc('\n', f);
	for (const struct pn_core_option *o = pn_core_options; o->name; o++)
		if (pn_core_numeric(o) && o->same)
			fprintf(f, "%s %ld\n", o->name, pn_core_field_get(sc, o));
	put_prefixes(f, "allow", sc->acl.allow, sc->acl.nallow);
	put_prefixes(f, "deny", sc->acl.deny, sc->acl.ndeny);
	fputs("udp_deny_ports", f);
	for (size_t i = 0; i < sc->nudp_deny_ports; i++)
		fprintf(f, " %ld", sc->udp_deny_ports[i]);
	fputs("\nuser ", f);
	pn_plugopt_quote(sc->user, f);
	fputs("\ngroup ", f);
	pn_plugopt_quote(sc->group, f);
	fputs("\nworker_group ", f);
	pn_plugopt_quote(sc->worker_group ? sc->worker_group : "", f);
	fputc('\n', f);
	for (size_t i = 0; d && sc->pconf && d->options &&
			   d->options[i].type != PINETD_OPT_END; i++) {
		fprintf(f, "option %s ", d->options[i].name);
		pn_plugopt_format(&d->options[i], sc->pconf, f);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

int pn_service_conf_same(const struct pn_service_conf *a,
			 const struct pn_service_conf *b)
{
	const struct pinetd_plugin *d = a->plugin->desc;

	if (a->fingerprint && b->fingerprint)
		return strcmp(a->fingerprint, b->fingerprint) == 0;
	if (!d || !b->plugin->desc)
		return 0; /* a view without a fingerprint: cannot tell */
	/* The numeric core options from their table, the rest by hand. */
	return a->plugin == b->plugin && pn_core_fields_same(a, b) &&
	       a->nudp_deny_ports == b->nudp_deny_ports &&
	       (!a->nudp_deny_ports ||
		memcmp(a->udp_deny_ports, b->udp_deny_ports,
		       a->nudp_deny_ports * sizeof *a->udp_deny_ports) == 0) &&
	       same_prefixes(a->acl.allow, a->acl.nallow, b->acl.allow, b->acl.nallow) &&
	       same_prefixes(a->acl.deny, a->acl.ndeny, b->acl.deny, b->acl.ndeny) &&
	       strcmp(a->user, b->user) == 0 &&
	       strcmp(a->group, b->group) == 0 &&
	       strcmp(a->worker_group, b->worker_group) == 0 &&
	       pn_plugopt_equal(d->options, a->pconf, b->pconf);
}

/* Append the services of one parsed file. */
static void take_services(struct ctx *c, struct pn_config *conf, cfg_t *cfg,
			  const char *file)
{
	unsigned n = cfg_size(cfg, "service");
	struct pn_service_conf *v;

	if (!n)
		return;
	v = realloc(conf->svcs, (conf->nsvcs + n) * sizeof *v);
	if (!v) {
		report(c, file, 0, "out of memory");
		return;
	}
	conf->svcs = v;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *s = cfg_getnsec(cfg, "service", i);
		struct pn_service_conf *sc = &conf->svcs[conf->nsvcs];
		int dup = 0;

		for (size_t j = 0; j < conf->nsvcs; j++) {
			if (strcmp(conf->svcs[j].name, cfg_title(s)) == 0) {
				report(c, file, s->line,
				       "service '%s' is already defined at %s:%d",
				       cfg_title(s), conf->svcs[j].file,
				       conf->svcs[j].line);
				dup = 1;
			}
		}
		if (dup)
			continue;
		memset(sc, 0, sizeof *sc);
		conf->nsvcs++;
		if (read_service(c, s, file, sc) < 0 && !sc->plugin) {
			/* Unusable: keep it out of later checks. */
			free_service(sc);
			conf->nsvcs--;
		}
	}
}

/* Forget the line records of the previous file. */
static void reset_records(struct ctx *c)
{
	c->nrecs = 0;
	c->run_sec = NULL;
	c->run_end = 0;
}

struct pn_snapshot *pn_config_read_files(const char *path, FILE *errs,
					 int *nerrors)
{
	struct pn_registry none; /* pass 1 needs no plugin to find services_dir */
	struct ctx c = { .errs = errs, .reg = &none, .file = path };
	struct pn_snapshot *snap = pn_snapshot_new();
	char err[256], *data, *dir, **files = NULL;
	size_t len, nfiles = 0;
	cfg_t *cfg = NULL;
	int is_default;

	pn_registry_init(&none);
	cur = &c;
	if (!snap)
		goto oom;
	progress("reading %s", path);
	if (pn_file_read(path, PN_CONF_FILE_MAX, &data, &len, err, sizeof err) < 0 ||
	    pn_snapshot_add(snap, path, PN_SNAP_MAIN, data, len, err, sizeof err) < 0) {
		report(&c, path, 0, "%s", err);
		goto out;
	}
	if (!(cfg = new_cfg(&c, 1, 1)))
		goto oom;
	if (parse_text(&c, cfg, &snap->files[0]) < 0)
		goto out;
	is_default = strcmp(cfg_getstr(cfg, "services_dir"), PN_SERVICESDIR) == 0;
	if (!(dir = resolve(path, cfg_getstr(cfg, "services_dir"))))
		goto oom;
	free(snap->services_dir);
	snap->services_dir = dir;
	c.file = path;
	if (list_dropins(&c, dir, is_default, &files, &nfiles) < 0)
		goto out;
	for (size_t i = 0; i < nfiles; i++) {
		progress("reading %s", files[i]);
		if (pn_file_read(files[i], PN_CONF_FILE_MAX, &data, &len, err,
				 sizeof err) < 0 ||
		    pn_snapshot_add(snap, files[i], PN_SNAP_DROPIN, data, len, err,
				    sizeof err) < 0)
			report(&c, files[i], 0, "%s", err);
	}
	goto out;
oom:
	report(&c, path, 0, "out of memory");
out:
	if (cfg)
		cfg_free(cfg);
	free_list(files, nfiles);
	free(c.recs);
	cur = NULL;
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
	struct ctx c = { .errs = errs, .reg = reg, .file = path };
	struct pn_config *conf = calloc(1, sizeof *conf);
	cfg_t *cfg = NULL;

	cur = &c;
	if (!conf || !(conf->path = strdup(path)))
		goto oom;
	if (!snap || snap->nfiles == 0 || snap->files[0].role != PN_SNAP_MAIN ||
	    strcmp(snap->files[0].path, path) != 0) {
		report(&c, path, 0, "the configuration snapshot does not hold this "
				    "file");
		goto out;
	}

	/* Pass 1: the main file, leniently, for global options and plugins. */
	if (!(cfg = new_cfg(&c, 1, 1)))
		goto oom;
	reset_records(&c);
	if (parse_text(&c, cfg, &snap->files[0]) < 0)
		goto out;
	conf->plugin_dir = plugin_dir ? strdup(plugin_dir)
				      : resolve(path, cfg_getstr(cfg, "plugin_dir"));
	conf->services_dir = resolve(path, cfg_getstr(cfg, "services_dir"));
	if (!conf->plugin_dir || !conf->services_dir)
		goto oom;
	if (strcmp(conf->services_dir, snap->services_dir) != 0) {
		report(&c, path, 0, "services_dir '%s' is not the directory the "
				    "snapshot was read from ('%s')",
		       conf->services_dir, snap->services_dir);
		goto out;
	}
	c.plugin_dir = conf->plugin_dir;
	conf->log_level = pn_log_level_parse(cfg_getstr(cfg, "log_level"));
	conf->backlog = cfg_getint(cfg, "backlog");
	if (conf->backlog < 1 || conf->backlog > 1L << 20)
		report(&c, path, 0, "backlog %ld out of range [1, 1048576]",
		       conf->backlog);
	conf->shutdown_timeout = cfg_getint(cfg, "shutdown_timeout");
	if (conf->shutdown_timeout < 0 || conf->shutdown_timeout > 86400)
		report(&c, path, 0, "shutdown_timeout %ld out of range [0, 86400]",
		       conf->shutdown_timeout);
	conf->drain_timeout = cfg_getint(cfg, "drain_timeout");
	if (conf->drain_timeout < 0 || conf->drain_timeout > 86400)
		report(&c, path, 0, "drain_timeout %ld out of range [0, 86400]",
		       conf->drain_timeout);
	conf->watchdog = cfg_getint(cfg, "watchdog");
	if (conf->watchdog < 0 || conf->watchdog > 3600)
		report(&c, path, 0, "watchdog %ld out of range [0, 3600]",
		       conf->watchdog);
	if (!(conf->pid_file = resolve(path, cfg_getstr(cfg, "pid_file"))))
		goto oom;
	load_plugins_of(&c, cfg);
	cfg_free(cfg);
	cfg = NULL;
	for (size_t i = 1; i < snap->nfiles; i++) {
		if (!(cfg = new_cfg(&c, 0, 1)))
			goto oom;
		reset_records(&c);
		if (parse_text(&c, cfg, &snap->files[i]) == 0)
			load_plugins_of(&c, cfg);
		cfg_free(cfg);
		cfg = NULL;
	}
	if (c.nerr)
		goto out;

	/* Pass 2: strictly, with every loaded plugin's options. */
	for (size_t i = 0; i < snap->nfiles; i++) {
		const char *file = snap->files[i].path;
		reset_records(&c);
		if (!(cfg = new_cfg(&c, i == 0, 0)))
			goto oom;
		if (parse_text(&c, cfg, &snap->files[i]) == 0) {
			if (i == 0) {
				read_prefixes(&c, cfg, file, "", "allow",
					      &c.global_acl.allow, &c.global_acl.nallow);
				read_prefixes(&c, cfg, file, "", "deny",
					      &c.global_acl.deny, &c.global_acl.ndeny);
			}
			take_services(&c, conf, cfg, file);
		}
		cfg_free(cfg);
		cfg = NULL;
	}
	check_addresses(&c, conf);
	goto out;

oom:
	report(&c, path, 0, "out of memory");
out:
	if (cfg)
		cfg_free(cfg);
	free(c.recs);
	pn_acl_free(&c.global_acl);
	cur = NULL;
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
	struct ctx c = { .errs = errs, .reg = &none, .file = path };
	int rc = -1;

	pn_registry_init(&none);
	memset(f, 0, sizeof *f);
	cur = &c;
	for (size_t i = 0; snap && i < snap->nfiles; i++) {
		cfg_t *cfg = new_cfg(&c, i == 0, 1);
		if (!cfg)
			goto out;
		reset_records(&c);
		int ok = parse_text(&c, cfg, &snap->files[i]) == 0 &&
			 (i > 0 || (f->pid_file = resolve(path, cfg_getstr(cfg, "pid_file")))) &&
			 add_facts(f, cfg) == 0;
		cfg_free(cfg);
		if (!ok)
			goto out;
	}
	rc = snap && snap->nfiles ? 0 : -1;
out:
	free(c.recs);
	cur = NULL;
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
