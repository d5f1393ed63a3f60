/*
 * Unit tests of the proxy plugin (plugins/proxy) through the test kit,
 * with real loopback sockets as backends: the kit polls the plugin's
 * backend watch for real (pt_poll) and drives its connect timer with the
 * fake clock (pt_advance).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <pinetd/plugin.h>

#include "pinetd_testkit.h"
#include "proxy.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

/* ---- helpers ---- */

/* A loopback listener on a free port (backlog: listen's); *port gets it. */
static int listener(int backlog, unsigned *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof sin;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof sin), 0);
	assert_int_equal(listen(fd, backlog), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* A proxy service whose backend is 127.0.0.1:port. */
static struct pt_service *service(unsigned port, const char *extra)
{
	static char backend[64];
	const char *opts[] = { backend, extra, NULL };
	struct pt_service *s;

	snprintf(backend, sizeof backend, "backend=tcp://127.0.0.1:%u", port);
	s = pt_service_new(&pinetd_plugin_v1, "px", opts);
	assert_non_null(s);
	return s;
}

/* Poll the plugin's watches until the listener has a connection to
 * accept; returns it (non-blocking). */
static int accept_backend(struct pt_service *s, int l)
{
	int i;

	for (i = 0; i < 200; i++) {
		int fd;

		pt_poll(s, 5);
		fd = accept4(l, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			pt_poll(s, 5); /* the connect's completion */
			return fd;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
	}
	fail_msg("the backend never got a connection");
	return -1;
}

/* The plugin's end of the backend connection b: the descriptor whose
 * local address is b's peer. */
static int plugin_fd(int b)
{
	struct sockaddr_storage want, got;
	socklen_t wl = sizeof want;
	int fd;

	assert_int_equal(getpeername(b, (struct sockaddr *)&want, &wl), 0);
	for (fd = 3; fd < 1024; fd++) {
		socklen_t gl = sizeof got;

		if (fd != b && getsockname(fd, (struct sockaddr *)&got, &gl) == 0 &&
		    gl == wl && memcmp(&got, &want, wl) == 0)
			return fd;
	}
	fail_msg("no descriptor of the plugin's for the backend");
	return -1;
}

/* Read what b has now (up to cap) into buf, polling the plugin between
 * reads until `want` bytes came or EOF; returns the count, EOF noted. */
static size_t backend_read(struct pt_service *s, int b, char *buf,
			   size_t cap, size_t want, int *eof)
{
	size_t got = 0;
	int i;

	*eof = 0;
	for (i = 0; i < 2000 && got < want && !*eof; i++) {
		ssize_t n = recv(b, buf + got, cap - got, 0);

		if (n > 0)
			got += (size_t)n;
		else if (n == 0)
			*eof = 1;
		else
			pt_poll(s, 2);
	}
	return got;
}

/* Poll until the client's output holds `want` bytes (or 2 s). */
static const char *client_output(struct pt_service *s, pinetd_conn *c,
				 size_t want, size_t *len)
{
	const char *out = pt_output(c, len);
	int i;

	for (i = 0; i < 400 && *len < want; i++) {
		pt_poll(s, 5);
		out = pt_output(c, len);
	}
	return out;
}

/* ---- options ---- */

static void test_init_refuses_bad_backends(void **st)
{
	static const struct {
		const char *opt, *why;
	} bad[] = {
		{ "backend=tcp://localhost:80", "\"localhost\" is not an IPv4" },
		{ "backend=tcp://127.0.0.1", "no port" },
		{ "backend=tcp://127.0.0.1:65536", "from 1 to 65535" },
		{ "backend=tcp://[::1]", "expected tcp://[IPv6]:PORT" },
		{ "backend=tcp://[::g]:80", "\"::g\" is not an IPv6" },
		{ "backend=http://127.0.0.1:80", "only tcp://" },
		{ NULL, "backend is not set" },
	};
	size_t i;

	(void)st;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *opts[] = { bad[i].opt, NULL };

		assert_null(pt_service_new(&pinetd_plugin_v1, "px", opts));
		if (!strstr(pt_last_error(), bad[i].why))
			fail_msg("%s: \"%s\" lacks \"%s\"", bad[i].opt,
				 pt_last_error(), bad[i].why);
		assert_null(strchr(pt_last_error(), '\n'));
	}
}

static void test_parse_addr_names_the_backend(void **st)
{
	struct proxy_addr a;
	char err[256];

	(void)st;
	assert_int_equal(proxy__parse_addr("tcp://[0:0::1]:8080", &a, err,
					   sizeof err), 0);
	assert_string_equal(a.name, "tcp://[::1]:8080");
	assert_int_equal(a.ss.ss_family, AF_INET6);
	assert_int_equal(proxy__parse_addr("tcp://10.0.0.1:1", &a, err,
					   sizeof err), 0);
	assert_string_equal(a.name, "tcp://10.0.0.1:1");
	assert_int_equal(a.ss.ss_family, AF_INET);
}

static void test_reconfigure_takes_a_new_backend(void **st)
{
	const char *good[] = { "backend=tcp://[::1]:9", NULL };
	const char *bad[] = { "backend=tcp://nowhere:9", NULL };
	struct pt_service *s = service(7, "connect_timeout=2");
	const struct proxy *p = pt_service_state(s);

	(void)st;
	assert_int_equal(p->timeout_ms, 2000);
	assert_int_equal(pt_reconfigure(s, good), 0);
	assert_string_equal(p->backend.name, "tcp://[::1]:9");
	assert_int_equal(p->timeout_ms, 5000);
	assert_int_equal(pt_reconfigure(s, bad), -1);
	assert_non_null(strstr(pt_last_error(), "not an IPv4"));
	assert_string_equal(p->backend.name, "tcp://[::1]:9");
	pt_service_free(s);
}

/* ---- relaying ---- */

static void test_relays_both_ways_and_passes_half_close_on(void **st)
{
	unsigned port;
	int l = listener(16, &port), b, eof;
	struct pt_service *s = service(port, NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	char buf[256];
	const char *out;
	size_t n;

	(void)st;
	assert_non_null(c);
	b = accept_backend(s, l);
	pt_sendstr(s, c, "hello backend");
	n = backend_read(s, b, buf, sizeof buf, 13, &eof);
	assert_int_equal(n, 13);
	assert_memory_equal(buf, "hello backend", 13);

	assert_int_equal(send(b, "hello client", 12, 0), 12);
	out = client_output(s, c, 12, &n);
	assert_int_equal(n, 12);
	assert_memory_equal(out, "hello client", 12);

	/* The client's EOF: the backend reads EOF, the connection stays. */
	pt_eof(s, c);
	n = backend_read(s, b, buf, sizeof buf, sizeof buf, &eof);
	assert_int_equal(n, 0);
	assert_true(eof);
	assert_false(pt_closed(c));
	/* The backend still answers, then ends: passed on, then the end. */
	assert_int_equal(send(b, "bye", 3, 0), 3);
	assert_int_equal(shutdown(b, SHUT_WR), 0);
	out = client_output(s, c, 15, &n);
	assert_int_equal(n, 15);
	assert_memory_equal(out, "hello clientbye", 15);
	for (n = 0; n < 100 && !pt_closed(c); n++)
		pt_poll(s, 5);
	assert_true(pt_shut_down(c));
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	pt_last_log(&eof);
	assert_int_equal(eof, 0); /* nothing logged */
	pt_service_free(s);
	close(b);
	close(l);
}

static void test_backend_half_close_keeps_client_input_flowing(void **st)
{
	unsigned port;
	int l = listener(16, &port), b, eof;
	struct pt_service *s = service(port, NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	char buf[64];
	size_t n;

	(void)st;
	b = accept_backend(s, l);
	assert_int_equal(shutdown(b, SHUT_WR), 0);
	for (n = 0; n < 100 && !pt_shut_down(c); n++)
		pt_poll(s, 5);
	assert_true(pt_shut_down(c));
	assert_false(pt_closed(c));
	pt_sendstr(s, c, "late");
	pt_eof(s, c);
	n = backend_read(s, b, buf, sizeof buf, sizeof buf, &eof);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "late", 4);
	assert_true(eof);
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	pt_service_free(s);
	close(b);
	close(l);
}

static void test_input_before_connect_waits_for_it(void **st)
{
	unsigned port;
	int l = listener(16, &port), b, eof;
	struct pt_service *s = service(port, NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	char buf[64];
	size_t n;

	(void)st;
	/* Before any poll the connect has not been seen to complete. */
	pt_sendstr(s, c, "early");
	pt_eof(s, c);
	b = accept_backend(s, l);
	n = backend_read(s, b, buf, sizeof buf, sizeof buf, &eof);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "early", 5);
	assert_true(eof);
	pt_service_free(s);
	close(b);
	close(l);
}

/* A backend that does not read: the client is paused once 64 KiB wait,
 * resumed once the backend took them, and every byte arrives in order. */
static void test_pauses_client_while_backend_does_not_take(void **st)
{
	enum { CHUNK = 16384, MAXCHUNKS = 4096 };
	unsigned port;
	int l = listener(16, &port), b, fd, eof = 0, small = 4096;
	struct pt_service *s;
	pinetd_conn *c;
	static char chunk[CHUNK], got[CHUNK];
	size_t sent = 0, recvd = 0, i;

	(void)st;
	/* Small kernel buffers on the backend's side: it fills quickly. */
	assert_int_equal(setsockopt(l, SOL_SOCKET, SO_RCVBUF, &small,
				    sizeof small), 0);
	s = service(port, NULL);
	c = pt_connect(s, "192.0.2.1", 4242);
	b = accept_backend(s, l);
	fd = plugin_fd(b);
	for (i = 0; i < MAXCHUNKS && !pt_paused(c); i++) {
		size_t k;

		for (k = 0; k < CHUNK; k++)
			chunk[k] = (char)((sent + k) * 7 % 251);
		pt_send(s, c, chunk, CHUNK);
		sent += CHUNK;
		pt_poll(s, 0);
	}
	assert_true(pt_paused(c));
	/* While paused, input is held by the core, not taken by the plugin. */
	pt_send(s, c, "tail", 4);
	assert_true(pt_held(c) > 0);
	assert_int_equal(pt_watching(s, fd) & PINETD_WRITABLE, PINETD_WRITABLE);
	/* The backend reads everything: the client resumes, bytes in order. */
	while (recvd < sent + 4 && !eof) {
		size_t n = backend_read(s, b, got, sizeof got, 1, &eof);

		for (i = 0; i < n && recvd + i < sent; i++)
			if (got[i] != (char)((recvd + i) * 7 % 251))
				fail_msg("byte %zu differs", recvd + i);
		if (recvd + n > sent)
			assert_memory_equal(got + (sent - recvd) ,
					    "tail", recvd + n - sent);
		recvd += n;
		if (n == 0)
			break;
	}
	assert_int_equal(recvd, sent + 4);
	assert_false(pt_paused(c));
	pt_service_free(s);
	close(b);
	close(l);
}

/* A client that does not read: the backend is no longer read once 32 KiB
 * are queued for the client, and is read again after on_drain. */
static void test_stops_reading_backend_while_client_does_not_read(void **st)
{
	unsigned port;
	int l = listener(16, &port), b, fd;
	struct pt_service *s = service(port, NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	size_t n;

	(void)st;
	b = accept_backend(s, l);
	fd = plugin_fd(b);
	assert_int_equal(pt_watching(s, fd), PINETD_READABLE);
	pt_set_pending(c, PROXY_OUT_MARK);
	assert_int_equal(send(b, "more", 4, 0), 4);
	client_output(s, c, 4, &n);
	assert_int_equal(n, 4);
	assert_int_equal(pt_watching(s, fd), 0);
	assert_true(pt_wants_drain(c));
	assert_int_equal(send(b, "held", 4, 0), 4);
	pt_poll(s, 20);
	pt_output(c, &n);
	assert_int_equal(n, 4); /* not read while the client is behind */
	pt_set_pending(c, 0);
	pt_drain(s, c);
	assert_false(pt_wants_drain(c));
	assert_int_equal(pt_watching(s, fd), PINETD_READABLE);
	client_output(s, c, 8, &n);
	assert_int_equal(n, 8);
	assert_memory_equal(pt_output(c, NULL), "moreheld", 8);
	pt_service_free(s);
	close(b);
	close(l);
}

/* ---- failures ---- */

/* A listener with backlog 0 and one connection queued drops SYNs: the
 * plugin's connect hangs, and the fake clock times it out. */
static void test_connect_timeout_closes_client_with_a_log_line(void **st)
{
	unsigned port;
	int l = listener(0, &port), filler;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pt_service *s;
	pinetd_conn *c;
	char want[128];
	int count;

	(void)st;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	filler = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(filler, (struct sockaddr *)&sin, sizeof sin), 0);
	s = service(port, "connect_timeout=3");
	c = pt_connect(s, "192.0.2.1", 4242);
	pt_poll(s, 50);
	pt_advance(s, 2999);
	assert_false(pt_closed(c));
	pt_advance(s, 1);
	assert_true(pt_closed(c));
	snprintf(want, sizeof want, "client 192.0.2.1:4242: backend "
		 "tcp://127.0.0.1:%u: no answer within 3 s", port);
	assert_string_equal(pt_last_log(&count), want);
	assert_int_equal(count, 1);
	assert_int_equal(pt_last_log_level(), PINETD_LOG_WARNING);
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	assert_int_equal(pt_timers(s), 0);
	pt_service_free(s);
	close(filler);
	close(l);
}

static void test_refused_backend_closes_client_with_a_log_line(void **st)
{
	unsigned port;
	int l = listener(1, &port), i;
	struct pt_service *s;
	pinetd_conn *c;
	char want[128];

	(void)st;
	close(l); /* nothing listens there now */
	s = service(port, NULL);
	c = pt_connect(s, "192.0.2.1", 4242);
	for (i = 0; i < 200 && !pt_closed(c); i++)
		pt_poll(s, 5);
	assert_true(pt_closed(c));
	snprintf(want, sizeof want, "client 192.0.2.1:4242: backend "
		 "tcp://127.0.0.1:%u: connect: Connection refused", port);
	assert_string_equal(pt_last_log(NULL), want);
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	assert_int_equal(pt_timers(s), 0);
	pt_service_free(s);
}

/* The backend leaves while the client still sends: the client is closed
 * with a log line, after what the backend had sent. */
static void test_backend_reset_closes_client(void **st)
{
	unsigned port;
	int l = listener(16, &port), b, i;
	struct pt_service *s = service(port, NULL);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	size_t n;

	(void)st;
	b = accept_backend(s, l);
	assert_int_equal(send(b, "last words", 10, 0), 10);
	client_output(s, c, 10, &n);
	assert_int_equal(setsockopt(b, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
	close(b);
	for (i = 0; i < 200 && !pt_closed(c); i++) {
		pt_sendstr(s, c, "still talking");
		pt_poll(s, 5);
	}
	assert_true(pt_closed(c));
	assert_non_null(strstr(pt_last_log(NULL), "client 192.0.2.1:4242: backend"));
	assert_memory_equal(pt_output(c, NULL), "last words", 10);
	pt_service_free(s);
	close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_refuses_bad_backends),
		cmocka_unit_test(test_parse_addr_names_the_backend),
		cmocka_unit_test(test_reconfigure_takes_a_new_backend),
		cmocka_unit_test(test_relays_both_ways_and_passes_half_close_on),
		cmocka_unit_test(test_backend_half_close_keeps_client_input_flowing),
		cmocka_unit_test(test_input_before_connect_waits_for_it),
		cmocka_unit_test(test_pauses_client_while_backend_does_not_take),
		cmocka_unit_test(test_stops_reading_backend_while_client_does_not_read),
		cmocka_unit_test(test_connect_timeout_closes_client_with_a_log_line),
		cmocka_unit_test(test_refused_backend_closes_client_with_a_log_line),
		cmocka_unit_test(test_backend_reset_closes_client),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
