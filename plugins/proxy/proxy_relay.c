/*
 * proxy_relay.c -- bytes both ways between a client and its backend.
 *
 * Client to backend: on_data writes to the backend socket at once when
 * nothing is waiting; what the backend does not take is kept, and while
 * more than PROXY_MARK is kept the client is paused (pinetd->pause), so
 * its bytes wait in the kernel and push back on the client itself.  The
 * backend's writability drains the buffer and resumes the client below
 * PROXY_LOW_MARK.  Memory: at most PROXY_MARK plus one read of the core.
 *
 * Backend to client: the READABLE watch reads into pinetd->send; while
 * more than PROXY_OUT_MARK is queued for the client the watch stops
 * asking for READABLE and want_drain resumes it once the client has read
 * it all.  Memory: the core's queue, at most PROXY_OUT_MARK plus one
 * read.
 *
 * Half-close both ways (PINETD_PF_HALF_CLOSE): the client's EOF becomes
 * shutdown(SHUT_WR) on the backend once what it sent is written; the
 * backend's EOF becomes pinetd->shutdown(c).  When both have happened the
 * core ends the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "proxy.h"

/* A few reads per event keep the loop fair to other connections. */
#define PROXY_READS_PER_EVENT 4

/* Append n bytes to pc's pending buffer: 0, or -1 (out of memory). */
int proxy__buf_append(struct proxy_conn *pc, const char *b, size_t n)
{
	if (pc->off + pc->len + n > pc->cap) {
		if (pc->off > 0) {
			memmove(pc->buf, pc->buf + pc->off, pc->len);
			pc->off = 0;
		}
		if (pc->len + n > pc->cap) {
			size_t cap = (pc->len + n + PROXY_READ - 1) /
				     PROXY_READ * PROXY_READ;
			char *nb = realloc(pc->buf, cap);

			if (!nb)
				return -1;
			pc->buf = nb;
			pc->cap = cap;
		}
	}
	memcpy(pc->buf + pc->off + pc->len, b, n);
	pc->len += n;
	return 0;
}

/* Write what is pending to the backend, as much as it takes.  Returns 0,
 * or the errno of a failed write.  An emptied large buffer is freed: an
 * idle connection costs no buffer. */
static int buf_flush(struct proxy_conn *pc)
{
	while (pc->len > 0) {
		ssize_t n = send(pc->fd, pc->buf + pc->off, pc->len,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return errno;
		}
		pc->off += (size_t)n;
		pc->len -= (size_t)n;
	}
	if (pc->len == 0) {
		pc->off = 0;
		free(pc->buf);
		pc->buf = NULL;
		pc->cap = 0;
	}
	return 0;
}

/*
 * After the backend took bytes: resume a paused client once little is
 * left, and pass the client's EOF on once nothing is.  Returns 0, or -1
 * when the connection failed (logged, closing).
 */
static int after_write(struct proxy *p, pinetd_conn *c,
		       struct proxy_conn *pc)
{
	if (pc->paused && pc->len <= PROXY_LOW_MARK) {
		pinetd->pause(c, 0);
		pc->paused = 0;
	}
	if (pc->connected && pc->client_eof && pc->len == 0 && !pc->wr_shut) {
		if (shutdown(pc->fd, SHUT_WR) < 0 && errno != ENOTCONN) {
			proxy__fail(p, c, "shutdown: %s", strerror(errno));
			return -1;
		}
		pc->wr_shut = 1;
	}
	return 0;
}

void proxy__on_data(void *state, pinetd_conn *c, const char *buf, size_t len)
{
	struct proxy *p = state;
	struct proxy_conn *pc = pinetd->conn_data(c);

	if (pc->failed)
		return;
	if (pc->connected && pc->len == 0) {
		ssize_t n = send(pc->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR) {
				proxy__fail(p, c, "write: %s",
					    strerror(errno));
				return;
			}
			n = 0;
		}
		buf += n;
		len -= (size_t)n;
	}
	if (len > 0 && proxy__buf_append(pc, buf, len) < 0) {
		proxy__fail(p, c, "out of memory");
		return;
	}
	if (pc->len >= PROXY_MARK && !pc->paused) {
		pinetd->pause(c, 1);
		pc->paused = 1;
	}
	proxy__rearm(pc);
}

void proxy__on_eof(void *state, pinetd_conn *c)
{
	struct proxy_conn *pc = pinetd->conn_data(c);

	if (pc->failed)
		return;
	pc->client_eof = 1;
	if (after_write(state, c, pc) == 0)
		proxy__rearm(pc);
}

void proxy__on_drain(void *state, pinetd_conn *c)
{
	struct proxy_conn *pc = pinetd->conn_data(c);

	(void)state;
	pinetd->want_drain(c, 0);
	if (pc->held && !pc->failed) {
		pc->held = 0;
		proxy__rearm(pc);
	}
}

/* Read from the backend into the client's queue until the backend has
 * nothing more, the queue is over the mark, or the backend's EOF. */
static void read_backend(struct proxy *p, pinetd_conn *c,
			 struct proxy_conn *pc)
{
	char buf[PROXY_READ];
	int i;

	for (i = 0; i < PROXY_READS_PER_EVENT; i++) {
		ssize_t n = recv(pc->fd, buf, sizeof buf, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				proxy__fail(p, c, "read: %s", strerror(errno));
			return;
		}
		if (n == 0) {
			pc->backend_eof = 1;
			pinetd->shutdown(c);
			return;
		}
		if (pinetd->send(c, buf, (size_t)n) < 0) {
			/* The client is closing: nothing more to read for. */
			pc->held = 1;
			return;
		}
		if (pinetd->pending(c) >= PROXY_OUT_MARK) {
			pc->held = 1;
			pinetd->want_drain(c, 1);
			return;
		}
		if ((size_t)n < sizeof buf)
			return;
	}
}

void proxy__backend_event(struct proxy *p, pinetd_conn *c, uint32_t events)
{
	struct proxy_conn *pc = pinetd->conn_data(c);
	int handled = 0;

	if ((events & (PINETD_WRITABLE | PINETD_HANGUP)) && pc->len > 0) {
		int e = buf_flush(pc);

		if (e) {
			proxy__fail(p, c, "write: %s", strerror(e));
			return;
		}
		handled = 1;
	}
	if (after_write(p, c, pc) < 0)
		return;
	if ((events & (PINETD_READABLE | PINETD_HANGUP)) && !pc->backend_eof &&
	    !pc->held) {
		read_backend(p, c, pc);
		if (pc->failed)
			return;
		handled = 1;
	}
	if (!handled && (events & PINETD_HANGUP)) {
		int e = 0;
		socklen_t elen = sizeof e;

		if (getsockopt(pc->fd, SOL_SOCKET, SO_ERROR, &e, &elen) == 0 &&
		    e) {
			proxy__fail(p, c, "%s", strerror(e));
			return;
		}
	}
	proxy__rearm(pc);
}
