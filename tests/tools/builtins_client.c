/*
 * builtins_client.c -- a small client for the builtins integration test
 * (test_builtins.sh): the exchanges nc cannot time or bound exactly.
 *
 *   builtins_client read HOST PORT MAX TIMEOUT_MS
 *	Connect, copy what arrives to stdout until EOF, MAX bytes or
 *	TIMEOUT_MS.  Exit 0: the server closed (EOF); 2: no EOF within
 *	TIMEOUT_MS; 3: MAX bytes arrived before any EOF.
 *   builtins_client slow HOST PORT TOTAL CHUNK SLEEP_MS STALL_MS
 *	A slow reader: connect with a small receive buffer, read nothing for
 *	STALL_MS (so every buffer on the way fills up), then read at most
 *	CHUNK bytes at a time with a pause of SLEEP_MS after each, until
 *	TOTAL bytes were copied to stdout.  Exit 0: TOTAL read; 4: EOF or
 *	error first.
 *   builtins_client send HOST PORT NBYTES WAIT_MS
 *	Send NBYTES of binary data, then wait WAIT_MS.  Exit 0: all sent,
 *	not one byte came back and the connection is still open; 3: bytes
 *	came back (count on stderr); 4: EOF or error.
 *   builtins_client udp HOST PORT LEN TIMEOUT_MS
 *	Send one datagram of LEN bytes and copy the first reply to stdout.
 *	Exit 0: a reply; 2: none within TIMEOUT_MS.
 *
 * Exit 1 on bad usage or a failed system call.  Every mode is bounded by
 * an alarm of ALARM_S seconds.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ALARM_S 60
#define SLOW_RCVBUF 4096

enum {
	BC_OK = 0,
	BC_ERR = 1,
	BC_TIMEOUT = 2,
	BC_DATA = 3, /* read: MAX reached; send: unexpected bytes */
	BC_EOF = 4,
};

static const char *prog = "builtins_client";

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(errno));
	exit(BC_ERR);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "%s: bad number '%s'\n", prog, s);
		exit(BC_ERR);
	}
	return v;
}

static long long now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * dial -- a socket of type `type` connected to host:port.  rcvbuf > 0
 * sets SO_RCVBUF before connecting (so the window starts small).
 */
static int dial(const char *host, const char *port, int type, int rcvbuf)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = type };
	struct addrinfo *res;
	int fd, rc;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		fprintf(stderr, "%s: %s:%s: %s\n", prog, host, port,
			gai_strerror(rc));
		exit(BC_ERR);
	}
	fd = socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
		    res->ai_protocol);
	if (fd < 0)
		die("socket");
	if (rcvbuf > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf) < 0)
		die("setsockopt SO_RCVBUF");
	while (connect(fd, res->ai_addr, res->ai_addrlen) < 0)
		if (errno != EINTR)
			die("connect");
	freeaddrinfo(res);
	return fd;
}

static void out(const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write stdout");
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* wait_in -- poll fd for input up to ms; 1 ready, 0 timeout. */
static int wait_in(int fd, long long ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int rc;

	if (ms < 0)
		ms = 0;
	while ((rc = poll(&p, 1, (int)ms)) < 0)
		if (errno != EINTR)
			die("poll");
	return rc;
}

static int mode_read(char **av)
{
	int fd = dial(av[0], av[1], SOCK_STREAM, 0);
	long max = num(av[2]);
	long long deadline = now_ms() + num(av[3]);
	long got = 0;
	char buf[65536];

	while (got < max) {
		size_t want = (size_t)(max - got) < sizeof buf ?
				      (size_t)(max - got) : sizeof buf;
		ssize_t n;

		if (!wait_in(fd, deadline - now_ms()))
			return BC_TIMEOUT;
		n = read(fd, buf, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("read");
		}
		if (n == 0)
			return BC_OK;
		out(buf, (size_t)n);
		got += n;
	}
	return BC_DATA;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			die("nanosleep");
}

static int mode_slow(char **av)
{
	int fd = dial(av[0], av[1], SOCK_STREAM, SLOW_RCVBUF);
	long total = num(av[2]), chunk = num(av[3]), pause_ms = num(av[4]);
	char buf[65536];

	if (chunk <= 0 || (size_t)chunk > sizeof buf) {
		fprintf(stderr, "%s: CHUNK must be 1..%zu\n", prog, sizeof buf);
		return BC_ERR;
	}
	sleep_ms(num(av[5]));
	while (total > 0) {
		ssize_t n = read(fd, buf, (size_t)(chunk < total ? chunk : total));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: slow: %s with %ld bytes to go\n",
				prog, n ? strerror(errno) : "EOF", total);
			return BC_EOF;
		}
		out(buf, (size_t)n);
		total -= n;
		sleep_ms(pause_ms);
	}
	return BC_OK;
}

/* Anything readable on a discard connection is a failure: report it. */
static int check_input(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n > 0) {
		fprintf(stderr, "%s: send: %zd unexpected bytes came back\n",
			prog, n);
		return BC_DATA;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return BC_OK;
	fprintf(stderr, "%s: send: %s\n", prog, n ? strerror(errno) : "EOF");
	return BC_EOF;
}

static int mode_send(char **av)
{
	int fd = dial(av[0], av[1], SOCK_STREAM, 0);
	long left = num(av[2]);
	long long wait_ms = num(av[3]);
	char buf[65536];
	int rc;

	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (char)(i * 131 + 7);
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0)
		die("fcntl");
	while (left > 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
		ssize_t n;

		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((rc = check_input(fd)) != BC_OK)
				return rc;
		}
		if (!(p.revents & POLLOUT))
			continue;
		n = send(fd, buf, (size_t)left < sizeof buf ? (size_t)left :
							      sizeof buf,
			 MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			fprintf(stderr, "%s: send: %s\n", prog, strerror(errno));
			return BC_EOF;
		}
		left -= n;
	}
	if (wait_in(fd, wait_ms))
		return check_input(fd);
	return BC_OK;
}

static int mode_udp(char **av)
{
	int fd = dial(av[0], av[1], SOCK_DGRAM, 0);
	long len = num(av[2]);
	char buf[65536];
	ssize_t n;

	if ((size_t)len > sizeof buf) {
		fprintf(stderr, "%s: LEN too large\n", prog);
		return BC_ERR;
	}
	memset(buf, 'x', (size_t)len);
	if (send(fd, buf, (size_t)len, 0) < 0)
		die("send");
	if (!wait_in(fd, num(av[3])))
		return BC_TIMEOUT;
	while ((n = recv(fd, buf, sizeof buf, 0)) < 0)
		if (errno != EINTR)
			die("recv");
	out(buf, (size_t)n);
	return BC_OK;
}

static const struct {
	const char *name;
	int nargs; /* after the mode */
	int (*fn)(char **av);
} modes[] = {
	{ "read", 4, mode_read },
	{ "slow", 6, mode_slow },
	{ "send", 4, mode_send },
	{ "udp", 4, mode_udp },
};

int main(int argc, char **argv)
{
	alarm(ALARM_S);
	for (size_t i = 0; argc >= 2 && i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(argv[1], modes[i].name)) {
			if (argc - 2 != modes[i].nargs)
				break;
			return modes[i].fn(argv + 2);
		}
	fprintf(stderr,
		"usage: %s read HOST PORT MAX TIMEOUT_MS\n"
		"       %s slow HOST PORT TOTAL CHUNK SLEEP_MS STALL_MS\n"
		"       %s send HOST PORT NBYTES WAIT_MS\n"
		"       %s udp HOST PORT LEN TIMEOUT_MS\n",
		prog, prog, prog, prog);
	return BC_ERR;
}
