/*
 * pause.c -- whether a listener is polled, and why not (see pause.h).
 */
#include "pause.h"

#include <stdlib.h>
#include <sys/epoll.h>

static void on_emfile_over(struct pn_loop *l, void *arg);
static void on_storm_over(struct pn_loop *l, void *arg);

void pn_pause_init(struct pn_listener *ln)
{
	ln->paused = PN_PAUSE_IDLE;
	pn_timer_init(&ln->emfile, on_emfile_over, ln);
	pn_timer_init(&ln->storm, on_storm_over, ln);
}

/* Every reason that holds for ln now. */
static unsigned reasons(const struct pn_listener *ln)
{
	unsigned why = ln->paused;

	if (ln->addr.proto == PINETD_TCP)
		why |= ln->svc->paused;
	return why;
}

/*
 * Make the watch match the reasons: registered while none holds, removed
 * otherwise.  A listener whose socket is gone (a process-mode child
 * forgot its parent's) is left alone.
 */
static void sync_watch(struct pn_listener *ln)
{
	struct pn_loop *l;
	unsigned ev = EPOLLIN;

	if (!ln->svc || ln->w.fd < 0)
		return;
	l = &ln->svc->srv->loop;
	if (reasons(ln)) {
		pn_watch_set(l, &ln->w, 0);
		return;
	}
	/* Several workers poll this socket: wake one of them per event, not
	 * all (no thundering herd). */
	if (ln->svc->conf->workers > 1)
		ev |= EPOLLEXCLUSIVE;
	pn_watch_set(l, &ln->w, ev);
}

void pn_listener_pause(struct pn_listener *ln, unsigned why)
{
	ln->paused |= why;
	if (why & PN_PAUSE_EMFILE)
		pn_timer_start(&ln->svc->srv->loop, &ln->emfile, PN_PAUSE_EMFILE_MS);
	sync_watch(ln);
}

void pn_listener_resume(struct pn_listener *ln, unsigned why)
{
	ln->paused &= ~why;
	if ((why & PN_PAUSE_EMFILE) && ln->svc)
		pn_timer_stop(&ln->svc->srv->loop, &ln->emfile);
	sync_watch(ln);
}

static void on_emfile_over(struct pn_loop *l, void *arg)
{
	struct pn_listener *ln = arg;

	(void)l;
	pn_listener_resume(ln, PN_PAUSE_EMFILE);
}

/* Apply s's reasons to its TCP listeners (the others ignore them). */
static void sync_service(pinetd_svc *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] && s->listeners[i]->addr.proto == PINETD_TCP)
			sync_watch(s->listeners[i]);
}

int pn_service_pause(pinetd_svc *s, unsigned why)
{
	if ((s->paused & why) == why)
		return 0;
	s->paused |= why;
	sync_service(s);
	return 1;
}

int pn_service_resume(pinetd_svc *s, unsigned why)
{
	if (!(s->paused & why))
		return 0;
	s->paused &= ~why;
	sync_service(s);
	return 1;
}

int pn_pause_wait_start(struct pn_listener *ln)
{
	const struct pn_service_conf *sc = ln->svc->conf;
	struct pn_loop *l = &ln->svc->srv->loop;
	size_t max = (size_t)sc->wait_max_starts;
	uint64_t now = pn_loop_now(l), span = (uint64_t)sc->wait_interval * 1000u;
	char name[PN_ADDR_TEXT + 8];

	if (max == 0)
		return 1;
	if (ln->capstarts != max) {
		uint64_t *v = calloc(max, sizeof *v);
		if (!v)
			return 1; /* cannot count: not a reason to refuse */
		free(ln->starts);
		ln->starts = v;
		ln->capstarts = max;
		ln->nstarts = ln->oldest = 0;
	}
	if (ln->nstarts == max && now - ln->starts[ln->oldest] < span) {
		pn_addr_format(&ln->addr, name, sizeof name);
		pn_log(LOG_ERR, "service '%s': %s: %zu programs started in %.1f s "
				"(wait_max_starts %ld in wait_interval %ld s): datagram "
				"dropped, not listening for %ld s (wait_pause)",
		       sc->name, name, max + 1,
		       (double)(now - ln->starts[ln->oldest]) / 1000.0,
		       sc->wait_max_starts, sc->wait_interval, sc->wait_pause);
		ln->nstarts = ln->oldest = 0;
		pn_listener_pause(ln, PN_PAUSE_STORM);
		pn_timer_start(l, &ln->storm, (uint64_t)sc->wait_pause * 1000u);
		return 0;
	}
	/* Full: the oldest start gives way; else append. */
	ln->starts[(ln->oldest + ln->nstarts) % max] = now;
	if (ln->nstarts == max)
		ln->oldest = (ln->oldest + 1) % max;
	else
		ln->nstarts++;
	return 1;
}

static void on_storm_over(struct pn_loop *l, void *arg)
{
	struct pn_listener *ln = arg;
	char name[PN_ADDR_TEXT + 8];

	(void)l;
	pn_addr_format(&ln->addr, name, sizeof name);
	pn_log(LOG_NOTICE, "service '%s': %s: listening again after wait_pause",
	       ln->svc->conf->name, name);
	pn_listener_resume(ln, PN_PAUSE_STORM);
}

void pn_pause_release(struct pn_listener *ln)
{
	free(ln->starts);
	ln->starts = NULL;
	ln->capstarts = ln->nstarts = 0;
	if (!ln->w.active && !ln->emfile.slot && !ln->storm.slot)
		return; /* never polled, or forgotten by a process-mode child */
	pn_timer_stop(&ln->svc->srv->loop, &ln->emfile);
	pn_timer_stop(&ln->svc->srv->loop, &ln->storm);
	pn_watch_set(&ln->svc->srv->loop, &ln->w, 0);
}
