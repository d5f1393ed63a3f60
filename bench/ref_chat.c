/*
 * ref_chat.c -- a minimal epoll chat room: the reference for `loadgen chat`.
 *
 *   ref_chat [-a ADDR] -p PORT
 *
 * Every line a member sends goes to every OTHER member as
 * "<ip:port> line\n"; a new member is announced to the others as
 * "[ip:port] entered room\n".  One thread, one epoll set.
 *
 * Output: a member's bytes are sent at once when its queue is empty; what
 * the kernel refuses waits in a per-member queue of at most OUT_MAX bytes.
 * A member whose queue would grow past that reads too slowly to keep up
 * with the room and is disconnected, so one stuck reader can never make
 * the server's memory grow without bound.
 *
 * Input: lines up to IN_MAX bytes; a longer one is cut into IN_MAX pieces.
 *
 * Members that fail during an event batch are only marked; they are
 * closed and freed after the batch, when no pending event can name them.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* accept4 */
#endif
#include <arpa/inet.h>
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
#include <unistd.h>

#define IN_MAX	1024
#define OUT_MAX	(256 * 1024)

struct member {
	int fd;
	bool dead;
	bool want_out;
	size_t inlen;
	size_t off, len, cap;	/* queued output out[off..off+len) */
	char *out;
	char name[64];		/* "ip:port" */
	char in[IN_MAX];
};

static struct member **room;
static unsigned nroom, caproom, ndead;
static int ep = -1, lfd = -1;
static char line[IN_MAX + 128];

static void die(const char *what)
{
	fprintf(stderr, "ref_chat: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void kill_member(struct member *m)
{
	if (!m->dead) {
		m->dead = true;
		ndead++;
	}
}

static void set_out(struct member *m, bool on)
{
	struct epoll_event e = { .events = EPOLLIN | (on ? EPOLLOUT : 0),
				 .data.ptr = m };

	if (m->want_out == on)
		return;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, m->fd, &e) < 0)
		kill_member(m);
	else
		m->want_out = on;
}

/* Queue bytes the kernel did not take; false if the queue is full. */
static bool enqueue(struct member *m, const char *p, size_t n)
{
	if (m->len + n > OUT_MAX)
		return false;
	if (m->off + m->len + n > m->cap) {
		memmove(m->out, m->out + m->off, m->len);
		m->off = 0;
	}
	if (m->len + n > m->cap) {
		size_t cap = m->cap ? m->cap : 4096;
		char *q;

		while (cap < m->len + n)
			cap *= 2;
		q = realloc(m->out, cap);
		if (!q)
			return false;
		m->out = q;
		m->cap = cap;
	}
	memcpy(m->out + m->off + m->len, p, n);
	m->len += n;
	return true;
}

/* Hand `n` bytes to one member: send now if nothing waits, else queue. */
static void deliver(struct member *m, const char *p, size_t n)
{
	ssize_t w = 0;

	if (m->dead)
		return;
	if (m->len == 0) {
		do
			w = send(m->fd, p, n, MSG_NOSIGNAL);
		while (w < 0 && errno == EINTR);
		if (w < 0 && errno != EAGAIN) {
			kill_member(m);
			return;
		}
		if (w < 0)
			w = 0;
	}
	if ((size_t)w == n)
		return;
	if (!enqueue(m, p + w, n - (size_t)w)) {
		kill_member(m);		/* too slow for the room */
		return;
	}
	set_out(m, true);
}

static void broadcast(const struct member *from, const char *p, size_t n)
{
	unsigned i;

	for (i = 0; i < nroom; i++)
		if (room[i] != from)
			deliver(room[i], p, n);
}

static void say_line(struct member *m, const char *text, size_t n)
{
	int h = snprintf(line, sizeof line, "<%s> ", m->name);

	if (h < 0)
		return;
	memcpy(line + h, text, n);
	line[(size_t)h + n] = '\n';
	broadcast(m, line, (size_t)h + n + 1);
}

/* Readable: split what arrived into lines and pass each one on. */
static void on_input(struct member *m)
{
	size_t start = 0;
	ssize_t n;
	char *nl;

	do
		n = recv(m->fd, m->in + m->inlen, IN_MAX - m->inlen, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		kill_member(m);
		return;
	}
	m->inlen += (size_t)n;
	while ((nl = memchr(m->in + start, '\n', m->inlen - start))) {
		size_t end = (size_t)(nl - m->in);

		say_line(m, m->in + start, end - start);
		start = end + 1;
	}
	if (start == 0 && m->inlen == IN_MAX) {
		say_line(m, m->in, IN_MAX);	/* overlong: cut it */
		start = IN_MAX;
	}
	memmove(m->in, m->in + start, m->inlen - start);
	m->inlen -= start;
}

/* Writable: send the queue; stop watching for output once it is empty. */
static void on_output(struct member *m)
{
	ssize_t w;

	do
		w = send(m->fd, m->out + m->off, m->len, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno == EAGAIN)
		return;
	if (w < 0) {
		kill_member(m);
		return;
	}
	m->off += (size_t)w;
	m->len -= (size_t)w;
	if (m->len == 0) {
		m->off = 0;
		set_out(m, false);
	}
}

static void join(int fd, const struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN], note[128];
	struct epoll_event e = { .events = EPOLLIN };
	struct member *m;
	unsigned port;
	int n, one = 1;

	if (nroom == caproom) {
		unsigned cap = caproom ? caproom * 2 : 64;
		struct member **r = realloc(room, cap * sizeof *r);

		if (!r) {
			close(fd);
			return;
		}
		room = r;
		caproom = cap;
	}
	/* Many small lines per member: never hold them for Nagle. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		close(fd);
		return;
	}
	m = calloc(1, sizeof *m);
	if (!m) {
		close(fd);
		return;
	}
	m->fd = fd;
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const void *)ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
	}
	snprintf(m->name, sizeof m->name, "%s:%u", host, port);
	e.data.ptr = m;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
		close(fd);
		free(m);
		return;
	}
	room[nroom++] = m;
	n = snprintf(note, sizeof note, "[%s] entered room\n", m->name);
	if (n > 0)
		broadcast(m, note, (size_t)n);
}

static void accept_all(void)
{
	int i;

	for (i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		if (fd < 0)
			return;		/* EAGAIN; EMFILE: the client waits */
		join(fd, &ss);
	}
}

/* Close and free every member marked dead during the last batch. */
static void sweep(void)
{
	unsigned i = 0;

	while (ndead > 0 && i < nroom) {
		struct member *m = room[i];

		if (!m->dead) {
			i++;
			continue;
		}
		close(m->fd);
		room[i] = room[--nroom];
		free(m->out);
		free(m);
		ndead--;
	}
	ndead = 0;
}

static void setup(const char *addr, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
					      AI_PASSIVE };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = NULL };
	struct addrinfo *ai;
	struct rlimit rl;
	int one = 1, rc;

	rc = getaddrinfo(addr, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, "ref_chat: %s port %s: %s\n", addr, port,
			gai_strerror(rc));
		exit(2);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		die("signal");
	lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		     0);
	if (lfd < 0)
		die("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
		die("SO_REUSEADDR");
	if (bind(lfd, ai->ai_addr, ai->ai_addrlen) < 0)
		die("bind");
	if (listen(lfd, 4096) < 0)
		die("listen");
	freeaddrinfo(ai);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll_create1");
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e) < 0)
		die("epoll_ctl");
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *port = NULL;
	struct epoll_event evs[256];
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
		fprintf(stderr, "usage: ref_chat [-a ADDR] -p PORT\n");
		return 2;
	}
	setup(addr, port);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++) {
			struct member *m = evs[i].data.ptr;

			if (!m) {
				accept_all();
				continue;
			}
			if (m->dead)
				continue;
			if (evs[i].events & EPOLLOUT)
				on_output(m);
			if (!m->dead && (evs[i].events & (EPOLLIN | EPOLLHUP |
							  EPOLLERR)))
				on_input(m);
		}
		sweep();
	}
}
