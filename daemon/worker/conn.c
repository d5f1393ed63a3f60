/*
 * conn.c -- stream connections (see conn.h).
 */
#include "conn.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "plugev.h"
#include "pause.h"
#include "spawn.h"

/* How long queued output may take to drain once a close is asked for. */
#define FLUSH_TIMEOUT_MS 10000

enum {
	C_DEAD = 1 << 0,	/* closed: in srv->dead, on_close pending */
	C_CLOSING = 1 << 1,	/* flushing, then close; input ignored */
	C_PAUSED = 1 << 2,	/* not reading: too much output queued */
	C_DRAIN = 1 << 3,	/* plugin wants on_drain */
	C_EOF = 1 << 4,		/* peer sent EOF */
	C_SOURCE = 1 << 5,	/* counted in the service's source table */
	C_READS = 1 << 6,	/* on_data per read, not lines (frame_reads) */
	C_UPAUSE = 1 << 7,	/* the plugin paused input (core->pause) */
	C_WSHUT = 1 << 8,	/* shutdown asked: shut writing once flushed */
	C_WDONE = 1 << 9,	/* the write side is shut down */
	C_READY = 1 << 10,	/* on srv->ready: held input to deliver */
};

struct pinetd_conn {
	struct pn_watch w;
	pinetd_svc *svc;
	pinetd_conn *prev, *next; /* service list (until reaped) */
	pinetd_conn *dead_next;	  /* srv->dead list */
	unsigned flags;
	int why;
	char *out; /* queued output: out[head .. head+len) */
	size_t head, len, cap;
	struct pn_framer fr;
	struct pn_timer timer; /* idle timeout, or flush timeout */
	uint64_t last_active;
	uint64_t opened; /* pn_loop_now() at accept */
	uint64_t bytes_in, bytes_out;
	struct pn_prog *prog; /* handed over to this program (spawn.c) */
	struct pn_pevs pevs;  /* the plugin's timers and watches (plugev.h) */
	char *held;	      /* input read but not delivered: paused */
	size_t heldlen;
	pinetd_conn *ready_next; /* srv->ready list */
	socklen_t peerlen, locallen;
	struct sockaddr_storage peer, local;
	char peer_name[PN_ADDR_TEXT];
	_Alignas(max_align_t) char data[]; /* plugin's conn_size bytes */
};

static void on_io(struct pn_loop *l, void *arg, unsigned events);
static void on_timer(struct pn_loop *l, void *arg);

static struct pn_loop *loop_of(const pinetd_conn *c)
{
	return &c->svc->srv->loop;
}

/* Ask epoll for what the connection needs now: input unless paused (by
 * backpressure or the plugin), closing, at EOF or holding input; output
 * while something is queued or drain wanted. */
static void update_interest(pinetd_conn *c)
{
	unsigned ev = 0;

	if ((c->flags & C_DEAD) || c->prog)
		return;
	if (!(c->flags & (C_PAUSED | C_CLOSING | C_EOF | C_UPAUSE | C_READY)))
		ev |= EPOLLIN;
	if (c->len > 0 || ((c->flags & C_DRAIN) && !(c->flags & C_WSHUT)))
		ev |= EPOLLOUT;
	/* Stay registered to notice a reset.  Not once our side is shut
	 * down: a hang-up then only says the peer's EOF has arrived, behind
	 * input not read yet (paused), which must not be lost. */
	if (ev == 0 && !(c->flags & C_WDONE))
		ev = EPOLLHUP;
	if (pn_watch_set(loop_of(c), &c->w, ev) < 0)
		pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
}

/* Closed connections stay linked (flagged C_DEAD) until reaped outside
 * any plugin call, so a walk of the list is never cut short by a close
 * made from inside the walk. */
static void unlink_conn(pinetd_conn *c)
{
	pinetd_svc *s = c->svc;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
}

/* Lower the source's count of open connections. */
void pn_conn_release_source(pinetd_svc *s, const struct sockaddr *peer)
{
	struct pn_prefix key;
	struct pn_source *e;

	pn_prefix_of(peer, (unsigned)s->conf->source_prefix4,
		     (unsigned)s->conf->source_prefix6, &key);
	if ((e = pn_sources_find(&s->sources, &key)) && e->conns > 0)
		e->conns--;
}

/* The next deadline of a connection: idle_timeout after the last input,
 * max_duration after the accept, whichever comes first. */
static void arm_timer(pinetd_conn *c)
{
	const struct pn_service_conf *sc = c->svc->conf;
	uint64_t now = pn_loop_now(loop_of(c)), due = UINT64_MAX;

	if (c->prog)
		return; /* the program's deadline is spawn.c's */
	if (sc->idle_timeout > 0)
		due = c->last_active + (uint64_t)sc->idle_timeout * 1000u;
	if (sc->max_duration > 0 &&
	    c->opened + (uint64_t)sc->max_duration * 1000u < due)
		due = c->opened + (uint64_t)sc->max_duration * 1000u;
	if (due != UINT64_MAX)
		pn_timer_start(loop_of(c), &c->timer, due > now ? due - now : 0);
}

void pn_conn_accept(struct pn_listener *ln, int fd,
		    const struct sockaddr *peer, socklen_t len, int counted)
{
	pn_conn_accept_at(ln, fd, peer, len, NULL, 0, counted);
}

void pn_conn_accept_at(struct pn_listener *ln, int fd,
		       const struct sockaddr *peer, socklen_t len,
		       const struct sockaddr *local, socklen_t locallen,
		       int counted)
{
	pinetd_svc *s = ln->svc;
	const struct pinetd_plugin *d = s->desc;
	pinetd_conn *c = calloc(1, sizeof *c + d->conn_size);
	int one = 1;

	if (!c) {
		pn_log(LOG_ERR, "service '%s': out of memory for a connection",
		       s->conf->name);
		close(fd);
		if (counted)
			pn_conn_release_source(s, peer);
		return;
	}
	c->svc = s;
	if (counted)
		c->flags |= C_SOURCE;
	if (len > sizeof c->peer)
		len = sizeof c->peer;
	memcpy(&c->peer, peer, len);
	c->peerlen = len;
	if (local) { /* a PROXY header's destination */
		if (locallen > sizeof c->local)
			locallen = sizeof c->local;
		memcpy(&c->local, local, locallen);
		c->locallen = locallen;
	} else {
		c->locallen = sizeof c->local;
		if (getsockname(fd, (struct sockaddr *)&c->local, &c->locallen) < 0)
			c->locallen = 0;
	}
	pn_sockaddr_name(peer, c->peer_name, sizeof c->peer_name);
	/* Replies are built whole before they are sent: Nagle only adds
	 * the delayed-ACK stall to interactive services. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	pn_watch_init(&c->w, fd, on_io, c);
	pn_timer_init(&c->timer, on_timer, c);
	c->last_active = c->opened = pn_loop_now(loop_of(c));

	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;

	if (s->conf->log_connections)
		pn_log(LOG_INFO, "service '%s': connection from %s", s->conf->name,
		       c->peer_name);
	if (d->on_open && d->on_open(s->state, c) != 0) {
		/* Refused: closed at once, output dropped; its on_close
		 * (PINETD_CLOSE_REFUSED) comes from the loop like any. */
		c->flags &= ~C_CLOSING;
		pn_conn_close(c, PINETD_CLOSE_REFUSED, 0);
		return;
	}
	if (c->flags & C_DEAD)
		return;
	arm_timer(c);
	update_interest(c);
}

/* Free the queue when it empties: idle connections keep no buffer. */
static void queue_reset(pinetd_conn *c)
{
	free(c->out);
	c->out = NULL;
	c->head = c->len = c->cap = 0;
}

static int queue_append(pinetd_conn *c, const char *buf, size_t n)
{
	if (c->head + c->len + n > c->cap) {
		if (c->head > 0) {
			memmove(c->out, c->out + c->head, c->len);
			c->head = 0;
		}
		if (c->len + n > c->cap) {
			size_t cap = c->cap ? c->cap : 4096;
			while (cap < c->len + n)
				cap *= 2;
			char *p = realloc(c->out, cap);
			if (!p)
				return -1;
			c->out = p;
			c->cap = cap;
		}
	}
	memcpy(c->out + c->head + c->len, buf, n);
	c->len += n;
	return 0;
}

/* Write as much of the queue as the socket takes.  Returns 0, or -1 when
 * the connection failed (and was closed). */
static int flush_queue(pinetd_conn *c)
{
	while (c->len > 0) {
		ssize_t n = send(c->w.fd, c->out + c->head, c->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return -1;
		}
		c->head += (size_t)n;
		c->len -= (size_t)n;
		c->bytes_out += (uint64_t)n;
	}
	queue_reset(c);
	return 0;
}

/* Skip n bytes of an iovec array in place; returns the first left. */
static const struct iovec *iov_skip(struct iovec *v, int *cnt, size_t n)
{
	while (*cnt > 0 && n >= v->iov_len) {
		n -= v->iov_len;
		v++;
		(*cnt)--;
	}
	if (*cnt > 0) {
		v->iov_base = (char *)v->iov_base + n;
		v->iov_len -= n;
	}
	return v;
}

#define MAX_IOV 64

int pn_conn_sendv(pinetd_conn *c, const struct iovec *iov, int iovcnt)
{
	const struct pn_service_conf *sc = c->svc->conf;
	struct iovec v[MAX_IOV], *p = v;
	size_t len = 0;

	if ((c->flags & (C_DEAD | C_CLOSING | C_WSHUT)) || c->prog || iovcnt < 0 ||
	    iovcnt > MAX_IOV)
		return -1;
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len && !iov[i].iov_base)
			return -1;
		len += iov[i].iov_len;
	}
	if (len == 0)
		return 0;
	memcpy(v, iov, (size_t)iovcnt * sizeof *v);
	if (sc->max_bytes_out &&
	    c->bytes_out + c->len + len > (uint64_t)sc->max_bytes_out) {
		pn_log(LOG_INFO, "service '%s': %s: over max_bytes_out (%ld), closing",
		       sc->name, c->peer_name, sc->max_bytes_out);
		pn_conn_close(c, PINETD_CLOSE_LIMIT, 1);
		return -1;
	}
	if (c->len == 0) {
		/* Nothing queued: try the socket first, no copy, one
		 * segment for all the buffers. */
		struct msghdr m = { .msg_iov = v, .msg_iovlen = (size_t)iovcnt };
		for (;;) {
			ssize_t n = sendmsg(c->w.fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n >= 0) {
				c->bytes_out += (uint64_t)n;
				len -= (size_t)n;
				if (len == 0)
					return 0;
				p = (struct iovec *)iov_skip(p, &iovcnt, (size_t)n);
				m.msg_iov = p;
				m.msg_iovlen = (size_t)iovcnt;
				continue;
			}
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return -1;
		}
	}
	if (c->len + len > (size_t)sc->output_max) {
		pn_log(LOG_NOTICE,
		       "service '%s': %s: output queue over output_max (%ld bytes), closing",
		       sc->name, c->peer_name, sc->output_max);
		pn_conn_close(c, PINETD_CLOSE_OVERFLOW, 0);
		return -1;
	}
	for (int i = 0; i < iovcnt; i++)
		if (queue_append(c, p[i].iov_base, p[i].iov_len) < 0) {
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return -1;
		}
	if (c->len > (size_t)sc->output_buffer)
		c->flags |= C_PAUSED;
	update_interest(c);
	return 0;
}

int pn_conn_send(pinetd_conn *c, const void *buf, size_t len)
{
	struct iovec v = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	return pn_conn_sendv(c, &v, 1);
}

/* Shut the write side down now (queue empty). */
static void shut_write(pinetd_conn *c)
{
	c->flags |= C_WDONE;
	c->flags &= ~C_DRAIN;
	if (shutdown(c->w.fd, SHUT_WR) < 0 && errno != ENOTCONN) {
		pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
		return;
	}
	if (c->flags & C_EOF) /* both sides are done */
		pn_conn_close(c, PINETD_CLOSE_PEER, 0);
	else
		update_interest(c);
}

int pn_conn_shutdown(pinetd_conn *c)
{
	if ((c->flags & (C_DEAD | C_CLOSING | C_WSHUT)) || c->prog)
		return -1;
	c->flags |= C_WSHUT;
	if (c->len == 0)
		shut_write(c);
	return 0;
}

void pn_conn_close(pinetd_conn *c, int why, int flush)
{
	struct pn_server *srv = c->svc->srv;

	if (c->flags & C_DEAD)
		return;
	if (c->prog) {
		/* The program has the socket: it is the one to stop; the
		 * connection ends when it has exited. */
		pn_spawn_stop(c->prog, why);
		return;
	}
	if (flush && c->len > 0) {
		if (!(c->flags & C_CLOSING)) {
			c->flags |= C_CLOSING;
			c->why = why;
			pn_timer_start(loop_of(c), &c->timer, FLUSH_TIMEOUT_MS);
			update_interest(c);
		}
		return;
	}
	if (c->flags & C_CLOSING)
		why = c->why;
	pn_timer_stop(loop_of(c), &c->timer);
	pn_watch_close(loop_of(c), &c->w); /* fd -1 after a hand-over */
	free(c->held);
	c->held = NULL;
	c->heldlen = 0;
	c->svc->nconns--;
	if (c->flags & C_SOURCE)
		pn_conn_release_source(c->svc, (const struct sockaddr *)&c->peer);
	if (c->svc->nconns < (unsigned long)c->svc->conf->max_connections)
		pn_service_resume(c->svc, PN_PAUSE_CONNS);
	if (why == PINETD_CLOSE_TIMEOUT || why == PINETD_CLOSE_LIMIT)
		c->svc->closed_limit++;
	c->flags |= C_DEAD;
	c->why = why;
	c->dead_next = srv->dead;
	srv->dead = c;
}

static const char *reason_name(int why)
{
	static const char *const names[] = {
		[PINETD_CLOSE_PEER] = "peer closed",
		[PINETD_CLOSE_ERROR] = "error",
		[PINETD_CLOSE_PLUGIN] = "service closed",
		[PINETD_CLOSE_TIMEOUT] = "idle timeout",
		[PINETD_CLOSE_OVERFLOW] = "output overflow",
		[PINETD_CLOSE_SHUTDOWN] = "shutdown",
		[PINETD_CLOSE_LIMIT] = "session limit",
		[PINETD_CLOSE_REFUSED] = "refused by the service",
	};
	return (unsigned)why < sizeof names / sizeof names[0] ? names[why] : "?";
}

void pn_conn_reap(struct pn_server *srv)
{
	while (srv->dead) {
		pinetd_conn *c = srv->dead;
		pinetd_svc *s = c->svc;

		srv->dead = c->dead_next;
		unlink_conn(c);
		if (s->desc->on_close)
			s->desc->on_close(s->state, c, c->why);
		pn_pev_end_all(&c->pevs);
		if (s->conf->log_connections)
			pn_log(LOG_INFO, "service '%s': %s closed (%s) after %.3f s, "
					 "%" PRIu64 " bytes in, %" PRIu64 " bytes out",
			       s->conf->name, c->peer_name, reason_name(c->why),
			       (double)(pn_loop_now(&srv->loop) - c->opened) / 1000.0,
			       c->bytes_in, c->bytes_out);
		pn_framer_free(&c->fr);
		free(c->out);
		free(c);
	}
	pn_spawn_gc(srv);
}

static int line_cb(void *arg, char *line, size_t len, unsigned flags)
{
	pinetd_conn *c = arg;

	c->svc->desc->on_line(c->svc->state, c, line, len, flags);
	return (c->flags & (C_DEAD | C_CLOSING | C_UPAUSE)) ? 1 : 0;
}

/*
 * Hand input to the plugin: lines through the framer, or the bytes as
 * they are to on_data; a service with neither callback drops them.  When
 * the plugin pauses the connection from an on_line, the lines not yet
 * delivered are held (c->held) until it resumes.
 */
static void deliver_input(pinetd_conn *c, char *buf, size_t n)
{
	pinetd_svc *s = c->svc;
	size_t used = n;

	if ((s->desc->flags & PINETD_PF_LINES) && !(c->flags & C_READS)) {
		if (pn_framer_feed_part(&c->fr, buf, n, (size_t)s->conf->max_line,
					line_cb, c, &used) < 0 && !(c->flags & C_UPAUSE)) {
			if (!(c->flags & (C_DEAD | C_CLOSING)))
				pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return;
		}
	} else if (s->desc->on_data) {
		s->desc->on_data(s->state, c, buf, n);
	}
	if (used < n && (c->flags & C_UPAUSE) && !(c->flags & (C_DEAD | C_CLOSING))) {
		char *h = malloc(n - used);
		if (!h) {
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return;
		}
		memcpy(h, buf + used, n - used);
		free(c->held);
		c->held = h;
		c->heldlen = n - used;
	}
}

/* The ready timer: deliver held input of the connections resumed since
 * (from the loop, never from inside core->pause). */
static void on_ready(struct pn_loop *l, void *arg)
{
	struct pn_server *srv = arg;
	pinetd_conn *list = srv->ready;

	(void)l;
	srv->ready = NULL;
	while (list) {
		pinetd_conn *c = list;
		list = c->ready_next;
		c->ready_next = NULL;
		c->flags &= ~C_READY;
		if ((c->flags & (C_DEAD | C_UPAUSE)) || !c->held)
			continue;
		char *h = c->held;
		size_t n = c->heldlen;
		c->held = NULL;
		c->heldlen = 0;
		deliver_input(c, h, n); /* may hold a part again */
		free(h);
		update_interest(c);
	}
}

int pn_conn_pause(pinetd_conn *c, int on)
{
	struct pn_server *srv = c->svc->srv;

	if ((c->flags & C_DEAD) || c->prog)
		return -1;
	if (on) {
		c->flags |= C_UPAUSE;
	} else if (c->flags & C_UPAUSE) {
		c->flags &= ~C_UPAUSE;
		c->last_active = pn_loop_now(loop_of(c));
		if (c->held && !(c->flags & C_READY)) {
			c->flags |= C_READY;
			c->ready_next = srv->ready;
			srv->ready = c;
			if (!srv->ready_timer.fn)
				pn_timer_init(&srv->ready_timer, on_ready, srv);
			pn_timer_start(&srv->loop, &srv->ready_timer, 0);
		}
	}
	update_interest(c);
	return 0;
}

/* The peer closed its side: last partial line, then close once our
 * output is written (the peer may still be reading: nc -q, shutdown). */
static void on_eof(pinetd_conn *c)
{
	pinetd_svc *s = c->svc;

	c->flags |= C_EOF;
	if ((s->desc->flags & PINETD_PF_LINES) &&
	    !(c->flags & (C_CLOSING | C_READS)))
		pn_framer_finish(&c->fr, line_cb, c);
	if (c->flags & C_DEAD)
		return;
	if (s->desc->on_eof && !(c->flags & C_CLOSING)) {
		s->desc->on_eof(s->state, c);
		if (c->flags & C_DEAD)
			return;
	}
	if ((s->desc->flags & PINETD_PF_HALF_CLOSE) &&
	    !(c->flags & (C_CLOSING | C_WDONE))) {
		update_interest(c); /* until the plugin ends it; a write error does */
		return;
	}
	pn_conn_close(c, PINETD_CLOSE_PEER, 1);
}

static void do_read(pinetd_conn *c)
{
	pinetd_svc *s = c->svc;
	char *buf = s->srv->rbuf;
	ssize_t n;

	do
		n = recv(c->w.fd, buf, PN_RBUF_SIZE, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
		return;
	}
	if (n == 0) {
		on_eof(c);
		return;
	}
	c->last_active = pn_loop_now(loop_of(c));
	c->bytes_in += (uint64_t)n;
	if (s->conf->max_bytes_in && c->bytes_in > (uint64_t)s->conf->max_bytes_in) {
		pn_log(LOG_INFO, "service '%s': %s: more than max_bytes_in (%ld), closing",
		       s->conf->name, c->peer_name, s->conf->max_bytes_in);
		pn_conn_close(c, PINETD_CLOSE_LIMIT, 0);
		return;
	}
	deliver_input(c, buf, (size_t)n);
}

static void do_write(pinetd_conn *c)
{
	const struct pn_service_conf *sc = c->svc->conf;

	if (flush_queue(c) < 0)
		return;
	if (c->len == 0 && (c->flags & C_CLOSING)) {
		pn_conn_close(c, c->why, 0);
		return;
	}
	if (c->len == 0 && (c->flags & C_WSHUT) && !(c->flags & C_WDONE)) {
		shut_write(c);
		return;
	}
	if ((c->flags & C_PAUSED) && c->len <= (size_t)sc->output_buffer / 2)
		c->flags &= ~C_PAUSED;
	if (c->len == 0 && (c->flags & C_DRAIN) &&
	    !(c->flags & (C_CLOSING | C_WSHUT)) && c->svc->desc->on_drain) {
		c->svc->desc->on_drain(c->svc->state, c);
		if (c->flags & C_DEAD)
			return;
	}
	update_interest(c);
}

static void on_io(struct pn_loop *l, void *arg, unsigned events)
{
	pinetd_conn *c = arg;

	(void)l;
	if (events & EPOLLOUT) {
		do_write(c);
		if (c->flags & C_DEAD)
			return;
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (c->flags & (C_CLOSING | C_EOF | C_PAUSED | C_UPAUSE | C_READY)) {
			/* Not reading: an error or hang-up ends it (a hang-up
			 * after our shutdown is only the peer's EOF, read
			 * in order once we read again). */
			if ((events & EPOLLERR) ||
			    ((events & EPOLLHUP) && !(c->flags & C_WDONE)))
				pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			else if (events & EPOLLHUP)
				update_interest(c);
			return;
		}
		do_read(c);
	}
}

static void on_timer(struct pn_loop *l, void *arg)
{
	pinetd_conn *c = arg;
	const struct pn_service_conf *sc = c->svc->conf;
	uint64_t now = pn_loop_now(l);

	if (c->flags & C_CLOSING) {
		pn_log(LOG_INFO, "service '%s': %s: output not read in %d s, closing",
		       sc->name, c->peer_name, FLUSH_TIMEOUT_MS / 1000);
		c->len = 0;
		pn_conn_close(c, c->why, 0);
		return;
	}
	if (sc->max_duration > 0 &&
	    now - c->opened >= (uint64_t)sc->max_duration * 1000u) {
		pn_log(LOG_INFO, "service '%s': %s: open for max_duration (%ld s), closing",
		       sc->name, c->peer_name, sc->max_duration);
		pn_conn_close(c, PINETD_CLOSE_LIMIT, 0);
		return;
	}
	if (c->flags & C_UPAUSE)
		c->last_active = now; /* the plugin's wait is not idleness */
	if (sc->idle_timeout > 0 &&
	    now - c->last_active >= (uint64_t)sc->idle_timeout * 1000u) {
		pn_log(LOG_INFO, "service '%s': %s: idle for %ld s, closing", sc->name,
		       c->peer_name, sc->idle_timeout);
		pn_conn_close(c, PINETD_CLOSE_TIMEOUT, 0);
		return;
	}
	arm_timer(c);
}

void pn_conn_want_drain(pinetd_conn *c, int on)
{
	if (on)
		c->flags |= C_DRAIN;
	else
		c->flags &= ~C_DRAIN;
	update_interest(c);
}

int pn_conn_frame_reads(pinetd_conn *c, int on)
{
	if (!c->svc->desc->on_data)
		return -1;
	if (on) {
		c->flags |= C_READS;
		pn_framer_free(&c->fr);
	} else {
		c->flags &= ~C_READS;
	}
	return 0;
}

size_t pn_conn_pending(const pinetd_conn *c) { return c->len; }
const char *pn_conn_peer_name(const pinetd_conn *c) { return c->peer_name; }

const struct sockaddr *pn_conn_local_addr(const pinetd_conn *c, socklen_t *len)
{
	if (len)
		*len = c->locallen;
	return (const struct sockaddr *)&c->local;
}

int pn_conn_closed(const pinetd_conn *c)
{
	return (c->flags & (C_DEAD | C_CLOSING)) != 0;
}
struct pn_pevs *pn_conn_pevs(pinetd_conn *c) { return &c->pevs; }

const struct sockaddr *pn_conn_peer_addr(const pinetd_conn *c, socklen_t *len)
{
	if (len)
		*len = c->peerlen;
	return (const struct sockaddr *)&c->peer;
}

void *pn_conn_data(pinetd_conn *c)
{
	return c->svc->desc->conn_size ? c->data : NULL;
}

pinetd_svc *pn_conn_service(pinetd_conn *c) { return c->svc; }

int pn_conn_fd(pinetd_conn *c) { return c->w.fd; }

void pn_conn_hand_over(pinetd_conn *c, struct pn_prog *p)
{
	pn_timer_stop(loop_of(c), &c->timer);
	pn_watch_close(loop_of(c), &c->w);
	c->flags &= ~(C_DRAIN | C_PAUSED);
	queue_reset(c);
	c->prog = p;
}

struct pn_prog *pn_conn_program(const pinetd_conn *c) { return c->prog; }

void pn_conn_program_ended(pinetd_conn *c, int why)
{
	c->prog = NULL;
	pn_conn_close(c, why, 0);
}

int pn_conn_foreach(pinetd_svc *s, int (*fn)(pinetd_conn *, void *), void *arg)
{
	for (pinetd_conn *c = s->conns; c; c = c->next) {
		if (c->flags & (C_DEAD | C_CLOSING))
			continue; /* closed, or leaving once its output is out */
		int rc = fn(c, arg);
		if (rc)
			return rc;
	}
	return 0;
}

void pn_conn_close_all(pinetd_svc *s, int why)
{
	/* Closing leaves each connection linked until reaped. */
	for (pinetd_conn *c = s->conns; c; c = c->next)
		pn_conn_close(c, why, 0);
}

void pn_conn_forget_all(pinetd_svc *s)
{
	while (s->conns) {
		pinetd_conn *c = s->conns;
		s->conns = c->next;
		if (c->w.fd >= 0)
			close(c->w.fd);
		pn_framer_free(&c->fr);
		free(c->held);
		free(c->out);
		free(c);
	}
	s->nconns = 0;
}
