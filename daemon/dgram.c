/*
 * dgram.c -- datagram services (see dgram.h).
 */
#include "dgram.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"

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
	char name[PN_ADDR_TEXT]; /* filled on first request */
};

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
			};
			if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				continue; /* cannot happen below 64 KiB */
			s->desc->on_datagram(s->state, &d, b->bufs[i],
					     b->msgs[i].msg_len);
		}
		if (n < BATCH)
			return;
	}
}

int pn_dgram_reply(pinetd_dgram *d, const void *buf, size_t len)
{
	ssize_t n;

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
