/*
 * soak.c -- push an exact number of TCP connections or UDP datagrams
 * through an echo service, verifying every byte (tests/soak/soak.sh).
 *
 *   soak tcp HOST PORT TOTAL CONCURRENCY
 *	TOTAL connections, CONCURRENCY of them in flight at any time.  Each
 *	connects, sends "soak <16 hex digits>\n" (its sequence number),
 *	shuts down its sending side and reads until EOF: it must get its
 *	line back exactly, then the server's close.
 *   soak udp HOST PORT TOTAL WINDOW
 *	TOTAL datagrams from 4 sockets, at most WINDOW unanswered per
 *	socket.  Each carries its sequence number; every reply must be
 *	the datagram sent.  A datagram unanswered for 1 s counts as lost.
 *
 * Non-blocking sockets on one epoll loop (the bench's style).  Progress
 * goes to stderr every 5 s; the last line on stdout is the result:
 *	tcp: 1000000 connections in 61.2 s (16339/s), 0 errors
 *	udp: 1000000 datagrams in 30.5 s (32786/s), 0 lost, 0 errors
 * Exit 0: everything done and verified (UDP: lost at most 0.01 %);
 * 1: errors, losses or a stall (no progress for 10 s); 2: usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LINE_LEN 22		/* "soak " + 16 hex digits + LF */
#define STALL_NS (10ull * 1000000000ull)
#define REPORT_NS (5ull * 1000000000ull)
#define LOST_NS 1000000000ull	/* a datagram unanswered this long is lost */
#define UDP_SOCKS 4
#define MAX_ERRORS_SHOWN 5

static struct sockaddr_in peer;
static uint64_t errors;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "soak: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Count an error; describe the first few ("what: strerror(err)"). */
static void error(const char *what, uint64_t seq, int err)
{
	if (errors++ < MAX_ERRORS_SHOWN)
		fprintf(stderr, "soak: #%" PRIu64 ": %s%s%s\n", seq, what,
			err ? ": " : "", err ? strerror(err) : "");
}

static void progress(const char *what, uint64_t done, uint64_t total,
		     uint64_t t0)
{
	double s = (double)(now_ns() - t0) / 1e9;

	fprintf(stderr, "soak: %s %" PRIu64 "/%" PRIu64 " after %.0f s (%.0f/s)\n",
		what, done, total, s, s > 0 ? (double)done / s : 0.0);
}

/* ---- TCP ---- */

enum { T_CONNECTING, T_READING };

struct tconn {
	int fd;
	int state;
	uint64_t seq;
	size_t got;
	char line[LINE_LEN + 1];
	char buf[LINE_LEN + 1];
};

static void tcp_start(int ep, struct tconn *c, uint64_t seq)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.ptr = c };

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	c->seq = seq;
	c->got = 0;
	c->state = T_CONNECTING;
	snprintf(c->line, sizeof c->line, "soak %016" PRIx64 "\n", seq);
	if (connect(c->fd, (struct sockaddr *)&peer, sizeof peer) < 0 &&
	    errno != EINPROGRESS) {
		/* Reported when epoll says the socket is done. */
		ev.events = EPOLLOUT | EPOLLERR;
	}
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
}

/* One event on c; returns 1 when c is finished (closed). */
static int tcp_event(int ep, struct tconn *c)
{
	if (c->state == T_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof err;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			error("connect", c->seq, err);
			close(c->fd);
			return 1;
		}
		/* 22 bytes always fit an empty socket buffer. */
		if (send(c->fd, c->line, LINE_LEN, MSG_NOSIGNAL) != LINE_LEN) {
			error("send", c->seq, errno);
			close(c->fd);
			return 1;
		}
		if (shutdown(c->fd, SHUT_WR) < 0)
			die("shutdown");
		c->state = T_READING;
		if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) < 0)
			die("epoll_ctl");
		return 0;
	}
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->got, sizeof c->buf - c->got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n < 0) {
			error("recv", c->seq, errno);
			break;
		}
		if (n == 0) {
			if (c->got != LINE_LEN || memcmp(c->buf, c->line, LINE_LEN))
				error("wrong echo before EOF", c->seq, 0);
			break;
		}
		c->got += (size_t)n;
		if (c->got > LINE_LEN) {
			error("more bytes than sent", c->seq, 0);
			break;
		}
	}
	close(c->fd);
	return 1;
}

static int run_tcp(uint64_t total, unsigned conc)
{
	struct tconn *cs = calloc(conc, sizeof *cs);
	struct tconn **idle = calloc(conc, sizeof *idle);
	struct epoll_event evs[256];
	uint64_t started = 0, done = 0, t0 = now_ns(), last = t0, report = t0;
	unsigned nidle = conc;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (!cs || !idle || ep < 0)
		die("setup");
	for (unsigned i = 0; i < conc; i++)
		idle[i] = &cs[i];
	while (done < total) {
		while (nidle > 0 && started < total)
			tcp_start(ep, idle[--nidle], started++);
		int n = epoll_wait(ep, evs, 256, 100);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct tconn *c = evs[i].data.ptr;
			if (tcp_event(ep, c)) {
				idle[nidle++] = c;
				done++;
				last = now_ns();
			}
		}
		uint64_t t = now_ns();
		if (t - last > STALL_NS) {
			fprintf(stderr, "soak: tcp: no progress for 10 s\n");
			progress("tcp", done, total, t0);
			return 1;
		}
		if (t - report > REPORT_NS) {
			progress("tcp", done, total, t0);
			report = t;
		}
	}
	double s = (double)(now_ns() - t0) / 1e9;
	printf("tcp: %" PRIu64 " connections in %.1f s (%.0f/s), %" PRIu64
	       " errors\n", total, s, (double)total / s, errors);
	close(ep);
	free(cs);
	free(idle);
	return errors ? 1 : 0;
}

/* ---- UDP ---- */

struct usock {
	int fd;
	unsigned inflight;
	uint64_t next;	   /* this socket's next local sequence number */
	uint64_t *id;	   /* per window slot: datagram id + 1, 0 when free */
	uint64_t *sent_at; /* per window slot */
};

/*
 * Socket k sends its local sequence numbers 0, 1, 2, ... as the ids
 * local * UDP_SOCKS + k; local number l lives in window slot l % window
 * until it is answered or lost, and a socket waits when that slot is
 * still taken (a reply overtaken by later ones).
 */
static uint64_t udp_fill(struct usock *u, int k, unsigned window,
			 uint64_t budget)
{
	uint64_t sent = 0;

	while (u->inflight < window && sent < budget) {
		unsigned slot = (unsigned)(u->next % window);
		uint64_t id = u->next * UDP_SOCKS + (uint64_t)k;
		char msg[LINE_LEN + 1];

		if (u->id[slot])
			break;
		snprintf(msg, sizeof msg, "soak %016" PRIx64 "\n", id);
		if (send(u->fd, msg, LINE_LEN, 0) < 0) {
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			error("send", id, errno);
		}
		u->id[slot] = id + 1;
		u->sent_at[slot] = now_ns();
		u->inflight++;
		u->next++;
		sent++;
	}
	return sent;
}

/* Take every reply waiting on u; returns how many answered a datagram. */
static uint64_t udp_replies(struct usock *u, unsigned window)
{
	uint64_t n = 0;
	char buf[64];
	ssize_t r;

	while ((r = recv(u->fd, buf, sizeof buf - 1, 0)) >= 0) {
		uint64_t id;
		buf[r] = '\0';
		if (r != LINE_LEN || sscanf(buf, "soak %16" SCNx64, &id) != 1) {
			error("bad reply", 0, 0);
			continue;
		}
		unsigned slot = (unsigned)(id / UDP_SOCKS % window);
		if (u->id[slot] != id + 1)
			continue; /* late: already counted as lost */
		u->id[slot] = 0;
		u->inflight--;
		n++;
	}
	if (errno != EAGAIN && errno != ECONNREFUSED)
		error("recv", 0, errno);
	return n;
}

/* Forget datagrams unanswered for LOST_NS; returns how many. */
static uint64_t udp_expire(struct usock *u, unsigned window, uint64_t t)
{
	uint64_t n = 0;

	for (unsigned s = 0; s < window; s++) {
		if (u->id[s] && t - u->sent_at[s] > LOST_NS) {
			u->id[s] = 0;
			u->inflight--;
			n++;
		}
	}
	return n;
}

static int run_udp(uint64_t total, unsigned window)
{
	struct usock us[UDP_SOCKS];
	struct epoll_event evs[UDP_SOCKS];
	uint64_t issued = 0, answered = 0, lost = 0, t0 = now_ns(), last = t0,
		 report = t0, scan = t0;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		die("epoll_create1");
	for (int k = 0; k < UDP_SOCKS; k++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)k };
		us[k] = (struct usock){ 0 };
		us[k].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		us[k].id = calloc(window, sizeof *us[k].id);
		us[k].sent_at = calloc(window, sizeof *us[k].sent_at);
		if (us[k].fd < 0 || !us[k].id || !us[k].sent_at)
			die("setup");
		if (connect(us[k].fd, (struct sockaddr *)&peer, sizeof peer) < 0)
			die("connect");
		if (epoll_ctl(ep, EPOLL_CTL_ADD, us[k].fd, &ev) < 0)
			die("epoll_ctl");
	}
	while (answered + lost < total) {
		for (int k = 0; k < UDP_SOCKS; k++)
			issued += udp_fill(&us[k], k, window, total - issued);
		int n = epoll_wait(ep, evs, UDP_SOCKS, 10);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			uint64_t got = udp_replies(&us[evs[i].data.u32], window);
			if (got) {
				answered += got;
				last = now_ns();
			}
		}
		uint64_t t = now_ns();
		if (t - scan > LOST_NS / 4) {
			for (int k = 0; k < UDP_SOCKS; k++)
				lost += udp_expire(&us[k], window, t);
			scan = t;
		}
		if (t - last > STALL_NS) {
			fprintf(stderr, "soak: udp: no reply for 10 s\n");
			progress("udp", answered, total, t0);
			return 1;
		}
		if (t - report > REPORT_NS) {
			progress("udp", answered, total, t0);
			report = t;
		}
	}
	double s = (double)(now_ns() - t0) / 1e9;
	printf("udp: %" PRIu64 " datagrams in %.1f s (%.0f/s), %" PRIu64
	       " lost, %" PRIu64 " errors\n", total, s, (double)total / s, lost,
	       errors);
	for (int k = 0; k < UDP_SOCKS; k++) {
		close(us[k].fd);
		free(us[k].id);
		free(us[k].sent_at);
	}
	close(ep);
	return errors || lost * 10000 > total ? 1 : 0;
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: soak tcp HOST PORT TOTAL CONCURRENCY\n"
			"       soak udp HOST PORT TOTAL WINDOW\n");
	exit(2);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned long long total, width;

	if (argc != 6)
		usage();
	peer.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[2], &peer.sin_addr) != 1 ||
	    num(argv[3]) > 65535)
		usage();
	peer.sin_port = htons((uint16_t)num(argv[3]));
	total = num(argv[4]);
	width = num(argv[5]);
	if (width > 100000)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "tcp") == 0)
		return run_tcp(total, (unsigned)width);
	if (strcmp(argv[1], "udp") == 0)
		return run_udp(total, (unsigned)width);
	usage();
}
