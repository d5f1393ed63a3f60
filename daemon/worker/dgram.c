/*
 * dgram.c -- datagram services (see dgram.h).
 */
#include "dgram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "log.h"
#include "sockfilter.h"

#define BATCH 16	      /* datagrams per recvmmsg */
#define MAX_BATCHES 8	      /* recvmmsg calls per readiness event */
#define DGRAM_MAX 65536	      /* larger than any UDP payload */

struct pn_udp_batch {
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage peers[BATCH];
	char bufs[BATCH][DGRAM_MAX];
};

struct pinetd_dgram {
	struct pn_listener *ln;
	const struct sockaddr_storage *peer;
	socklen_t peerlen;
	size_t len;		 /* bytes received, for udp_reply_ratio */
	char name[PN_ADDR_TEXT]; /* filled on first request */
};

/* Is the listener bound to a loopback address? */
static int on_loopback(const struct pn_listener *ln)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ln->addr.ss;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/* Count and (at most once a second) log a dropped datagram. */
static void drop(pinetd_svc *s, const struct sockaddr *peer, const char *why)
{
	unsigned long more;
	char name[PN_ADDR_TEXT];

	s->dropped++;
	if (!pn_ratelog_due(&s->refuse_log, pn_loop_now(&s->srv->loop), &more))
		return;
	pn_sockaddr_name(peer, name, sizeof name);
	pn_log(LOG_NOTICE, "service '%s': dropped a datagram from %s: %s%s", s->conf->name,
	       name, why, more ? " (and more in the last second)" : "");
}

/* The UDP guard of ln's service (udp_guard on). */
static struct pn_guard guard_of(const struct pn_listener *ln)
{
	const struct pn_service_conf *sc = ln->svc->conf;

	return (struct pn_guard){
		.min_port = (unsigned)sc->udp_min_port,
		.deny_ports = sc->udp_deny_ports,
		.ndeny_ports = sc->nudp_deny_ports,
		.loopback_listener = on_loopback(ln),
	};
}

/* NULL if the datagram may go to the plugin, else why not. */
static const char *screen(pinetd_svc *s, struct pn_listener *ln,
			  const struct sockaddr *peer)
{
	const struct pn_service_conf *sc = s->conf;
	const char *why;

	if (!pn_acl_allows(&sc->acl, peer))
		return "not allowed (allow/deny)";
	if (sc->udp_guard) {
		struct pn_guard g = guard_of(ln);
		if ((why = pn_guard_check(&g, peer)))
			return why;
	}
	if (sc->rate_per_source) {
		struct pn_prefix key;
		uint64_t now = pn_loop_now(&s->srv->loop);
		pn_prefix_of(peer, (unsigned)sc->source_prefix4,
			     (unsigned)sc->source_prefix6, &key);
		struct pn_source *e = pn_sources_get(&s->sources, &key, now);
		if (e && !pn_source_take(e, (double)sc->rate_per_source,
					 (double)sc->burst_per_source, now))
			return "over its source's rate (rate_per_source)";
	}
	return NULL;
}

void pn_udp_batch_free(struct pn_udp_batch *b)
{
	free(b);
}

void pn_dgram_receive(struct pn_listener *ln)
{
	pinetd_svc *s = ln->svc;
	struct pn_udp_batch *b = s->srv->udp;

	if (!b && !(b = s->srv->udp = malloc(sizeof *b))) {
		pn_log(LOG_ERR, "service '%s': out of memory for datagrams",
		       s->conf->name);
		return;
	}
	for (int round = 0; round < MAX_BATCHES; round++) {
		for (int i = 0; i < BATCH; i++) {
			b->iov[i] = (struct iovec){ b->bufs[i], DGRAM_MAX };
			b->msgs[i].msg_hdr = (struct msghdr){
				.msg_name = &b->peers[i],
				.msg_namelen = sizeof b->peers[i],
				.msg_iov = &b->iov[i],
				.msg_iovlen = 1,
			};
		}
		int n = recvmmsg(ln->w.fd, b->msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pn_log(LOG_WARNING, "service '%s': recvmmsg: %s",
				       s->conf->name, strerror(errno));
			return;
		}
		for (int i = 0; i < n; i++) {
			struct pinetd_dgram d = {
				.ln = ln,
				.peer = &b->peers[i],
				.peerlen = b->msgs[i].msg_hdr.msg_namelen,
				.len = b->msgs[i].msg_len,
			};
			const char *why;
			if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue; /* cannot happen below 64 KiB */
			if ((why = screen(s, ln, (const struct sockaddr *)d.peer))) {
				drop(s, (const struct sockaddr *)d.peer, why);
				continue;
			}
			s->desc->on_datagram(s->state, &d, b->bufs[i],
					     b->msgs[i].msg_len);
		}
		if (n < BATCH)
			return;
	}
}

int pn_dgram_screen_waiting(struct pn_listener *ln)
{
	pinetd_svc *s = ln->svc;

	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		char byte;
		const char *why;
		ssize_t n = recvfrom(ln->w.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT,
				     (struct sockaddr *)&peer, &len);

		if (n < 0)
			return errno == EINTR ? pn_dgram_screen_waiting(ln) : 0;
		if (!(why = screen(s, ln, (const struct sockaddr *)&peer)))
			return 1;
		/* Refused: consume it, so the program never sees it. */
		recv(ln->w.fd, &byte, 1, MSG_DONTWAIT);
		drop(s, (const struct sockaddr *)&peer, why);
	}
	return 0; /* a flood of refused datagrams: look again next time */
}

int pn_dgram_set_filter(struct pn_listener *ln, int wait)
{
	const struct pn_service_conf *sc = ln->svc->conf;
	struct pn_guard g = guard_of(ln);
	struct sock_filter *prog = NULL;
	struct sock_fprog fp;
	char name[PN_ADDR_TEXT + 8];
	int n = 0;

	pn_addr_format(&ln->addr, name, sizeof name);
	if (wait) {
		if (!(prog = calloc(PN_SOCKFILTER_MAX, sizeof *prog))) {
			pn_log(LOG_ERR, "service '%s': %s: out of memory for the "
					"socket filter", sc->name, name);
			return -1;
		}
		n = pn_sockfilter_build(&sc->acl, sc->udp_guard ? &g : NULL,
					ln->addr.ss.ss_family, prog,
					PN_SOCKFILTER_MAX);
		if (n < 0) {
			pn_log(LOG_ERR, "service '%s': %s: cannot compile allow/deny "
					"and udp_guard into a socket filter: %s%s; not "
					"listening", sc->name, name, strerror(-n),
			       n == -E2BIG ? " (shorten the lists)" : "");
			free(prog);
			return -1;
		}
	}
	if (n == 0) {
		/* Nothing to screen, or pinetd reads the socket: take off a
		 * filter an earlier configuration left on the socket. */
		int zero = 0; /* ignored, but the kernel wants an int */
		free(prog);
		if (setsockopt(ln->w.fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) < 0 &&
		    errno != ENOENT) {
			pn_log(LOG_ERR, "service '%s': %s: SO_DETACH_FILTER: %s; not "
					"listening", sc->name, name, strerror(errno));
			return -1;
		}
		return 0;
	}
	fp = (struct sock_fprog){ .len = (unsigned short)n, .filter = prog };
	if (setsockopt(ln->w.fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof fp) < 0) {
		pn_log(LOG_ERR, "service '%s': %s: SO_ATTACH_FILTER: %s; not "
				"listening (the program would read datagrams that "
				"allow/deny or udp_guard refuse)", sc->name, name,
		       strerror(errno));
		free(prog);
		return -1;
	}
	free(prog);
	return 0;
}

int pn_dgram_reply(pinetd_dgram *d, const void *buf, size_t len)
{
	const struct pn_service_conf *sc = d->ln->svc->conf;
	ssize_t n;

	/* Never amplify: at most ratio x the request, or the floor. */
	if (sc->udp_reply_ratio > 0) {
		size_t cap = d->len * (size_t)sc->udp_reply_ratio;
		if (cap < (size_t)sc->udp_reply_floor)
			cap = (size_t)sc->udp_reply_floor;
		if (len > cap) {
			d->ln->svc->truncated++;
			len = cap;
		}
	}

	do
		n = sendto(d->ln->w.fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL,
			   (const struct sockaddr *)d->peer, d->peerlen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		pn_log(LOG_DEBUG, "service '%s': reply to %s dropped: %s",
		       d->ln->svc->conf->name, pn_dgram_peer_name(d),
		       strerror(errno));
		return -1;
	}
	return 0;
}

const char *pn_dgram_peer_name(const pinetd_dgram *d)
{
	pinetd_dgram *m = (pinetd_dgram *)d; /* the name is a cache */

	if (!m->name[0])
		pn_sockaddr_name((const struct sockaddr *)d->peer, m->name,
				 sizeof m->name);
	return m->name;
}

const struct sockaddr *pn_dgram_peer_addr(const pinetd_dgram *d,
					  socklen_t *len)
{
	if (len)
		*len = d->peerlen;
	return (const struct sockaddr *)d->peer;
}
