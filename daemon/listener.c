/*
 * listener.c -- listening sockets (see listener.h).
 */
#include "listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "conn.h"
#include "dgram.h"
#include "log.h"

/* After EMFILE/ENFILE: stop polling the listener this long, so a full
 * descriptor table does not turn into a busy loop on a readable socket. */
#define ACCEPT_PAUSE_MS 100

static void on_accept(struct pn_loop *l, void *arg, unsigned events);
static void on_datagram(struct pn_loop *l, void *arg, unsigned events);
static void on_resume(struct pn_loop *l, void *arg);

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
	pn_watch_init(&ln->w, fd,
		      addr->proto == PINETD_UDP ? on_datagram : on_accept, ln);
	pn_timer_init(&ln->pause, on_resume, ln);
	return ln;
fail:
	snprintf(err, errlen, "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	free(ln);
	return NULL;
}

int pn_listener_start(struct pn_listener *ln)
{
	return pn_watch_set(&ln->svc->srv->loop, &ln->w, EPOLLIN);
}

void pn_listener_stop(struct pn_listener *ln)
{
	if (!ln->w.active && !ln->pause.slot)
		return; /* never started (or already stopped) */
	struct pn_loop *l = &ln->svc->srv->loop;

	pn_timer_stop(l, &ln->pause);
	pn_watch_set(l, &ln->w, 0);
}

void pn_listener_free(struct pn_listener *ln)
{
	if (!ln)
		return;
	if (ln->w.fd >= 0) {
		pn_listener_stop(ln);
		close(ln->w.fd);
	}
	free(ln);
}

static void on_resume(struct pn_loop *l, void *arg)
{
	struct pn_listener *ln = arg;

	(void)l;
	pn_listener_start(ln);
}

/* Accept until the queue is empty. */
static void on_accept(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_listener *ln = arg;

	(void)events;
	for (;;) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof peer;
		int fd = accept4(ln->w.fd, (struct sockaddr *)&peer, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			pn_conn_accept(ln, fd, (struct sockaddr *)&peer, len);
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
		case ENOMEM: {
			char name[PN_ADDR_TEXT + 8];
			pn_addr_format(&ln->addr, name, sizeof name);
			pn_log(LOG_WARNING,
			       "service '%s': %s: accept: %s; pausing %d ms",
			       ln->svc->conf->name, name, strerror(errno),
			       ACCEPT_PAUSE_MS);
			pn_watch_set(l, &ln->w, 0);
			pn_timer_start(l, &ln->pause, ACCEPT_PAUSE_MS);
			return;
		}
		default: {
			char name[PN_ADDR_TEXT + 8];
			pn_addr_format(&ln->addr, name, sizeof name);
			pn_log(LOG_ERR, "service '%s': %s: accept: %s",
			       ln->svc->conf->name, name, strerror(errno));
			return;
		}
		}
	}
}

static void on_datagram(struct pn_loop *l, void *arg, unsigned events)
{
	(void)l;
	(void)events;
	pn_dgram_receive(arg);
}
