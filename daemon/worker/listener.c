/*
 * listener.c -- listening sockets (see listener.h).
 */
#include "listener.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "conn.h"
#include "dgram.h"
#include "log.h"
#include "pause.h"
#include "ppwait.h"
#include "spawn.h"

static void on_accept(struct pn_loop *l, void *arg, unsigned events);
static void on_datagram(struct pn_loop *l, void *arg, unsigned events);

struct pn_listener *pn_listener_new(const struct pn_addr *addr, int fd,
				    pinetd_svc *svc, int backlog, char *err,
				    size_t errlen)
{
	int type = addr->proto == PINETD_UDP ? SOCK_DGRAM : SOCK_STREAM;
	struct pn_listener *ln = calloc(1, sizeof *ln);
	int one = 1;

	if (!ln) {
		snprintf(err, errlen, "out of memory");
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	ln->addr = *addr;
	ln->svc = svc;
	if (fd >= 0) {
		if (type == SOCK_STREAM && listen(fd, backlog) < 0)
			goto fail;
		goto ready;
	}
	fd = socket(addr->ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		goto fail;
	if (addr->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) < 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&addr->ss, addr->len) < 0)
		goto fail;
	if (type == SOCK_STREAM && listen(fd, backlog) < 0)
		goto fail;
ready:
	ln->w.fd = fd;
	if (type == SOCK_DGRAM && svc && pn_dgram_want_dst(ln) < 0)
		goto fail;
	pn_watch_init(&ln->w, fd,
		      addr->proto == PINETD_UDP ? on_datagram : on_accept, ln);
	pn_pause_init(ln);
	return ln;
fail:
	snprintf(err, errlen, "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(ln);
	return NULL;
}

void pn_listener_free(struct pn_listener *ln)
{
	if (!ln)
		return;
	pn_pause_release(ln); /* never read again, even in this batch */
	if (ln->svc)
		pn_ppwait_close_all(ln);
	if (ln->w.fd >= 0)
		close(ln->w.fd);
	free(ln);
}

/* Log a refusal, at most once a second per service. */
static void log_refusal(pinetd_svc *s, const struct sockaddr *peer,
			const char *why)
{
	unsigned long more;
	char name[PN_ADDR_TEXT];

	s->refused++;
	if (!pn_ratelog_due(&s->refuse_log, pn_loop_now(&s->srv->loop), &more))
		return;
	pn_sockaddr_name(peer, name, sizeof name);
	if (more)
		pn_log(LOG_NOTICE, "service '%s': refused %s: %s (and %lu more "
				   "refusals in the last second)", s->conf->name,
		       name, why, more);
	else
		pn_log(LOG_NOTICE, "service '%s': refused %s: %s", s->conf->name,
		       name, why);
}

void pn_listener_refuse(pinetd_svc *s, const struct sockaddr *peer,
			const char *why)
{
	log_refusal(s, peer, why);
}

/*
 * Admit a new connection: the allow/deny lists, then the per-source
 * limits.  Returns NULL, or the reason for refusing.  On admission with
 * per-source limits, *src is the source's entry (its count is raised).
 */
static const char *admit(pinetd_svc *s, const struct sockaddr *peer,
			 struct pn_source **src)
{
	const struct pn_service_conf *sc = s->conf;
	struct pn_prefix key;
	struct pn_source *e;
	uint64_t now = pn_loop_now(&s->srv->loop);

	*src = NULL;
	if (!pn_acl_allows(&sc->acl, peer))
		return "not allowed (allow/deny)";
	if (!sc->max_per_source && !sc->rate_per_source)
		return NULL;
	pn_prefix_of(peer, (unsigned)sc->source_prefix4,
		     (unsigned)sc->source_prefix6, &key);
	if (!(e = pn_sources_get(&s->sources, &key, now)))
		return NULL; /* table full: not tracked */
	if (sc->max_per_source && e->conns >= (uint32_t)sc->max_per_source)
		return "too many connections from its source (max_per_source)";
	if (!pn_source_take(e, (double)sc->rate_per_source,
			    (double)sc->burst_per_source, now))
		return "too many new connections from its source (rate_per_source)";
	e->conns++;
	*src = e;
	return NULL;
}

/*
 * The descriptor table is full.  Shed the connection at the head of the
 * queue with the descriptor held in reserve (so the listener does not stay
 * readable and spin), log once a second, and carry on: service resumes by
 * itself once descriptors are free.  Without a spare, pause polling.
 * Returns 1 when one was shed (go on accepting), 0 to stop for now.
 */
static int shed_at_emfile(struct pn_listener *ln, int err)
{
	struct pn_server *srv = ln->svc->srv;
	unsigned long more;
	char name[PN_ADDR_TEXT + 8];
	int shed = 0;

	if (srv->spare_fd >= 0) {
		close(srv->spare_fd);
		int fd = accept4(ln->w.fd, NULL, NULL, SOCK_CLOEXEC);
		int again = fd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
		if (fd >= 0) {
			close(fd);
			shed = 1;
		}
		srv->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (again)
			return 0; /* the queue is empty now */
	}
	ln->svc->refused += (unsigned long)shed;
	if (pn_ratelog_due(&ln->svc->refuse_log, pn_loop_now(&srv->loop), &more)) {
		pn_addr_format(&ln->addr, name, sizeof name);
		pn_log(LOG_WARNING, "service '%s': %s: accept: %s; %s (%lu more "
				    "in the last second)", ln->svc->conf->name, name,
		       strerror(err), shed ? "connection refused" : "pausing", more);
	}
	if (!shed) {
		/* Not polled for a while, so a full descriptor table does not
		 * turn into a busy loop on a readable socket. */
		pn_listener_pause(ln, PN_PAUSE_EMFILE);
		return 0;
	}
	return 1;
}

void pn_listener_admit(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		       socklen_t len, const struct sockaddr *local,
		       socklen_t locallen)
{
	pinetd_svc *s = ln->svc;
	struct pn_source *src;
	const char *why;

	if ((why = admit(s, peer, &src))) {
		close(fd);
		log_refusal(s, peer, why);
		return;
	}
	if (s->conf->mode == PN_MODE_PROCESS) {
		if (local && s->nchildren >= (size_t)s->conf->max_children) {
			/* Accepted before the cap was reached, its header
			 * came after: no child for it. */
			if (src)
				pn_conn_release_source(s, peer);
			close(fd);
			log_refusal(s, peer, "too many children (max_children)");
			return;
		}
		pn_child_conn_at(ln, fd, peer, len, local, locallen, src != NULL);
	} else {
		pn_conn_accept_at(ln, fd, peer, len, local, locallen, src != NULL);
	}
}

/* Accept until the queue is empty or the service is at its cap. */
static void on_accept(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_listener *ln = arg;
	pinetd_svc *s = ln->svc;

	(void)events;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd;

		/* Those waiting for a PROXY header count: each is one. */
		if (s->conf->max_connections &&
		    s->nconns + s->nppwait >= (unsigned long)s->conf->max_connections) {
			if (pn_service_pause(s, PN_PAUSE_CONNS))
				pn_log(LOG_NOTICE, "service '%s': %ld connections open "
						   "(max_connections): not accepting until "
						   "one closes", s->conf->name,
				       s->conf->max_connections);
			return;
		}
		fd = accept4(ln->w.fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			if (s->conf->proxy_versions) /* admitted after the header */
				pn_ppwait_start(ln, fd, (struct sockaddr *)&peer, len);
			else
				pn_listener_admit(ln, fd, (struct sockaddr *)&peer, len,
						  NULL, 0);
			if (s->paused)
				return; /* max_children, max_children programs */
			continue;
		}
		switch (errno) {
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		case EAGAIN:
#if EAGAIN != EWOULDBLOCK
		case EWOULDBLOCK:
#endif
			return;
		case EMFILE:
		case ENFILE:
		case ENOBUFS:
		case ENOMEM:
			if (shed_at_emfile(ln, errno))
				continue;
			return;
		default: {
			char name[PN_ADDR_TEXT + 8];
			pn_addr_format(&ln->addr, name, sizeof name);
			pn_log(LOG_ERR, "service '%s': %s: accept: %s",
			       s->conf->name, name, strerror(errno));
			(void)l;
			return;
		}
		}
	}
}

int pn_listener_is_wait(const struct pn_listener *ln)
{
	return ln->addr.proto == PINETD_UDP &&
	       (ln->svc->conf->mode == PN_MODE_PROCESS ||
		(ln->svc->desc->flags & PINETD_PF_SPAWN));
}

void pn_listener_start(struct pn_listener *ln)
{
	if (ln->addr.proto == PINETD_UDP &&
	    pn_dgram_set_filter(ln, pn_listener_is_wait(ln)) < 0)
		return; /* logged; never polled */
	pn_listener_resume(ln, PN_PAUSE_IDLE);
}

static void on_datagram(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_listener *ln = arg;

	(void)l;
	(void)events;
	if (!pn_listener_is_wait(ln)) {
		pn_dgram_receive(ln);
		return;
	}
	/* inetd "wait": a program reads the socket itself.  The socket
	 * filter (pn_listener_start) screened every datagram against the
	 * lists and the guard; here the head also meets rate_per_source. */
	if (!pn_dgram_screen_waiting(ln))
		return;
	if (!pn_pause_wait_start(ln)) {
		/* A fork storm: the datagram that keeps starting programs
		 * goes, or it would start one at once after the pause. */
		char byte;
		(void)recv(ln->w.fd, &byte, 1, MSG_DONTWAIT);
		ln->svc->dropped++;
		return;
	}
	if (ln->svc->conf->mode == PN_MODE_PROCESS)
		pn_child_wait(ln); /* the child runs the plugin's on_wait */
	else
		pn_spawn_datagram(ln); /* the same, the program started by the worker */
}
