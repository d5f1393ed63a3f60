/* Unit tests for the chat plugin (plugins/chat.c, chat_cmd.c) against the
 * fake core: several members in one room. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "chat_telnet.h"
#include "pinetd_testkit.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

#define A_NAME "192.0.2.1:1001"
#define B_NAME "192.0.2.2:1002"
#define C_NAME "[2001:db8::3]:1003"

/* Three members who joined in the order a, b, c; outputs cleared. */
struct room {
	struct pt_service *s;
	pinetd_conn *a, *b, *c;
};

/* Assert the exact bytes c received since the last check, then forget
 * them. */
static void expect_out(pinetd_conn *c, const char *want)
{
	size_t n;
	const char *got = pt_output(c, &n);

	if (n != strlen(want) || memcmp(got, want, n) != 0)
		fail_msg("got \"%s\", expected \"%s\"", got, want);
	pt_clear(c);
}

static int room_setup(void **st)
{
	static struct room r;

	r.s = pt_service_new(&pinetd_plugin_v1, "chat", NULL);
	assert_non_null(r.s);
	r.a = pt_connect(r.s, "192.0.2.1", 1001);
	r.b = pt_connect(r.s, "192.0.2.2", 1002);
	r.c = pt_connect(r.s, "2001:db8::3", 1003);
	assert_non_null(r.a);
	assert_non_null(r.b);
	assert_non_null(r.c);
	pt_clear(r.a);
	pt_clear(r.b);
	pt_clear(r.c);
	*st = &r;
	return 0;
}

static int room_teardown(void **st)
{
	struct room *r = *st;

	pt_service_free(r->s);
	return 0;
}

/* ---- joining and talking ---- */

static void test_chat_join_is_announced_to_the_others_only(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", NULL);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 1001);
	expect_out(a, ""); /* no welcome by default, no notice to self */
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 1002);
	expect_out(a, "[" B_NAME "] entered room\n");
	expect_out(b, "");
	pinetd_conn *c = pt_connect(s, "2001:db8::3", 1003);
	expect_out(a, "[" C_NAME "] entered room\n");
	expect_out(b, "[" C_NAME "] entered room\n");
	expect_out(c, "");
	pt_service_free(s);
}

static void test_chat_welcome_option_is_sent_on_join(void **st)
{
	const char *opts[] = { "welcome=Welcome to the room; /help for help",
			       NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", opts);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 1001);
	expect_out(a, "Welcome to the room; /help for help\n");
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 1002);
	expect_out(b, "Welcome to the room; /help for help\n");
	expect_out(a, "[" B_NAME "] entered room\n");
	pt_service_free(s);
}

/*
 * A reload that changes chat's options keeps the room: members, nicks
 * and join order stay; the new welcome and notices apply at once.  A
 * template with an unknown placeholder is refused and changes nothing.
 */
static void test_chat_reconfigure_keeps_the_room(void **st)
{
	struct room *r = *st;
	const char *good[] = { "welcome=new rules", "line_notice={nick}: {text}\n",
			       NULL };
	const char *bad[] = { "join_notice={text} joined\n", NULL };

	pt_sendstr(r->s, r->b, "/nick bob\n");
	pt_clear(r->a);
	pt_clear(r->b);
	pt_clear(r->c);
	assert_int_equal(pt_reconfigure(r->s, good), 0);
	pt_sendstr(r->s, r->b, "hi\n");
	expect_out(r->a, "bob: hi\n");
	expect_out(r->c, "bob: hi\n");
	pinetd_conn *d = pt_connect(r->s, "192.0.2.4", 1004);
	expect_out(d, "new rules\n");
	expect_out(r->a, "[192.0.2.4:1004] entered room\n");
	pt_clear(r->b);
	pt_clear(r->c);
	pt_sendstr(r->s, r->c, "/who\n");
	expect_out(r->c, "* 4 in room: " A_NAME ", bob, " C_NAME
			 ", 192.0.2.4:1004\n");
	assert_int_equal(pt_reconfigure(r->s, bad), -1);
	assert_non_null(strstr(pt_last_error(), "join_notice: unknown "
						"placeholder {text}"));
	pt_sendstr(r->s, r->a, "still\n");
	expect_out(r->b, "192.0.2.1:1001: still\n");
}

static void test_chat_line_reaches_every_other_member(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "hello\r\n");
	expect_out(r->a, "");
	expect_out(r->b, "<" A_NAME "> hello\n");
	expect_out(r->c, "<" A_NAME "> hello\n");
	pt_sendstr(r->s, r->c, "I am fine\n");
	expect_out(r->a, "<" C_NAME "> I am fine\n");
	expect_out(r->b, "<" C_NAME "> I am fine\n");
	expect_out(r->c, "");
}

static void test_chat_lines_are_framed_across_reads(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->b, "par");
	expect_out(r->a, "");
	pt_sendstr(r->s, r->b, "tial\r");
	expect_out(r->a, "");
	pt_sendstr(r->s, r->b, "\none\ntwo\r\n");
	expect_out(r->a, "<" B_NAME "> partial\n<" B_NAME "> one\n<" B_NAME
		   "> two\n");
}

static void test_chat_blank_lines_are_not_broadcast(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "\n\r\n   \t \n\x1b[2J\x1b[H\n\x01\x7f\n");
	expect_out(r->a, "");
	expect_out(r->b, "");
	expect_out(r->c, "");
}

static void test_chat_text_is_sanitized_before_broadcast(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "\x1b[31mred\x1b[0m \x1b]0;title\x07text\x9b\r\n");
	expect_out(r->b, "<" A_NAME "> red text\n");
	pt_sendstr(r->s, r->a, "h\xc3\xa9llo \xe2\x9c\x93 caf\xe9\n");
	expect_out(r->b, "<" A_NAME "> h\xc3\xa9llo \xe2\x9c\x93 caf?\n");
	expect_out(r->a, "");
}

static void test_chat_double_slash_sends_a_leading_slash(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "//etc/passwd is a file\n");
	expect_out(r->b, "<" A_NAME "> /etc/passwd is a file\n");
	expect_out(r->a, "");
}

static void test_chat_last_line_without_lf_is_sent_at_eof(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->b, "bye now");
	pt_eof(r->s, r->b);
	expect_out(r->a, "<" B_NAME "> bye now\n" B_NAME " is offline\n");
	expect_out(r->c, "<" B_NAME "> bye now\n" B_NAME " is offline\n");
}

/* ---- over-long lines ---- */

static void test_chat_truncated_line_is_reported_once_and_kept_part_sent(void **st)
{
	struct room *r = *st;

	pt_set_max_line(r->s, 10);
	pt_sendstr(r->s, r->a, "0123456789ABC");
	expect_out(r->a, "* line too long: cut at 10 bytes\n");
	expect_out(r->b, "<" A_NAME "> 0123456789\n");
	pt_sendstr(r->s, r->a, "DEFGHIJKLMNOPQRSTUVWXYZ"); /* same line */
	pt_sendstr(r->s, r->a, "still the same line\nok\n");
	expect_out(r->a, "");
	expect_out(r->b, "<" A_NAME "> ok\n");
	expect_out(r->c, "<" A_NAME "> 0123456789\n<" A_NAME "> ok\n");
	pt_sendstr(r->s, r->a, "0123456789\n"); /* exactly max_line: fine */
	expect_out(r->a, "");
	expect_out(r->b, "<" A_NAME "> 0123456789\n");
}

/* ---- /nick ---- */

static void test_chat_nick_is_announced_and_used(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/nick alice\n");
	expect_out(r->a, "* you are now known as alice\n");
	expect_out(r->b, A_NAME " is now known as alice\n");
	expect_out(r->c, A_NAME " is now known as alice\n");
	pt_sendstr(r->s, r->a, "hi\n");
	expect_out(r->b, "<alice> hi\n");
	pt_sendstr(r->s, r->a, "/nick Al-1_x\n");
	expect_out(r->a, "* you are now known as Al-1_x\n");
	expect_out(r->b, "alice is now known as Al-1_x\n");
	pt_sendstr(r->s, r->a, "/NICK   Al-1_x  \n"); /* case, spaces */
	expect_out(r->a, "* you are already Al-1_x\n");
	expect_out(r->b, "");
	expect_out(r->c, "<alice> hi\nalice is now known as Al-1_x\n");
}

static void test_chat_nick_is_validated(void **st)
{
	struct room *r = *st;
	static const char *const bad[] = {
		"/nick 12345678901234567\n", /* 17 */
		"/nick bad!\n",
		"/nick two words\n",
		"/nick caf\xc3\xa9\n",
		"/nick a.b\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		pt_sendstr(r->s, r->a, bad[i]);
		expect_out(r->a, "* invalid nick: use 1-16 letters, digits, _ or -\n");
	}
	pt_sendstr(r->s, r->a, "/nick\n");
	expect_out(r->a, "* usage: /nick NAME (1-16 letters, digits, _ or -)\n");
	pt_sendstr(r->s, r->a, "/nick \x1b[1m\n"); /* empty once sanitized */
	expect_out(r->a, "* usage: /nick NAME (1-16 letters, digits, _ or -)\n");
	expect_out(r->b, "");
	pt_sendstr(r->s, r->a, "/nick 1234567890123456\n"); /* 16 */
	expect_out(r->a, "* you are now known as 1234567890123456\n");
	expect_out(r->b, A_NAME " is now known as 1234567890123456\n");
}

static void test_chat_nick_is_unique_ignoring_case(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/nick alice\n");
	pt_clear(r->a);
	pt_clear(r->b);
	pt_clear(r->c);
	pt_sendstr(r->s, r->b, "/nick ALICE\n");
	expect_out(r->b, "* nick ALICE is taken\n");
	expect_out(r->a, "");
	pt_sendstr(r->s, r->a, "/nick Alice\n"); /* own nick, new case */
	expect_out(r->a, "* you are now known as Alice\n");
	expect_out(r->b, "alice is now known as Alice\n");
	pt_disconnect(r->s, r->a); /* a nick is free again once its owner left */
	expect_out(r->b, "Alice left\n");
	pt_sendstr(r->s, r->b, "/nick alice\n");
	expect_out(r->b, "* you are now known as alice\n");
	expect_out(r->c, "alice is now known as Alice\nAlice left\n" B_NAME
		   " is now known as alice\n");
}

/* ---- /who, /me, /help, unknown ---- */

static void test_chat_who_lists_members_in_join_order(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->b, "/nick bob\n");
	pt_clear(r->a);
	pt_clear(r->c);
	pt_sendstr(r->s, r->c, "/who\n");
	expect_out(r->c, "* 3 in room: " A_NAME ", bob, " C_NAME "\n");
	expect_out(r->a, "");
	pt_disconnect(r->s, r->a);
	pt_clear(r->c);
	pt_sendstr(r->s, r->c, "/WHO\n");
	expect_out(r->c, "* 2 in room: bob, " C_NAME "\n");
}

static void test_chat_who_caps_a_crowded_room(void **st)
{
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", NULL);
	pinetd_conn *c[60];
	char want[4096];
	size_t off;

	(void)st;
	for (unsigned i = 0; i < 60; i++)
		c[i] = pt_connect(s, "192.0.2.9", 2000 + i);
	pt_clear(c[0]);
	pt_sendstr(s, c[0], "/who\n");
	off = (size_t)snprintf(want, sizeof want, "* 60 in room: ");
	for (unsigned i = 0; i < 50; i++)
		off += (size_t)snprintf(want + off, sizeof want - off,
					"%s192.0.2.9:%u", i ? ", " : "",
					2000 + i);
	snprintf(want + off, sizeof want - off, ", ... (10 more)\n");
	expect_out(c[0], want);
	pt_service_free(s);
}

static void test_chat_me_sends_an_action(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/me waves\n");
	expect_out(r->b, "* " A_NAME " waves\n");
	expect_out(r->a, "");
	pt_sendstr(r->s, r->a, "/nick alice\n");
	pt_clear(r->a);
	pt_clear(r->b);
	pt_sendstr(r->s, r->a, "/me  \x1b[5mwaves\x1b[0m again \n");
	expect_out(r->b, "* alice waves again\n");
	expect_out(r->c, "* " A_NAME " waves\n" A_NAME
		   " is now known as alice\n* alice waves again\n");
	pt_sendstr(r->s, r->a, "/me\n");
	expect_out(r->a, "* usage: /me ACTION\n");
	expect_out(r->b, "");
}

static void test_chat_help_lists_the_commands(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/help\n");
	expect_out(r->a,
		   "* /nick NAME: take a nick: 1-16 letters, digits, _ or -\n"
		   "* /who: list the members of the room\n"
		   "* /me ACTION: tell the room what you do\n"
		   "* /help: this list\n"
		   "* /quit: leave the room\n"
		   "* any other line goes to everyone else; start it with "
		   "// to send a leading /\n");
	expect_out(r->b, "");
}

static void test_chat_unknown_command_is_explained(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/foo bar baz\n");
	expect_out(r->a, "* unknown command /foo (try /help)\n");
	pt_sendstr(r->s, r->a, "/nickname x\n");
	expect_out(r->a, "* unknown command /nickname (try /help)\n");
	pt_sendstr(r->s, r->a, "/\n");
	expect_out(r->a, "* unknown command / (try /help)\n");
	pt_sendstr(r->s, r->a, "/\x1b[31mx\n");
	expect_out(r->a, "* unknown command /x (try /help)\n");
	expect_out(r->b, "");
	expect_out(r->c, "");
}

/* ---- leaving ---- */

static void test_chat_quit_says_goodbye_and_is_announced(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "/nick alice\n");
	pt_clear(r->a);
	pt_clear(r->b);
	pt_clear(r->c);
	pt_sendstr(r->s, r->a, "/quit\nnot sent\n");
	expect_out(r->a, "* bye\n");
	assert_true(pt_closed(r->a));
	assert_int_equal(pt_close_reason(r->a), PINETD_CLOSE_PLUGIN);
	expect_out(r->b, "alice left\n"); /* once, not again from on_close */
	expect_out(r->c, "alice left\n");
	pt_sendstr(r->s, r->b, "/who\n");
	expect_out(r->b, "* 2 in room: " B_NAME ", " C_NAME "\n");
}

static void test_chat_disconnect_is_announced(void **st)
{
	struct room *r = *st;

	pt_disconnect(r->s, r->c);
	expect_out(r->a, C_NAME " is offline\n");
	expect_out(r->b, C_NAME " is offline\n");
	pt_sendstr(r->s, r->a, "anyone?\n");
	expect_out(r->b, "<" A_NAME "> anyone?\n");
}

/* ---- notice templates and commands = false ---- */

/* The seed tutorial's room: its join, line (with the "\r" and the
 * Python-tuple address) and departure forms, the latter without a
 * newline. */
static void test_chat_templates_speak_the_seed_forms(void **st)
{
	const char *opts[] = {
		"line_notice=\r<('{host}', {port})> {text}{eol}",
		"leave_notice=Client ({host}, {port}) is offline",
		NULL,
	};
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", opts);

	(void)st;
	pinetd_conn *a = pt_connect(s, "127.0.0.1", 50011);
	pinetd_conn *b = pt_connect(s, "127.0.0.1", 50012);
	expect_out(a, "[127.0.0.1:50012] entered room\n");
	pt_sendstr(s, b, "hello\n");
	expect_out(a, "\r<('127.0.0.1', 50012)> hello\n");
	pt_sendstr(s, b, "telnet\r\n"); /* {eol}: the line's own ending */
	expect_out(a, "\r<('127.0.0.1', 50012)> telnet\r\n");
	pt_sendstr(s, b, "last");
	pt_eof(s, b);
	expect_out(a, "\r<('127.0.0.1', 50012)> last"
		      "Client (127.0.0.1, 50012) is offline");
	pt_service_free(s);
}

/* Every placeholder; {host} of an IPv6 member has no brackets, {addr}
 * does; {nick} is the address until the member takes a nick; {{ is a
 * brace. */
static void test_chat_templates_every_placeholder(void **st)
{
	const char *opts[] = {
		"join_notice=+{host}|{port}|{addr}|{nick}|{{x}\n",
		"line_notice={nick}: {text}|\n",
		"nick_notice={old} -> {nick} ({host})\n",
		"leave_notice=-{addr}{reason}\n",
		"nick_leave_notice=bye {nick}{reason} {port}\n",
		NULL,
	};
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", opts);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 1001);
	pinetd_conn *b = pt_connect(s, "2001:db8::3", 1003);
	expect_out(a, "+2001:db8::3|1003|[2001:db8::3]:1003|[2001:db8::3]:1003"
		      "|{x}\n");
	pt_sendstr(s, b, "hi\n");
	expect_out(a, "[2001:db8::3]:1003: hi|\n");
	pt_sendstr(s, b, "/nick bob\n");
	expect_out(a, "[2001:db8::3]:1003 -> bob (2001:db8::3)\n");
	pt_sendstr(s, b, "hi\n");
	expect_out(a, "bob: hi|\n");
	pt_disconnect(s, b);
	expect_out(a, "bye bob 1003\n");
	pt_connect(s, "192.0.2.2", 1002);
	expect_out(a, "+192.0.2.2|1002|192.0.2.2:1002|192.0.2.2:1002|{x}\n");
	pt_service_free(s);
}

/* The reason placeholder carries why the server ended a member. */
static void test_chat_templates_leave_reason(void **st)
{
	const char *opts[] = { "leave_notice=[{addr}{reason}]", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", opts);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 1001);
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 1002);
	pt_clear(a);
	pt_set_output_max(s, 4096);
	pt_set_pending(b, 4096 - 10); /* b stopped reading long ago */
	pt_sendstr(s, a, "this line does not fit\n");
	assert_true(pt_closed(b));
	expect_out(a, "[" B_NAME " (too slow)]");
	pt_service_free(s);
}

/* A placeholder a template does not know is refused at init, naming the
 * option and the placeholders it knows. */
static void test_chat_templates_unknown_placeholder_is_refused(void **st)
{
	const char *bad1[] = { "join_notice={text} joined\n", NULL };
	const char *bad2[] = { "line_notice=<{who}> {text}", NULL };
	const char *bad3[] = { "leave_notice={addr", NULL };

	(void)st;
	assert_null(pt_service_new(&pinetd_plugin_v1, "chat", bad1));
	assert_string_equal(pt_last_error(),
			    "join_notice: unknown placeholder {text} (known: "
			    "{host} {port} {addr} {nick}; {{ for a brace)");
	assert_null(pt_service_new(&pinetd_plugin_v1, "chat", bad2));
	assert_string_equal(pt_last_error(),
			    "line_notice: unknown placeholder {who} (known: "
			    "{host} {port} {addr} {nick} {text} {eol}; {{ for "
			    "a brace)");
	assert_null(pt_service_new(&pinetd_plugin_v1, "chat", bad3));
	assert_string_equal(pt_last_error(),
			    "leave_notice: unknown placeholder {addr (known: "
			    "{host} {port} {addr} {nick} {reason}; {{ for a "
			    "brace)");
}

/* commands = false: a line starting with / is a message like any other
 * (the seed's room has no commands), // included. */
static void test_chat_commands_false_sends_slash_lines(void **st)
{
	const char *opts[] = { "commands=false", NULL };
	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "chat", opts);

	(void)st;
	pinetd_conn *a = pt_connect(s, "192.0.2.1", 1001);
	pinetd_conn *b = pt_connect(s, "192.0.2.2", 1002);
	pt_clear(a);
	pt_sendstr(s, b, "/nick bob\n//x\n/quit\n");
	expect_out(a, "<" B_NAME "> /nick bob\n<" B_NAME "> //x\n<" B_NAME
		      "> /quit\n");
	expect_out(b, "");
	assert_false(pt_closed(b));
	pt_service_free(s);
}

/* A member whose output passes output_max is closed by the core; the
 * others are told why and the room goes on. */
static void test_chat_slow_member_is_dropped_with_a_notice(void **st)
{
	struct room *r = *st;

	pt_set_output_max(r->s, 4096);
	pt_set_pending(r->c, 4096 - 30); /* c stopped reading long ago */
	pt_sendstr(r->s, r->a, "this line does not fit\n");
	assert_true(pt_closed(r->c));
	assert_int_equal(pt_close_reason(r->c), PINETD_CLOSE_OVERFLOW);
	expect_out(r->c, "");
	expect_out(r->b, "<" A_NAME "> this line does not fit\n" C_NAME
		   " is offline (too slow)\n");
	expect_out(r->a, C_NAME " is offline (too slow)\n");
	pt_sendstr(r->s, r->b, "still here\n");
	expect_out(r->a, "<" B_NAME "> still here\n");
}

static void test_chat_slow_member_with_nick_left_too_slow(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->b, "/nick bob\n");
	pt_clear(r->a);
	pt_clear(r->b);
	pt_clear(r->c);
	pt_set_output_max(r->s, 4096);
	pt_set_pending(r->b, 4090);
	pt_sendstr(r->s, r->c, "flood\n");
	assert_int_equal(pt_close_reason(r->b), PINETD_CLOSE_OVERFLOW);
	expect_out(r->a, "<" C_NAME "> flood\nbob left (too slow)\n");
	expect_out(r->c, "bob left (too slow)\n");
}

/* ---- telnet ---- */

static void test_chat_telnet_refuse_answers_do_and_will_only(void **st)
{
	static const char in[] = "a\xff\xfd\x06"	  /* DO TIMING-MARK */
				 "\xff\xfb\x22"	  /* WILL LINEMODE */
				 "\xff\xfe\x01\xff\xfc\x03" /* DONT, WONT */
				 "\xff\xff\xfd\x01"	  /* IAC IAC: data */
				 "\xff\xfa\x18\xff\xfd\x05\xff\xf0" /* SB */
				 "\xff\xf4\xff\xfd";	  /* IP, cut DO */
	char out[64];
	size_t n = chat_telnet_refuse(in, sizeof in - 1, out, sizeof out);

	(void)st;
	assert_int_equal(n, 6);
	assert_memory_equal(out, "\xff\xfc\x06\xff\xfe\x22", 6);
	/* Only whole answers fit. */
	assert_int_equal(chat_telnet_refuse(in, sizeof in - 1, out, 5), 3);
	assert_int_equal(chat_telnet_refuse("plain", 5, out, sizeof out), 0);
}

/* The telnet client sends ^C (or UTF-8 it takes for ^C) as IAC IP IAC DO
 * TIMING-MARK and shows nothing until the option is answered. */
static void test_chat_telnet_timing_mark_is_refused_and_stripped(void **st)
{
	struct room *r = *st;

	pt_sendstr(r->s, r->a, "check \xe2\xff\xf3\xff\xfd\x06\x93 mark\r\n");
	expect_out(r->a, "\xff\xfc\x06");
	expect_out(r->b, "<" A_NAME "> check ? mark\n");
	pt_sendstr(r->s, r->a, "\xff\xf4\xff\xfd\x06\r\n");
	expect_out(r->a, "\xff\xfc\x06");
	expect_out(r->b, "");
}

int main(void)
{
#define ROOM(t) cmocka_unit_test_setup_teardown(t, room_setup, room_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chat_join_is_announced_to_the_others_only),
		cmocka_unit_test(test_chat_welcome_option_is_sent_on_join),
		cmocka_unit_test(test_chat_templates_speak_the_seed_forms),
		cmocka_unit_test(test_chat_templates_every_placeholder),
		cmocka_unit_test(test_chat_templates_leave_reason),
		cmocka_unit_test(test_chat_templates_unknown_placeholder_is_refused),
		cmocka_unit_test(test_chat_commands_false_sends_slash_lines),
		ROOM(test_chat_line_reaches_every_other_member),
		ROOM(test_chat_lines_are_framed_across_reads),
		ROOM(test_chat_blank_lines_are_not_broadcast),
		ROOM(test_chat_text_is_sanitized_before_broadcast),
		ROOM(test_chat_double_slash_sends_a_leading_slash),
		ROOM(test_chat_last_line_without_lf_is_sent_at_eof),
		ROOM(test_chat_truncated_line_is_reported_once_and_kept_part_sent),
		ROOM(test_chat_nick_is_announced_and_used),
		ROOM(test_chat_nick_is_validated),
		ROOM(test_chat_nick_is_unique_ignoring_case),
		ROOM(test_chat_who_lists_members_in_join_order),
		ROOM(test_chat_reconfigure_keeps_the_room),
		cmocka_unit_test(test_chat_who_caps_a_crowded_room),
		ROOM(test_chat_me_sends_an_action),
		ROOM(test_chat_help_lists_the_commands),
		ROOM(test_chat_unknown_command_is_explained),
		ROOM(test_chat_quit_says_goodbye_and_is_announced),
		ROOM(test_chat_disconnect_is_announced),
		ROOM(test_chat_slow_member_is_dropped_with_a_notice),
		ROOM(test_chat_slow_member_with_nick_left_too_slow),
		cmocka_unit_test(test_chat_telnet_refuse_answers_do_and_will_only),
		ROOM(test_chat_telnet_timing_mark_is_refused_and_stripped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
