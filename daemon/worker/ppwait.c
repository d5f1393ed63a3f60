/*
 * ppwait.c -- connections waiting for their PROXY protocol header (see
 * ppwait.h).
 */
#include "ppwait.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "listener.h"
#include "pause.h"
#include "proxyopt.h"
#include "proxyproto.h"

struct pn_ppwait {
	struct pn_watch w;
	struct pn_timer timer; /* proxy_timeout */
	struct pn_listener *ln;
	struct pn_ppwait *prev, *next; /* ln->ppwait */
	socklen_t peerlen;
	struct sockaddr_storage peer; /* the balancer */
	struct pn_pp pp;
};

static void on_io(struct pn_loop *l, void *arg, unsigned events);
static void on_timeout(struct pn_loop *l, void *arg);

static struct pn_loop *loop_of(const struct pn_ppwait *pw)
{
	return &pw->ln->svc->srv->loop;
}

/* Unlink pw from its listener, stop watching and timing it, and free it;
 * its fd is closed unless keep_fd.  A connection that stops waiting may
 * let the service accept again (max_connections). */
static void end_wait(struct pn_ppwait *pw, int keep_fd)
{
	struct pn_listener *ln = pw->ln;
	pinetd_svc *s = ln->svc;

	if (pw->prev)
		pw->prev->next = pw->next;
	else
		ln->ppwait = pw->next;
	if (pw->next)
		pw->next->prev = pw->prev;
	pn_timer_stop(loop_of(pw), &pw->timer);
	if (keep_fd)
		pn_watch_set(loop_of(pw), &pw->w, 0);
	else
		pn_watch_close(loop_of(pw), &pw->w);
	s->nppwait--;
	if (!s->conf->max_connections ||
	    s->nconns + s->nppwait < (unsigned long)s->conf->max_connections)
		pn_service_resume(s, PN_PAUSE_CONNS);
	free(pw);
}

/* Refuse: counted and logged (once a second) under the balancer's address. */
static void refuse(struct pn_ppwait *pw, const char *why)
{
	pinetd_svc *s = pw->ln->svc;
	struct sockaddr_storage peer = pw->peer;

	end_wait(pw, 0);
	pn_listener_refuse(s, (const struct sockaddr *)&peer, why);
}

void pn_ppwait_start(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		     socklen_t len)
{
	pinetd_svc *s = ln->svc;
	struct pn_ppwait *pw;

	if (!pn_proxy_trusted(s->conf, peer)) {
		close(fd);
		pn_listener_refuse(s, peer, "proxy: not a trusted source of "
					    "PROXY headers (proxy_trusted)");
		return;
	}
	if (!(pw = calloc(1, sizeof *pw))) {
		close(fd);
		pn_listener_refuse(s, peer, "proxy: out of memory");
		return;
	}
	pw->ln = ln;
	if (len > sizeof pw->peer)
		len = sizeof pw->peer;
	memcpy(&pw->peer, peer, len);
	pw->peerlen = len;
	pn_pp_init(&pw->pp, (unsigned)s->conf->proxy_versions);
	pw->next = ln->ppwait;
	if (ln->ppwait)
		ln->ppwait->prev = pw;
	ln->ppwait = pw;
	s->nppwait++;
	pn_watch_init(&pw->w, fd, on_io, pw);
	pn_timer_init(&pw->timer, on_timeout, pw);
	pn_timer_start(loop_of(pw), &pw->timer,
		       (uint64_t)s->conf->proxy_timeout * 1000u);
	if (pn_watch_set(loop_of(pw), &pw->w, EPOLLIN) < 0)
		refuse(pw, "proxy: cannot watch the connection");
}

/* The header is complete: the connection goes on to admission under the
 * addresses it names (or its own, for LOCAL and UNKNOWN). */
static void hand_on(struct pn_ppwait *pw, const struct pn_pp_result *r)
{
	struct pn_listener *ln = pw->ln;
	struct sockaddr_storage peer = pw->peer;
	socklen_t peerlen = pw->peerlen;
	int fd = pw->w.fd;

	end_wait(pw, 1);
	if (r->local)
		pn_listener_admit(ln, fd, (const struct sockaddr *)&peer, peerlen,
				  NULL, 0);
	else
		pn_listener_admit(ln, fd, (const struct sockaddr *)&r->src, r->srclen,
				  (const struct sockaddr *)&r->dst, r->dstlen);
}

/*
 * Input: peek at what arrived, let the parser take what belongs to the
 * header, and consume exactly that much.  The client's bytes behind the
 * header are never read here.
 */
static void on_io(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_ppwait *pw = arg;
	char *buf = pw->ln->svc->srv->rbuf;
	struct pn_pp_result r;
	size_t used = 0;
	ssize_t n;
	int rc;

	(void)l;
	(void)events;
	do
		n = recv(pw->w.fd, buf, PN_PP_BUF, MSG_PEEK | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		refuse(pw, n == 0 ? "proxy: closed before the end of the PROXY header"
				  : "proxy: error before the end of the PROXY header");
		return;
	}
	rc = pn_pp_feed(&pw->pp, buf, (size_t)n, &used, &r);
	if (rc == PN_PP_ERROR) {
		refuse(pw, pw->pp.err); /* "v1: ...", "v2: ..." */
		return;
	}
	while (used > 0) {
		n = recv(pw->w.fd, buf, used, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) { /* the bytes peeked are gone: cannot happen */
			refuse(pw, "proxy: lost the PROXY header's bytes");
			return;
		}
		used -= (size_t)n;
	}
	if (rc == PN_PP_DONE)
		hand_on(pw, &r);
}

static void on_timeout(struct pn_loop *l, void *arg)
{
	struct pn_ppwait *pw = arg;

	(void)l;
	refuse(pw, pw->pp.len ? "proxy: PROXY header incomplete after proxy_timeout"
			      : "proxy: no PROXY header within proxy_timeout");
}

void pn_ppwait_close_all(struct pn_listener *ln)
{
	while (ln->ppwait)
		end_wait(ln->ppwait, 0);
}

void pn_ppwait_forget_all(struct pn_listener *ln)
{
	while (ln->ppwait) {
		struct pn_ppwait *pw = ln->ppwait;
		ln->ppwait = pw->next;
		if (pw->w.fd >= 0)
			close(pw->w.fd);
		ln->svc->nppwait--;
		free(pw);
	}
}
