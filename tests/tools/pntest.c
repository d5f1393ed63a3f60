/*
 * pntest.c -- a small test client for the integration tests.
 *
 *   pntest bulk HOST PORT BYTES SEED   stream BYTES of seeded random binary
 *                                      through a TCP echo and verify them
 *   pntest udp HOST PORT SIZE          one datagram of SIZE bytes through a
 *                                      UDP echo, verified
 *   pntest concurrent HOST PORT N      N simultaneous TCP clients, each
 *                                      sending its own line and checking
 *                                      its echo
 *   pntest flood HOST PORT MIB PID     send MIB MiB without reading while a
 *                                      second client does echo round trips;
 *                                      print the daemon's RSS before/after
 *   pntest connloop HOST PORT FILE     connect, echo a line, close, again and
 *                                      again until FILE exists; print the
 *                                      count of successes and failures
 *   pntest notify PATH SECONDS         receive sd_notify datagrams on the
 *                                      unix socket PATH, print each one
 *   pntest try HOST PORT SRC TEXT      connect from address SRC, send TEXT
 *                                      and a newline, print the reply line,
 *                                      or EOF, TIMEOUT (1 s) or REFUSED
 *   pntest hold HOST PORT SRC N SECS   hold N connections from SRC open for
 *                                      SECS seconds (or until killed)
 *
 * Loopback only: refuses any other address.  Every wait is bounded.
 * Exit status 0 on success, 1 on a failed check (with a message).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "pntest: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Parse a loopback address into ss. */
static socklen_t target(const char *host, const char *port,
			struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	int p = atoi(port);

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		if ((ntohl(in->sin_addr.s_addr) >> 24) != 127)
			die("%s is not a loopback address", host);
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)p);
		return sizeof *in;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		if (!IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
			die("%s is not a loopback address", host);
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		return sizeof *in6;
	}
	die("bad address %s", host);
}

static int connect_to(const char *host, const char *port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len = target(host, port, &ss);
	int fd = socket(ss.ss_family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		die("connect %s:%s: %s", host, port, strerror(errno));
	return fd;
}

static uint64_t rng;

static uint8_t next_byte(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint8_t)(rng >> 24);
}

/* bulk: write and read at once (the echo sends back as we send), check. */
static int cmd_bulk(char **av)
{
	size_t total = strtoull(av[2], NULL, 0), sent = 0, got = 0;
	uint64_t seed = strtoull(av[3], NULL, 0) | 1;
	int fd = connect_to(av[0], av[1], SOCK_STREAM);
	uint64_t rx_rng = seed;
	char out[16384], in[16384];
	size_t outlen = 0, outoff = 0;
	double deadline = now_ms() + 60000;

	rng = seed;
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (got < total) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (sent < total || outoff < outlen)
			p.events |= POLLOUT;
		if (now_ms() > deadline)
			die("bulk: timeout after %zu of %zu bytes back", got, total);
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		if (p.revents & POLLOUT) {
			if (outoff == outlen && sent < total) {
				outlen = total - sent < sizeof out ? total - sent : sizeof out;
				for (size_t i = 0; i < outlen; i++)
					out[i] = (char)next_byte();
				outoff = 0;
				sent += outlen;
			}
			ssize_t n = write(fd, out + outoff, outlen - outoff);
			if (n > 0)
				outoff += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				die("write: %s", strerror(errno));
			if (sent == total && outoff == outlen)
				shutdown(fd, SHUT_WR);
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(fd, in, sizeof in);
			if (n == 0)
				die("bulk: EOF after %zu of %zu bytes", got, total);
			if (n < 0 && errno != EAGAIN)
				die("read: %s", strerror(errno));
			uint64_t save = rng;
			rng = rx_rng;
			for (ssize_t i = 0; i < n; i++, got++)
				if ((uint8_t)in[i] != next_byte())
					die("bulk: byte %zu differs", got);
			rx_rng = rng;
			rng = save;
		}
	}
	/* The server closes once we shut down and it has flushed. */
	fcntl(fd, F_SETFL, 0);
	struct timeval tv = { 5, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (read(fd, in, 1) != 0)
		die("bulk: extra bytes or no EOF after the echo");
	close(fd);
	printf("bulk ok %zu bytes\n", total);
	return 0;
}

static int cmd_udp(char **av)
{
	size_t size = strtoull(av[2], NULL, 0);
	int fd = connect_to(av[0], av[1], SOCK_DGRAM);
	char *out = malloc(size + 1), *in = malloc(65536);
	struct timeval tv = { 3, 0 };

	if (!out || !in)
		die("out of memory");
	rng = 0x9e3779b97f4a7c15ULL ^ size;
	for (size_t i = 0; i < size; i++)
		out[i] = (char)next_byte();
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send(fd, out, size, 0) != (ssize_t)size)
		die("udp send of %zu bytes: %s", size, strerror(errno));
	ssize_t n = recv(fd, in, 65536, 0);
	if (n < 0)
		die("udp: no reply to %zu bytes: %s", size, strerror(errno));
	if ((size_t)n != size || memcmp(in, out, size) != 0)
		die("udp: reply of %zd bytes differs from the %zu sent", n, size);
	printf("udp ok %zu bytes\n", size);
	free(out);
	free(in);
	close(fd);
	return 0;
}

struct client {
	int fd;
	char line[32];
	size_t len, sent, got;
	char in[32];
	int done;
};

static int cmd_concurrent(char **av)
{
	int n = atoi(av[2]), done = 0;
	struct client *c = calloc((size_t)n, sizeof *c);
	struct pollfd *p = calloc((size_t)n, sizeof *p);
	struct sockaddr_storage ss;
	socklen_t sslen = target(av[0], av[1], &ss);
	struct rlimit rl;
	double deadline = now_ms() + 30000;

	if (!c || !p)
		die("out of memory");
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = rl.rlim_max < (rlim_t)n + 64 ? rl.rlim_max : (rlim_t)n + 64;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	/* Open all connections first: they are all live at once. */
	for (int i = 0; i < n; i++) {
		c[i].fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (c[i].fd < 0)
			die("socket %d: %s", i, strerror(errno));
		if (connect(c[i].fd, (struct sockaddr *)&ss, sslen) < 0 &&
		    errno != EINPROGRESS)
			die("connect %d: %s", i, strerror(errno));
		c[i].len = (size_t)snprintf(c[i].line, sizeof c[i].line, "client-%d\n", i);
	}
	while (done < n) {
		if (now_ms() > deadline)
			die("concurrent: only %d of %d clients done", done, n);
		for (int i = 0; i < n; i++) {
			p[i].fd = c[i].done ? -1 : c[i].fd;
			p[i].events = c[i].sent < c[i].len ? POLLOUT : POLLIN;
		}
		if (poll(p, (nfds_t)n, 1000) < 0 && errno != EINTR)
			die("poll: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			if (c[i].sent < c[i].len) {
				ssize_t k = write(c[i].fd, c[i].line + c[i].sent,
						  c[i].len - c[i].sent);
				if (k < 0 && errno != EAGAIN)
					die("client %d write: %s", i, strerror(errno));
				if (k > 0)
					c[i].sent += (size_t)k;
				continue;
			}
			ssize_t k = read(c[i].fd, c[i].in + c[i].got,
					 sizeof c[i].in - c[i].got);
			if (k == 0)
				die("client %d: EOF after %zu bytes", i, c[i].got);
			if (k < 0 && errno != EAGAIN)
				die("client %d read: %s", i, strerror(errno));
			if (k > 0)
				c[i].got += (size_t)k;
			if (c[i].got >= c[i].len) {
				if (c[i].got != c[i].len ||
				    memcmp(c[i].in, c[i].line, c[i].len) != 0)
					die("client %d: wrong echo", i);
				c[i].done = 1;
				done++;
			}
		}
	}
	for (int i = 0; i < n; i++)
		close(c[i].fd);
	printf("concurrent ok %d clients\n", n);
	free(c);
	free(p);
	return 0;
}

static long rss_kb(const char *pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%s/status", pid);
	if (!(f = fopen(path, "r")))
		die("cannot read %s: %s", path, strerror(errno));
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/* One echo round trip on fd; returns its duration in ms. */
static double probe(int fd)
{
	char buf[16];
	double t0 = now_ms();
	size_t got = 0;

	if (write(fd, "probe\n", 6) != 6)
		die("probe write: %s", strerror(errno));
	while (got < 6) {
		ssize_t n = read(fd, buf + got, sizeof buf - got);
		if (n <= 0)
			die("probe read: %s", n ? strerror(errno) : "EOF");
		got += (size_t)n;
	}
	if (memcmp(buf, "probe\n", 6) != 0)
		die("probe: wrong echo");
	return now_ms() - t0;
}

static int cmd_flood(char **av)
{
	size_t total = strtoull(av[2], NULL, 0) << 20, sent = 0;
	long before = rss_kb(av[3]), peak = before;
	int fd = connect_to(av[0], av[1], SOCK_STREAM);
	int pfd = connect_to(av[0], av[1], SOCK_STREAM);
	struct timeval tv = { 5, 0 };
	static char chunk[65536];
	double worst = 0, stalled_since = 0;
	int rcvbuf = 4096;

	/* A small receive buffer: the flooder's unread echo backs up fast. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	setsockopt(pfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	memset(chunk, 'f', sizeof chunk);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (sent < total) {
		ssize_t n = write(fd, chunk, sizeof chunk < total - sent ?
					     sizeof chunk : total - sent);
		if (n > 0) {
			sent += (size_t)n;
			stalled_since = 0;
		} else if (n < 0 && errno == EAGAIN) {
			/* The daemon stopped reading from us: backpressure. */
			if (!stalled_since)
				stalled_since = now_ms();
			else if (now_ms() - stalled_since > 1500)
				break;
			usleep(20000);
		} else {
			die("flood write: %s", strerror(errno));
		}
		if ((sent >> 20) != ((sent - (n > 0 ? (size_t)n : 0)) >> 20) ||
		    stalled_since) {
			double ms = probe(pfd);
			if (ms > worst)
				worst = ms;
			long r = rss_kb(av[3]);
			if (r > peak)
				peak = r;
		}
	}
	long after = rss_kb(av[3]);
	if (after > peak)
		peak = after;
	printf("sent_kib=%zu total_kib=%zu rss_before_kib=%ld rss_peak_kib=%ld "
	       "probe_worst_ms=%.1f\n", sent >> 10, total >> 10, before, peak, worst);
	close(fd);
	close(pfd);
	return 0;
}

/* connloop: every failure (refused, reset, wrong echo) is counted. */
static int cmd_connloop(char **av)
{
	struct sockaddr_storage ss;
	socklen_t sslen = target(av[0], av[1], &ss);
	unsigned long ok = 0, failed = 0;
	double deadline = now_ms() + 120000;

	while (access(av[2], F_OK) != 0 && now_ms() < deadline) {
		int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct timeval tv = { 2, 0 };
		char buf[8];
		size_t got = 0;

		if (fd < 0)
			die("socket: %s", strerror(errno));
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		if (connect(fd, (struct sockaddr *)&ss, sslen) < 0 ||
		    write(fd, "loop\n", 5) != 5) {
			failed++;
			close(fd);
			continue;
		}
		while (got < 5) {
			ssize_t n = read(fd, buf + got, sizeof buf - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got == 5 && memcmp(buf, "loop\n", 5) == 0)
			ok++;
		else
			failed++;
		close(fd);
	}
	printf("connloop ok=%lu failed=%lu\n", ok, failed);
	return 0;
}

static int cmd_notify(char **av)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	double deadline = now_ms() + atoi(av[1]) * 1000.0;
	char buf[4096];

	if (fd < 0 || strlen(av[0]) >= sizeof un.sun_path)
		die("notify socket: %s", strerror(errno));
	strcpy(un.sun_path, av[0]);
	unlink(av[0]);
	if (bind(fd, (struct sockaddr *)&un, sizeof un) < 0)
		die("bind %s: %s", av[0], strerror(errno));
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (now_ms() < deadline) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
		if (n > 0) {
			buf[n] = '\0';
			for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n"))
				printf("%s\n", l);
		}
	}
	close(fd);
	unlink(av[0]);
	return 0;
}

/* A TCP connection from a chosen loopback source address. */
static int connect_from(const char *host, const char *port, const char *src)
{
	struct sockaddr_storage ss, from;
	socklen_t len = target(host, port, &ss);
	socklen_t flen = target(src, "0", &from);
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&from, flen) < 0)
		die("bind %s: %s", src, strerror(errno));
	if (connect(fd, (struct sockaddr *)&ss, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_try(char **av)
{
	int fd = connect_from(av[0], av[1], av[2]);
	struct timeval tv = { 1, 0 };
	char buf[512];
	size_t got = 0;

	if (fd < 0) {
		printf("REFUSED\n");
		return 0;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (dprintf(fd, "%s\n", av[3]) < 0) {
		printf("EOF\n");
		return 0;
	}
	for (;;) {
		ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
		if (n > 0) {
			got += (size_t)n;
			buf[got] = '\0';
			char *nl = strchr(buf, '\n');
			if (nl) {
				*nl = '\0';
				printf("%s\n", buf);
				break;
			}
			continue;
		}
		if (n == 0 || errno == ECONNRESET)
			printf(got ? "%s\n" : "EOF\n", buf);
		else
			printf("TIMEOUT\n");
		break;
	}
	close(fd);
	return 0;
}

static int cmd_hold(char **av)
{
	int n = atoi(av[3]), secs = atoi(av[4]), held = 0;

	for (int i = 0; i < n; i++)
		if (connect_from(av[0], av[1], av[2]) >= 0)
			held++;
	printf("held %d\n", held);
	fflush(stdout);
	sleep((unsigned)secs);
	return 0;
}

static const struct {
	const char *name;
	int argc;
	int (*fn)(char **av);
	const char *usage;
} cmds[] = {
	{ "bulk", 4, cmd_bulk, "HOST PORT BYTES SEED" },
	{ "udp", 3, cmd_udp, "HOST PORT SIZE" },
	{ "concurrent", 3, cmd_concurrent, "HOST PORT N" },
	{ "flood", 4, cmd_flood, "HOST PORT MIB PID" },
	{ "connloop", 3, cmd_connloop, "HOST PORT STOPFILE" },
	{ "notify", 2, cmd_notify, "PATH SECONDS" },
	{ "try", 4, cmd_try, "HOST PORT SRC TEXT" },
	{ "hold", 5, cmd_hold, "HOST PORT SRC N SECONDS" },
};

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; argc > 1 && i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0 && argc - 2 == cmds[i].argc)
			return cmds[i].fn(argv + 2);
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		fprintf(stderr, "  pntest %s %s\n", cmds[i].name, cmds[i].usage);
	return 2;
}
