/*
 * server.c -- run services from a configuration table; new sockets for a
 * running service; stop gracefully (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "conn.h"
#include "core.h"
#include "dgram.h"
#include "listener.h"
#include "log.h"
#include "pause.h"
#include "plugev.h"

#define PN_MAX_SOURCES 65536 /* sources tracked per service */
#define PN_SWEEP_MS 10000u

static void config_unref(struct pn_config *conf)
{
	if (conf && --conf->refs == 0)
		pn_config_free(conf);
}

/* ---- service instances ---- */

static pinetd_svc *svc_new(struct pn_server *srv, struct pn_config *table,
			   const struct pn_service_conf *sc)
{
	pinetd_svc *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->srv = srv;
	s->table = table;
	table->refs++;
	s->conf = sc;
	s->desc = sc->plugin->desc;
	pn_sources_init(&s->sources, PN_MAX_SOURCES);
	pn_sources_init(&s->replies, PN_MAX_SOURCES);
	return s;
}

static void log_service_stats(const pinetd_svc *s, const char *state)
{
	pn_log(LOG_NOTICE, "service '%s'%s: %lu open, %lu refused, %lu datagrams "
			   "dropped (%lu from served ports), %lu replies cut, %lu replies "
			   "over budget, %lu closed by limits, %zu sources tracked "
			   "(%zu not tracked, %zu table rekeys%s)",
	       s->conf->name, state, s->nconns, s->refused, s->dropped, s->looped,
	       s->truncated, s->over_budget, s->closed_limit, s->sources.n,
	       s->sources.untracked, s->sources.rekeys,
	       s->sources.weak_key ? ", weak key" : "");
}

void pn_server_log_stats(struct pn_server *srv)
{
	for (pinetd_svc *s = srv->svcs; s; s = s->next)
		log_service_stats(s, "");
	for (pinetd_svc *s = srv->draining; s; s = s->next)
		log_service_stats(s, " (draining)");
}

/* Every few seconds: forget sources with nothing open and a full bucket. */
static void on_sweep(struct pn_loop *l, void *arg)
{
	struct pn_server *srv = arg;
	pinetd_svc *lists[2] = { srv->svcs, srv->draining };

	for (int i = 0; i < 2; i++)
		for (pinetd_svc *s = lists[i]; s; s = s->next)
			pn_sources_sweep(&s->sources, (double)s->conf->rate_per_source,
					 (double)s->conf->burst_per_source, pn_loop_now(l));
	for (int i = 0; i < 2; i++)
		for (pinetd_svc *s = lists[i]; s; s = s->next)
			pn_sources_sweep(&s->replies, (double)s->conf->udp_reply_rate,
					 (double)s->conf->udp_reply_burst, pn_loop_now(l));
	pn_timer_start(l, &srv->sweep, PN_SWEEP_MS);
}

/* Free a service whose connections are all gone. */
static void svc_free(pinetd_svc *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		pn_listener_free(s->listeners[i]);
	if (s->initialised && s->desc->fini)
		s->desc->fini(s->state);
	/* What the plugin held ends after fini (pinetd/plugin.h). */
	pn_pev_end_all(&s->pevs);
	pn_dgram_release_all(s);
	free(s->listeners);
	free(s->children);
	pn_sources_free(&s->sources);
	pn_sources_free(&s->replies);
	config_unref(s->table);
	free(s);
}

/*
 * Run the plugin's init for s: the core table into the plugin's slot
 * first, then init, whose state defaults to the option struct.
 * Returns 0, or -1 with a reason in err.
 */
static int plugin_init(pinetd_svc *s, char *err, size_t errlen)
{
	void *state = NULL;

	*s->desc->core = &pn_core;
	err[0] = '\0';
	if (s->desc->init &&
	    s->desc->init(s, s->conf->pconf, &state, err, errlen) != 0) {
		if (!err[0])
			snprintf(err, errlen, "init failed");
		return -1;
	}
	s->state = state ? state : s->conf->pconf;
	s->initialised = 1;
	return 0;
}

static int svc_init(pinetd_svc *s)
{
	char err[512] = "";

	if (plugin_init(s, err, sizeof err) != 0) {
		pn_log(LOG_ERR, "%s:%d: service '%s': plugin '%s': %s",
		       s->conf->file, s->conf->line, s->conf->name,
		       s->desc->name, err);
		return -1;
	}
	return 0;
}

/* A service stops accepting (pn_server_stop): its listeners are closed,
 * and it is freed once its connections and children are gone. */
static void svc_drain(struct pn_server *srv, pinetd_svc *s)
{
	for (size_t i = 0; i < s->nlisteners; i++)
		pn_listener_free(s->listeners[i]);
	s->nlisteners = 0;
	s->next = srv->draining;
	srv->draining = s;
	if (s->conns || s->nchildren)
		pn_log(LOG_INFO, "service '%s': stopped accepting; %lu connection%s "
				 "left to finish", s->conf->name, s->nconns + s->nchildren,
		       s->nconns + s->nchildren == 1 ? "" : "s");
}

/* After each loop batch: deliver closes, free drained services, and end
 * a shutdown once nothing is left. */
/*
 * Once the last connection of a burst has closed, hand the heap's free
 * pages back to the system (at most once a second): a worker that served
 * a thousand clients at once should not keep their memory while idle.
 */
static void trim_when_idle(struct pn_server *srv, uint64_t now)
{
	pinetd_svc *lists[2] = { srv->svcs, srv->draining };
	unsigned long open = 0;

	for (int i = 0; i < 2; i++)
		for (pinetd_svc *s = lists[i]; s; s = s->next)
			open += s->nconns;
	if (open) {
		srv->trim_due = 1;
	} else if (srv->trim_due && now - srv->last_trim >= 1000) {
		malloc_trim(0);
		srv->trim_due = 0;
		srv->last_trim = now;
	}
}

static void after_batch(struct pn_loop *l, void *arg)
{
	struct pn_server *srv = arg;

	pn_conn_reap(srv);
	trim_when_idle(srv, pn_loop_now(l));
	for (pinetd_svc **pp = &srv->draining; *pp;) {
		pinetd_svc *s = *pp;
		if (s->conns || s->nchildren) {
			pp = &s->next;
			continue;
		}
		*pp = s->next;
		pn_log(LOG_DEBUG, "service '%s': drained", s->conf->name);
		svc_free(s);
	}
	if (srv->stopping && !srv->draining)
		pn_loop_stop(l);
}

/* ---- apply: start the services of a table ---- */

static pinetd_svc *find_service(struct pn_server *srv, const char *name)
{
	for (pinetd_svc *s = srv->svcs; s; s = s->next)
		if (strcmp(s->conf->name, name) == 0)
			return s;
	return NULL;
}

/* Open (or adopt from the service manager) the socket for one address. */
static struct pn_listener *open_listener(struct pn_server *srv,
					 const struct pn_service_conf *sc,
					 const struct pn_addr *a,
					 long backlog)
{
	char err[256], name[PN_ADDR_TEXT + 8];
	struct pn_addr got = *a;
	int fd = pn_activation_take(&srv->act, a, sc->name, &got);
	struct pn_listener *ln;

	pn_addr_format(a, name, sizeof name);
	if (fd < 0 && srv->no_bind) {
		/* A worker serves what the supervisor handed it, nothing else. */
		pn_log(LOG_ERR, "service '%s': no socket for %s was handed over",
		       sc->name, name);
		return NULL;
	}
	ln = pn_listener_new(&got, fd, NULL, (int)backlog, err, sizeof err);
	if (!ln) {
		pn_log(LOG_ERR, "service '%s': cannot bind %s: %s", sc->name, name,
		       err);
		return NULL;
	}
	if (fd >= 0 && !srv->act.quiet) {
		char real[PN_ADDR_TEXT + 8];
		pn_addr_format(&got, real, sizeof real);
		pn_log(LOG_INFO, "service '%s': adopted socket %d (%s) for %s",
		       sc->name, fd, real, name);
	}
	return ln;
}

/* A service of conf with a listener per address, bound but not polled;
 * NULL when one cannot be made (logged, nothing left open). */
static pinetd_svc *svc_open(struct pn_server *srv, struct pn_config *conf,
			    const struct pn_service_conf *sc)
{
	pinetd_svc *s = svc_new(srv, conf, sc);

	if (!s)
		return NULL;
	if (!(s->listeners = calloc(sc->naddrs ? sc->naddrs : 1,
				    sizeof *s->listeners))) {
		svc_free(s);
		return NULL;
	}
	for (size_t j = 0; j < sc->naddrs; j++) {
		struct pn_listener *ln = open_listener(srv, sc, &sc->addrs[j],
						       conf->backlog);
		if (!ln) {
			svc_free(s); /* closes the listeners made so far */
			return NULL;
		}
		ln->svc = s;
		s->listeners[s->nlisteners++] = ln;
		if (ln->addr.proto == PINETD_UDP && pn_dgram_want_dst(ln) < 0) {
			pn_log(LOG_ERR, "service '%s': packet info on a UDP "
			       "socket: %s", sc->name, strerror(errno));
			svc_free(s);
			return NULL;
		}
	}
	return s;
}

int pn_server_apply(struct pn_server *srv, struct pn_config *conf)
{
	pinetd_svc *list = NULL, **tail = &list;
	int rc = PN_EXIT_SYSTEM;

	conf->refs++; /* the server's reference, dropped on failure */
	if (srv->conf || srv->svcs) {
		pn_log(LOG_ERR, "internal error: services started twice");
		goto fail;
	}
	/* Every socket first, then every plugin's init(): nothing is
	 * polled until all of them succeeded. */
	for (size_t i = 0; i < conf->nsvcs; i++) {
		if (!conf->svcs[i].enabled)
			continue;
		if (!(*tail = svc_open(srv, conf, &conf->svcs[i])))
			goto fail;
		tail = &(*tail)->next;
	}
	rc = PN_EXIT_CONFIG;
	for (pinetd_svc *s = list; s; s = s->next)
		if (svc_init(s) < 0)
			goto fail;
	srv->svcs = list;
	for (pinetd_svc *s = list; s; s = s->next)
		for (size_t j = 0; j < s->nlisteners; j++)
			pn_listener_start(s->listeners[j]);
	srv->conf = conf;
	srv->udp_ports_stale = 1;
	if (!srv->no_bind) /* a worker takes the supervisor's setting */
		srv->shutdown_timeout = conf->shutdown_timeout;
	return 0;

fail:
	while (list) {
		pinetd_svc *s = list;
		list = s->next;
		svc_free(s); /* fini() for those init() succeeded for */
	}
	config_unref(conf);
	return rc;
}

/* The index of s's listener on exactly addr, or s->nlisteners. */
static size_t listener_index(const pinetd_svc *s, const struct pn_addr *a)
{
	size_t j;

	for (j = 0; j < s->nlisteners; j++)
		if (s->listeners[j] && pn_addr_equal(&s->listeners[j]->addr, a))
			break;
	return j;
}

int pn_server_set_sockets(struct pn_server *srv, const char *name,
			  const struct pn_addr *addrs, const int *fds, size_t n)
{
	pinetd_svc *s = find_service(srv, name);
	struct pn_listener **v = calloc(n ? n : 1, sizeof *v);
	char err[256], text[PN_ADDR_TEXT + 8];
	size_t i, bad = n; /* fds[bad] was closed by pn_listener_new */

	if (!s || !v) {
		pn_log(LOG_ERR, "service '%s': %s", name,
		       s ? "out of memory" : "new sockets for a service not running here");
		goto fail;
	}
	/* First make every new listener, changing nothing... */
	for (i = 0; i < n; i++) {
		if (listener_index(s, &addrs[i]) < s->nlisteners)
			continue;
		pn_addr_format(&addrs[i], text, sizeof text);
		v[i] = pn_listener_new(&addrs[i], fds[i], s, (int)srv->conf->backlog,
				       err, sizeof err);
		if (!v[i]) {
			pn_log(LOG_ERR, "service '%s': socket for %s: %s", name, text, err);
			bad = i;
			goto fail;
		}
	}
	/* ... then commit: keep, start, close. */
	for (i = 0; i < n; i++) {
		size_t j = listener_index(s, &addrs[i]);
		if (!v[i]) {
			v[i] = s->listeners[j];
			s->listeners[j] = NULL;
			close(fds[i]);
			continue;
		}
		v[i]->svc = s;
		/* Polled unless the service is paused (max_connections...). */
		pn_listener_start(v[i]);
		pn_addr_format(&addrs[i], text, sizeof text);
		pn_log(LOG_INFO, "service '%s': now listening on %s", name, text);
	}
	for (size_t j = 0; j < s->nlisteners; j++) {
		if (!s->listeners[j])
			continue;
		pn_addr_format(&s->listeners[j]->addr, text, sizeof text);
		pn_log(LOG_INFO, "service '%s': no longer listening on %s", name, text);
		pn_listener_free(s->listeners[j]);
	}
	free(s->listeners);
	s->listeners = v;
	s->nlisteners = n;
	return 0;
fail:
	for (i = 0; i < n; i++) {
		if (v && v[i])
			pn_listener_free(v[i]); /* closes fds[i] */
		else if (i != bad)
			close(fds[i]);
	}
	free(v);
	return -1;
}

/* ---- stop, signals ---- */

/* Close every remaining connection and end every process-mode child. */
static void close_remaining(struct pn_server *srv)
{
	for (pinetd_svc *s = srv->draining; s; s = s->next) {
		pn_conn_close_all(s, PINETD_CLOSE_SHUTDOWN);
		pn_child_signal_all(s, SIGTERM);
	}
}

static void on_grace(struct pn_loop *l, void *arg)
{
	struct pn_server *srv = arg;

	(void)l;
	pn_log(LOG_NOTICE, "deadline reached: closing the remaining connections");
	close_remaining(srv);
}

void pn_server_stop(struct pn_server *srv, long deadline_s)
{
	unsigned long open = 0;

	if (!srv->stopping) {
		srv->stopping = 1;
		while (srv->svcs) {
			pinetd_svc *s = srv->svcs;
			srv->svcs = s->next;
			svc_drain(srv, s);
		}
	}
	for (pinetd_svc *s = srv->draining; s; s = s->next)
		open += s->nconns + s->nchildren;
	if (open == 0 || deadline_s < 0)
		return; /* after_batch ends the loop once nothing is open */
	if (deadline_s == 0) {
		close_remaining(srv);
		return;
	}
	uint64_t when = pn_loop_now(&srv->loop) + (uint64_t)deadline_s * 1000u;
	if (srv->grace.slot && srv->grace.when <= when)
		return; /* an earlier deadline stands */
	pn_log(LOG_NOTICE, "waiting up to %ld s for %lu connection%s", deadline_s,
	       open, open == 1 ? "" : "s");
	pn_timer_start(&srv->loop, &srv->grace, (uint64_t)deadline_s * 1000u);
}

/*
 * SIGTERM/SIGINT: stop, giving connections shutdown_timeout; a second
 * one (the supervisor escalating past a deadline) closes them at once.
 */
static void on_signal(struct pn_loop *l, void *arg, int signo)
{
	struct pn_server *srv = arg;

	(void)l;
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		pn_log(LOG_DEBUG, "%s: shutting down", strsignal(signo));
		pn_server_stop(srv, srv->stopping ? 0 : srv->shutdown_timeout);
		break;
	case SIGHUP:
		break; /* reloads are the supervisor's: it starts new workers */
	case SIGUSR1:
		pn_server_log_stats(srv);
		break;
	case SIGCHLD:
		pn_child_reap(srv);
		break;
	default:
		break;
	}
}

int pn_server_init(struct pn_server *srv)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	int rc;

	memset(srv, 0, sizeof *srv);
	srv->spare_fd = -1;
	if ((rc = pn_loop_init(&srv->loop)) < 0) {
		pn_log(LOG_ERR, "epoll: %s", strerror(-rc));
		return -1;
	}
	pn_loop_set_after(&srv->loop, after_batch, srv);
	pn_core_set_server(srv);
	pn_timer_init(&srv->grace, on_grace, srv);
	pn_timer_init(&srv->sweep, on_sweep, srv);
	pn_timer_start(&srv->loop, &srv->sweep, PN_SWEEP_MS);
	/* A descriptor held back for accept-and-close when the table is full. */
	srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (!(srv->rbuf = malloc(PN_RBUF_SIZE + 1))) {
		pn_log(LOG_ERR, "out of memory");
		return -1;
	}
	if ((rc = pn_loop_signals(&srv->loop, sigs, sizeof sigs / sizeof sigs[0],
				  on_signal, srv)) < 0) {
		pn_log(LOG_ERR, "signalfd: %s", strerror(-rc));
		return -1;
	}
	return 0;
}

int pn_server_run(struct pn_server *srv)
{
	unsigned n = 0;
	int rc;

	pn_activation_release(&srv->act);
	for (pinetd_svc *s = srv->svcs; s; s = s->next)
		n++;
	if (!srv->no_bind) /* a worker has the supervisor's */
		pn_core_set_start_time(time(NULL));
	pn_log(LOG_DEBUG, "serving %u service%s", n, n == 1 ? "" : "s");
	if ((rc = pn_loop_run(&srv->loop)) < 0) {
		pn_log(LOG_ERR, "epoll_wait: %s", strerror(-rc));
		return PN_EXIT_SYSTEM;
	}
	return srv->exit_code;
}

static void free_list(struct pn_server *srv, pinetd_svc *list)
{
	while (list) {
		pinetd_svc *s = list;
		list = s->next;
		for (size_t i = 0; i < s->nlisteners; i++)
			pn_listener_free(s->listeners[i]);
		s->nlisteners = 0;
		pn_conn_close_all(s, PINETD_CLOSE_SHUTDOWN);
		pn_conn_reap(srv);
		svc_free(s);
	}
}

void pn_server_close(struct pn_server *srv)
{
	free_list(srv, srv->svcs);
	srv->svcs = NULL;
	free_list(srv, srv->draining);
	srv->draining = NULL;
	config_unref(srv->conf);
	srv->conf = NULL;
	pn_activation_release(&srv->act);
	pn_udp_batch_free(srv->udp);
	srv->udp = NULL;
	if (srv->spare_fd >= 0)
		close(srv->spare_fd);
	srv->spare_fd = -1;
	free(srv->rbuf);
	srv->rbuf = NULL;
	pn_loop_free(&srv->loop);
}

/* ---- -t: one service's init() and fini(), without listeners ---- */

int pn_server_check_service(struct pn_config *full,
			    const struct pn_service_conf *sc, char *err,
			    size_t errlen)
{
	struct pn_server srv;
	pinetd_svc *s;
	int rc;

	memset(&srv, 0, sizeof srv);
	srv.conf = full;
	srv.spare_fd = -1;
	full->refs++; /* the caller's table outlives the check */
	if (!(s = svc_new(&srv, full, sc))) {
		full->refs--;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	srv.svcs = s; /* what foreach_service shows the plugin */
	if (pn_loop_init(&srv.loop) < 0) { /* timers it may start in init */
		srv.svcs = NULL;
		svc_free(s);
		full->refs--;
		snprintf(err, errlen, "cannot create an event loop");
		return -1;
	}
	rc = plugin_init(s, err, errlen);
	srv.svcs = NULL;
	svc_free(s); /* fini() when init() succeeded */
	pn_loop_free(&srv.loop);
	full->refs--;
	return rc == 0 ? 0 : -1;
}
