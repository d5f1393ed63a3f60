/*
 * Unit tests for the exec plugin: argv splitting and environment building
 * (exec_cmd.c), and the whole plugin against the fake core (exec.c), its
 * conn_fd() being one end of a socketpair or of a real loopback
 * connection; the kit's core->spawn runs the program to its end.  The
 * daemon's side (daemon/spawn.c) is tested in test_spawn.c and, with the
 * real daemon, in integration/test_exec.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec_cmd.h"
#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

/* ---- helpers ---- */

/* Read fd until EOF (or 5 s of silence) into buf; returns the length. */
static size_t read_all(int fd, char *buf, size_t cap)
{
	size_t len = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, 5000);
		assert_true(n > 0); /* else the program hung */
		ssize_t r = read(fd, buf + len, cap - 1 - len);
		assert_true(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
		assert_true(len < cap - 1);
	}
	buf[len] = '\0';
	return len;
}

/* Receive one datagram (waiting up to 5 s); returns its length. */
static size_t recv_one(int fd, char *buf, size_t cap)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	assert_int_equal(poll(&p, 1, 5000), 1);
	ssize_t r = recv(fd, buf, cap - 1, 0);
	assert_true(r >= 0);
	buf[r] = '\0';
	return (size_t)r;
}

/*
 * Open a service with opts, connect a fake peer ip:port whose socket is
 * one end of a stream socketpair (after `input` was written to the other
 * end and its writing side shut down), and return what the program sent.
 */
static size_t run_tcp(const char *const *opts, const char *ip,
		      unsigned port, const char *input, size_t inlen,
		      char *out, size_t cap)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "x", opts);
	int sv[2];

	assert_non_null(s);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (inlen)
		assert_int_equal(write(sv[0], input, inlen), (ssize_t)inlen);
	assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
	pt_set_next_fd(s, sv[1]);
	pinetd_conn *c = pt_connect(s, ip, port);
	assert_non_null(c);
	/* on_open ran the program to its end and closed the connection. */
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	close(sv[1]); /* the core's copy: the core closes it */
	size_t n = read_all(sv[0], out, cap);
	close(sv[0]);
	pt_service_free(s);
	return n;
}

/* ---- the descriptor and init() ---- */

static void test_exec_descriptor(void **st)
{
	(void)st;
	assert_int_equal(pinetd_plugin_v1.abi, PINETD_ABI_VERSION);
	assert_string_equal(pinetd_plugin_v1.name, "exec");
	assert_int_equal(pinetd_plugin_v1.transports, PINETD_TCP | PINETD_UDP);
	assert_int_equal(pinetd_plugin_v1.flags, PINETD_PF_SPAWN);
	assert_non_null(pinetd_plugin_v1.on_open);
	assert_non_null(pinetd_plugin_v1.on_wait);
}

/* init() must fail with the exact reason for each bad option. */
static void refused(const char *const *opts, const char *reason)
{
	assert_null(pt_service_new(&pinetd_plugin_v1, "x", opts));
	assert_string_equal(pt_last_error(), reason);
}

static void test_exec_init_refuses_bad_program(void **st)
{
	char tmp[] = "/tmp/pinetd-exec-test.XXXXXX", opt[64];

	(void)st;
	refused(NULL, "program is not set: give the absolute path of the "
		      "program to run");
	refused((const char *[]){ "program=bin/cat", NULL },
		"program 'bin/cat' is not an absolute path");
	refused((const char *[]){ "program=/nonexistent/prog", NULL },
		"program '/nonexistent/prog': No such file or directory");
	refused((const char *[]){ "program=/tmp", NULL },
		"program '/tmp' is not a regular file");
	/* A regular file without any execute bit (even root cannot run it). */
	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	snprintf(opt, sizeof opt, "program=%s", tmp);
	char want[128];
	snprintf(want, sizeof want, "program '%s' is not executable", tmp);
	refused((const char *[]){ opt, NULL }, want);
	unlink(tmp);
}

static void test_exec_init_refuses_bad_args_and_env(void **st)
{
	(void)st;
	refused((const char *[]){ "program=/bin/cat",
				  "args=cat \"-u", NULL },
		"args: unterminated double quote");
	refused((const char *[]){ "program=/bin/cat", "env=PATH FOO=1",
				  NULL },
		"env: 'FOO=1' is not a variable name");
	refused((const char *[]){ "program=/bin/cat", "env=9LIVES", NULL },
		"env: '9LIVES' is not a variable name");
	refused((const char *[]){ "program=/bin/cat", "env=\"A", NULL },
		"env: unterminated double quote");
}

static void test_exec_init_accepts_good_options(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/bin/cat", "args=cat -u",
				  "env=PATH HOME", NULL });

	(void)st;
	assert_non_null(s);
	pt_service_free(s);
}

/* ---- argv splitting ---- */

/* Split s and compare with the NULL-terminated list of expected words. */
static void split_is(const char *s, const char *const *want)
{
	char **w;
	int n = exec_split(s, &w), i;

	assert_true(n >= 0);
	for (i = 0; want[i]; i++) {
		assert_non_null(w[i]);
		assert_string_equal(w[i], want[i]);
	}
	assert_int_equal(n, i);
	assert_null(w[i]);
	free(w);
}

static void test_exec_split_words_and_quotes(void **st)
{
	(void)st;
	split_is("", (const char *[]){ NULL });
	split_is(" \t \n", (const char *[]){ NULL });
	split_is("in.tftpd -s /srv/tftp",
		 (const char *[]){ "in.tftpd", "-s", "/srv/tftp", NULL });
	split_is("  a\t\tb  ", (const char *[]){ "a", "b", NULL });
	split_is("sh -c \"echo hi; exit 3\"",
		 (const char *[]){ "sh", "-c", "echo hi; exit 3", NULL });
	split_is("a \"b c\"d \"\" e",
		 (const char *[]){ "a", "b cd", "", "e", NULL });
	split_is("x\"y z\"w", (const char *[]){ "xy zw", NULL });
	split_is("\"\"", (const char *[]){ "", NULL });
	split_is("say \"a \\\"quoted\\\" word\" \\\\x",
		 (const char *[]){ "say", "a \"quoted\" word", "\\x", NULL });
	/* Other backslashes and single quotes are ordinary characters. */
	split_is("a\\nb 'c d' e\\", (const char *[]){ "a\\nb", "'c", "d'",
						      "e\\", NULL });
}

static void test_exec_split_rejects_open_quote(void **st)
{
	char **w = NULL;

	(void)st;
	errno = 0;
	assert_int_equal(exec_split("a \"b c", &w), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(w);
	assert_int_equal(exec_split("\"", &w), -1);
	assert_int_equal(exec_split("a \\\"b\"", &w), -1);
}

static void test_exec_names_and_basename(void **st)
{
	(void)st;
	assert_int_equal(exec_valid_name("PATH"), 1);
	assert_int_equal(exec_valid_name("_x9"), 1);
	assert_int_equal(exec_valid_name(""), 0);
	assert_int_equal(exec_valid_name("9A"), 0);
	assert_int_equal(exec_valid_name("A-B"), 0);
	assert_int_equal(exec_valid_name("A=1"), 0);
	assert_string_equal(exec_basename("/usr/sbin/in.tftpd"), "in.tftpd");
	assert_string_equal(exec_basename("cat"), "cat");
	assert_string_equal(exec_basename("/x/"), "");
}

/* ---- environment building ---- */

static struct sockaddr_in v4(const char *ip, unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port) };
	assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
	return a;
}

static struct sockaddr_in6 v6(const char *ip, unsigned port)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6,
				  .sin6_port = htons((uint16_t)port) };
	assert_int_equal(inet_pton(AF_INET6, ip, &a.sin6_addr), 1);
	return a;
}

/* The whole vector must be exactly `want`, in order. */
static void env_is(const struct exec_env *e, const char *const *want)
{
	size_t i;

	for (i = 0; want[i]; i++) {
		assert_true(i < e->n);
		assert_string_equal(e->v[i], want[i]);
	}
	assert_int_equal(e->n, i);
	assert_null(e->v[i]);
}

static void test_exec_env_ucspi_ipv4(void **st)
{
	struct exec_env e = { .v = NULL };
	struct sockaddr_in l = v4("127.0.0.1", 7000), r = v4("192.0.2.1", 4242);

	(void)st;
	assert_int_equal(exec_env_ucspi(&e, "TCP", (struct sockaddr *)&l,
					(struct sockaddr *)&r), 0);
	env_is(&e, (const char *[]){ "PROTO=TCP", "TCPLOCALIP=127.0.0.1",
				     "TCPLOCALPORT=7000",
				     "TCPREMOTEIP=192.0.2.1",
				     "TCPREMOTEPORT=4242",
				     "REMOTE_ADDR=192.0.2.1",
				     "REMOTE_PORT=4242", NULL });
	exec_env_free(&e);
}

static void test_exec_env_ucspi_ipv6(void **st)
{
	struct exec_env e = { .v = NULL };
	struct sockaddr_in6 l = v6("::1", 17800),
			    r = v6("2001:db8::1", 65535);

	(void)st;
	assert_int_equal(exec_env_ucspi(&e, "TCP", (struct sockaddr *)&l,
					(struct sockaddr *)&r), 0);
	env_is(&e, (const char *[]){ "PROTO=TCP", "TCPLOCALIP=::1",
				     "TCPLOCALPORT=17800",
				     "TCPREMOTEIP=2001:db8::1",
				     "TCPREMOTEPORT=65535",
				     "REMOTE_ADDR=2001:db8::1",
				     "REMOTE_PORT=65535", NULL });
	exec_env_free(&e);
}

/* A dual-stack listener's IPv4 client is shown as plain IPv4. */
static void test_exec_env_unmaps_v4_mapped(void **st)
{
	struct exec_env e = { .v = NULL };
	struct sockaddr_in6 l = v6("::ffff:127.0.0.1", 23),
			    r = v6("::ffff:198.51.100.7", 1);

	(void)st;
	assert_int_equal(exec_env_ucspi(&e, "TCP", (struct sockaddr *)&l,
					(struct sockaddr *)&r), 0);
	assert_string_equal(exec_env_get(&e, "TCPLOCALIP"), "127.0.0.1");
	assert_string_equal(exec_env_get(&e, "TCPREMOTEIP"), "198.51.100.7");
	assert_string_equal(exec_env_get(&e, "REMOTE_ADDR"), "198.51.100.7");
	assert_string_equal(exec_env_get(&e, "REMOTE_PORT"), "1");
	exec_env_free(&e);
}

/* UDP in wait mode: no peer, so PROTO and the local pair only. */
static void test_exec_env_udp_wait_has_no_peer(void **st)
{
	struct exec_env e = { .v = NULL };
	struct sockaddr_in l = v4("127.0.0.1", 6969);
	struct sockaddr unix_sa = { .sa_family = AF_UNIX };

	(void)st;
	assert_int_equal(exec_env_ucspi(&e, "UDP", (struct sockaddr *)&l,
					NULL), 0);
	env_is(&e, (const char *[]){ "PROTO=UDP", "UDPLOCALIP=127.0.0.1",
				     "UDPLOCALPORT=6969", NULL });
	exec_env_free(&e);
	/* Neither address an IP one: PROTO alone. */
	assert_int_equal(exec_env_ucspi(&e, "TCP", &unix_sa, NULL), 0);
	env_is(&e, (const char *[]){ "PROTO=TCP", NULL });
	exec_env_free(&e);
}

static void test_exec_env_keeps_listed_names_only(void **st)
{
	struct exec_env e = { .v = NULL };
	char *from[] = { "HOME=/root", "PATHX=no", "PATH=/bin:/usr/bin",
			 "PROTO=spoofed", "SECRET=x", "EMPTY=", "LANG", NULL };
	char *names[] = { "PATH", "PROTO", "MISSING", "EMPTY", "LANG", NULL };

	(void)st;
	assert_int_equal(exec_env_ucspi(&e, "TCP", NULL, NULL), 0);
	assert_int_equal(exec_env_keep(&e, names, from), 0);
	/* PROTO stays the plugin's; LANG without '=' is no variable. */
	env_is(&e, (const char *[]){ "PROTO=TCP", "PATH=/bin:/usr/bin",
				     "EMPTY=", NULL });
	assert_int_equal(exec_env_set(&e, "PATH", "/x"), 0);
	env_is(&e, (const char *[]){ "PROTO=TCP", "PATH=/x", "EMPTY=", NULL });
	assert_null(exec_env_get(&e, "HOME"));
	exec_env_free(&e);
	assert_null(e.v);
	assert_int_equal(e.n, 0);
}

/* ---- stderr lines and wait statuses ---- */

/* ---- the whole plugin against the fake core ---- */

static void test_exec_open_cat_returns_bytes(void **st)
{
	char out[64];

	(void)st;
	size_t n = run_tcp((const char *[]){ "program=/bin/cat", NULL },
			   "192.0.2.1", 4242, "hello\0world\n", 12, out,
			   sizeof out);
	assert_int_equal(n, 12);
	assert_memory_equal(out, "hello\0world\n", 12);
}

/* The program's end and its stderr are the core's to log: the plugin
 * logs nothing when the program starts. */
static void test_exec_open_hands_over_quietly(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/bin/sh",
				  "args=sh -c \"echo oops >&2; exit 4\"",
				  NULL });
	int sv[2], count;

	(void)st;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pt_set_next_fd(s, sv[1]);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	assert_non_null(c);
	pt_last_log(&count);
	assert_int_equal(count, 0);
	assert_string_equal(pt_program_path(), "/bin/sh");
	assert_string_equal(pt_program_args(), "sh\n-c\necho oops >&2; exit 4\n");
	assert_int_equal(pt_program_status(), 4 << 8);
	assert_string_equal(pt_program_stderr(), "oops\n");
	close(sv[0]);
	close(sv[1]);
	pt_service_free(s);
}

/* Default argv is { basename(program) }: sh reading commands on stdin
 * prints its $0. */
static void test_exec_default_argv_is_basename(void **st)
{
	char out[64];

	(void)st;
	run_tcp((const char *[]){ "program=/bin/sh", NULL }, "192.0.2.1", 1,
		"echo \"$0|$#\"\n", 13, out, sizeof out);
	assert_string_equal(out, "sh|0\n");
	run_tcp((const char *[]){ "program=/bin/sh", "args=/my/sh -s \"a b\" c",
				  NULL },
		"192.0.2.1", 1, "echo \"$0|$#|$1\"\n", 16, out, sizeof out);
	assert_string_equal(out, "/my/sh|2|a b\n");
}

/* The environment is cleared but for the connection variables and the
 * names listed in env; an IPv4 and an IPv6 peer. */
static void test_exec_open_environment(void **st)
{
	const char *opts[] = { "program=/usr/bin/env", "env=KEEPME NOTSET",
			       NULL };
	char out[1024];

	(void)st;
	assert_int_equal(setenv("KEEPME", "kept value", 1), 0);
	assert_int_equal(setenv("DROPME", "dropped", 1), 0);
	run_tcp(opts, "192.0.2.1", 4242, "", 0, out, sizeof out);
	/* The local address is the core's (pinetd->local_addr): the kit's
	 * default, 127.0.0.1:7000. */
	assert_string_equal(out, "PROTO=TCP\n"
				 "TCPLOCALIP=127.0.0.1\n"
				 "TCPLOCALPORT=7000\n"
				 "TCPREMOTEIP=192.0.2.1\n"
				 "TCPREMOTEPORT=4242\n"
				 "REMOTE_ADDR=192.0.2.1\n"
				 "REMOTE_PORT=4242\n"
				 "KEEPME=kept value\n");
	run_tcp(opts, "2001:db8::1", 7, "", 0, out, sizeof out);
	assert_string_equal(out, "PROTO=TCP\n"
				 "TCPLOCALIP=127.0.0.1\n"
				 "TCPLOCALPORT=7000\n"
				 "TCPREMOTEIP=2001:db8::1\n"
				 "TCPREMOTEPORT=7\n"
				 "REMOTE_ADDR=2001:db8::1\n"
				 "REMOTE_PORT=7\n"
				 "KEEPME=kept value\n");
	unsetenv("KEEPME");
	unsetenv("DROPME");
}

/* Over a real loopback connection: the local address the core gives
 * (pinetd->local_addr, here set to the listener's). */
static void test_exec_open_tcp_local_address(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/usr/bin/env", NULL });
	struct sockaddr_in a = v4("127.0.0.1", 0), cl;
	socklen_t alen = sizeof a, clen = sizeof cl;
	char out[512], want[512];

	(void)st;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	assert_int_equal(bind(ls, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&a, &alen), 0);
	int cs = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_int_equal(connect(cs, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(cs, (struct sockaddr *)&cl, &clen), 0);
	int as = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	assert_true(as >= 0);
	pt_set_next_fd(s, as);
	pt_set_local(s, "127.0.0.1", ntohs(a.sin_port));
	pinetd_conn *c = pt_connect(s, "127.0.0.1", ntohs(cl.sin_port));
	assert_non_null(c);
	close(as);
	read_all(cs, out, sizeof out);
	snprintf(want, sizeof want,
		 "PROTO=TCP\nTCPLOCALIP=127.0.0.1\nTCPLOCALPORT=%u\n"
		 "TCPREMOTEIP=127.0.0.1\nTCPREMOTEPORT=%u\n"
		 "REMOTE_ADDR=127.0.0.1\nREMOTE_PORT=%u\n",
		 ntohs(a.sin_port), ntohs(cl.sin_port), ntohs(cl.sin_port));
	assert_string_equal(out, want);
	close(cs);
	close(ls);
	pt_service_free(s);
}

/* No socket from the core: the connection is refused, with a log line. */
static void test_exec_open_without_fd_refuses(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/bin/cat", NULL });

	(void)st;
	assert_null(pt_connect(s, "192.0.2.1", 4242));
	assert_string_equal(pt_last_log(NULL),
			    "cannot run /bin/cat for 192.0.2.1:4242: the "
			    "connection is closed or was handed over already");
	pt_service_free(s);
}

/* Wait mode: the program reads the datagram from the listening socket
 * itself and answers through it; on_wait returns 0 once it is started. */
static void test_exec_wait_runs_on_the_listening_socket(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/bin/sh",
				  "args=sh -c \"head -c 5; exit 3\"", NULL });
	char out[64];
	int sv[2];

	(void)st;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(send(sv[0], "hello", 5, 0), 5);
	assert_int_equal(pinetd_plugin_v1.on_wait(pt_service_state(s), NULL,
					       sv[1]),
			 0);
	assert_int_equal(pt_program_status(), 3 << 8);
	assert_int_equal(recv_one(sv[0], out, sizeof out), 5);
	assert_string_equal(out, "hello");
	close(sv[0]);
	close(sv[1]);
	pt_service_free(s);
}

/* Wait mode over a real UDP socket: PROTO=UDP and the local pair only. */
static void test_exec_wait_environment(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin_v1, "x",
		(const char *[]){ "program=/usr/bin/env", NULL });
	struct sockaddr_in a = v4("127.0.0.1", 0), b = v4("127.0.0.1", 0);
	socklen_t alen = sizeof a, blen = sizeof b;
	char out[512], want[256];

	(void)st;
	int srv = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int cli = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(bind(srv, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(bind(cli, (struct sockaddr *)&b, sizeof b), 0);
	assert_int_equal(getsockname(srv, (struct sockaddr *)&a, &alen), 0);
	assert_int_equal(getsockname(cli, (struct sockaddr *)&b, &blen), 0);
	/* env writes to stdout: the "listening" socket must have a peer. */
	assert_int_equal(connect(srv, (struct sockaddr *)&b, sizeof b), 0);
	assert_int_equal(pinetd_plugin_v1.on_wait(pt_service_state(s), NULL,
					       srv),
			 0);
	recv_one(cli, out, sizeof out);
	snprintf(want, sizeof want,
		 "PROTO=UDP\nUDPLOCALIP=127.0.0.1\nUDPLOCALPORT=%u\n",
		 ntohs(a.sin_port));
	assert_string_equal(out, want);
	close(srv);
	close(cli);
	pt_service_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_descriptor),
		cmocka_unit_test(test_exec_init_refuses_bad_program),
		cmocka_unit_test(test_exec_init_refuses_bad_args_and_env),
		cmocka_unit_test(test_exec_init_accepts_good_options),
		cmocka_unit_test(test_exec_split_words_and_quotes),
		cmocka_unit_test(test_exec_split_rejects_open_quote),
		cmocka_unit_test(test_exec_names_and_basename),
		cmocka_unit_test(test_exec_env_ucspi_ipv4),
		cmocka_unit_test(test_exec_env_ucspi_ipv6),
		cmocka_unit_test(test_exec_env_unmaps_v4_mapped),
		cmocka_unit_test(test_exec_env_udp_wait_has_no_peer),
		cmocka_unit_test(test_exec_env_keeps_listed_names_only),
		cmocka_unit_test(test_exec_open_cat_returns_bytes),
		cmocka_unit_test(test_exec_open_hands_over_quietly),
		cmocka_unit_test(test_exec_default_argv_is_basename),
		cmocka_unit_test(test_exec_open_environment),
		cmocka_unit_test(test_exec_open_tcp_local_address),
		cmocka_unit_test(test_exec_open_without_fd_refuses),
		cmocka_unit_test(test_exec_wait_runs_on_the_listening_socket),
		cmocka_unit_test(test_exec_wait_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
