/*
 * parse.c -- the parsing half of reading the configuration (see
 * parse.h): the libconfuse schema, the text handed to libconfuse
 * (comments blanked, blanks squeezed, nesting bounded), the line of every
 * value, "FILE:LINE: message" errors, and the paths of the drop-in files.
 */
#include "parse.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inetd.h"
#include "log.h"
#include "plugopt.h"

/* Deepest nesting of { } a file may have (too_deep). */
#define PN_CONF_NEST_MAX 16

/* libconfuse's callbacks carry no user pointer; one load runs at a time. */
static struct pn__ctx *cur;

void pn__ctx_begin(struct pn__ctx *c)
{
	cur = c;
}

void pn__ctx_end(struct pn__ctx *c)
{
	free(c->recs);
	c->recs = NULL;
	c->nrecs = c->caprecs = 0;
	cur = NULL;
}

/* Forget the line records of the previous file. */
void pn__reset_records(struct pn__ctx *c)
{
	c->nrecs = 0;
	c->run_sec = NULL;
	c->run_end = 0;
}

/* What the load is doing, for a checker that may die on the way
 * (pn_config_set_progress). */
static pn_config_progress_fn *progress_fn;
static void *progress_arg;

void pn_config_set_progress(pn_config_progress_fn *fn, void *arg)
{
	progress_fn = fn;
	progress_arg = arg;
}

void pn__progress(const char *fmt, ...)
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

void pn__report(struct pn__ctx *c, const char *file, int line, const char *fmt,
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
	pn__report(cur, cur->file, cfg ? cfg->line : 0, "%s", msg);
}

/*
 * Records are appended in parse order, so the records of one section are
 * contiguous: both functions below only look at that run, which keeps a
 * configuration of a thousand services linear.
 */
static int record_line(cfg_t *sec, cfg_opt_t *opt)
{
	struct pn__ctx *c = cur;
	unsigned idx = opt->nvalues ? opt->nvalues - 1 : 0;

	for (size_t i = c->nrecs; i-- > 0 && c->recs[i].sec == sec;) {
		struct pn__linerec *r = &c->recs[i];
		if (r->idx == idx && strcmp(r->opt, opt->name) == 0) {
			r->line = sec->line;
			return 0;
		}
	}
	if (c->nrecs == c->caprecs) {
		size_t cap = c->caprecs ? c->caprecs * 2 : 64;
		struct pn__linerec *n = realloc(c->recs, cap * sizeof *n);
		if (!n)
			return -1;
		c->recs = n;
		c->caprecs = cap;
	}
	c->recs[c->nrecs++] = (struct pn__linerec){ sec, opt->name, idx, sec->line };
	return 0;
}

/* The run of records of sec: [*start, *end).  Sections are looked up in
 * order, so the search resumes where the previous one ended. */
void pn__section_run(struct pn__ctx *c, cfg_t *sec, size_t *start, size_t *end)
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
int pn__line_of(struct pn__ctx *c, cfg_t *sec, const char *opt, unsigned idx)
{
	size_t a, b;

	pn__section_run(c, sec, &a, &b);
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
static cfg_opt_t *service_opts(struct pn__ctx *c, int lenient)
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
				pn__report(c, c->file, 0,
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
cfg_t *pn__new_cfg(struct pn__ctx *c, int main_file, int lenient)
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
		CFG_STR("inetd_conf", "", CFGF_NONE),
		CFG_STR("log_level", "info", CFGF_NONE),
		CFG_INT("backlog", PN_DEF_BACKLOG, CFGF_NONE),
		CFG_INT("shutdown_timeout", PN_DEF_SHUTDOWN_TIMEOUT, CFGF_NONE),
		CFG_STR("pid_file", PN_DEF_PID_FILE, CFGF_NONE),
		CFG_INT("drain_timeout", PN_DEF_DRAIN_TIMEOUT, CFGF_NONE),
		CFG_INT("watchdog", PN_DEF_WATCHDOG, CFGF_NONE),
		CFG_BOOL("core_dumps", cfg_false, CFGF_NONE),
		CFG_STR_LIST("allow", NULL, CFGF_NODEFAULT),
		CFG_STR_LIST("deny", NULL, CFGF_NODEFAULT),
		CFG_SEC("service", svc, secflags),
		CFG_STR_LIST("__unknown", NULL, CFGF_NONE),
		CFG_END(),
	};
	/* Drop-in files hold services only: the array from "service" on. */
	size_t nsec = 0;
	while (strcmp(top[nsec].name, "service") != 0)
		nsec++;
	cfg_opt_t *opts = main_file ? top : top + nsec;
	if (!lenient) /* drop the catch-all */
		top[nsec + 1] = (cfg_opt_t)CFG_END();
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
 * Whether c ends an unquoted word for libconfuse's lexer (3.3, lexer.l):
 * a blank, a symbol, a quote, '#' or '*'.  Every other byte, '/'
 * included, continues one.
 */
static int ends_word(char c)
{
	return c == '\0' || strchr(" #\"'\t\n\r={}()+,*", c) != NULL;
}

/*
 * Blank out comments (#, // and C-style), keeping every newline, outside
 * quoted strings.  libconfuse 3.3 miscounts lines after a comment, so the
 * daemon hands it text without any: every file:line stays exact.
 *
 * Only what libconfuse itself reads as a comment is one: '#' anywhere
 * outside quotes; "//" and "/ *" only where a token starts, never inside
 * an unquoted word (tcp://127.0.0.1:7 is one word); and a run of slashes
 * followed by a word byte ("//x") is a word too, since flex takes the
 * longest match.
 */
static void blank_comments(char *p)
{
	char quote = 0;
	int word = 0; /* inside an unquoted word */

	for (; *p; p++) {
		if (quote) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == quote)
				quote = 0;
			continue;
		}
		if (*p == '"' || *p == '\'') {
			quote = *p;
			word = 0;
		} else if (*p == '#' || (!word && p[0] == '/' && p[1] == '/')) {
			size_t run = 0;
			while (*p == '/' && p[run] == '/')
				run++;
			if (*p == '/' && !ends_word(p[run])) {
				p += run - 1; /* a word of slashes and more */
				word = 1;
				continue;
			}
			while (*p && *p != '\n')
				*p++ = ' ';
			word = 0;
			if (!*p)
				break;
		} else if (!word && p[0] == '/' && p[1] == '*') {
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
		} else {
			word = !ends_word(*p);
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

static void inetd_error(void *arg, int line, const char *msg)
{
	struct pn__ctx *c = arg;

	pn__report(c, c->file, line, "%s", msg);
}

/* The services of an inetd.conf file as pinetd.conf text, line for line
 * (inetd.h), its errors reported at their lines; NULL when out of
 * memory. */
static char *inetd_text(struct pn__ctx *c, const struct pn_snapfile *f)
{
	return pn_inetd_translate(f->data, inetd_error, c, NULL);
}

/* Parse one file's bytes with the given cfg; returns 0 or -1 (errors
 * reported). */
int pn__parse_text(struct pn__ctx *c, cfg_t *cfg, const struct pn_snapfile *f)
{
	size_t nul = strlen(f->data);
	char *text;
	int rc, deep;

	c->file = f->path;
	pn__progress("parsing %s", f->path);
	if (nul < f->len) {
		pn__report(c, f->path, line_at(f->data, nul),
		       "a NUL byte (offset %zu): not a text file", nul);
		return -1;
	}
	if (f->role == PN_SNAP_INETD) {
		int before = c->nerr;
		text = inetd_text(c, f);
		if (text && c->nerr > before) {
			free(text);
			return -1;
		}
	} else {
		text = strdup(f->data);
	}
	if (!text) {
		pn__report(c, f->path, 0, "out of memory");
		return -1;
	}
	blank_comments(text);
	squeeze_blanks(text);
	if ((deep = too_deep(text))) {
		pn__report(c, f->path, deep, "sections nested deeper than %d levels",
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
char *pn__resolve(const char *conf_path, const char *p)
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
int pn__list_dropins(struct pn__ctx *c, const char *dir, int is_default,
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
		pn__report(c, c->file, 0, "services_dir '%s': %s", dir, strerror(errno));
		return -1;
	}
	if ((unsigned)n > PN_CONF_FILES_MAX) {
		pn__report(c, c->file, 0, "services_dir '%s': %d drop-in files, more "
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

void pn__free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
