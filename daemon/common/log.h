/*
 * log.h -- the daemon's log: stderr in the foreground, syslog otherwise.
 *
 * Levels are the syslog priorities (LOG_ERR ... LOG_DEBUG).  The log is a
 * per-process facility by nature (like syslog itself), so its state is
 * process-wide; pn_log_open() resets it.  Processes forked afterwards
 * (workers, checkers) inherit it and write the same format to the same
 * stderr or syslog.
 *
 * On stderr a line has one of two forms:
 *   terminal  "pinetd: LEVEL: message"  (tests and admins read these)
 *   journal   "<N>message"              (sd-daemon(3) priority prefix)
 * The journal form is chosen when $JOURNAL_STREAM names the device and
 * inode of our stderr (systemd.exec(5)): systemd connected it to the
 * journal, which then files each line under its own priority and adds
 * the program name itself.
 */
#ifndef PN_LOG_H
#define PN_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* Send messages at `level` or more urgent to stderr (to_stderr) or to
 * syslog under `ident`. */
void pn_log_open(const char *ident, int to_stderr, int level);
void pn_log_set_level(int level);
int pn_log_get_level(void);

/* 1 when lines go to stderr with the journal's <N> prefix (see above). */
int pn_log_journal(void);

/* Whether $JOURNAL_STREAM ("DEV:INO") names the file open on fd. */
int pn_log_stream_is_journal(int fd, const char *journal_stream);

void pn_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pn_vlog(int level, const char *fmt, va_list ap);

/*
 * pn_log_format -- one message as a line of the current stderr form,
 * newline-terminated ("pinetd: error: x\n" or "<3>x\n"; every line of a
 * message with embedded newlines gets the prefix).  Cut to fit n.
 * Returns the length.
 */
size_t pn_log_format(char *buf, size_t n, int journal, int level,
		     const char *msg);

/*
 * The start-up report of a detaching daemon.  The parent waits on a
 * pipe; while pn_log_tee(fd) is in effect, this process's warnings and
 * errors (only this process's: forked ones do not inherit it) are also
 * written to fd in the terminal form, for the parent to print.
 * pn_log_report ends it: it writes a NUL byte and the exit code (the
 * result the parent exits with), then closes fd.  A message never holds
 * a NUL byte, so the parent tells text from the result.
 */
void pn_log_tee(int fd);
void pn_log_report(int fd, int code);

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
