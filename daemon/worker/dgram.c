/*
 * dgram.c -- datagram services (see dgram.h).
 */
#include "dgram.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "ctl.h"
#include "log.h"
#include "sockfilter.h"

#define BATCH 16	      /* datagrams per recvmmsg */
#define MAX_BATCHES 8	      /* recvmmsg calls per readiness event */
#define DGRAM_MAX 65536	      /* larger than any UDP payload */

/* Room for one IP_PKTINFO or IPV6_PKTINFO control message. */
#define CTL_SPACE CMSG_SPACE(sizeof(struct in6_pktinfo))

struct pn_udp_batch {
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_storage peers[BATCH];
	union {
		char buf[CTL_SPACE];
		struct cmsghdr align;
	} ctl[BATCH];
	char bufs[BATCH][DGRAM_MAX];
};

/* The address a datagram was sent to, when the listener is a wildcard:
 * the reply leaves from it (IP_PKTINFO, IPV6_PKTINFO). */
struct pn_dst {
	int family; /* 0: unknown, the kernel chooses */
	struct in_addr v4;
	struct in6_pktinfo v6;
};

struct pinetd_dgram {
	struct pn_listener *ln;	 /* NULL for a kept one whose listener closed */
	pinetd_svc *svc;
	struct pn_kept *kept;	 /* when this is a kept copy */
	const struct sockaddr_storage *peer;
	socklen_t peerlen;
	size_t len;		 /* bytes received, for udp_reply_ratio */
	struct pn_dst dst;
	char name[PN_ADDR_TEXT]; /* filled on first request */
};

/* Is the listener bound to 0.0.0.0 or [::]? */
static int on_wildcard(const struct pn_listener *ln)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ln->addr.ss;

	if (sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

int pn_dgram_want_dst(struct pn_listener *ln)
{
	const pinetd_svc *s = ln->svc;
	int one = 1;

	/* Only where the worker reads the datagrams itself: a "wait"
	 * program reads its socket with calls of its own. */
	if (!on_wildcard(ln) || !s || s->conf->mode == PN_MODE_PROCESS ||
	    (s->desc->flags & PINETD_PF_SPAWN))
		return 0;
	if (ln->addr.ss.ss_family == AF_INET)
		return setsockopt(ln->w.fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	return setsockopt(ln->w.fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
}

/* The destination of a received datagram, from its control messages. */
static void read_dst(struct msghdr *m, struct pn_dst *dst)
{
	dst->family = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof pi);
			/* spec_dst: the local address a reply should leave
			 * from (the request's own, or for a broadcast the
			 * interface's). */
			dst->v4 = pi.ipi_spec_dst;
			dst->family = AF_INET;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			memcpy(&dst->v6, CMSG_DATA(c), sizeof dst->v6);
			/* Never from a multicast group: the kernel chooses. */
			if (!IN6_IS_ADDR_MULTICAST(&dst->v6.ipi6_addr))
				dst->family = AF_INET6;
		}
	}
}

/* "from a to b" for a log line: the source, and where it was sent to. */
static void pair_name(const struct pn_listener *ln, const struct sockaddr *peer,
		      const struct pn_dst *dst, char *buf, size_t len)
{
	char from[PN_ADDR_TEXT], to[PN_ADDR_TEXT];
	struct sockaddr_storage ss = ln->addr.ss;

	if (dst && dst->family == AF_INET)
		((struct sockaddr_in *)(void *)&ss)->sin_addr = dst->v4;
	else if (dst && dst->family == AF_INET6)
		((struct sockaddr_in6 *)(void *)&ss)->sin6_addr = dst->v6.ipi6_addr;
	pn_sockaddr_name(peer, from, sizeof from);
	pn_sockaddr_name((const struct sockaddr *)&ss, to, sizeof to);
	snprintf(buf, len, "from %s to %s", from, to);
}

static unsigned port_of(const struct pn_addr *a)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

/*
 * The ports the daemon serves over UDP, from the supervisor's list of
 * every service (srv->svcinfo: other workers' services, as of the last
 * reload) or, without one, this server's configuration; and this
 * server's own listeners in any case.
 */
static void served_ports(struct pn_server *srv)
{
	const unsigned char *p = srv->svcinfo, *end = p + srv->svcinfo_len;
	unsigned char *bits = srv->udp_ports;
	struct pn_addr a[2];
	char err[160];

#define SET(port) (bits[(port) >> 3] |= (unsigned char)(1u << ((port) & 7)))
	memset(bits, 0, sizeof srv->udp_ports);
	srv->udp_ports_stale = 0;
	for (const pinetd_svc *s = srv->svcs; s; s = s->next)
		for (size_t i = 0; i < s->nlisteners; i++)
			if (s->listeners[i]->addr.proto == PINETD_UDP)
				SET(port_of(&s->listeners[i]->addr));
	if (!p && srv->conf)
		for (size_t i = 0; i < srv->conf->nsvcs; i++)
			for (size_t j = 0; j < srv->conf->svcs[i].naddrs; j++)
				if (srv->conf->svcs[i].addrs[j].proto == PINETD_UDP)
					SET(port_of(&srv->conf->svcs[i].addrs[j]));
	while (p && p + sizeof(struct pn_ctl_svcinfo) <= end) {
		struct pn_ctl_svcinfo h;
		memcpy(&h, p, sizeof h);
		if (h.size < sizeof h || h.size > (size_t)(end - p))
			break;
		const char *q = (const char *)p + sizeof h;
		const char *stop = (const char *)p + h.size;
		p += h.size;
		/* Skip the name and the plugin, then the addresses. */
		for (uint32_t k = 0; q < stop && k < 2 + h.nlisten; k++) {
			size_t n = strnlen(q, (size_t)(stop - q));
			if (n == (size_t)(stop - q))
				break; /* not terminated */
			if (k >= 2 && strncmp(q, "udp://", 6) == 0) {
				int m = pn_addr_parse(q, a, err, sizeof err);
				for (int r = 0; r < m; r++)
					SET(port_of(&a[r]));
			}
			q += n + 1;
		}
	}
#undef SET
}

/* Is the listener bound to a loopback address? */
static int on_loopback(const struct pn_listener *ln)
{
	const struct sockaddr *sa = (const struct sockaddr *)&ln->addr.ss;

	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)(const void *)sa)->sin_addr.s_addr) >> 24) == 127;
	return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr);
}

/* Count and (at most once a second) log a dropped datagram; a loop gets
 * a log line of its own, naming the pair. */
static void drop(pinetd_svc *s, struct pn_listener *ln,
		 const struct sockaddr *peer, const struct pn_dst *dst,
		 const char *why)
{
	unsigned long more;
	char name[2 * PN_ADDR_TEXT + 8];
	int loop = strcmp(why, PN_GUARD_SERVED) == 0;

	s->dropped++;
	s->looped += (unsigned long)loop;
	if (!pn_ratelog_due(loop ? &s->loop_log : &s->refuse_log,
			    pn_loop_now(&s->srv->loop), &more))
		return;
	if (loop) {
		pair_name(ln, peer, dst, name, sizeof name);
	} else {
		memcpy(name, "from ", 5);
		pn_sockaddr_name(peer, name + 5, sizeof name - 5);
	}
	pn_log(loop ? LOG_WARNING : LOG_NOTICE, "service '%s': dropped a datagram "
	       "%s: %s%s", s->conf->name, name, why,
	       more ? " (and more in the last second)" : "");
}

/* The UDP guard of ln's service (udp_guard on). */
static struct pn_guard guard_of(const struct pn_listener *ln)
{
	const struct pn_service_conf *sc = ln->svc->conf;
	struct pn_server *srv = ln->svc->srv;

	if (srv->udp_ports_stale)
		served_ports(srv);
	return (struct pn_guard){
		.min_port = (unsigned)sc->udp_min_port,
		.deny_ports = sc->udp_deny_ports,
		.ndeny_ports = sc->nudp_deny_ports,
		.loopback_listener = on_loopback(ln),
		.served_ports = srv->udp_ports,
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
				.msg_control = b->ctl[i].buf,
				.msg_controllen = sizeof b->ctl[i].buf,
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
				.svc = s,
				.peer = &b->peers[i],
				.peerlen = b->msgs[i].msg_hdr.msg_namelen,
				.len = b->msgs[i].msg_len,
			};
			const char *why;
			s->dgrams_in++;
			if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue; /* cannot happen below 64 KiB */
			read_dst(&b->msgs[i].msg_hdr, &d.dst);
			if ((why = screen(s, ln, (const struct sockaddr *)d.peer))) {
				drop(s, ln, (const struct sockaddr *)d.peer, &d.dst, why);
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
		drop(s, ln, (const struct sockaddr *)&peer, NULL, why);
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

/*
 * May d's sender have another reply?  udp_reply_rate replies a second per
 * source address (a token bucket udp_reply_burst deep): a reply loop with
 * a service the guard cannot recognise (another host's, another daemon's)
 * ends at the first refusal, since every turn of it is one datagram.
 */
static int within_budget(pinetd_dgram *d)
{
	pinetd_svc *s = d->svc;
	const struct pn_service_conf *sc = s->conf;
	uint64_t now = pn_loop_now(&s->srv->loop);
	struct pn_prefix key;
	struct pn_source *e;
	unsigned long more;
	char name[2 * PN_ADDR_TEXT + 8];

	if (sc->udp_reply_rate <= 0)
		return 1;
	pn_prefix_of((const struct sockaddr *)d->peer, 32, 128, &key);
	if (!(e = pn_sources_get(&s->replies, &key, now)))
		return 1; /* table full: not tracked */
	if (pn_source_take(e, (double)sc->udp_reply_rate,
			   (double)sc->udp_reply_burst, now))
		return 1;
	s->over_budget++;
	if (pn_ratelog_due(&s->loop_log, now, &more)) {
		pair_name(d->ln, (const struct sockaddr *)d->peer, &d->dst, name,
			  sizeof name);
		pn_log(LOG_WARNING, "service '%s': no reply %s: over its source's "
		       "budget of %ld replies a second (udp_reply_rate; a reply "
		       "loop?)%s", s->conf->name, name, sc->udp_reply_rate,
		       more ? " (and more in the last second)" : "");
	}
	return 0;
}

/* Send with the request's destination as the source, when known. */
static ssize_t send_reply(pinetd_dgram *d, struct iovec *iov, int iovcnt)
{
	union {
		char buf[CTL_SPACE];
		struct cmsghdr align;
	} ctl;
	struct msghdr m = {
		.msg_name = (void *)d->peer,
		.msg_namelen = d->peerlen,
		.msg_iov = iov,
		.msg_iovlen = (size_t)iovcnt,
	};

	memset(&ctl, 0, sizeof ctl);
	if (d->dst.family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = d->dst.v4 };
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof pi);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof pi);
		memcpy(CMSG_DATA(c), &pi, sizeof pi);
	} else if (d->dst.family == AF_INET6) {
		m.msg_control = ctl.buf;
		m.msg_controllen = CMSG_SPACE(sizeof d->dst.v6);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof d->dst.v6);
		memcpy(CMSG_DATA(c), &d->dst.v6, sizeof d->dst.v6);
	}
	return sendmsg(d->ln->w.fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* ---- kept datagrams (core->dgram_keep) ---- */

struct pn_kept {
	struct pinetd_dgram d; /* d.peer points at peer below */
	struct sockaddr_storage peer;
	struct pn_addr laddr; /* the listener it came to */
	struct pn_kept *prev, *next; /* svc->kept */
};

pinetd_dgram *pn_dgram_keep(pinetd_dgram *d)
{
	pinetd_svc *s = d->svc;
	struct pn_kept *k = calloc(1, sizeof *k);

	if (!k)
		return NULL;
	k->d = *d;
	memcpy(&k->peer, d->peer, d->peerlen <= sizeof k->peer ? d->peerlen
								 : sizeof k->peer);
	k->d.peer = &k->peer;
	k->d.kept = k;
	k->d.ln = NULL; /* looked up at each reply: the listener may go */
	if (d->kept)
		k->laddr = d->kept->laddr;
	else
		k->laddr = d->ln->addr;
	k->next = s->kept;
	if (s->kept)
		s->kept->prev = k;
	s->kept = k;
	return &k->d;
}

void pn_dgram_release(pinetd_dgram *d)
{
	struct pn_kept *k = d ? d->kept : NULL;

	if (!k)
		return; /* not a kept one: nothing of ours to free */
	if (k->prev)
		k->prev->next = k->next;
	else
		d->svc->kept = k->next;
	if (k->next)
		k->next->prev = k->prev;
	free(k);
}

void pn_dgram_release_all(pinetd_svc *s)
{
	while (s->kept)
		pn_dgram_release(&s->kept->d);
}

/* A kept datagram's listener now, or NULL (a reload closed it). */
static struct pn_listener *kept_listener(const struct pn_kept *k)
{
	const pinetd_svc *s = k->d.svc;

	for (size_t i = 0; i < s->nlisteners; i++)
		if (s->listeners[i] && s->listeners[i]->w.fd >= 0 &&
		    pn_addr_equal(&s->listeners[i]->addr, &k->laddr))
			return s->listeners[i];
	return NULL;
}

#define MAX_IOV 64

int pn_dgram_replyv(pinetd_dgram *d, const struct iovec *iov, int iovcnt)
{
	const struct pn_service_conf *sc = d->svc->conf;
	struct iovec v[MAX_IOV];
	size_t len = 0;
	ssize_t n;

	if (iovcnt < 0 || iovcnt > MAX_IOV)
		return -1;
	if (d->kept && !(d->ln = kept_listener(d->kept)))
		return -1;
	if (!d->ln || d->ln->w.fd < 0)
		return -1;
	if (!within_budget(d))
		return -1;
	memcpy(v, iov, (size_t)iovcnt * sizeof *v);
	for (int i = 0; i < iovcnt; i++)
		len += v[i].iov_len;

	/* Never amplify: at most ratio x the request, or the floor. */
	if (sc->udp_reply_ratio > 0) {
		size_t cap = d->len * (size_t)sc->udp_reply_ratio;
		if (cap < (size_t)sc->udp_reply_floor)
			cap = (size_t)sc->udp_reply_floor;
		if (len > cap) {
			d->svc->truncated++;
			for (int i = 0; i < iovcnt; i++) {
				if (v[i].iov_len > cap)
					v[i].iov_len = cap;
				cap -= v[i].iov_len;
			}
		}
	}

	do
		n = send_reply(d, v, iovcnt);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		pn_log(LOG_DEBUG, "service '%s': reply to %s dropped: %s",
		       d->svc->conf->name, pn_dgram_peer_name(d),
		       strerror(errno));
		return -1;
	}
	return 0;
}

int pn_dgram_reply(pinetd_dgram *d, const void *buf, size_t len)
{
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return pn_dgram_replyv(d, &v, 1);
}

pinetd_svc *pn_dgram_service(const pinetd_dgram *d) { return d->svc; }

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
