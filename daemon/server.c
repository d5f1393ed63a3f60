/*
 * server.c -- build services from a configuration, bind, serve, stop
 * (see server.h).
 */
#include "server.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "core.h"
#include "dgram.h"
#include "listener.h"
#include "log.h"

static void after_batch(struct pn_loop *l, void *arg)
{
	(void)l;
	pn_conn_reap(arg);
}

int pn_server_open(struct pn_server *srv, struct pn_config *conf)
{
	char err[256];
	int rc;

	memset(srv, 0, sizeof *srv);
	srv->conf = conf;
	if ((rc = pn_loop_init(&srv->loop)) < 0) {
		pn_log(LOG_ERR, "epoll: %s", strerror(-rc));
		return -1;
	}
	pn_loop_set_after(&srv->loop, after_batch, srv);
	srv->rbuf = malloc(PN_RBUF_SIZE + 1);
	srv->svcs = calloc(conf->nsvcs ? conf->nsvcs : 1, sizeof *srv->svcs);
	if (!srv->rbuf || !srv->svcs) {
		pn_log(LOG_ERR, "out of memory");
		return -1;
	}
	srv->nsvcs = conf->nsvcs;
	for (size_t i = 0; i < conf->nsvcs; i++) {
		pinetd_svc *s = &srv->svcs[i];
		const struct pn_service_conf *sc = &conf->svcs[i];

		s->srv = srv;
		s->conf = sc;
		s->desc = sc->plugin->desc;
		if (!sc->enabled)
			continue;
		s->listeners = calloc(sc->naddrs ? sc->naddrs : 1,
				      sizeof *s->listeners);
		if (!s->listeners) {
			pn_log(LOG_ERR, "out of memory");
			return -1;
		}
		for (size_t j = 0; j < sc->naddrs; j++) {
			if (pn_listener_open(&s->listeners[j], &sc->addrs[j], s,
					     (int)conf->backlog, err, sizeof err) < 0) {
				char name[PN_ADDR_TEXT + 8];
				pn_addr_format(&sc->addrs[j], name, sizeof name);
				pn_log(LOG_ERR, "service '%s': cannot bind %s: %s",
				       sc->name, name, err);
				return -1;
			}
			s->nlisteners++;
		}
	}
	return 0;
}

int pn_server_init_plugins(struct pn_server *srv)
{
	for (size_t i = 0; i < srv->nsvcs; i++) {
		pinetd_svc *s = &srv->svcs[i];
		char err[512] = "";

		if (!s->conf->enabled)
			continue;
		if (s->desc->init(&pn_core, s, s->conf->pconf, &s->state, err,
				  sizeof err) != 0) {
			pn_log(LOG_ERR, "%s:%d: service '%s': plugin '%s': %s",
			       s->conf->file, s->conf->line, s->conf->name,
			       s->desc->name, err[0] ? err : "init failed");
			return -1;
		}
		s->initialised = 1;
	}
	return 0;
}

static void on_signal(struct pn_loop *l, void *arg, int signo)
{
	struct pn_server *srv = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		pn_log(LOG_NOTICE, "%s: shutting down", strsignal(signo));
		srv->exit_code = 0;
		pn_loop_stop(l);
		break;
	case SIGHUP:
		pn_log(LOG_NOTICE, "SIGHUP: configuration reload is not "
				   "available in this version; ignored");
		break;
	default:
		break;
	}
}

int pn_server_run(struct pn_server *srv)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int rc;

	if ((rc = pn_loop_signals(&srv->loop, sigs, sizeof sigs / sizeof sigs[0],
				  on_signal, srv)) < 0) {
		pn_log(LOG_ERR, "signalfd: %s", strerror(-rc));
		return 3;
	}
	for (size_t i = 0; i < srv->nsvcs; i++) {
		pinetd_svc *s = &srv->svcs[i];
		for (size_t j = 0; j < s->nlisteners; j++) {
			if ((rc = pn_listener_start(&s->listeners[j])) < 0) {
				pn_log(LOG_ERR, "service '%s': epoll: %s",
				       s->conf->name, strerror(-rc));
				return 3;
			}
		}
	}
	pn_core_set_start_time(time(NULL));
	pn_log(LOG_NOTICE, "serving %zu service%s", srv->nsvcs,
	       srv->nsvcs == 1 ? "" : "s");
	if ((rc = pn_loop_run(&srv->loop)) < 0) {
		pn_log(LOG_ERR, "epoll_wait: %s", strerror(-rc));
		return 3;
	}
	return srv->exit_code;
}

/* Close every connection of s (their on_close runs now) and its
 * listeners. */
static void stop_service(pinetd_svc *s)
{
	for (size_t j = 0; j < s->nlisteners; j++)
		pn_listener_close(&s->listeners[j]);
	pn_conn_close_all(s, PINETD_CLOSE_SHUTDOWN);
	pn_conn_reap(s->srv);
}

void pn_server_close(struct pn_server *srv)
{
	if (!srv->svcs)
		goto out;
	for (size_t i = 0; i < srv->nsvcs; i++)
		stop_service(&srv->svcs[i]);
	for (size_t i = 0; i < srv->nsvcs; i++) {
		pinetd_svc *s = &srv->svcs[i];
		if (s->initialised && s->desc->fini)
			s->desc->fini(s->state);
		s->initialised = 0;
		free(s->listeners);
	}
	free(srv->svcs);
out:
	srv->svcs = NULL;
	pn_udp_batch_free(srv->udp);
	srv->udp = NULL;
	free(srv->rbuf);
	srv->rbuf = NULL;
	pn_loop_free(&srv->loop);
}
