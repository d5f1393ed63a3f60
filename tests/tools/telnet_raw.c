/*
 * telnet_raw.c -- a scripted raw TCP client for the telnet plugin's tests:
 * it sends hand-made byte sequences (Telnet commands included) and prints
 * what comes back, escaped, so that a shell script can compare exact
 * bytes.
 *
 * usage: telnet_raw HOST PORT < SCRIPT
 *
 * Script lines (blank lines and lines starting with # are ignored):
 *	send TEXT	write TEXT (everything after "send "), with the
 *			escapes \xHH \r \n \t \0 \\ decoded
 *	sleep MS	pause (so that the next send is a separate read)
 *	recv MS		read until MS ms pass without data (at most 10 s in
 *			all), then print everything received since the last
 *			recv or drain as one escaped line: printable ASCII as
 *			is, \\ \r \n \t, other bytes as \xHH; "<EOF>" is
 *			appended once the server closed
 *	until TEXT	read until what was received ends with TEXT (escapes
 *			decoded; at most 10 s), then print it as recv does
 *	recvhex MS	the same, printing every byte as two hex digits
 *	drain MS	the same, printing only the number of bytes
 *	random N SEED [noeof]
 *			write N pseudo-random bytes (a fixed LCG seeded with
 *			SEED, so every run sends the same bytes) while
 *			reading what comes back; with noeof, ^D (0x04) is
 *			replaced by 0x05 so that the session does not end
 *	repeat N TEXT	write TEXT (escapes decoded) N times
 *	shut		shutdown(SHUT_WR): the server sees EOF
 *
 * Writes to a server that closed do not fail the run: the next recv shows
 * <EOF>.  Exit status: 0, or 2 on usage, connect or script errors.
 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RECV_LIMIT_MS 10000

static int fd = -1;
static int peer_eof;
static int write_failed;
static unsigned char *inbox;
static size_t inlen, incap;

static void die(const char *msg)
{
	fprintf(stderr, "telnet_raw: %s\n", msg);
	exit(2);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void keep(const unsigned char *buf, size_t n)
{
	if (n == 0)
		return;
	if (inlen + n > incap) {
		size_t cap = incap ? incap : 4096;
		while (cap < inlen + n)
			cap *= 2;
		unsigned char *p = realloc(inbox, cap);
		if (!p)
			die("out of memory");
		inbox = p;
		incap = cap;
	}
	memcpy(inbox + inlen, buf, n);
	inlen += n;
}

/* Read what is there; return 1 when something arrived. */
static int read_some(void)
{
	unsigned char buf[4096];
	ssize_t n;

	if (peer_eof)
		return 0;
	n = read(fd, buf, sizeof buf);
	if (n > 0) {
		keep(buf, (size_t)n);
		return 1;
	}
	if (n == 0 || (errno != EINTR && errno != EAGAIN))
		peer_eof = 1;
	return 0;
}

/* Write all of buf, reading meanwhile so that neither side blocks. */
static void write_all(const unsigned char *buf, size_t len)
{
	size_t off = 0;

	while (off < len && !write_failed) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (!peer_eof)
			p.events |= POLLIN;
		if (poll(&p, 1, 5000) <= 0)
			die("poll timed out while writing");
		if (p.revents & POLLIN)
			read_some();
		if (p.revents & (POLLOUT | POLLERR | POLLHUP)) {
			ssize_t n = write(fd, buf + off, len - off);
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				write_failed = 1;
			else if (n > 0)
				off += (size_t)n;
		}
	}
}

/* Read until `quiet_ms` pass without data, at most RECV_LIMIT_MS. */
static void read_quiet(long quiet_ms)
{
	long end = now_ms() + RECV_LIMIT_MS;

	while (!peer_eof && now_ms() < end) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int r = poll(&p, 1, (int)quiet_ms);
		if (r == 0)
			break;
		if (r < 0 && errno != EINTR)
			die("poll failed");
		if (r > 0)
			read_some();
	}
}

/* Read until the inbox ends with `tail`, EOF, or RECV_LIMIT_MS. */
static void read_until(const unsigned char *tail, size_t n)
{
	long end = now_ms() + RECV_LIMIT_MS;

	while (!peer_eof && now_ms() < end &&
	       !(inlen >= n && memcmp(inbox + inlen - n, tail, n) == 0)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = end - now_ms();
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno != EINTR)
			die("poll failed");
		if (r > 0)
			read_some();
	}
}

static void print_inbox(void)
{
	for (size_t i = 0; i < inlen; i++) {
		unsigned char c = inbox[i];
		switch (c) {
		case '\\': fputs("\\\\", stdout); break;
		case '\r': fputs("\\r", stdout); break;
		case '\n': fputs("\\n", stdout); break;
		case '\t': fputs("\\t", stdout); break;
		default:
			if (c >= 0x20 && c < 0x7f)
				putchar(c);
			else
				printf("\\x%02x", c);
		}
	}
	if (peer_eof)
		fputs("<EOF>", stdout);
	putchar('\n');
	fflush(stdout);
	inlen = 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escapes of a send line in place; return its length. */
static size_t unescape(char *s)
{
	unsigned char *out = (unsigned char *)s;
	size_t n = 0;

	for (size_t i = 0; s[i]; i++) {
		if (s[i] != '\\') {
			out[n++] = (unsigned char)s[i];
			continue;
		}
		switch (s[++i]) {
		case 'r': out[n++] = '\r'; break;
		case 'n': out[n++] = '\n'; break;
		case 't': out[n++] = '\t'; break;
		case '0': out[n++] = '\0'; break;
		case '\\': out[n++] = '\\'; break;
		case 'x': {
			int hi = hexval(s[i + 1]), lo = hi < 0 ? -1 : hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				die("bad \\x escape in a send line");
			out[n++] = (unsigned char)(hi << 4 | lo);
			i += 2;
			break;
		}
		default:
			die("unknown escape in a send line");
		}
	}
	return n;
}

static void send_random(unsigned long count, uint32_t seed, int noeof)
{
	unsigned char buf[1024];
	uint32_t x = seed;

	while (count > 0) {
		size_t n = count < sizeof buf ? count : sizeof buf;
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u; /* the C standard's LCG */
			buf[i] = (unsigned char)(x >> 16);
			if (noeof && buf[i] == 0x04)
				buf[i] = 0x05;
		}
		write_all(buf, n);
		count -= n;
	}
}

static void connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		die("cannot resolve the address");
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		die("cannot connect");
}

int main(int argc, char **argv)
{
	char line[65536];

	if (argc != 3)
		die("usage: telnet_raw HOST PORT < SCRIPT");
	signal(SIGPIPE, SIG_IGN);
	connect_to(argv[1], argv[2]);
	while (fgets(line, sizeof line, stdin)) {
		line[strcspn(line, "\n")] = '\0';
		if (!line[0] || line[0] == '#')
			continue;
		if (strncmp(line, "send ", 5) == 0) {
			size_t n = unescape(line + 5);
			write_all((unsigned char *)line + 5, n);
		} else if (strncmp(line, "sleep ", 6) == 0) {
			usleep((useconds_t)atol(line + 6) * 1000u);
		} else if (strncmp(line, "recv ", 5) == 0) {
			read_quiet(atol(line + 5));
			print_inbox();
		} else if (strncmp(line, "until ", 6) == 0) {
			size_t n = unescape(line + 6);
			read_until((unsigned char *)line + 6, n);
			print_inbox();
		} else if (strncmp(line, "recvhex ", 8) == 0) {
			read_quiet(atol(line + 8));
			for (size_t i = 0; i < inlen; i++)
				printf("%02x", inbox[i]);
			printf("%s\n", peer_eof ? "<EOF>" : "");
			fflush(stdout);
			inlen = 0;
		} else if (strncmp(line, "drain ", 6) == 0) {
			read_quiet(atol(line + 6));
			printf("%zu bytes%s\n", inlen, peer_eof ? " <EOF>" : "");
			fflush(stdout);
			inlen = 0;
		} else if (strncmp(line, "random ", 7) == 0) {
			unsigned long n = 0, seed = 0;
			char flag[16] = "";
			if (sscanf(line + 7, "%lu %lu %15s", &n, &seed, flag) < 2)
				die("usage: random N SEED [noeof]");
			send_random(n, (uint32_t)seed, strcmp(flag, "noeof") == 0);
		} else if (strncmp(line, "repeat ", 7) == 0) {
			char *text = NULL;
			unsigned long n = strtoul(line + 7, &text, 10);
			if (!text || *text++ != ' ')
				die("usage: repeat N TEXT");
			size_t len = unescape(text);
			while (n-- > 0)
				write_all((unsigned char *)text, len);
		} else if (strcmp(line, "shut") == 0) {
			if (shutdown(fd, SHUT_WR) < 0 && errno != ENOTCONN)
				die("shutdown failed");
		} else {
			fprintf(stderr, "telnet_raw: bad script line: %s\n", line);
			return 2;
		}
	}
	close(fd);
	free(inbox);
	return 0;
}
