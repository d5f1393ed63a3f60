/*
 * Unit tests for the exec plugin: argv splitting and environment building
 * (exec_cmd.c), the spawner with real fork+exec over socketpairs
 * (exec_run.c), and the whole plugin against the fake core (exec.c), its
 * conn_fd() being one end of a socketpair or of a real loopback
 * connection.
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
#include "exec_run.h"
#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin;

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
	struct pt_service *s = pt_service_new(&pinetd_plugin, "x", opts);
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

/* Collects stderr lines from exec_run / exec_lines. */
struct lines {
	char text[8][1024];
	int n;
};

static void collect_line(void *arg, const char *line)
{
	struct lines *l = arg;

	assert_true(l->n < 8);
	snprintf(l->text[l->n++], sizeof l->text[0], "%s", line);
}

/* Run argv[0] through exec_run on one end of a socketpair. */
static int spawn(char *const argv[], char *const envp[], struct lines *l,
		 char *out, size_t cap)
{
	char err[256];
	int sv[2];
	pid_t pid = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
	memset(l, 0, sizeof *l);
	int status = exec_run(argv[0], argv, envp, sv[1], collect_line, l,
			      &pid, err, sizeof err);
	assert_true(status >= 0);
	assert_true(pid > 0);
	close(sv[1]);
	read_all(sv[0], out, cap);
	close(sv[0]);
	return status;
}

/* ---- the descriptor and init() ---- */

static void test_exec_descriptor(void **st)
{
	(void)st;
	assert_int_equal(pinetd_plugin.abi, PINETD_ABI_VERSION);
	assert_string_equal(pinetd_plugin.name, "exec");
	assert_int_equal(pinetd_plugin.transports, PINETD_TCP | PINETD_UDP);
	assert_int_equal(pinetd_plugin.flags, PINETD_PF_PROCESS);
	assert_non_null(pinetd_plugin.on_open);
	assert_non_null(pinetd_plugin.on_wait);
}

/* init() must fail with the exact reason for each bad option. */
static void refused(const char *const *opts, const char *reason)
{
	assert_null(pt_service_new(&pinetd_plugin, "x", opts));
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
		&pinetd_plugin, "x",
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

static void test_exec_lines_split_cut_and_clean(void **st)
{
	struct exec_lines l = { .len = 0 };
	struct lines got = { .n = 0 };
	char big[EXEC_LINE_MAX + 10];

	(void)st;
	exec_lines_feed(&l, "one\r\ntw", 7, collect_line, &got);
	assert_int_equal(got.n, 1);
	exec_lines_feed(&l, "o\n\n\nbell\a esc\033[2J\tend", 21, collect_line,
			&got);
	assert_int_equal(got.n, 2);
	exec_lines_flush(&l, collect_line, &got);
	assert_int_equal(got.n, 3);
	assert_string_equal(got.text[0], "one");
	assert_string_equal(got.text[1], "two");
	assert_string_equal(got.text[2], "bell? esc?[2J\tend");
	/* A line longer than EXEC_LINE_MAX comes in pieces. */
	memset(big, 'x', sizeof big);
	big[sizeof big - 1] = '\n';
	exec_lines_feed(&l, big, sizeof big, collect_line, &got);
	assert_int_equal(got.n, 5);
	assert_int_equal(strlen(got.text[3]), EXEC_LINE_MAX);
	assert_string_equal(got.text[4], "xxxxxxxxx");
	exec_lines_flush(&l, collect_line, &got);
	assert_int_equal(got.n, 5);
}

static void test_exec_status_words_and_codes(void **st)
{
	char buf[128];

	(void)st;
	exec_status_text(0, buf, sizeof buf);
	assert_string_equal(buf, "exited with status 0");
	exec_status_text(3 << 8, buf, sizeof buf);
	assert_string_equal(buf, "exited with status 3");
	exec_status_text(SIGKILL, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 9 (Killed)");
	exec_status_text(SIGSEGV | 0x80, buf, sizeof buf);
	assert_string_equal(buf, "killed by signal 11 (Segmentation fault), "
				 "core dumped");
	assert_int_equal(exec_status_code(0), 0);
	assert_int_equal(exec_status_code(3 << 8), 3);
	assert_int_equal(exec_status_code(SIGTERM), 128 + SIGTERM);
}

/* ---- the spawner, with real programs ---- */

/* /bin/cat returns every byte, binary-safe, through the socket. */
static void test_exec_run_cat_returns_bytes(void **st)
{
	char *argv[] = { "/bin/cat", NULL }, *envp[] = { NULL };
	static char in[32768], out[40000];
	char err[256];
	int sv[2];

	(void)st;
	for (size_t i = 0; i < sizeof in; i++)
		in[i] = (char)(i * 7 + i / 256);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[0], in, sizeof in), (ssize_t)sizeof in);
	assert_int_equal(shutdown(sv[0], SHUT_WR), 0);
	/* The daemon's sockets are non-blocking; cat needs blocking ones,
	 * and the flag must be back when exec_run returns. */
	assert_int_equal(fcntl(sv[1], F_SETFL, O_NONBLOCK), 0);
	int status = exec_run("/bin/cat", argv, envp, sv[1], collect_line,
			      NULL, NULL, err, sizeof err);
	assert_int_equal(status, 0);
	assert_true(fcntl(sv[1], F_GETFL) & O_NONBLOCK);
	close(sv[1]);
	assert_int_equal(read_all(sv[0], out, sizeof out), sizeof in);
	assert_memory_equal(out, in, sizeof in);
	close(sv[0]);
}

/* stderr comes through the line callback, never through the socket. */
static void test_exec_run_stderr_goes_to_lines(void **st)
{
	char *argv[] = { "/bin/sh", "-c",
			 "echo out; echo err one >&2; printf 'err\\ttwo' >&2; "
			 "exit 3",
			 NULL };
	char *envp[] = { NULL }, out[256];
	struct lines l;

	(void)st;
	int status = spawn(argv, envp, &l, out, sizeof out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_string_equal(out, "out\n");
	assert_int_equal(l.n, 2);
	assert_string_equal(l.text[0], "err one");
	assert_string_equal(l.text[1], "err\ttwo");
}

static void test_exec_run_reports_exec_failure(void **st)
{
	char *argv[] = { "/nonexistent/prog", NULL }, *envp[] = { NULL };
	char out[64];
	struct lines l;

	(void)st;
	int status = spawn(argv, envp, &l, out, sizeof out);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 127);
	assert_string_equal(out, "");
	assert_int_equal(l.n, 1);
	assert_string_equal(l.text[0], "cannot execute /nonexistent/prog: "
				       "No such file or directory");
}

/* A program killed by a signal: the status says so. */
static void test_exec_run_signal_status(void **st)
{
	char *argv[] = { "/bin/sh", "-c", "kill -TERM $$", NULL };
	char *envp[] = { NULL }, out[64];
	struct lines l;

	(void)st;
	int status = spawn(argv, envp, &l, out, sizeof out);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGTERM);
	assert_int_equal(l.n, 0);
}

/*
 * The program gets descriptors 0, 1, 2 only, whatever the caller has open
 * (not close-on-exec), default signal dispositions and no blocked signal,
 * whatever the caller ignores and blocks.
 */
static void test_exec_run_clean_fds_and_signals(void **st)
{
	char *ls[] = { "/bin/ls", "/proc/self/fd", NULL };
	char *grep[] = { "/bin/grep", "-E", "^Sig(Blk|Ign)",
			 "/proc/self/status", NULL };
	char *envp[] = { NULL }, out[512];
	struct lines l;
	sigset_t block, old;
	struct sigaction ign = { .sa_handler = SIG_IGN }, oldpipe, oldint;
	int extra[3];

	(void)st;
	for (int i = 0; i < 3; i++)
		assert_true((extra[i] = open("/dev/null", O_RDONLY)) >= 0);
	assert_true(fcntl(extra[2], F_DUPFD, 200) >= 0);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigaddset(&block, SIGHUP);
	assert_int_equal(sigprocmask(SIG_BLOCK, &block, &old), 0);
	assert_int_equal(sigaction(SIGPIPE, &ign, &oldpipe), 0);
	assert_int_equal(sigaction(SIGINT, &ign, &oldint), 0);

	assert_int_equal(spawn(ls, envp, &l, out, sizeof out), 0);
	/* ls's own descriptor for the directory is 3. */
	assert_string_equal(out, "0\n1\n2\n3\n");
	assert_int_equal(spawn(grep, envp, &l, out, sizeof out), 0);
	assert_string_equal(out, "SigBlk:\t0000000000000000\n"
				 "SigIgn:\t0000000000000000\n");

	assert_int_equal(sigprocmask(SIG_SETMASK, &old, NULL), 0);
	assert_int_equal(sigaction(SIGPIPE, &oldpipe, NULL), 0);
	assert_int_equal(sigaction(SIGINT, &oldint, NULL), 0);
	for (int i = 0; i < 3; i++)
		close(extra[i]);
	close(200);
}

/*
 * Start `sh -c "echo ready; exec sleep 30"` through exec_run in a helper
 * process (the daemon's per-connection child), wait for "ready", apply
 * sig to the helper and check what follows: with SIGTERM the helper passes
 * it on and exits with the program's status 143; with SIGKILL the program
 * gets SIGTERM (PR_SET_PDEATHSIG) and the socket reaches EOF.  Each wait is
 * bounded by 5 s, far below the program's 30.
 */
static int stop_helper(int sig)
{
	char *argv[] = { "/bin/sh", "-c", "echo ready; exec sleep 30", NULL };
	char *envp[] = { NULL }, buf[64];
	int sv[2], status = -1;
	pid_t helper;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	helper = fork();
	assert_true(helper >= 0);
	if (helper == 0) {
		char err[256];
		close(sv[0]);
		int st = exec_run(argv[0], argv, envp, sv[1], collect_line,
				  &(struct lines){ .n = 0 }, NULL, err,
				  sizeof err);
		_exit(st < 0 ? 99 : exec_status_code(st));
	}
	close(sv[1]);
	struct pollfd p = { .fd = sv[0], .events = POLLIN };
	assert_int_equal(poll(&p, 1, 5000), 1);
	assert_int_equal(read(sv[0], buf, sizeof buf), 6); /* "ready\n" */
	assert_int_equal(kill(helper, sig), 0);
	int reaped = 0;
	for (int i = 0; i < 500 && !reaped; i++) {
		reaped = waitpid(helper, &status, WNOHANG) == helper;
		if (!reaped)
			usleep(10000);
	}
	if (!reaped) { /* leave nothing behind, then fail */
		kill(helper, SIGKILL);
		waitpid(helper, NULL, 0);
		status = -1;
	}
	if (sig == SIGKILL) {
		/* The program is gone too: EOF on the socket within 5 s. */
		assert_int_equal(read_all(sv[0], buf, sizeof buf), 0);
	}
	close(sv[0]);
	return status;
}

static void test_exec_run_forwards_sigterm(void **st)
{
	(void)st;
	int status = stop_helper(SIGTERM);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 128 + SIGTERM);
}

static void test_exec_run_program_dies_with_its_parent(void **st)
{
	(void)st;
	int status = stop_helper(SIGKILL);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

/* The /proc fallback (kernels without close_range) closes everything
 * from lowfd up, scattered and high descriptors included. */
static void test_exec_close_from_proc(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fds[40], bad = 0;
		for (int i = 0; i < 40; i++)
			if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
				_exit(2);
		if (dup2(fds[0], 900) < 0)
			_exit(2);
		if (exec_close_from_proc(5) < 0)
			_exit(3);
		for (int fd = 0; fd < 5; fd++)
			bad += fcntl(fd, F_GETFD) < 0 && fd < 3; /* 0-2 kept */
		for (int i = 0; i < 40; i++)
			bad += fds[i] >= 5 && fcntl(fds[i], F_GETFD) >= 0;
		bad += fcntl(900, F_GETFD) >= 0;
		bad += fcntl(fds[0], F_GETFD) < 0 && fds[0] < 5;
		_exit(bad ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

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

/* One log line per run when the program is quiet: how it ended. */
static void test_exec_open_logs_the_exit(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin, "x",
		(const char *[]){ "program=/bin/sh",
				  "args=sh -c \"echo oops >&2; exit 4\"",
				  NULL });
	int sv[2], count;
	char pidtext[32];

	(void)st;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pt_set_next_fd(s, sv[1]);
	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
	assert_non_null(c);
	const char *log = pt_last_log(&count);
	/* The stderr line, then the end: "sh[PID] exited with status 4". */
	assert_int_equal(count, 2);
	assert_int_equal(sscanf(log, "sh[%31[0-9]]", pidtext), 1);
	char want[96];
	snprintf(want, sizeof want, "sh[%s] exited with status 4", pidtext);
	assert_string_equal(log, want);
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
	/* A socketpair has no IP address: no TCPLOCAL* variables. */
	assert_string_equal(out, "PROTO=TCP\n"
				 "TCPREMOTEIP=192.0.2.1\n"
				 "TCPREMOTEPORT=4242\n"
				 "REMOTE_ADDR=192.0.2.1\n"
				 "REMOTE_PORT=4242\n"
				 "KEEPME=kept value\n");
	run_tcp(opts, "2001:db8::1", 7, "", 0, out, sizeof out);
	assert_string_equal(out, "PROTO=TCP\n"
				 "TCPREMOTEIP=2001:db8::1\n"
				 "TCPREMOTEPORT=7\n"
				 "REMOTE_ADDR=2001:db8::1\n"
				 "REMOTE_PORT=7\n"
				 "KEEPME=kept value\n");
	unsetenv("KEEPME");
	unsetenv("DROPME");
}

/* Over a real loopback connection the local address is known too. */
static void test_exec_open_tcp_local_address(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin, "x",
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
		&pinetd_plugin, "x",
		(const char *[]){ "program=/bin/cat", NULL });

	(void)st;
	assert_null(pt_connect(s, "192.0.2.1", 4242));
	assert_string_equal(pt_last_log(NULL),
			    "no socket for the connection from "
			    "192.0.2.1:4242: is the service in process mode?");
	pt_service_free(s);
}

/* Wait mode: the program reads the datagram from the listening socket
 * itself, answers through it, and its exit status is on_wait's. */
static void test_exec_wait_runs_on_the_listening_socket(void **st)
{
	struct pt_service *s = pt_service_new(
		&pinetd_plugin, "x",
		(const char *[]){ "program=/bin/sh",
				  "args=sh -c \"head -c 5; exit 3\"", NULL });
	char out[64];
	int sv[2];

	(void)st;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	assert_int_equal(send(sv[0], "hello", 5, 0), 5);
	assert_int_equal(pinetd_plugin.on_wait(pt_service_state(s), NULL,
					       sv[1]),
			 3);
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
		&pinetd_plugin, "x",
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
	assert_int_equal(pinetd_plugin.on_wait(pt_service_state(s), NULL,
					       srv),
			 0);
	recv_one(cli, out, sizeof out);
	snprintf(want, sizeof want,
		 "PROTO=UDP\nUDPLOCALIP=127.0.0.1\nUDPLOCALPORT=%u\n",
		 ntohs(a.sin_port));
	assert_string_equal(out, want);
	assert_true(fcntl(srv, F_GETFL) & O_NONBLOCK);
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
		cmocka_unit_test(test_exec_lines_split_cut_and_clean),
		cmocka_unit_test(test_exec_status_words_and_codes),
		cmocka_unit_test(test_exec_run_cat_returns_bytes),
		cmocka_unit_test(test_exec_run_stderr_goes_to_lines),
		cmocka_unit_test(test_exec_run_reports_exec_failure),
		cmocka_unit_test(test_exec_run_signal_status),
		cmocka_unit_test(test_exec_run_clean_fds_and_signals),
		cmocka_unit_test(test_exec_run_forwards_sigterm),
		cmocka_unit_test(test_exec_run_program_dies_with_its_parent),
		cmocka_unit_test(test_exec_close_from_proc),
		cmocka_unit_test(test_exec_open_cat_returns_bytes),
		cmocka_unit_test(test_exec_open_logs_the_exit),
		cmocka_unit_test(test_exec_default_argv_is_basename),
		cmocka_unit_test(test_exec_open_environment),
		cmocka_unit_test(test_exec_open_tcp_local_address),
		cmocka_unit_test(test_exec_open_without_fd_refuses),
		cmocka_unit_test(test_exec_wait_runs_on_the_listening_socket),
		cmocka_unit_test(test_exec_wait_environment),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
