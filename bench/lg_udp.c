/*
 * lg_udp.c -- UDP request/reply with F requests in flight.
 *
 * One connected UDP socket carries F slots; each slot has one request
 * "udp SLOT SEQ xxx...\n" outstanding at a time.  A reply that matches
 * the slot's current request, byte for byte, completes it (one op, its
 * latency recorded) and the slot sends its next request at once.  A slot
 * without a reply after --timeout counts one loss and sends a new
 * request; a reply to a request already given up on counts as late, a
 * reply matching nothing as bad.  Losses are reported apart from errors:
 * UDP may drop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lg.h"

#define BACKOFF	(10 * LG_MS)

struct uslot {
	uint64_t seq;		/* of the request outstanding */
	uint64_t t_sent;
	uint64_t due;		/* timeout, or end of backoff */
	bool waiting;		/* a request is outstanding */
	bool queued;		/* waiting for the socket to be writable */
};

struct urun {
	struct lg_ev ev;	/* first: epoll's data.ptr */
	const struct lg_opts *o;
	struct lg_result *r;
	int fd, ep;
	bool want_out;		/* EPOLLOUT registered */
	bool measuring;
	uint64_t end, seq;
	struct uslot *slots;
	char *msg;		/* scratch request, o->size bytes */
	uint64_t sent, lost, late, bad, refused, other;
};

/* The exact bytes of request `seq` of slot `i`. */
static void fill(struct urun *u, unsigned i, uint64_t seq)
{
	size_t size = u->o->size;
	int n = snprintf(u->msg, size, "udp %u %" PRIu64 " ", i, seq);
	size_t h = n < 0 ? 0 : (size_t)n;

	if (h > size - 1)
		h = size - 1;
	memset(u->msg + h, 'x', size - 1 - h);
	u->msg[size - 1] = '\n';
}

static void set_out(struct urun *u, bool on)
{
	uint32_t ev = EPOLLIN | (on ? EPOLLOUT : 0);

	if (u->want_out == on)
		return;
	if (lg_epoll_ctl(u->ep, EPOLL_CTL_MOD, u->fd, &u->ev, ev) == 0)
		u->want_out = on;
}

/* Send slot i's next request, or queue it until the socket is writable. */
static void slot_send(struct urun *u, unsigned i)
{
	struct uslot *s = &u->slots[i];
	uint64_t now = lg_now();
	ssize_t n;

	s->seq = u->seq++;
	fill(u, i, s->seq);
	n = lg_send(u->fd, u->msg, u->o->size);
	s->queued = false;
	s->waiting = false;
	if (n == -EAGAIN || n == -ENOBUFS) {
		s->queued = true;
		set_out(u, true);
		return;
	}
	if (n < 0) {
		if (u->measuring) {
			u->r->errors++;
			if (n == -ECONNREFUSED)
				u->refused++;
			else
				u->other++;
		}
		s->due = now + BACKOFF;
		return;
	}
	if (u->measuring)
		u->sent++;
	s->waiting = true;
	s->t_sent = now;
	s->due = now + u->o->timeout_ms * LG_MS;
}

/* One datagram came back: match it with its slot. */
static void on_reply(struct urun *u, const char *buf, size_t n)
{
	unsigned i;
	uint64_t seq, now = lg_now();
	struct uslot *s;

	if (sscanf(buf, "udp %u %" SCNu64 " ", &i, &seq) != 2 ||
	    i >= u->o->conc) {
		u->bad += u->measuring;
		u->r->errors += u->measuring;
		return;
	}
	s = &u->slots[i];
	if (!s->waiting || seq != s->seq) {
		u->late += u->measuring && seq < s->seq;
		u->bad += u->measuring && seq > s->seq;
		u->r->errors += u->measuring && seq > s->seq;
		return;
	}
	fill(u, i, seq);
	if (n != u->o->size || memcmp(buf, u->msg, n) != 0) {
		u->bad += u->measuring;
		u->r->errors += u->measuring;
		return;		/* the slot will time out and resend */
	}
	if (u->measuring && now <= u->end) {
		u->r->ops++;
		lg_hist_add(u->r->hist, now - s->t_sent);
	}
	slot_send(u, i);
}

static void udp_event(struct lg_ev *ev, uint32_t events)
{
	struct urun *u = lg_container_of(ev, struct urun, ev);
	static char buf[65536];
	unsigned i, budget;

	if (events & EPOLLOUT) {
		set_out(u, false);
		for (i = 0; i < u->o->conc; i++)
			if (u->slots[i].queued)
				slot_send(u, i);
	}
	for (budget = 0; budget < 256; budget++) {
		ssize_t n = lg_recv(u->fd, buf, sizeof buf - 1);

		if (n == -EAGAIN)
			break;
		if (n < 0) {
			/* An ICMP error from an earlier datagram. */
			u->r->errors += u->measuring;
			if (n == -ECONNREFUSED)
				u->refused += u->measuring;
			else
				u->other += u->measuring;
			continue;
		}
		buf[n] = '\0';
		on_reply(u, buf, (size_t)n);
	}
}

/* Give up on requests past their timeout; end backoffs. */
static void scan(struct urun *u, uint64_t now)
{
	unsigned i;

	for (i = 0; i < u->o->conc; i++) {
		struct uslot *s = &u->slots[i];

		if (s->queued || now < s->due)
			continue;
		if (s->waiting)
			u->lost += u->measuring;
		slot_send(u, i);
	}
}

int lg_run_udp(const struct lg_opts *o, struct lg_result *r)
{
	struct urun u = { .ev.fn = udp_event, .o = o, .r = r, .fd = -1 };
	uint64_t start, now, last_scan = 0;
	unsigned i;
	int rc = 0;

	if (o->size < 32) {
		lg_say("udp: --size must be at least 32 (the request header)");
		return -EINVAL;
	}
	u.slots = calloc(o->conc, sizeof *u.slots);
	u.msg = malloc(o->size);
	u.ep = lg_epoll_new();
	if (!u.slots || !u.msg)
		rc = -ENOMEM;
	else if (u.ep < 0)
		rc = u.ep;
	else if ((u.fd = lg_socket(o, SOCK_DGRAM)) < 0)
		rc = u.fd;
	else if (connect(u.fd, (const struct sockaddr *)&o->addr,
			 o->addrlen) < 0)
		rc = -errno;
	else
		rc = lg_epoll_ctl(u.ep, EPOLL_CTL_ADD, u.fd, &u.ev, EPOLLIN);
	start = lg_now();
	u.end = start + (uint64_t)(o->duration * 1e9);
	u.measuring = true;
	for (i = 0; i < o->conc && rc == 0; i++)
		slot_send(&u, i);
	while (rc == 0 && (now = lg_now()) < u.end) {
		rc = lg_poll(u.ep, 2);
		if (rc > 0)
			rc = 0;
		now = lg_now();
		if (now - last_scan >= 2 * LG_MS) {
			scan(&u, now);
			last_scan = now;
		}
	}
	u.measuring = false;
	lg_close(u.fd);
	lg_close(u.ep);
	free(u.slots);
	free(u.msg);
	if (rc < 0)
		return rc;
	r->secs = (double)(u.end - start) / 1e9;
	r->has_latency = true;
	lg_extra(r, " sent=%llu lost=%llu loss_pct=%.3f late=%llu bad=%llu "
		 "refused=%llu other_errors=%llu size=%zu",
		 (unsigned long long)u.sent, (unsigned long long)u.lost,
		 u.sent ? 100.0 * (double)u.lost / (double)u.sent : 0.0,
		 (unsigned long long)u.late, (unsigned long long)u.bad,
		 (unsigned long long)u.refused, (unsigned long long)u.other,
		 o->size);
	lg_say("udp: %llu replies, %llu lost, %llu late, %llu bad in %.2f s",
	       (unsigned long long)r->ops, (unsigned long long)u.lost,
	       (unsigned long long)u.late, (unsigned long long)u.bad, r->secs);
	return u.bad ? 1 : 0;
}
