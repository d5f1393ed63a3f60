/*
 * log.c -- the daemon's log (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int log_to_stderr = 1;
static int log_journal;
static int log_level = LOG_INFO;
static int tee_fd = -1;
static pid_t tee_pid;

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "error", LOG_ERR },	{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO },	{ "debug", LOG_DEBUG },
};

int pn_log_stream_is_journal(int fd, const char *journal_stream)
{
	uintmax_t dev, ino;
	struct stat st;
	char end;

	if (!journal_stream ||
	    sscanf(journal_stream, "%ju:%ju%c", &dev, &ino, &end) != 2 ||
	    fstat(fd, &st) < 0)
		return 0;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void pn_log_open(const char *ident, int to_stderr, int level)
{
	log_to_stderr = to_stderr;
	log_level = level;
	log_journal = to_stderr &&
		      pn_log_stream_is_journal(STDERR_FILENO, getenv("JOURNAL_STREAM"));
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void pn_log_set_level(int level) { log_level = level; }
int pn_log_get_level(void) { return log_level; }
int pn_log_journal(void) { return log_journal; }

int pn_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (strcasecmp(levels[i].name, name) == 0)
			return levels[i].level;
	return -1;
}

const char *pn_log_level_name(int level)
{
	for (size_t i = 0; i < sizeof levels / sizeof levels[0]; i++)
		if (levels[i].level == level)
			return levels[i].name;
	return "?";
}

size_t pn_log_format(char *buf, size_t n, int journal, int level,
		     const char *msg)
{
	size_t k = 0;

	if (n < 2)
		return 0;
	n--; /* room for the final newline */
	for (const char *line = msg;;) {
		size_t len = strcspn(line, "\n");
		int w = journal ? snprintf(buf + k, n - k, "<%d>%.*s", level & LOG_PRIMASK,
					   (int)len, line)
				: snprintf(buf + k, n - k, "pinetd: %s: %.*s",
					   pn_log_level_name(level), (int)len, line);
		k += w < 0 ? 0 : (size_t)w < n - k ? (size_t)w : n - k - 1;
		if (line[len] != '\n' || !line[len + 1] || k + 1 >= n)
			break;
		buf[k++] = '\n'; /* the next line gets its own prefix */
		line += len + 1;
	}
	buf[k++] = '\n';
	buf[k] = '\0';
	return k;
}

/* Write all of buf to fd (a pipe or a terminal: short writes are rare,
 * EINTR possible).  Returns 0 or -1. */
static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * One message: formatted whole and written with one write(2), so that
 * the lines of the supervisor, its workers and its checkers, which share
 * stderr, do not interleave within a line.
 */
void pn_vlog(int level, const char *fmt, va_list ap)
{
	int saved = errno;
	char msg[2048], line[2304];
	size_t n;

	if (level > log_level)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (log_to_stderr) {
		n = pn_log_format(line, sizeof line, log_journal, level, msg);
		(void)!write_all(STDERR_FILENO, line, n);
	} else {
		syslog(level, "%s", msg);
	}
	if (tee_fd >= 0 && level <= LOG_WARNING && getpid() == tee_pid) {
		n = pn_log_format(line, sizeof line, 0, level, msg);
		if (write_all(tee_fd, line, n) < 0)
			tee_fd = -1; /* the parent is gone: stop */
	}
	errno = saved;
}

void pn_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pn_vlog(level, fmt, ap);
	va_end(ap);
}

void pn_log_tee(int fd)
{
	tee_fd = fd;
	tee_pid = getpid();
}

void pn_log_report(int fd, int code)
{
	char rec[2] = { '\0', (char)(unsigned char)code };

	if (fd < 0)
		return;
	if (fd == tee_fd)
		tee_fd = -1;
	if (write_all(fd, rec, sizeof rec) < 0)
		pn_log(LOG_WARNING, "cannot report start-up to the parent");
	close(fd);
}

int pn_ratelog_due(struct pn_ratelog *r, uint64_t now_ms,
		   unsigned long *suppressed)
{
	if (r->last && now_ms - r->last < PN_RATELOG_INTERVAL_MS) {
		r->suppressed++;
		return 0;
	}
	*suppressed = r->suppressed;
	r->suppressed = 0;
	r->last = now_ms ? now_ms : 1;
	return 1;
}
