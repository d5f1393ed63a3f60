/*
 * log.c -- the daemon's log (see log.h).
 */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static int log_to_stderr = 1;
static int log_level = LOG_INFO;

static const struct {
	const char *name;
	int level;
} levels[] = {
	{ "error", LOG_ERR },	{ "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO },	{ "debug", LOG_DEBUG },
};

void pn_log_open(const char *ident, int to_stderr, int level)
{
	log_to_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

static pn_log_tap_fn *tap_fn;
static void *tap_arg;

void pn_log_tap(pn_log_tap_fn *fn, void *arg)
{
	tap_fn = fn;
	tap_arg = arg;
}

void pn_log_set_level(int level) { log_level = level; }
int pn_log_get_level(void) { return log_level; }

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

void pn_vlog(int level, const char *fmt, va_list ap)
{
	int saved = errno;

	if (tap_fn && level <= LOG_WARNING) {
		char line[2048];
		va_list cp;
		va_copy(cp, ap);
		vsnprintf(line, sizeof line, fmt, cp);
		va_end(cp);
		tap_fn(tap_arg, level, line);
	}
	if (level > log_level)
		return;
	if (log_to_stderr) {
		char line[2048];
		vsnprintf(line, sizeof line, fmt, ap);
		fprintf(stderr, "pinetd: %s: %s\n", pn_log_level_name(level), line);
	} else {
		vsyslog(level, fmt, ap);
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
