/*
 * proxy.c -- a TCP proxy: each client connection is relayed to a backend
 * (`backend = "tcp://HOST:PORT"`), the systemd-socket-proxyd of pinetd,
 * with all of pinetd's limits and ACLs in front of the backend.
 *
 * Built on the public API alone.  on_open starts a non-blocking connect
 * to the backend and watches the socket for writability, with a timer of
 * connect_timeout seconds owned by the connection; SO_ERROR tells how the
 * connect ended.  A backend that refuses or does not answer in time
 * closes the client with a log line naming both and the reason.  From
 * then on proxy_relay.c moves the bytes.  The backend socket belongs to
 * the connection's watch (PINETD_WATCH_OWN_FD): it is closed when the
 * connection ends, whatever ends it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy.h"
#include "proxyproto.h"

static const char *const send_proxy_choices[] = { "none", "v1", "v2", NULL };

static const struct pinetd_option proxy_options[] = {
	PINETD_OPTION_STR("backend", struct proxy_conf, backend, "",
			  "where to relay each connection: "
			  "\"tcp://HOST:PORT\", HOST an IPv4 or [IPv6] "
			  "address"),
	PINETD_OPTION_INT("connect_timeout", struct proxy_conf,
			  connect_timeout, 5, 1, 3600,
			  "seconds the backend gets to accept a connection"),
	PINETD_OPTION_ENUM("send_proxy", struct proxy_conf, send_proxy, "none",
			   send_proxy_choices,
			   "send the backend a PROXY protocol header (v1 text, "
			   "v2 binary) naming the client and the address it "
			   "connected to, before its bytes"),
	PINETD_OPTION_END,
};

/* Take the options of conf into p; 0, or -1 with a reason in err. */
static int proxy_configure(struct proxy *p, const struct proxy_conf *conf,
			   char *err, size_t errlen)
{
	struct proxy_addr a;

	if (proxy__parse_addr(conf->backend, &a, err, errlen) < 0)
		return -1;
	p->backend = a;
	p->timeout_ms = (uint64_t)conf->connect_timeout * 1000u;
	p->send_proxy = (int)conf->send_proxy; /* 0 none, 1 v1, 2 v2 */
	return 0;
}

static int proxy_init(pinetd_svc *svc, const void *conf, void **state,
		      char *err, size_t errlen)
{
	struct proxy *p = calloc(1, sizeof *p);

	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->svc = svc;
	if (proxy_configure(p, conf, err, errlen) < 0) {
		free(p);
		return -1;
	}
	*state = p;
	return 0;
}

static void proxy_fini(void *state)
{
	struct proxy *p = state;

	proxy__linger_free_all(p);
	free(p);
}

/* New options on a reload: new connections go to the new backend, open
 * ones stay with theirs. */
static int proxy_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			     char *err, size_t errlen)
{
	(void)svc;
	return proxy_configure(state, conf, err, errlen);
}

void proxy__rearm(struct proxy_conn *pc)
{
	uint32_t ev = 0;

	if (pc->failed)
		ev = 0;
	else if (!pc->connected)
		ev = PINETD_WRITABLE;
	else {
		if (!pc->backend_eof && !pc->held)
			ev |= PINETD_READABLE;
		if (pc->len > 0)
			ev |= PINETD_WRITABLE;
	}
	/* 0 unregisters the descriptor: once both directions are over, a
	 * level-triggered hang-up must not call us again and again. */
	if (ev != pc->want && pinetd->watch_set(pc->w, ev) == 0)
		pc->want = ev;
}

void proxy__fail(struct proxy *p, pinetd_conn *c, const char *fmt, ...)
{
	struct proxy_conn *pc = pinetd->conn_data(c);
	char why[256];
	va_list ap;

	if (pc->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	pinetd->log(p->svc, PINETD_LOG_WARNING, "client %s: backend %s: %s",
		    pinetd->peer_name(c), p->backend.name, why);
	pc->failed = 1;
	pinetd->timer_stop(pc->t);
	proxy__rearm(pc);
	pinetd->close(c);
}

/* The connect ended (the socket became writable or hung up). */
static void proxy_connected(struct proxy *p, pinetd_conn *c,
			    struct proxy_conn *pc)
{
	int e = 0;
	socklen_t elen = sizeof e;

	if (getsockopt(pc->fd, SOL_SOCKET, SO_ERROR, &e, &elen) < 0)
		e = errno;
	if (e) {
		proxy__fail(p, c, "connect: %s", strerror(e));
		return;
	}
	pc->connected = 1;
	pinetd->timer_stop(pc->t);
	/* Whatever the client sent meanwhile goes out with the next
	 * writable event; an early EOF is passed on after it. */
	proxy__rearm(pc);
	if (pc->len == 0 && pc->client_eof)
		proxy__backend_event(p, c, PINETD_WRITABLE);
}

static void proxy_watch_fn(void *state, pinetd_watch w, int fd,
			   uint32_t events, void *arg)
{
	pinetd_conn *c = arg;
	struct proxy_conn *pc = pinetd->conn_data(c);

	(void)w;
	(void)fd;
	if (pc->failed)
		return;
	if (!pc->connected)
		proxy_connected(state, c, pc);
	else
		proxy__backend_event(state, c, events);
}

static void proxy_timeout_fn(void *state, pinetd_timer t, void *arg)
{
	const struct proxy *p = state;
	pinetd_conn *c = arg;
	struct proxy_conn *pc = pinetd->conn_data(c);

	(void)t;
	if (!pc->connected)
		proxy__fail(state, c, "no answer within %llu s",
			    (unsigned long long)(p->timeout_ms / 1000u));
}

/*
 * Start connecting c to the backend.  When the attempt cannot even start
 * (out of descriptors, no route) the client is closed with a log line
 * at once; a refusal by the backend arrives later, through the watch.
 * Always returns 0: every end goes through proxy__fail.
 */
static int proxy_open(void *state, pinetd_conn *c)
{
	struct proxy *p = state;
	struct proxy_conn *pc = pinetd->conn_data(c);
	int fd;

	pc->fd = -1;
	if (p->send_proxy) {
		/* First in the queue: the backend reads it before any byte
		 * of the client's.  The core's peer and local addresses are
		 * a PROXY header's own when one came in: chains keep the
		 * client. */
		unsigned char h[PN_PP_V1_MAX + 64];
		size_t n = pn_pp_build(p->send_proxy, pinetd->peer_addr(c, NULL),
				       pinetd->local_addr(c, NULL), h, sizeof h);
		if (n == 0 || proxy__buf_append(pc, (const char *)h, n) < 0) {
			proxy__fail(p, c, "cannot build the PROXY header");
			return 0;
		}
	}
	fd = socket(p->backend.ss.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		proxy__fail(p, c, "socket: %s", strerror(errno));
		return 0;
	}
	if (connect(fd, (const struct sockaddr *)&p->backend.ss,
		    p->backend.len) == 0)
		pc->connected = 1;
	else if (errno != EINPROGRESS && errno != EINTR) {
		proxy__fail(p, c, "connect: %s", strerror(errno));
		close(fd);
		return 0;
	}
	pc->want = pc->connected ? PINETD_READABLE : PINETD_WRITABLE;
	if (pc->connected && pc->len > 0)
		pc->want |= PINETD_WRITABLE; /* the PROXY header */
	pc->w = pinetd->watch(p->svc, c, fd, pc->want | PINETD_WATCH_OWN_FD,
			      proxy_watch_fn, c);
	if (!pc->w) {
		close(fd);
		proxy__fail(p, c, "cannot watch the backend socket");
		return 0;
	}
	pc->fd = fd;
	if (!pc->connected) {
		pc->t = pinetd->timer_start(p->svc, c, p->timeout_ms, 0,
					    proxy_timeout_fn, c);
		if (!pc->t) {
			proxy__fail(p, c, "cannot start the connect timer");
			return 0;
		}
	}
	return 0;
}

/*
 * The client is gone.  A clean end with client bytes still unwritten
 * (the backend half-closed first and was slow to read the rest) hands
 * them to a lingering writer; a client that was reset has its reset
 * passed on (SO_LINGER 0), so the backend does not take a truncated
 * stream for a complete one.  The watch closes fd after we return.
 */
static void proxy_close(void *state, pinetd_conn *c, int why)
{
	struct proxy_conn *pc = pinetd->conn_data(c);

	if (pc->fd >= 0 && pc->connected && !pc->failed) {
		if (why == PINETD_CLOSE_PEER && pc->len > 0) {
			int fd = fcntl(pc->fd, F_DUPFD_CLOEXEC, 0);

			if (fd >= 0) {
				proxy__linger(state, fd, pc->buf, pc->off,
					      pc->len);
				pc->buf = NULL;
			}
		} else if (why != PINETD_CLOSE_PEER) {
			struct linger l = { .l_onoff = 1, .l_linger = 0 };

			setsockopt(pc->fd, SOL_SOCKET, SO_LINGER, &l,
				   sizeof l);
		}
	}
	free(pc->buf);
	pc->buf = NULL;
}

PINETD_PLUGIN_DEFINE(
	.name = "proxy",
	.description = "TCP proxy: relays each connection to a backend",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_HALF_CLOSE,
	.options = proxy_options,
	.conf_size = sizeof(struct proxy_conf),
	.conn_size = sizeof(struct proxy_conn),
	.init = proxy_init,
	.fini = proxy_fini,
	.reconfigure = proxy_reconfigure,
	.on_open = proxy_open,
	.on_data = proxy__on_data,
	.on_eof = proxy__on_eof,
	.on_drain = proxy__on_drain,
	.on_close = proxy_close,
);
