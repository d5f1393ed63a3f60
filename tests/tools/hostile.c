/*
 * hostile.c -- hostile clients for test_hostile.sh, and the well-behaved
 * client that proves a service still works after (or during) them.
 *
 *   hostile [OPTIONS] MODE HOST PORT
 *
 * MODE (TCP unless said otherwise):
 *   random    -n conns in parallel each send -b bytes of pseudo-random
 *	       data (-s seed) while reading whatever comes back, then shut
 *	       down their sending side and read until EOF or 500 ms.
 *   nul       the same with NUL bytes.
 *   bigline   one connection sends -b bytes of 'A' (no LF), reading
 *	       meanwhile (the default -b is 10 MiB).
 *   halfopen  -n conns send one line, shut down their sending side and
 *	       stay open -t ms, reading; the check runs meanwhile.
 *   reset     -n conns send "/help\r\nhelp\r\n" (a reply-provoking line for
 *	       every shipped line service) without reading until the socket
 *	       would block (at most 8 MiB), wait 100 ms so the server has
 *	       output queued, then reset (SO_LINGER 0 and close).
 *   idle      -n conns connect and send nothing for -t ms; the check runs
 *	       meanwhile.
 *   cycle     -n connect-and-close cycles, one after the other.
 *   udp       -n datagrams of 0 to -b bytes (random, NUL-only, empty and
 *	       one of 65507 bytes) to the UDP port; replies are drained.
 *   check     nothing hostile: only the check.
 *
 * OPTIONS:
 *   -c PLUGIN  after the mode (during it for halfopen and idle) a
 *		well-behaved client of PLUGIN (echo, ack, chat, telnet,
 *		discard, chargen, daytime, time) must get exactly the
 *		expected bytes; with -u over UDP on the same port.
 *   -e         the service echoes: random, nul and bigline also require
 *		every byte back, unchanged and in order.
 *   -n N, -b BYTES, -t MS, -s SEED  see the modes.
 *   -T SECONDS the whole run's limit (default 30): exceeding it fails.
 *
 * Connections the server closes or resets are not errors (a service may
 * refuse abuse).  Exit 0: every connect succeeded, nothing hung and the
 * check passed; 1: a failure, described on stderr; 2: bad usage.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1000 /* connections held at once */
#define IO_CHUNK 65536
#define RESET_MAX (8u << 20)
#define LINGER_MS 500	   /* reading after our side is done */
#define CONNECT_MS 3000	   /* one connect */
#define CHECK_MS 3000	   /* one expected reply */
#define QUIET_MS 50	   /* silence expected after a reply */
#define UDP_MAX 65507	   /* largest UDP payload over IPv4 */
#define NTP_OFFSET 2208988800u /* 1900 to 1970, RFC 868 */

struct opts {
	const char *mode, *host, *plugin;
	unsigned port;
	long n, bytes, ms, seed, limit_s;
	int udp, echo;
};

/* One hostile connection. */
struct hconn {
	int fd;
	size_t sent, recvd, total; /* total: bytes to send */
	uint64_t prng, vprng;	   /* sending and verifying generators */
	int wr_done, done;
};

static struct sockaddr_in peer;
static uint64_t deadline_ms;
static const struct opts *cur;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static _Noreturn void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hostile %s %s:%u: ", cur->mode, cur->host, cur->port);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void check_deadline(void)
{
	if (now_ms() > deadline_ms)
		fail("did not finish within %ld s (the daemon hangs?)",
		     cur->limit_s);
}

/* xorshift64*: the byte stream of a random connection, reproducible so
 * an echo can be verified without storing what was sent. */
static uint8_t prng_byte(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return (uint8_t)((*x * 2685821657736338717ull) >> 56);
}

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		fail("fcntl: %s", strerror(errno));
}

/*
 * tcp_connect -- a non-blocking TCP connection to the peer, established
 * within CONNECT_MS; fails the run otherwise (the daemon must accept).
 */
static int tcp_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	struct pollfd p;
	int err = 0, r;
	socklen_t len = sizeof err;

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&peer, sizeof peer) < 0 &&
	    errno != EINPROGRESS)
		fail("connect: %s", strerror(errno));
	p = (struct pollfd){ .fd = fd, .events = POLLOUT };
	do
		r = poll(&p, 1, CONNECT_MS);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		fail("poll: %s", strerror(errno));
	if (r == 0)
		fail("connect: no answer within %d ms", CONNECT_MS);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
		fail("connect: %s", strerror(err ? err : errno));
	return fd;
}

static void abort_close(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg) < 0)
		fail("SO_LINGER: %s", strerror(errno));
	close(fd);
}

/* ---- the streaming modes: random, nul, bigline ---- */

/* Byte i of connection h's stream for the mode. */
static uint8_t stream_byte(const struct opts *o, uint64_t *x)
{
	if (strcmp(o->mode, "random") == 0)
		return prng_byte(x);
	return strcmp(o->mode, "nul") == 0 ? 0 : 'A';
}

/* Read what is there; with -e compare it with the stream.  Returns 0, or
 * -1 at EOF or on a reset (the connection is finished). */
static int hc_read(const struct opts *o, struct hconn *h)
{
	char buf[IO_CHUNK];

	for (;;) {
		ssize_t n = recv(h->fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		if (o->echo) {
			for (ssize_t i = 0; i < n; i++) {
				uint8_t want = stream_byte(o, &h->vprng);
				if ((uint8_t)buf[i] != want)
					fail("echo: byte %zu is 0x%02x, sent 0x%02x",
					     h->recvd + (size_t)i,
					     (uint8_t)buf[i], want);
			}
		}
		h->recvd += (size_t)n;
	}
}

/* Send what the socket takes now.  Returns -1 when the server closed. */
static int hc_write(const struct opts *o, struct hconn *h)
{
	char buf[IO_CHUNK];

	while (h->sent < h->total) {
		size_t want = h->total - h->sent;
		uint64_t save = h->prng;
		if (want > sizeof buf)
			want = sizeof buf;
		for (size_t i = 0; i < want; i++)
			buf[i] = (char)stream_byte(o, &h->prng);
		ssize_t n = send(h->fd, buf, want, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			n = 0;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			h->prng = save;
			return 0;
		}
		if (n < 0)
			return -1;
		/* Rewind the generator past the bytes actually sent. */
		h->prng = save;
		for (ssize_t i = 0; i < n; i++)
			stream_byte(o, &h->prng);
		h->sent += (size_t)n;
		if ((size_t)n < want)
			return 0;
	}
	return 0;
}

/*
 * Drive `n` connections until each has sent its bytes, shut down its
 * side and read until EOF (or LINGER_MS after the last send, for servers
 * that never close, like chargen).  With -e every connection must get
 * back exactly what it sent.
 */
static void run_streams(const struct opts *o, struct hconn *hc, long n)
{
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	uint64_t linger_end = 0;
	long left = n;

	if (!p)
		fail("out of memory");
	while (left > 0) {
		check_deadline();
		for (long i = 0; i < n; i++) {
			struct hconn *h = &hc[i];
			p[i].fd = h->done ? -1 : h->fd;
			p[i].events = POLLIN | (h->wr_done ? 0 : POLLOUT);
			p[i].revents = 0;
		}
		if (poll(p, (nfds_t)n, 50) < 0 && errno != EINTR)
			fail("poll: %s", strerror(errno));
		for (long i = 0; i < n; i++) {
			struct hconn *h = &hc[i];
			int closed = 0;
			if (h->done)
				continue;
			if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
				closed = hc_read(o, h) < 0;
			if (!closed && !h->wr_done && (p[i].revents & POLLOUT))
				closed = hc_write(o, h) < 0;
			if (!closed && !h->wr_done && h->sent == h->total) {
				h->wr_done = 1;
				shutdown(h->fd, SHUT_WR);
			}
			if (o->echo && !closed && h->wr_done && h->recvd == h->sent)
				closed = 1;
			if (closed) {
				if (o->echo && h->recvd != h->total)
					fail("echo: %zu of %zu bytes came back",
					     h->recvd, h->total);
				close(h->fd);
				h->done = 1;
				left--;
			}
		}
		int all_written = 1;
		for (long i = 0; i < n; i++)
			all_written &= hc[i].done || hc[i].wr_done;
		if (all_written && !linger_end)
			linger_end = now_ms() + LINGER_MS;
		if (linger_end && now_ms() > linger_end && !o->echo)
			break;
	}
	for (long i = 0; i < n; i++)
		if (!hc[i].done)
			close(hc[i].fd);
	free(p);
}

static void mode_stream(const struct opts *o)
{
	long n = strcmp(o->mode, "bigline") == 0 ? 1 : o->n;
	struct hconn *hc = calloc((size_t)n, sizeof *hc);

	if (!hc)
		fail("out of memory");
	for (long i = 0; i < n; i++) {
		hc[i].fd = tcp_connect();
		hc[i].total = (size_t)o->bytes;
		hc[i].prng = hc[i].vprng = (uint64_t)o->seed * 7919u + (uint64_t)i + 1;
	}
	run_streams(o, hc, n);
	free(hc);
}

/* ---- the holding modes: halfopen, idle ---- */

static void check(const struct opts *o);

/* Read and discard what is there; 1 once the connection is over. */
static int discard_input(int fd)
{
	char buf[IO_CHUNK];

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof buf, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		return n <= 0;
	}
}

/* Keep the connections for ms, reading (so a generator cannot block). */
static void hold(int *fds, long n, long ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;

	while (now_ms() < end) {
		check_deadline();
		for (long i = 0; i < n; i++)
			if (fds[i] >= 0 && discard_input(fds[i])) {
				close(fds[i]);
				fds[i] = -1;
			}
		usleep(10000);
	}
}

static void mode_hold(const struct opts *o)
{
	int *fds = calloc((size_t)o->n, sizeof *fds);
	int half = strcmp(o->mode, "halfopen") == 0;

	if (!fds)
		fail("out of memory");
	for (long i = 0; i < o->n; i++) {
		fds[i] = tcp_connect();
		if (half) {
			/* Not fatal if refused: the server may be closing. */
			if (send(fds[i], "half-open\n", 10, MSG_NOSIGNAL) < 0 &&
			    errno != EPIPE && errno != ECONNRESET)
				fail("send: %s", strerror(errno));
			shutdown(fds[i], SHUT_WR);
		}
	}
	hold(fds, o->n, o->ms / 2);
	if (o->plugin)
		check(o); /* while the hostile connections are still there */
	hold(fds, o->n, o->ms / 2);
	for (long i = 0; i < o->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}

/* ---- reset, cycle, udp ---- */

static void mode_reset(const struct opts *o)
{
	static const char pat[] = "/help\r\nhelp\r\n";
	char buf[IO_CHUNK];
	int *fds = calloc((size_t)o->n, sizeof *fds);

	if (!fds)
		fail("out of memory");
	for (size_t i = 0; i + sizeof pat - 1 <= sizeof buf; i += sizeof pat - 1)
		memcpy(buf + i, pat, sizeof pat - 1);
	for (long i = 0; i < o->n; i++) {
		size_t total = 0;
		fds[i] = tcp_connect();
		while (total < RESET_MAX) {
			check_deadline();
			ssize_t k = send(fds[i], buf,
					 sizeof buf - sizeof buf % (sizeof pat - 1),
					 MSG_NOSIGNAL);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break; /* would block, or the server closed */
			total += (size_t)k;
		}
	}
	usleep(100000);
	for (long i = 0; i < o->n; i++)
		abort_close(fds[i]);
	free(fds);
}

static void mode_cycle(const struct opts *o)
{
	for (long i = 0; i < o->n; i++) {
		check_deadline();
		close(tcp_connect());
	}
}

static int udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		fail("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&peer, sizeof peer) < 0)
		fail("connect: %s", strerror(errno));
	return fd;
}

static void mode_udp(const struct opts *o)
{
	static char buf[UDP_MAX];
	uint64_t x = (uint64_t)o->seed + 1;
	int fd = udp_socket();

	set_nonblock(fd);
	for (long i = 0; i < o->n; i++) {
		size_t len;
		check_deadline();
		if (i == 0)
			len = UDP_MAX;
		else if (i == 1)
			len = 0;
		else
			len = prng_byte(&x) * ((size_t)o->bytes + 1) / 256;
		for (size_t k = 0; k < len; k++)
			buf[k] = i % 4 == 3 ? 0 : (char)prng_byte(&x);
		/* A full socket buffer drops datagrams: that is UDP. */
		if (send(fd, buf, len, 0) < 0 && errno != EAGAIN &&
		    errno != ECONNREFUSED && errno != ENOBUFS)
			fail("send: %s", strerror(errno));
		discard_input(fd);
	}
	usleep(50000);
	discard_input(fd);
	close(fd);
}

/* ---- the well-behaved client ---- */

/* Send all of buf on a blocking-style loop (bounded by the deadline). */
static void send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		check_deadline();
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
			usleep(1000);
			continue;
		}
		if (n < 0)
			fail("check: send: %s", strerror(errno));
		p += n;
		len -= (size_t)n;
	}
}

/*
 * Read into buf until `want` bytes, EOF or CHECK_MS.  Returns the count;
 * *eof is set when the server closed.
 */
static size_t recv_upto(int fd, char *buf, size_t want, int *eof)
{
	size_t got = 0;
	uint64_t end = now_ms() + CHECK_MS;

	*eof = 0;
	while (got < want && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 20) < 0 && errno != EINTR)
			fail("check: poll: %s", strerror(errno));
		ssize_t n = recv(fd, buf + got, want - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			*eof = 1;
			break;
		}
		got += (size_t)n;
	}
	return got;
}

static void show(const char *what, const char *p, size_t n)
{
	fprintf(stderr, "  %s (%zu bytes): ", what, n);
	for (size_t i = 0; i < n && i < 200; i++)
		fprintf(stderr, p[i] >= 0x20 && p[i] < 0x7f ? "%c" : "\\x%02x",
			(unsigned char)p[i]);
	fputc('\n', stderr);
}

/* Exactly `want` (wlen bytes) must arrive next on fd. */
static void expect(int fd, const char *want, size_t wlen, const char *what)
{
	char got[4096];
	int eof;
	size_t n;

	if (wlen > sizeof got)
		fail("check: expectation too long");
	n = recv_upto(fd, got, wlen, &eof);
	if (n != wlen || memcmp(got, want, wlen) != 0) {
		show("expected", want, wlen);
		show("received", got, n);
		fail("check %s: %s: wrong reply%s", cur->plugin, what,
		     eof ? " (then EOF)" : "");
	}
}

/* Nothing more may arrive within QUIET_MS (a reply sent twice, or
 * garbage after it, is as wrong as a missing one). */
static void expect_quiet(int fd, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char buf[256];
	ssize_t n;

	if (poll(&p, 1, QUIET_MS) <= 0)
		return;
	n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
	if (n > 0) {
		show("then received", buf, (size_t)n);
		fail("check %s: %s: more bytes than expected", cur->plugin, what);
	}
}

/* Nothing more, then EOF, must arrive. */
static void expect_eof(int fd, const char *what)
{
	char c;
	int eof;
	size_t n = recv_upto(fd, &c, 1, &eof);

	if (n != 0 || !eof)
		fail("check %s: %s: %s instead of EOF", cur->plugin, what,
		     n ? "data" : "nothing");
}

/*
 * Read lines until one equals `line` (without its LF) or CHECK_MS; other
 * lines (room notices from other members) are skipped.
 */
static void expect_line(int fd, const char *line, const char *what)
{
	char buf[8192];
	size_t len = 0;
	uint64_t end = now_ms() + CHECK_MS;

	while (now_ms() < end) {
		char *nl;
		while ((nl = memchr(buf, '\n', len))) {
			size_t l = (size_t)(nl - buf);
			if (l == strlen(line) && memcmp(buf, line, l) == 0)
				return;
			memmove(buf, nl + 1, len - l - 1);
			len -= l + 1;
		}
		if (len == sizeof buf)
			len = 0;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		poll(&p, 1, 20);
		ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			fail("check %s: %s: EOF before \"%s\"", cur->plugin, what,
			     line);
		len += (size_t)n;
	}
	fail("check %s: %s: no line \"%s\" within %d ms", cur->plugin, what,
	     line, CHECK_MS);
}

/* chargen (RFC 864): line n, column i holds 32 + (n + i) % 95. */
static void chargen_lines(char *out, unsigned first, unsigned count)
{
	for (unsigned n = 0; n < count; n++, out += 74) {
		for (unsigned i = 0; i < 72; i++)
			out[i] = (char)(32 + (first + n + i) % 95);
		out[72] = '\r';
		out[73] = '\n';
	}
}

/* daytime (RFC 867) as the plugin writes it, in UTC. */
static size_t daytime_line(time_t t, char *buf, size_t len)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed",
					    "Thu", "Fri", "Sat" };
	static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	return (size_t)snprintf(buf, len, "%s %s %2d %02d:%02d:%02d %d\r\n",
				days[tm.tm_wday], mons[tm.tm_mon], tm.tm_mday,
				tm.tm_hour, tm.tm_min, tm.tm_sec,
				tm.tm_year + 1900);
}

/* The reply must be the daytime or time of a second in [t0, t1]. */
static void check_clock(const char *got, size_t n, time_t t0, time_t t1)
{
	for (time_t t = t0; t <= t1; t++) {
		char want[64];
		size_t wlen;
		if (strcmp(cur->plugin, "time") == 0) {
			uint32_t v = (uint32_t)((uint64_t)t + NTP_OFFSET);
			uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
					 (uint8_t)(v >> 8), (uint8_t)v };
			memcpy(want, b, 4);
			wlen = 4;
		} else {
			wlen = daytime_line(t, want, sizeof want);
		}
		if (n == wlen && memcmp(got, want, n) == 0)
			return;
	}
	show("received", got, n);
	fail("check %s: not the %s of a second in [%ld, %ld]", cur->plugin,
	     cur->plugin, (long)t0, (long)t1);
}

static void check_chat(void)
{
	char nick_a[32], nick_b[32], line[96];
	int a = tcp_connect(), b;

	snprintf(nick_a, sizeof nick_a, "ha%ld", (long)getpid() % 100000);
	snprintf(nick_b, sizeof nick_b, "hb%ld", (long)getpid() % 100000);
	snprintf(line, sizeof line, "/nick %s\n", nick_a);
	send_all(a, line, strlen(line));
	snprintf(line, sizeof line, "* you are now known as %s", nick_a);
	expect_line(a, line, "first member's /nick");
	b = tcp_connect();
	snprintf(line, sizeof line, "/nick %s\n", nick_b);
	send_all(b, line, strlen(line));
	snprintf(line, sizeof line, "* you are now known as %s", nick_b);
	expect_line(b, line, "second member's /nick");
	send_all(b, "still served\n", 13);
	snprintf(line, sizeof line, "<%s> still served", nick_b);
	expect_line(a, line, "a line from one member to the other");
	close(a);
	close(b);
}

/* Telnet: the offers, banner and prompt; then a command in line mode. */
static void check_telnet(int fd)
{
	static const char greet[] = "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f"
				    "\xff\xfd\x18"
				    "pinetd telnet service -- type 'help'\r\n"
				    "pinetd> ";
	static const char reply[] = "still-served\r\npinetd> ";

	expect(fd, greet, sizeof greet - 1, "greeting");
	send_all(fd, "echo still-served\r\n", 19);
	expect(fd, reply, sizeof reply - 1, "echo command");
	expect_quiet(fd, "echo command");
}

static void check_tcp(const struct opts *o)
{
	char buf[256], line[64];
	int eof, fd;
	time_t t0;
	size_t n;

	if (strcmp(o->plugin, "chat") == 0) {
		check_chat();
		return;
	}
	t0 = time(NULL);
	fd = tcp_connect();
	if (strcmp(o->plugin, "echo") == 0) {
		n = (size_t)snprintf(line, sizeof line, "still served %ld\n",
				     (long)getpid());
		send_all(fd, line, n);
		expect(fd, line, n, "echo");
		expect_quiet(fd, "echo");
	} else if (strcmp(o->plugin, "ack") == 0) {
		send_all(fd, "hello\n", 6);
		expect(fd, "I got your message\n", 19, "ack");
		expect_quiet(fd, "ack");
	} else if (strcmp(o->plugin, "discard") == 0) {
		send_all(fd, "thrown away\n", 12);
		shutdown(fd, SHUT_WR);
		expect_eof(fd, "discard");
	} else if (strcmp(o->plugin, "chargen") == 0) {
		chargen_lines(buf, 0, 2);
		expect(fd, buf, 148, "the first two lines");
	} else if (strcmp(o->plugin, "daytime") == 0 ||
		   strcmp(o->plugin, "time") == 0) {
		n = recv_upto(fd, buf, sizeof buf, &eof);
		if (!eof)
			fail("check %s: no EOF after the reply", o->plugin);
		check_clock(buf, n, t0, time(NULL));
	} else if (strcmp(o->plugin, "telnet") == 0) {
		check_telnet(fd);
	} else {
		fail("no check for plugin '%s'", o->plugin);
	}
	close(fd);
}

/* One datagram and its reply (retried: after a flood the daemon's
 * receive buffer may have dropped ours). */
static size_t udp_exchange(int fd, const char *msg, size_t len, char *reply,
			   size_t cap)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (send(fd, msg, len, 0) < 0)
			fail("check: udp send: %s", strerror(errno));
		if (poll(&p, 1, 1000) > 0) {
			ssize_t n = recv(fd, reply, cap, 0);
			if (n >= 0)
				return (size_t)n;
		}
	}
	fail("check %s: no UDP reply", cur->plugin);
}

static void check_udp(const struct opts *o)
{
	static char reply[UDP_MAX];
	char line[64];
	int fd = udp_socket();
	time_t t0 = time(NULL);
	size_t n;

	set_nonblock(fd);
	discard_input(fd);
	if (strcmp(o->plugin, "echo") == 0) {
		size_t len = (size_t)snprintf(line, sizeof line,
					      "still served %ld", (long)getpid());
		n = udp_exchange(fd, line, len, reply, sizeof reply);
		if (n != len || memcmp(reply, line, n) != 0) {
			show("received", reply, n);
			fail("check echo: wrong UDP echo");
		}
	} else if (strcmp(o->plugin, "ack") == 0) {
		n = udp_exchange(fd, "hello", 5, reply, sizeof reply);
		if (n != 17 || memcmp(reply, "Got your message\n", 17) != 0) {
			show("received", reply, n);
			fail("check ack: wrong UDP reply");
		}
	} else if (strcmp(o->plugin, "chargen") == 0) {
		char want[444];
		n = udp_exchange(fd, "", 0, reply, sizeof reply);
		/* Six whole lines from wherever the rotation stands. */
		unsigned first = n == 444 ? (unsigned)(reply[0] - 32) : 0;
		chargen_lines(want, first, 6);
		if (n != 444 || first >= 95 || memcmp(reply, want, 444) != 0) {
			show("received", reply, n);
			fail("check chargen: wrong UDP reply");
		}
	} else if (strcmp(o->plugin, "daytime") == 0 ||
		   strcmp(o->plugin, "time") == 0) {
		n = udp_exchange(fd, "?", 1, reply, sizeof reply);
		check_clock(reply, n, t0, time(NULL));
	} else if (strcmp(o->plugin, "discard") == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (send(fd, "thrown away", 11, 0) < 0)
			fail("check: udp send: %s", strerror(errno));
		if (poll(&p, 1, 200) > 0)
			fail("check discard: a UDP reply");
	} else {
		fail("no UDP check for plugin '%s'", o->plugin);
	}
	close(fd);
}

static void check(const struct opts *o)
{
	if (o->udp)
		check_udp(o);
	else
		check_tcp(o);
}

/* ---- main ---- */

static const struct mode {
	const char *name;
	void (*run)(const struct opts *o);
	int checks_itself; /* runs the check while holding */
} modes[] = {
	{ "random", mode_stream, 0 },	{ "nul", mode_stream, 0 },
	{ "bigline", mode_stream, 0 },	{ "halfopen", mode_hold, 1 },
	{ "idle", mode_hold, 1 },	{ "reset", mode_reset, 0 },
	{ "cycle", mode_cycle, 0 },	{ "udp", mode_udp, 0 },
	{ "check", NULL, 0 },
};

static _Noreturn void usage(void)
{
	fprintf(stderr,
		"usage: hostile [-c PLUGIN] [-u] [-e] [-n N] [-b BYTES] [-t MS] "
		"[-s SEED] [-T SECONDS] MODE HOST PORT\n"
		"modes: random nul bigline halfopen idle reset cycle udp check\n");
	exit(2);
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	struct opts o = { .n = 20, .bytes = -1, .ms = 500, .seed = 1,
			  .limit_s = 30 };
	const struct mode *m = NULL;
	int c;

	while ((c = getopt(argc, argv, "c:uen:b:t:s:T:")) != -1) {
		switch (c) {
		case 'c': o.plugin = optarg; break;
		case 'u': o.udp = 1; break;
		case 'e': o.echo = 1; break;
		case 'n': o.n = num(optarg); break;
		case 'b': o.bytes = num(optarg); break;
		case 't': o.ms = num(optarg); break;
		case 's': o.seed = num(optarg); break;
		case 'T': o.limit_s = num(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 3)
		usage();
	o.mode = argv[optind];
	o.host = argv[optind + 1];
	o.port = (unsigned)num(argv[optind + 2]);
	for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
		if (strcmp(modes[i].name, o.mode) == 0)
			m = &modes[i];
	if (!m || o.port == 0 || o.port > 65535 || (!m->run && !o.plugin) ||
	    (o.n > MAX_CONNS && (m->run == mode_stream || m->run == mode_hold ||
				 m->run == mode_reset)))
		usage();
	if (o.bytes < 0)
		o.bytes = strcmp(o.mode, "bigline") == 0 ? 10L << 20
			  : strcmp(o.mode, "udp") == 0	 ? 2048
							 : 65536;
	cur = &o;
	peer.sin_family = AF_INET;
	peer.sin_port = htons((uint16_t)o.port);
	if (inet_pton(AF_INET, o.host, &peer.sin_addr) != 1)
		usage();
	deadline_ms = now_ms() + (uint64_t)o.limit_s * 1000;
	if (m->run)
		m->run(&o);
	if (o.plugin && !m->checks_itself)
		check(&o);
	return 0;
}
