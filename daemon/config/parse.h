/*
 * parse.h -- the parsing half of reading the configuration, shared by
 * conf.c (the passes over the files), service.c (one service section)
 * and parse.c (libconfuse, line numbers, errors, paths).  Internal to
 * daemon/config: hence the double prefix.
 *
 * A load keeps its state in a struct pn__ctx: the error stream and
 * count, the line every value was read on (libconfuse keeps none), the
 * plugin registry.  libconfuse's callbacks carry no user pointer, so
 * the context of the load in progress is set with pn__ctx_begin; one
 * load runs at a time.
 */
#ifndef PN_PARSE_H
#define PN_PARSE_H

#include <stdio.h>

#include <confuse.h>

#include "conf.h"
#include "snapshot.h"

#ifndef PN_PLUGINDIR
#define PN_PLUGINDIR "/usr/local/lib/pinetd"
#endif
#ifndef PN_SERVICESDIR
#define PN_SERVICESDIR "/etc/pinetd/services.d"
#endif

/* Where a value was read: section, option, value index, line. */
struct pn__linerec {
	cfg_t *sec;
	const char *opt;
	unsigned idx;
	int line;
};

/* State of one load; libconfuse callbacks reach it through `pn__cur`. */
struct pn__ctx {
	FILE *errs;
	int nerr;
	const char *file; /* the file being parsed */
	struct pn__linerec *recs;
	size_t nrecs, caprecs;
	struct pn_registry *reg;
	const char *plugin_dir;
	struct pn_acl global_acl; /* the main file's allow/deny */
	cfg_t *run_sec;		  /* section_run's cache */
	size_t run_start, run_end;
};

/* Make c the load in progress; pn__ctx_end frees its line records. */
void pn__ctx_begin(struct pn__ctx *c);
void pn__ctx_end(struct pn__ctx *c);

/* Forget the line records of the previous file. */
void pn__reset_records(struct pn__ctx *c);

/* Tell what the load is doing (pn_config_set_progress). */
void pn__progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Report an error at file:line (line 0: the file), on c->errs or in the
 * log; counts it in c->nerr. */
void pn__report(struct pn__ctx *c, const char *file, int line, const char *fmt,
		...) __attribute__((format(printf, 4, 5)));

/* The run of line records of section sec: [*start, *end). */
void pn__section_run(struct pn__ctx *c, cfg_t *sec, size_t *start, size_t *end);

/* The line value idx of opt was read on in sec, or 0 if it was not set. */
int pn__line_of(struct pn__ctx *c, cfg_t *sec, const char *opt, unsigned idx);

/*
 * A cfg for one file: the core options (coreopt.h) and those of every
 * plugin loaded into c->reg.  main_file: the global options too.
 * lenient: unknown options are ignored.  NULL on allocation failure.
 */
cfg_t *pn__new_cfg(struct pn__ctx *c, int main_file, int lenient);

/* Parse one file's bytes with cfg; 0, or -1 (errors reported). */
int pn__parse_text(struct pn__ctx *c, cfg_t *cfg, const struct pn_snapfile *f);

/* Each relative ':'-separated part of p against the directory of
 * conf_path: a malloc'd string, or NULL. */
char *pn__resolve(const char *conf_path, const char *p);

/* The drop-in files of dir in name order (malloc'd paths); a missing
 * compiled-in default directory is not an error.  0 or -1 (reported). */
int pn__list_dropins(struct pn__ctx *c, const char *dir, int is_default,
		     char ***files, size_t *nfiles);
void pn__free_list(char **v, size_t n);

#endif
