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
};

struct pinetd_conn {
	struct pn_watch w;
	pinetd_svc *svc;
	pinetd_conn *prev, *next; /* service list (until reaped) */
	pinetd_conn *dead_next;	  /* srv->dead list */
	unsigned flags;
	enum pinetd_close_reason why;
	char *out; /* queued output: out[head .. head+len) */
	size_t head, len, cap;
	struct pn_framer fr;
	struct pn_timer timer; /* idle timeout, or flush timeout */
	uint64_t last_active;
	uint64_t opened; /* pn_loop_now() at accept */
	uint64_t bytes_in, bytes_out;
	struct pn_prog *prog; /* handed over to this program (spawn.c) */
	socklen_t peerlen;
	struct sockaddr_storage peer;
	char peer_name[PN_ADDR_TEXT];
	_Alignas(max_align_t) char data[]; /* plugin's conn_size bytes */
};

static void on_io(struct pn_loop *l, void *arg, unsigned events);
static void on_timer(struct pn_loop *l, void *arg);

static struct pn_loop *loop_of(const pinetd_conn *c)
{
	return &c->svc->srv->loop;
}

/* Ask epoll for what the connection needs now: input unless paused,
 * closing or at EOF; output while something is queued or drain wanted. */
static void update_interest(pinetd_conn *c)
{
	unsigned ev = 0;

	if ((c->flags & C_DEAD) || c->prog)
		return;
	if (!(c->flags & (C_PAUSED | C_CLOSING | C_EOF)))
		ev |= EPOLLIN;
	if (c->len > 0 || (c->flags & C_DRAIN))
		ev |= EPOLLOUT;
	if (ev == 0)
		ev = EPOLLRDHUP; /* stay registered to notice errors */
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
		/* Refused: close it now and take it back from the dead
		 * list, since no on_close is owed. */
		pinetd_conn **pp = &s->srv->dead;
		pn_conn_close(c, PINETD_CLOSE_PLUGIN, 0);
		while (*pp && *pp != c)
			pp = &(*pp)->dead_next;
		if (*pp)
			*pp = c->dead_next;
		unlink_conn(c);
		pn_framer_free(&c->fr);
		free(c->out);
		free(c);
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

int pn_conn_send(pinetd_conn *c, const void *buf, size_t len)
{
	const struct pn_service_conf *sc = c->svc->conf;
	const char *p = buf;

	if ((c->flags & C_DEAD) || c->prog)
		return -1;
	if (len == 0)
		return 0;
	if (sc->max_bytes_out &&
	    c->bytes_out + c->len + len > (uint64_t)sc->max_bytes_out) {
		pn_log(LOG_INFO, "service '%s': %s: over max_bytes_out (%ld), closing",
		       sc->name, c->peer_name, sc->max_bytes_out);
		pn_conn_close(c, PINETD_CLOSE_LIMIT, 1);
		return -1;
	}
	if (c->len == 0) {
		/* Nothing queued: try the socket first, no copy. */
		for (;;) {
			ssize_t n = send(c->w.fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n >= 0) {
				c->bytes_out += (uint64_t)n;
				p += n;
				len -= (size_t)n;
				if (len == 0)
					return 0;
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
	if (queue_append(c, p, len) < 0) {
		pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
		return -1;
	}
	if (c->len > (size_t)sc->output_buffer)
		c->flags |= C_PAUSED;
	update_interest(c);
	return 0;
}

void pn_conn_close(pinetd_conn *c, enum pinetd_close_reason why, int flush)
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

static const char *reason_name(enum pinetd_close_reason why)
{
	static const char *const names[] = {
		[PINETD_CLOSE_PEER] = "peer closed",
		[PINETD_CLOSE_ERROR] = "error",
		[PINETD_CLOSE_PLUGIN] = "service closed",
		[PINETD_CLOSE_TIMEOUT] = "idle timeout",
		[PINETD_CLOSE_OVERFLOW] = "output overflow",
		[PINETD_CLOSE_SHUTDOWN] = "shutdown",
		[PINETD_CLOSE_LIMIT] = "session limit",
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
	return (c->flags & (C_DEAD | C_CLOSING)) ? 1 : 0;
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
	if ((s->desc->flags & PINETD_PF_HALF_CLOSE) && !(c->flags & C_CLOSING) &&
	    (c->len > 0 || (c->flags & C_DRAIN))) {
		update_interest(c); /* keep writing; a write error ends it */
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
	if ((s->desc->flags & PINETD_PF_LINES) && !(c->flags & C_READS)) {
		if (pn_framer_feed(&c->fr, buf, (size_t)n, (size_t)s->conf->max_line,
				   line_cb, c) < 0)
			pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
	} else if (s->desc->on_data) {
		s->desc->on_data(s->state, c, buf, (size_t)n);
	} /* else a plugin that took the socket over in on_open: drop it */
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
	if ((c->flags & C_PAUSED) && c->len <= (size_t)sc->output_buffer / 2)
		c->flags &= ~C_PAUSED;
	if (c->len == 0 && (c->flags & C_DRAIN) && !(c->flags & C_CLOSING) &&
	    c->svc->desc->on_drain) {
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
		if (c->flags & (C_CLOSING | C_EOF | C_PAUSED)) {
			/* Not reading: an error or hang-up ends it. */
			if (events & (EPOLLERR | EPOLLHUP))
				pn_conn_close(c, PINETD_CLOSE_ERROR, 0);
			return;
		}
		do_read(c);
	} else if (events & EPOLLRDHUP && !(events & EPOLLOUT) && c->len == 0) {
		pn_conn_close(c, PINETD_CLOSE_PEER, 0);
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

void pn_conn_program_ended(pinetd_conn *c, enum pinetd_close_reason why)
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

void pn_conn_close_all(pinetd_svc *s, enum pinetd_close_reason why)
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
		free(c->out);
		free(c);
	}
	s->nconns = 0;
}
