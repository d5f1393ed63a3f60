/*
 * proxy_linger.c -- finish writing to a backend after its client left.
 *
 * A client that ends cleanly can leave bytes the backend has not taken
 * yet: the backend half-closed first, the core passed its EOF on, the
 * client sent its last bytes and its own EOF, and the core ended the
 * connection.  The bytes are the client's and belong to the backend, so
 * a duplicate of the backend socket is kept, watched by the service,
 * until they are written (then SHUT_WR and close), the backend fails, or
 * PROXY_LINGER_MS pass.  Each linger holds at most one connection's
 * buffer and one descriptor, for a bounded time.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <errno.h>

#include "proxy.h"

struct proxy_linger {
	struct proxy_linger *next, **prevp;
	struct proxy *p;
	int fd; /* owned by the watch */
	pinetd_watch w;
	pinetd_timer t;
	char *buf;
	size_t off, len;
};

/* End l: its watch closes the descriptor. */
static void linger_end(struct proxy_linger *l)
{
	pinetd->watch_close(l->w);
	pinetd->timer_stop(l->t);
	*l->prevp = l->next;
	if (l->next)
		l->next->prevp = l->prevp;
	free(l->buf);
	free(l);
}

static void linger_write(void *state, pinetd_watch w, int fd,
			 uint32_t events, void *arg)
{
	struct proxy_linger *l = arg;

	(void)state;
	(void)w;
	(void)events;
	while (l->len > 0) {
		ssize_t n = send(fd, l->buf + l->off, l->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			linger_end(l);
			return;
		}
		l->off += (size_t)n;
		l->len -= (size_t)n;
	}
	shutdown(fd, SHUT_WR);
	linger_end(l);
}

static void linger_timeout(void *state, pinetd_timer t, void *arg)
{
	struct proxy_linger *l = arg;
	struct proxy *p = state;

	(void)t;
	pinetd->log(p->svc, PINETD_LOG_NOTICE,
		    "backend %s did not take the last %zu bytes of a client "
		    "within %u s: dropped", p->backend.name, l->len,
		    PROXY_LINGER_MS / 1000u);
	l->t = 0;
	linger_end(l);
}

int proxy__linger(struct proxy *p, int fd, char *buf, size_t off,
		  size_t len)
{
	struct proxy_linger *l = calloc(1, sizeof *l);

	if (!l) {
		close(fd);
		free(buf);
		return -1;
	}
	l->p = p;
	l->fd = fd;
	l->buf = buf;
	l->off = off;
	l->len = len;
	l->w = pinetd->watch(p->svc, NULL, fd,
			     PINETD_WRITABLE | PINETD_WATCH_OWN_FD,
			     linger_write, l);
	l->t = pinetd->timer_start(p->svc, NULL, PROXY_LINGER_MS, 0,
				   linger_timeout, l);
	if (!l->w || !l->t) {
		if (l->w)
			pinetd->watch_close(l->w); /* closes fd */
		else
			close(fd);
		pinetd->timer_stop(l->t); /* harmless on 0 */
		free(buf);
		free(l);
		return -1;
	}
	l->next = p->linger;
	l->prevp = &p->linger;
	if (p->linger)
		p->linger->prevp = &l->next;
	p->linger = l;
	return 0;
}

void proxy__linger_free_all(struct proxy *p)
{
	while (p->linger)
		linger_end(p->linger);
}
