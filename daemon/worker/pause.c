/*
 * pause.c -- whether a listener is polled, and why not (see pause.h).
 */
#include "pause.h"

#include <sys/epoll.h>

static void on_emfile_over(struct pn_loop *l, void *arg);

void pn_pause_init(struct pn_listener *ln)
{
	ln->paused = PN_PAUSE_IDLE;
	pn_timer_init(&ln->emfile, on_emfile_over, ln);
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

void pn_pause_release(struct pn_listener *ln)
{
	if (!ln->w.active && !ln->emfile.slot)
		return; /* never polled, or forgotten by a process-mode child */
	pn_timer_stop(&ln->svc->srv->loop, &ln->emfile);
	pn_watch_set(&ln->svc->srv->loop, &ln->w, 0);
}
