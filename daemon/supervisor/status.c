/*
 * status.c -- STATUS= and WATCHDOG=1 for the service manager (see status.h).
 */
#include "status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "notify.h"

int pn_status_text(char *buf, size_t n, const struct pn_status_facts *f,
		   const char *note)
{
	return snprintf(buf, n, "%zu service%s in %zu worker%s, %" PRIu64
			" connection%s%s%s", f->services, f->services == 1 ? "" : "s",
			f->workers, f->workers == 1 ? "" : "s", f->conns,
			f->conns == 1 ? "" : "s", note[0] ? "; " : "", note);
}

/*
 * The keep-alive: WATCHDOG=1 when every worker answers, then again after
 * watchdog_ms; when one does not, nothing, and a new look soon.  The
 * first withheld one and the recovery are logged.
 */
static void on_watchdog(struct pn_loop *l, void *arg)
{
	struct pn_status *st = arg;

	if (st->healthy(st->arg)) {
		pn_notify("WATCHDOG=1");
		if (st->withheld)
			pn_log(LOG_NOTICE, "every worker answers again: "
					   "service manager watchdog resumed");
		st->withheld = 0;
		pn_timer_start(l, &st->watchdog, st->watchdog_ms);
		return;
	}
	if (!st->withheld)
		pn_log(LOG_WARNING, "a worker does not answer its heartbeats: "
				    "WATCHDOG=1 withheld until it is replaced");
	st->withheld = 1;
	pn_timer_start(l, &st->watchdog, PN_STATUS_RETRY_MS < st->watchdog_ms ?
						 PN_STATUS_RETRY_MS : st->watchdog_ms);
}

void pn_status_start(struct pn_status *st, struct pn_loop *loop,
		     pn_status_healthy_fn *healthy, void *arg)
{
	unsigned long long usec = pn_notify_watchdog_usec();

	st->loop = loop;
	st->healthy = healthy;
	st->arg = arg;
	pn_timer_init(&st->watchdog, on_watchdog, st);
	/* Half the interval, as sd_watchdog_enabled(3) advises. */
	st->watchdog_ms = usec / 2000u;
	if (usec && st->watchdog_ms == 0)
		st->watchdog_ms = 1;
	if (st->watchdog_ms) {
		pn_log(LOG_INFO, "service manager watchdog: WATCHDOG=1 every %" PRIu64
				 " ms while every worker answers", st->watchdog_ms);
		on_watchdog(loop, st);
	}
}

void pn_status_stop(struct pn_status *st)
{
	if (st->loop)
		pn_timer_stop(st->loop, &st->watchdog);
}

/* STATUS=text, after READY=1 when ready (one datagram). */
static void send_status(struct pn_status *st, const char *text, int ready)
{
	char msg[sizeof st->sent + 32];

	snprintf(msg, sizeof msg, "%sSTATUS=%s", ready ? "READY=1\n" : "", text);
	pn_notify(msg);
	snprintf(st->sent, sizeof st->sent, "%s", text);
	st->sent_at = st->loop ? pn_loop_now(st->loop) : 0;
}

void pn_status_update(struct pn_status *st, const struct pn_status_facts *f,
		      int ready)
{
	char text[sizeof st->sent];

	pn_status_text(text, sizeof text, f, st->note);
	if (ready)
		send_status(st, text, 1);
	else if (strcmp(text, st->sent) != 0 && st->loop &&
		 pn_loop_now(st->loop) - st->sent_at >= PN_STATUS_INTERVAL_MS)
		send_status(st, text, 0);
}

void pn_status_reloaded(struct pn_status *st, const struct pn_status_facts *f,
			int ok)
{
	char when[16] = "";
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm))
		strftime(when, sizeof when, " at %H:%M:%S", &tm);
	snprintf(st->note, sizeof st->note, "%s%s%s", ok ? "reloaded" : "reload refused",
		 when, ok ? "" : ": the running configuration is unchanged (see the log)");
	pn_status_update(st, f, 1);
}
