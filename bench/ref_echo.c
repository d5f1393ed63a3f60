/*
 * ref_echo.c -- the smallest correct epoll echo server, TCP and UDP.
 *
 *   ref_echo [-a ADDR] -p PORT
 *
 * The benchmark's reference: one thread, one epoll set, no features.
 * What it achieves on a machine is the practical limit an echo service
 * can reach there, and every other server is reported as a ratio of it.
 *
 * TCP: whatever a connection sends is written straight back from one
 * shared buffer, with TCP_NODELAY as pinetd sets it: no reply waits for
 * Nagle.  When the kernel takes only part of it, the rest goes to a small
 * queue of that connection (at most one read, 64 KiB) and the connection
 * stops being read until the queue has drained: backpressure instead of
 * unbounded memory.  An idle connection costs one 24-byte struct.
 *
 * UDP: each datagram goes back to its sender; one the kernel will not
 * take at once is dropped, as UDP allows.
 *
 * Binds ADDR (default 127.0.0.1) only; runs until killed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* accept4 */
#endif
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUFSZ		65536
#define ACCEPT_PAUSE_MS	100

struct conn {
	int fd;
	unsigned off, len;	/* queued bytes q[off..len) */
	char *q;
};

static char buf[BUFSZ];
static struct conn listener, dgram;	/* their addresses tag epoll events */
static int ep = -1;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "ref_echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int watch(int op, struct conn *c, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = c };

	return epoll_ctl(ep, op, c->fd, &e);
}

static void conn_close(struct conn *c)
{
	close(c->fd);		/* leaves the epoll set too */
	free(c->q);
	free(c);
}

/* Writable again: send the queue, then go back to reading. */
static void conn_flush(struct conn *c)
{
	ssize_t n;

	do
		n = send(c->fd, c->q + c->off, c->len - c->off, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n < 0) {
		conn_close(c);
		return;
	}
	c->off += (unsigned)n;
	if (c->off < c->len)
		return;
	free(c->q);
	c->q = NULL;
	c->off = c->len = 0;
	if (watch(EPOLL_CTL_MOD, c, EPOLLIN) < 0)
		conn_close(c);
}

/* Readable: echo one read's worth, queueing what the kernel refuses. */
static void conn_echo(struct conn *c)
{
	ssize_t n, w;

	do
		n = recv(c->fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		conn_close(c);
		return;
	}
	do
		w = send(c->fd, buf, (size_t)n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EAGAIN)
		w = 0;
	if (w < 0) {
		conn_close(c);
		return;
	}
	if (w == n)
		return;
	c->q = malloc((size_t)(n - w));
	if (!c->q) {
		conn_close(c);
		return;
	}
	memcpy(c->q, buf + w, (size_t)(n - w));
	c->off = 0;
	c->len = (unsigned)(n - w);
	if (watch(EPOLL_CTL_MOD, c, EPOLLOUT) < 0)
		conn_close(c);
}

/*
 * accept_all() takes up to 64 pending connections.  It returns true when
 * the process is out of descriptors or memory: the caller then stops
 * watching the listener for a moment instead of spinning on it.
 */
static bool accept_all(void)
{
	int i, one = 1;

	for (i = 0; i < 64; i++) {
		struct conn *c;
		int fd = accept4(listener.fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return errno == EMFILE || errno == ENFILE ||
			       errno == ENOBUFS || errno == ENOMEM;
		/* Replies are written as they come: never hold them for Nagle. */
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			       sizeof one) < 0) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof *c);
		if (!c) {
			close(fd);
			return true;
		}
		c->fd = fd;
		if (watch(EPOLL_CTL_ADD, c, EPOLLIN) < 0)
			conn_close(c);
	}
	return false;
}

static void dgram_echo(void)
{
	struct sockaddr_storage ss;
	int i;

	for (i = 0; i < 64; i++) {
		socklen_t sl = sizeof ss;
		ssize_t n = recvfrom(dgram.fd, buf, sizeof buf, 0,
				     (struct sockaddr *)&ss, &sl);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return;		/* EAGAIN, or an ICMP error: move on */
		(void)sendto(dgram.fd, buf, (size_t)n, 0,
			     (struct sockaddr *)&ss, sl);
	}
}

/* Open, bind (and listen on) one non-blocking socket of `type`. */
static int open_socket(const struct addrinfo *ai, int type)
{
	int one = 1;
	int fd = socket(ai->ai_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die("SO_REUSEADDR");
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

static void setup(const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
					      AI_PASSIVE };
	struct addrinfo *ai;
	struct rlimit rl;
	int rc;

	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "ref_echo: %s port %s: %s\n", addr, port,
			gai_strerror(rc));
		exit(2);
	}
	/* As many connections as the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal");
	listener.fd = open_socket(ai, SOCK_STREAM);
	dgram.fd = open_socket(ai, SOCK_DGRAM);
	freeaddrinfo(ai);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	if (watch(EPOLL_CTL_ADD, &listener, EPOLLIN) < 0 ||
	    watch(EPOLL_CTL_ADD, &dgram, EPOLLIN) < 0)
		die("epoll_ctl");
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *port = NULL;
	struct epoll_event evs[256];
	long long paused_at = 0;
	bool paused = false;
	int opt, n, i;

	while ((opt = getopt(argc, argv, "a:p:")) != -1) {
		if (opt == 'a')
			addr = optarg;
		else if (opt == 'p')
			port = optarg;
		else
			port = NULL, optind = argc + 1;
	}
	if (!port || optind != argc) {
		fprintf(stderr, "usage: ref_echo [-a ADDR] -p PORT\n");
		return 2;
	}
	setup(addr, port);
	for (;;) {
		n = epoll_wait(ep, evs, 256, paused ? ACCEPT_PAUSE_MS : -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		if (paused && now_ms() - paused_at >= ACCEPT_PAUSE_MS &&
		    watch(EPOLL_CTL_ADD, &listener, EPOLLIN) == 0)
			paused = false;
		for (i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c == &listener) {
				paused = accept_all();
				paused_at = now_ms();
				if (paused)
					(void)epoll_ctl(ep, EPOLL_CTL_DEL,
							listener.fd, NULL);
			} else if (c == &dgram) {
				dgram_echo();
			} else if (c->len > 0) {
				conn_flush(c);
			} else {
				conn_echo(c);
			}
		}
	}
}
