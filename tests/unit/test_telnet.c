/*
 * Unit tests for the telnet plugin (plugins/telnet.c, telnet_cmd.c,
 * telnet_edit.c, with the real libtelnet) against the fake core: exact
 * bytes for the negotiation, the editing, the commands and the hostile
 * inputs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "pinetd_testkit.h"
#include "telnet_edit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

/*
 * A clock the AYT test sets (-Wl,--wrap=clock_gettime in telnet.mk):
 * CLOCK_MONOTONIC reads fake_ms while it is not negative.
 */
int __real_clock_gettime(clockid_t clk, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clk, struct timespec *ts);
static long long fake_ms = -1;

int __wrap_clock_gettime(clockid_t clk, struct timespec *ts)
{
	if (clk != CLOCK_MONOTONIC || fake_ms < 0)
		return __real_clock_gettime(clk, ts);
	ts->tv_sec = (time_t)(fake_ms / 1000);
	ts->tv_nsec = (long)(fake_ms % 1000) * 1000000;
	return 0;
}

/* IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS, IAC DO TTYPE. */
#define NEG "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\xff\xfd\x18"
#define BANNER "pinetd telnet service -- type 'help'\r\n"
#define PROMPT "pinetd> "

/* Send a string literal (NUL bytes included). */
#define SEND(s, c, lit) pt_send((s), (c), (lit), sizeof(lit) - 1)

/* The output so far equals a string literal, byte for byte. */
#define OUT_IS(c, lit) out_is((c), (lit), sizeof(lit) - 1)

static void out_is(pinetd_conn *c, const char *want, size_t wlen)
{
	size_t n;
	const char *got = pt_output(c, &n);

	if (n != wlen || memcmp(got, want, n) != 0) {
		print_error("output differs: got %zu bytes:\n", n);
		for (size_t i = 0; i < n; i++)
			print_error(got[i] >= 0x20 && got[i] < 0x7f ? "%c" : "\\x%02x",
				    (unsigned char)got[i]);
		print_error("\nwant %zu bytes:\n", wlen);
		for (size_t i = 0; i < wlen; i++)
			print_error(want[i] >= 0x20 && want[i] < 0x7f ? "%c" : "\\x%02x",
				    (unsigned char)want[i]);
		print_error("\n");
		fail();
	}
}

static int out_has(pinetd_conn *c, const char *needle)
{
	return strstr(pt_output(c, NULL), needle) != NULL;
}

/* Open a session and check the greeting; in character mode the client
 * agrees to DO ECHO and DO SGA (which draw no reply). */
static pinetd_conn *open_session(struct pt_service *s, unsigned port,
				 int char_mode)
{
	pinetd_conn *c = pt_connect(s, "127.0.0.1", port);

	assert_non_null(c);
	OUT_IS(c, NEG BANNER PROMPT);
	pt_clear(c);
	if (char_mode) {
		SEND(s, c, "\xff\xfd\x01\xff\xfd\x03");
		OUT_IS(c, "");
	}
	return c;
}

static struct pt_service *service(const char *const *opts)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "telnet", opts);

	assert_non_null(s);
	return s;
}

static void test_telnet_open_negotiates_then_greets(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	open_session(s, 4000, 0);
	pt_service_free(s);
}

static void test_telnet_banner_and_prompt_options(void **st)
{
	const char *opts[] = { "banner=line one\nline two", "prompt=router# ",
			       NULL };
	const char *none[] = { "banner=", NULL };
	struct pt_service *s = service(opts);

	(void)st;
	pinetd_conn *c = pt_connect(s, "127.0.0.1", 4000);
	OUT_IS(c, NEG "line one\r\nline two\r\nrouter# ");
	pt_clear(c);
	SEND(s, c, "bogus\n");
	OUT_IS(c, "unknown command: bogus (try help)\r\nrouter# ");
	pt_service_free(s);

	s = service(none);
	c = pt_connect(s, "127.0.0.1", 4000);
	OUT_IS(c, NEG PROMPT);
	pt_service_free(s);
}

/* nc: no negotiation, whole lines, bare LF; nothing is echoed. */
static void test_telnet_line_mode_client_gets_no_echo(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "echo hi\nfoo bar\n\n");
	OUT_IS(c, "hi\r\n" PROMPT "unknown command: foo (try help)\r\n" PROMPT
		  PROMPT);
	pt_service_free(s);
}

static void test_telnet_character_mode_echo_and_backspace(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1);
	SEND(s, c, "e");
	OUT_IS(c, "e");
	SEND(s, c, "choo");
	SEND(s, c, "\x7f");
	SEND(s, c, " hi");
	SEND(s, c, "\r\0");
	OUT_IS(c, "echoo\b \b hi\r\nhi\r\n" PROMPT);
	pt_clear(c);
	/* ^H works like DEL; CR LF ends a line as CR NUL does. */
	SEND(s, c, "dat\bte\r\n");
	assert_true(out_has(c, "dat\b \bte\r\n"));
	pt_service_free(s);
}

static void test_telnet_ctrl_c_and_ctrl_d(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1);
	SEND(s, c, "zz\x03");
	OUT_IS(c, "zz^C\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "ab\x04"); /* not empty: ignored */
	OUT_IS(c, "ab");
	assert_false(pt_closed(c));
	SEND(s, c, "\x15\x04");
	OUT_IS(c, "ab\b\b  \b\b\r\nbye\r\n");
	assert_true(pt_closed(c));
	pt_run(s);
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	pt_service_free(s);
}

static void test_telnet_quit_and_exit_close(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	/* What follows quit in the same read is not run. */
	SEND(s, c, "quit\necho no\n");
	OUT_IS(c, "bye\r\n");
	assert_true(pt_closed(c));
	c = open_session(s, 4001, 0);
	SEND(s, c, "  exit  \n");
	OUT_IS(c, "bye\r\n");
	assert_true(pt_closed(c));
	pt_service_free(s);
}

static void test_telnet_unknown_and_usage(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "frobnicate now\n");
	OUT_IS(c, "unknown command: frobnicate (try help)\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "HELP\n");
	OUT_IS(c, "unknown command: HELP (try help)\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "date today\n");
	OUT_IS(c, "usage: date\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "help nope\n");
	OUT_IS(c, "unknown command: nope (try help)\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "   \t \n");
	OUT_IS(c, PROMPT);
	pt_service_free(s);
}

static void test_telnet_help_lists_every_command(void **st)
{
	static const char *const names[] = { "help", "echo TEXT", "date",
		"uptime", "who", "whoami", "services", "quit", "exit" };
	struct pt_service *s = service(NULL);
	char want[64];

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "help\n");
	assert_true(out_has(c, "commands:\r\n"));
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		snprintf(want, sizeof want, "\r\n  %s ", names[i]);
		assert_true(out_has(c, want));
	}
	pt_clear(c);
	SEND(s, c, "help echo\n");
	OUT_IS(c, "  echo TEXT        print TEXT\r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_echo_keeps_inner_spaces(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "echo   a  b  \necho\n");
	OUT_IS(c, "a  b\r\n" PROMPT "\r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_date_and_uptime(void **st)
{
	struct pt_service *s = service(NULL);
	size_t n;

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "uptime\n");
	const char *out = pt_output(c, &n);
	assert_memory_equal(out, "up 0 days, 00:00:0", 18);
	assert_true(out_has(c, ", since 2"));
	pt_clear(c);
	SEND(s, c, "date\n");
	out = pt_output(c, &n);
	/* "Mon Jan  2 03:04:05 UTC 2006\r\n" + prompt */
	assert_true(n > sizeof PROMPT + 20);
	assert_memory_equal(out + n - (sizeof PROMPT - 1) - 2, "\r\n", 2);
	assert_int_equal(out[3], ' ');
	assert_int_equal(out[7], ' ');
	assert_int_equal(out[13], ':');
	pt_service_free(s);
}

/* DO/WILL for options we do not support are refused exactly once;
 * DONT/WONT for options that are off draw nothing (RFC 1143). */
static void test_telnet_refuses_unsupported_options_once(void **st)
{
	struct pt_service *s = service(NULL);
	char in[4], want[4];

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	for (int opt = 0; opt < 256; opt++) {
		if (opt == 1 || opt == 3 || opt == 24 || opt == 31)
			continue;
		for (int k = 0; k < 4; k++) {
			static const unsigned char cmds[4] = { 253, 251, 254, 252 };
			static const unsigned char replies[4] = { 252, 254, 0, 0 };
			in[0] = (char)0xff;
			in[1] = (char)cmds[k];
			in[2] = (char)opt;
			pt_send(s, c, in, 3);
			if (replies[k]) {
				want[0] = (char)0xff;
				want[1] = (char)replies[k];
				want[2] = (char)opt;
				out_is(c, want, 3);
			} else {
				OUT_IS(c, "");
			}
			pt_clear(c);
		}
	}
	pt_service_free(s);
}

static void test_telnet_supported_options_do_not_loop(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1); /* DO ECHO, DO SGA done */
	SEND(s, c, "\xff\xfd\x01\xff\xfd\x03"); /* again: nothing */
	OUT_IS(c, "");
	SEND(s, c, "\xff\xfe\x01"); /* DONT ECHO: WONT ECHO, echo stops */
	OUT_IS(c, "\xff\xfc\x01");
	pt_clear(c);
	SEND(s, c, "ab");
	OUT_IS(c, "");
	SEND(s, c, "\xff\xfd\x01"); /* DO ECHO again: WILL ECHO, echo on */
	OUT_IS(c, "\xff\xfb\x01");
	pt_clear(c);
	SEND(s, c, "c");
	OUT_IS(c, "c");
	pt_clear(c);
	SEND(s, c, "\xff\xfb\x01"); /* WILL ECHO from the client: DONT */
	OUT_IS(c, "\xff\xfe\x01");
	pt_clear(c);
	SEND(s, c, "\xff\xfb\x03\xff\xfb\x03"); /* WILL SGA twice: one DO */
	OUT_IS(c, "\xff\xfd\x03");
	pt_clear(c);
	SEND(s, c, "\xff\xfd\x1f\xff\xfd\x18"); /* DO NAWS/TTYPE: we won't */
	OUT_IS(c, "\xff\xfc\x1f\xff\xfc\x18");
	pt_clear(c);
	SEND(s, c, "\xff\xfb\x1f\xff\xfb\x1f"); /* WILL NAWS answers our DO */
	OUT_IS(c, "");
	SEND(s, c, "\xff\xfc\x1f"); /* WONT NAWS: confirmed with DONT */
	OUT_IS(c, "\xff\xfe\x1f");
	pt_service_free(s);
}

static void test_telnet_naws_split_over_reads(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	/* A NAWS subnegotiation before WILL NAWS is ignored. */
	SEND(s, c, "\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0whoami\n");
	assert_true(out_has(c, "window:   unknown\r\n"));
	pt_clear(c);
	SEND(s, c, "\xff\xfb\x1f");
	SEND(s, c, "\xff");
	SEND(s, c, "\xfa\x1f\x00");
	SEND(s, c, "\x84\x00");
	SEND(s, c, "\x30\xff");
	SEND(s, c, "\xf0");
	OUT_IS(c, "");
	SEND(s, c, "whoami\n");
	assert_true(out_has(c, "window:   132x48\r\n"));
	pt_clear(c);
	/* Malformed (3 bytes): ignored; the size stays. */
	SEND(s, c, "\xff\xfa\x1f\x00\x10\x00\xff\xf0whoami\n");
	assert_true(out_has(c, "window:   132x48\r\n"));
	pt_service_free(s);
}

static void test_telnet_ttype_is_asked_and_sanitized(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "\xff\xfb\x18");
	OUT_IS(c, "\xff\xfa\x18\x01\xff\xf0"); /* SB TTYPE SEND */
	pt_clear(c);
	SEND(s, c, "\xff\xfa\x18\x00XTE");
	SEND(s, c, "RM-256\x1b[2J");
	SEND(s, c, "COLOR\xff\xf0");
	OUT_IS(c, "");
	SEND(s, c, "whoami\n");
	OUT_IS(c, "peer:     127.0.0.1:4000\r\nservice:  telnet\r\n"
		  "terminal: XTERM-256[2JCOLOR\r\nwindow:   unknown\r\n"
		  "mode:     line (client echo)\r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_iac_iac_is_byte_255(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1);
	SEND(s, c, "echo \xff\xff!\r\0");
	/* Echoed and printed escaped again: IAC IAC on the wire. */
	OUT_IS(c, "echo \xff\xff!\r\n\xff\xff!\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "\xff\xff\xff\xff\x7f\x7f");
	OUT_IS(c, "\xff\xff\xff\xff\b \b\b \b");
	pt_service_free(s);
}

static void test_telnet_iac_commands_edit_the_line(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	/* IAC EC erases a character, IAC EL the line, IAC IP cancels,
	 * IAC NOP / IAC GA / IAC DM mean nothing. */
	SEND(s, c, "echo abx\xff\xf7\xff\xf1\xff\xf9\xff\xf2" "c\n");
	OUT_IS(c, "abc\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "junk\xff\xf8" "echo d\n");
	OUT_IS(c, "d\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "junk\xff\xf4");
	OUT_IS(c, "\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "ab\xff\xf6"); /* AYT */
	OUT_IS(c, "\r\n[yes]\r\n" PROMPT);
	pt_clear(c);
	SEND(s, c, "\xff\xec"); /* IAC EOF on a non-empty line: nothing */
	OUT_IS(c, "");
	SEND(s, c, "\xff\xf8\xff\xec"); /* EL then EOF: bye */
	OUT_IS(c, "bye\r\n");
	assert_true(pt_closed(c));
	pt_service_free(s);
}

/* AYT is answered at most once a second: 1000 of them, one answer. */
static void test_telnet_ayt_answer_is_rate_limited(void **st)
{
	struct pt_service *s = service(NULL);
	char flood[2000];

	(void)st;
	fake_ms = 5000;
	pinetd_conn *c = open_session(s, 4001, 0);
	for (size_t i = 0; i < sizeof flood; i += 2)
		memcpy(flood + i, "\xff\xf6", 2);
	pt_send(s, c, flood, sizeof flood);
	OUT_IS(c, "\r\n[yes]\r\n" PROMPT);
	pt_clear(c);
	fake_ms += 999;
	SEND(s, c, "\xff\xf6");
	OUT_IS(c, ""); /* 999 ms after the answer */
	fake_ms += 1;
	SEND(s, c, "\xff\xf6\xff\xf6");
	OUT_IS(c, "\r\n[yes]\r\n" PROMPT); /* a second after it: one more */
	fake_ms = -1;
	pt_service_free(s);
}

static void test_telnet_redraw_reprints_prompt_and_line(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1);
	SEND(s, c, "who\x0c");
	OUT_IS(c, "who\r\n" PROMPT "who");
	pt_service_free(s);
}

static void test_telnet_long_line_mode_line_is_rejected(void **st)
{
	struct pt_service *s = service(NULL);
	char big[TNEDIT_MAX + 100];

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	memcpy(big, "echo ", 5);
	memset(big + 5, 'x', sizeof big - 6);
	big[sizeof big - 1] = '\n';
	pt_send(s, c, big, sizeof big);
	OUT_IS(c, "line too long (max 512 bytes)\r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_long_line_char_mode_rings_the_bell(void **st)
{
	struct pt_service *s = service(NULL);
	char big[TNEDIT_MAX + 3];
	size_t n;

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 1);
	memcpy(big, "echo ", 5);
	memset(big + 5, 'x', sizeof big - 5);
	pt_send(s, c, big, sizeof big);
	const char *out = pt_output(c, &n);
	assert_int_equal(n, sizeof big); /* 512 echoed, 3 bells */
	assert_memory_equal(out + TNEDIT_MAX, "\a\a\a", 3);
	pt_clear(c);
	SEND(s, c, "\r\0");
	out = pt_output(c, &n);
	assert_int_equal(n, 2 + (TNEDIT_MAX - 5) + 2 + sizeof PROMPT - 1);
	pt_service_free(s);
}

static void test_telnet_overlong_subnegotiation_never_reaches_the_line(void **st)
{
	struct pt_service *s = service(NULL);
	static char sb[20000];

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	memcpy(sb, "\xff\xfa\x18\x00", 4);
	memset(sb + 4, 'A', sizeof sb - 4);
	memcpy(sb + 100, "\nquit\n", 6);
	memcpy(sb + sizeof sb - 2, "\xff\xf0", 2);
	pt_send(s, c, sb, sizeof sb);
	OUT_IS(c, "");
	SEND(s, c, "echo ok\n");
	OUT_IS(c, "ok\r\n" PROMPT);
	assert_false(pt_closed(c));
	pt_service_free(s);
}

static void test_telnet_malformed_sequences_are_dropped(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	/* IAC SB NAWS ... IAC x (no SE): the SB ends, x is a command. */
	SEND(s, c, "\xff\xfa\x1f" "ab\xff" "xecho ok\n");
	OUT_IS(c, "ok\r\n" PROMPT);
	pt_clear(c);
	/* An SB for an option we refused, an empty TTYPE IS, an SB with a
	 * nested IAC SB, unknown commands. */
	SEND(s, c, "\xff\xfa\x27\x00\x01USER\xff\xf0");
	SEND(s, c, "\xff\xfa\x18\xff\xf0");
	SEND(s, c, "\xff\xfa\x05\xff\xfa\x05\xff\xf0");
	SEND(s, c, "\xff\x01\xff\xef\xff\xf0");
	SEND(s, c, "echo still\n");
	OUT_IS(c, "still\r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_unsolicited_compression_ends_the_session(void **st)
{
	struct pt_service *s = service(NULL);
	int count;

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "\xff\xfa\x56\xff\xf0garbage\n");
	OUT_IS(c, "\r\nprotocol error: compression (MCCP2) was not "
		  "negotiated\r\nbye\r\n");
	assert_true(pt_closed(c));
	assert_non_null(strstr(pt_last_log(&count), "protocol error"));
	pt_service_free(s);
}

static void test_telnet_truncated_iac_at_close(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "echo x\xff");
	OUT_IS(c, "");
	pt_disconnect(s, c);
	c = open_session(s, 4001, 0);
	SEND(s, c, "\xff\xfa\x18\x00VT1");
	pt_disconnect(s, c);
	c = open_session(s, 4002, 0);
	SEND(s, c, "\xff\xfd");
	pt_eof(s, c);
	pt_service_free(s);
}

static void test_telnet_who_lists_sessions(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *a = open_session(s, 4000, 0);
	pinetd_conn *b = open_session(s, 4001, 0);
	SEND(s, b, "\xff\xfb\x18\xff\xfa\x18\x00VT100\xff\xf0");
	SEND(s, b, "\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0");
	pt_clear(b);
	SEND(s, a, "who\n");
	OUT_IS(a, "  PEER                   TERMINAL     WINDOW    CONNECTED\r\n"
		  "  127.0.0.1:4001         VT100        80x24     0 days, 00:00:00\r\n"
		  "* 127.0.0.1:4000         -            -         0 days, 00:00:00\r\n"
		  PROMPT);
	/* A narrow window (NAWS 30 columns) cuts lines at 29. */
	SEND(s, b, "\xff\xfa\x1f\x00\x1e\x00\x18\xff\xf0who\n");
	OUT_IS(b, "  PEER                   TERM\r\n"
		  "* 127.0.0.1:4001         VT10\r\n"
		  "  127.0.0.1:4000         -   \r\n" PROMPT);
	pt_service_free(s);
}

static void test_telnet_services_lists_the_services(void **st)
{
	struct pt_service *s = service(NULL);

	(void)st;
	pinetd_conn *c = open_session(s, 4000, 0);
	SEND(s, c, "services\n");
	OUT_IS(c, "SERVICE      PLUGIN     CONNS  LISTEN\r\n"
		  "telnet       telnet         1  tcp://127.0.0.1:7000\r\n" PROMPT);
	pt_service_free(s);
}

/* 10,000 seeded random bytes in random-sized reads, twice: no crash, no
 * leak (valgrind), bounded output; a new session works afterwards. */
static void test_telnet_random_bytes(void **st)
{
	struct pt_service *s = service(NULL);
	uint32_t x = 20240601;
	char buf[10000];

	(void)st;
	for (int round = 0; round < 2; round++) {
		pinetd_conn *c = open_session(s, 4000 + (unsigned)round, round);
		for (size_t i = 0; i < sizeof buf; i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (char)(x >> 16);
			/* Round 1 keeps going: no ^D to end the session. */
			if (round == 1 && buf[i] == 0x04)
				buf[i] = 0x05;
		}
		for (size_t off = 0; off < sizeof buf;) {
			x = x * 1103515245u + 12345u;
			size_t n = 1 + (x >> 16) % 64;
			if (n > sizeof buf - off)
				n = sizeof buf - off;
			pt_send(s, c, buf + off, n);
			off += n;
		}
		size_t out;
		pt_output(c, &out);
		assert_true(out < 20 * sizeof buf);
		if (round == 1) /* the whole input went through a live session */
			assert_false(pt_closed(c));
		pt_disconnect(s, c);
	}
	pinetd_conn *c = open_session(s, 4100, 0);
	SEND(s, c, "echo alive\n");
	OUT_IS(c, "alive\r\n" PROMPT);
	pt_service_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_telnet_open_negotiates_then_greets),
		cmocka_unit_test(test_telnet_banner_and_prompt_options),
		cmocka_unit_test(test_telnet_line_mode_client_gets_no_echo),
		cmocka_unit_test(test_telnet_character_mode_echo_and_backspace),
		cmocka_unit_test(test_telnet_ctrl_c_and_ctrl_d),
		cmocka_unit_test(test_telnet_quit_and_exit_close),
		cmocka_unit_test(test_telnet_unknown_and_usage),
		cmocka_unit_test(test_telnet_help_lists_every_command),
		cmocka_unit_test(test_telnet_echo_keeps_inner_spaces),
		cmocka_unit_test(test_telnet_date_and_uptime),
		cmocka_unit_test(test_telnet_refuses_unsupported_options_once),
		cmocka_unit_test(test_telnet_supported_options_do_not_loop),
		cmocka_unit_test(test_telnet_naws_split_over_reads),
		cmocka_unit_test(test_telnet_ttype_is_asked_and_sanitized),
		cmocka_unit_test(test_telnet_iac_iac_is_byte_255),
		cmocka_unit_test(test_telnet_iac_commands_edit_the_line),
		cmocka_unit_test(test_telnet_ayt_answer_is_rate_limited),
		cmocka_unit_test(test_telnet_redraw_reprints_prompt_and_line),
		cmocka_unit_test(test_telnet_long_line_mode_line_is_rejected),
		cmocka_unit_test(test_telnet_long_line_char_mode_rings_the_bell),
		cmocka_unit_test(test_telnet_overlong_subnegotiation_never_reaches_the_line),
		cmocka_unit_test(test_telnet_malformed_sequences_are_dropped),
		cmocka_unit_test(test_telnet_unsolicited_compression_ends_the_session),
		cmocka_unit_test(test_telnet_truncated_iac_at_close),
		cmocka_unit_test(test_telnet_who_lists_sessions),
		cmocka_unit_test(test_telnet_services_lists_the_services),
		cmocka_unit_test(test_telnet_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
