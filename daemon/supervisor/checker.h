/*
 * checker.h -- parse the configuration and load plugins in a short-lived
 * process, never in the supervisor.
 *
 * The supervisor runs as root and serves nothing; parsing (libconfuse)
 * and plugin code (constructors run at dlopen) would expose it to any
 * file it is pointed at and any plugin installed.  So a checker process
 * does that work and sends back plain data:
 *
 *   1. forked from the caller; resource limits set (below); every
 *      inherited descriptor but stdio closed;
 *   2. as the caller (root, usually), reads pinetd.conf and the drop-in
 *      files into a snapshot (snapshot.h) and sends it;
 *   3. becomes the default user -- PN_SERVICE_USER (configure
 *      --with-service-user, nobody by default) when pinetd runs as root,
 *      else pinetd's own identity -- parses the snapshot, loads the plugins,
 *      checks everything, and sends the view (view.h) or the errors.
 *
 * The caller waits at most PN_CHECKER_TIMEOUT_MS (then SIGKILL) and reads
 * at most PN_CHECKER_REPLY_MAX bytes.  A checker that fails, crashes,
 * times out or runs out of memory is an error that names what it was
 * doing ("while loading plugin 'x' for service 'y' (FILE:LINE)").
 *
 * Pipe protocol: frames of u8 type, u32 length (little-endian), payload:
 * 'P' progress text (the last one wins), 'E' error text, 'S' snapshot,
 * 'V' view, 'O' output text, 'D' u32 result (errors, or fn's return).
 */
#ifndef PN_CHECKER_H
#define PN_CHECKER_H

#include <stdio.h>

#include "conf.h"
#include "privs.h"

/* Limits of a checker process (documented in pinetd(8)). */
#define PN_CHECKER_TIMEOUT_MS 10000	     /* wall clock, then SIGKILL */
#define PN_CHECKER_CPU_S 8		     /* RLIMIT_CPU (SIGXCPU) */
#define PN_CHECKER_AS_MAX (512UL << 20)      /* RLIMIT_AS (not with ASan) */
#define PN_CHECKER_STACK_MAX (8UL << 20)     /* RLIMIT_STACK */
#define PN_CHECKER_NOFILE 256		     /* RLIMIT_NOFILE */
#define PN_CHECKER_REPLY_MAX (64UL << 20)    /* bytes read back */

/*
 * pn_checker_load -- check `path` (plugin_dir, when not NULL, overrides
 * the file's) in a checker process.  Errors go to errs, or to the log
 * when errs is NULL, one line each.  Returns the view with view->snap
 * holding the files' bytes (free with pn_config_free), or NULL with the
 * number of errors in *nerrors (a failed checker counts as one).
 */
struct pn_config *pn_checker_load(const char *path, const char *plugin_dir,
				  FILE *errs, int *nerrors);

/*
 * pn_checker_load_logged -- pn_checker_load for a reload: errors are
 * logged, then "reload refused: N errors in PATH; the running
 * configuration is unchanged".
 */
struct pn_config *pn_checker_load_logged(const char *path,
					 const char *plugin_dir);

/* Work done in a checker: write to out and errs, return a status >= 0. */
typedef int pn_checker_fn(void *arg, FILE *out, FILE *errs);

/*
 * pn_checker_run -- run fn in a checker process with the limits above, as
 * `as` (NULL: the default user; no change unless pinetd runs as root).
 * What fn writes is copied to out and errs.  Returns fn's status, or -1
 * after writing "pinetd: WHAT: the checker ..." to errs when the process
 * failed.
 */
int pn_checker_run(const char *what, const struct pn_ident *as,
		   pn_checker_fn *fn, void *arg, FILE *out, FILE *errs);

/* In a checker: tell the caller what is being done now (the "while ..."
 * of a failure).  Elsewhere: nothing. */
void pn_checker_progress(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif
