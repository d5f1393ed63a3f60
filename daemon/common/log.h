/*
 * log.h -- the daemon's log: stderr in the foreground, syslog otherwise.
 *
 * Levels are the syslog priorities (LOG_ERR ... LOG_DEBUG).  The log is a
 * per-process facility by nature (like syslog itself), so its state is
 * process-wide; pn_log_open() resets it.
 */
#ifndef PN_LOG_H
#define PN_LOG_H

#include <stdarg.h>
#include <stdint.h>
#include <syslog.h>

/* Send messages at `level` or more urgent to stderr (to_stderr) or to
 * syslog under `ident`. */
void pn_log_open(const char *ident, int to_stderr, int level);
void pn_log_set_level(int level);
int pn_log_get_level(void);

void pn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pn_vlog(int level, const char *fmt, va_list ap);

/*
 * pn_log_tap -- while fn is set, every line at LOG_WARNING or more urgent
 * is also given to fn, formatted, whatever the level (pinetctl reload
 * reports a refused reload's errors with it, control.c).  NULL: none.
 */
typedef void pn_log_tap_fn(void *arg, int level, const char *line);
void pn_log_tap(pn_log_tap_fn *fn, void *arg);

/*
 * Rate-limited logging for events a flood can trigger: at most one line
 * per interval.  pn_ratelog_due returns 1 when a line may be logged now
 * and sets *suppressed to the events not logged since the last line.
 */
struct pn_ratelog {
	uint64_t last;		  /* ms of the last line, 0: never */
	unsigned long suppressed; /* events since */
};

#define PN_RATELOG_INTERVAL_MS 1000u

int pn_ratelog_due(struct pn_ratelog *r, uint64_t now_ms,
		   unsigned long *suppressed);

/* Parse "error", "warning", "notice", "info", "debug"; -1 if unknown. */
int pn_log_level_parse(const char *name);
const char *pn_log_level_name(int level);

#endif
