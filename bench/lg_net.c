/*
 * lg_net.c -- socket helpers of the load generator: loopback-only address
 * resolution, non-blocking connects (one or many at once), EINTR-safe
 * send/recv and the descriptor limit.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lg.h"

/* True when a resolved address can only reach this machine. */
static bool is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const uint8_t *b = in6->sin6_addr.s6_addr;

		if (IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			return true;
		return IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && b[12] == 127;
	}
	return false;
}

/*
 * lg_resolve() turns o->host and o->port into o->addr.  The host must be
 * a numeric address or a name that resolves, and its first address must
 * be a loopback one (127.0.0.0/8, ::1, ::ffff:127.x.y.z): this tool never
 * sends load anywhere else.  Returns 0, -EINVAL (with a message on
 * stderr) for an unusable target.
 */
int lg_resolve(struct lg_opts *o)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
				  .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res;
	int rc;

	rc = getaddrinfo(o->host, o->port, &hints, &res);
	if (rc != 0) {
		lg_say("cannot resolve %s port %s: %s", o->host, o->port,
		       gai_strerror(rc));
		return -EINVAL;
	}
	if (!is_loopback(res->ai_addr)) {
		lg_say("refusing %s: only loopback targets (127.0.0.0/8, ::1) "
		       "are allowed", o->host);
		freeaddrinfo(res);
		return -EINVAL;
	}
	memcpy(&o->addr, res->ai_addr, res->ai_addrlen);
	o->addrlen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

/* A non-blocking, close-on-exec socket of the target's family. */
int lg_socket(const struct lg_opts *o, int type)
{
	int fd = socket(o->addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	return fd < 0 ? -errno : fd;
}

/*
 * lg_connect_start() opens a TCP socket and starts connecting it.  With
 * `nodelay` it sets TCP_NODELAY first: a connection that may have two
 * small writes in flight must not wait for Nagle; a connection that
 * writes once (conn, idle) saves the system call.  Returns the descriptor
 * with *in_progress telling whether to wait for EPOLLOUT, or -errno (the
 * socket is then closed).
 */
int lg_connect_start(const struct lg_opts *o, bool nodelay, bool *in_progress)
{
	int one = 1, fd, rc;

	fd = lg_socket(o, SOCK_STREAM);
	if (fd < 0)
		return fd;
	if (nodelay &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
		rc = -errno;
		lg_close(fd);
		return rc;
	}
	*in_progress = false;
	do
		rc = connect(fd, (const struct sockaddr *)&o->addr, o->addrlen);
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno == EINPROGRESS) {
		*in_progress = true;
		return fd;
	}
	if (rc < 0) {
		rc = -errno;
		lg_close(fd);
		return rc;
	}
	return fd;
}

/* After EPOLLOUT on a connecting socket: 0 if connected, else -errno. */
int lg_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return -errno;
	return -err;
}

/* Close and forget: a failing close(2) of a socket loses nothing here. */
void lg_close(int fd)
{
	if (fd >= 0)
		(void)close(fd);
}

ssize_t lg_send(int fd, const void *buf, size_t len)
{
	ssize_t n;

	do
		n = send(fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

ssize_t lg_recv(int fd, void *buf, size_t len)
{
	ssize_t n;

	do
		n = recv(fd, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/*
 * lg_connect_many() opens `n` TCP connections to the target (`nodelay`
 * as for lg_connect_start()), at most
 * `max_inflight` handshakes at a time (so a listen backlog is not flooded
 * into SYN retransmits), until `deadline`.  fds[i] is the connected
 * descriptor or -1; *failed counts the -1s.  Returns 0, or -errno when
 * the helper itself could not work (memory, epoll); connection failures
 * are not errors of the helper.
 */
int lg_connect_many(const struct lg_opts *o, bool nodelay, int *fds,
		    unsigned n, unsigned max_inflight, uint64_t deadline,
		    unsigned *failed)
{
	struct epoll_event evs[256];
	unsigned next = 0, inflight = 0, i;
	bool *pending;
	int ep;

	*failed = 0;
	for (i = 0; i < n; i++)
		fds[i] = -1;
	pending = calloc(n ? n : 1, sizeof *pending);
	if (!pending)
		return -ENOMEM;
	ep = lg_epoll_new();
	if (ep < 0) {
		free(pending);
		return ep;
	}
	while (next < n || inflight > 0) {
		uint64_t now = lg_now();
		int k, m;

		if (now >= deadline)
			break;
		while (inflight < max_inflight && next < n) {
			bool wait;
			int fd = lg_connect_start(o, nodelay, &wait);
			struct epoll_event e = { .events = EPOLLOUT,
						 .data.u32 = next };

			if (fd >= 0 && wait &&
			    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e) < 0) {
				lg_close(fd);
				fd = -1;
			}
			if (fd < 0)
				(*failed)++;
			else if (wait) {
				pending[next] = true;
				inflight++;
			}
			fds[next++] = fd;
		}
		m = (int)((deadline - now) / LG_MS) + 1;
		k = epoll_wait(ep, evs, 256, m > 100 ? 100 : m);
		if (k < 0 && errno != EINTR) {
			k = -errno;
			for (i = 0; i < n; i++)
				lg_close(fds[i]);
			lg_close(ep);
			free(pending);
			return k;
		}
		for (m = 0; m < k; m++) {
			unsigned idx = evs[m].data.u32;
			int fd = fds[idx];

			inflight--;
			pending[idx] = false;
			(void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
			if (lg_connect_result(fd) != 0) {
				lg_close(fd);
				fds[idx] = -1;
				(*failed)++;
			}
		}
	}
	/* Deadline: whatever is still connecting, or never started, failed. */
	for (i = 0; i < n; i++) {
		if (i >= next || pending[i]) {
			lg_close(fds[i]);
			fds[i] = -1;
			(*failed)++;
		}
	}
	lg_close(ep);
	free(pending);
	return 0;
}

/*
 * lg_raise_nofile() makes sure this process may hold `need` descriptors,
 * raising the soft limit and, when it is too low too and we may (root),
 * the hard limit.  Returns 0 or -errno.
 */
int lg_raise_nofile(unsigned long need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = need;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < need)
		rl.rlim_max = need;
	return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}
