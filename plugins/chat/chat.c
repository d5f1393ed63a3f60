/*
 * chat.c -- a chat room: every line a member sends reaches every other
 * member of the service (TCP).
 *
 * The select()-based chat server of the seed tutorial, done as an
 * in-process plugin: one room per service, shared by all of its
 * connections.  Joining is announced to the others as
 * "[ip:port] entered room", a line as "<ip:port> text" (or "<nick> text"
 * after /nick), leaving as "ip:port is offline" or "nick left", with the
 * reason when it was not the member's own choice (" (too slow)",
 * " (idle timeout)").  Lines the server writes end with a bare LF: nc
 * shows them as they are and telnet's line mode (cooked terminal) too.
 *
 * The core frames lines (LF or CR LF) and cuts them at max_line; a cut
 * line is announced to its sender once ("* line too long: cut at N
 * bytes") and its kept part is handled like any other line.  Every line
 * is sanitized (chat_sanitize.c) before it is parsed or shown; lines
 * blank after that are ignored.  A member that does not read its output
 * is closed by the core at output_max (PINETD_CLOSE_OVERFLOW) and never
 * holds up the others: sends never block.
 *
 * Telnet clients get their option requests refused (chat_telnet.c): the
 * standard client sends IAC DO TIMING-MARK on ^C, and for some UTF-8
 * bytes, then shows nothing until it gets an answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

#include "chat.h"
#include "chat_sanitize.h"
#include "chat_telnet.h"

static const struct pinetd_option chat_options[] = {
	PINETD_OPTION_STR("welcome", struct chat_conf, welcome, "",
			  "line sent to a member when it joins; empty for "
			  "none"),
	PINETD_OPTION_END,
};

/* What others are told after "x left" / "x is offline", by reason. */
static const char *const leave_why[] = {
	[PINETD_CLOSE_PEER] = "",
	[PINETD_CLOSE_ERROR] = "",
	[PINETD_CLOSE_PLUGIN] = "",
	[PINETD_CLOSE_TIMEOUT] = " (idle timeout)",
	[PINETD_CLOSE_OVERFLOW] = " (too slow)",
	[PINETD_CLOSE_SHUTDOWN] = " (server stopping)",
};

struct chat_member *chat__member(const struct chat *ch, pinetd_conn *c)
{
	return ch->core->conn_data(c);
}

const char *chat__name(const struct chat *ch, pinetd_conn *c)
{
	const struct chat_member *m = chat__member(ch, c);

	return m->nick[0] ? m->nick : ch->core->peer_name(c);
}

/* One broadcast in progress (foreach_conn argument). */
struct bcast {
	struct chat *ch;
	pinetd_conn *except;
	size_t len;
};

static int bcast_one(pinetd_conn *c, void *arg)
{
	const struct bcast *b = arg;

	if (c != b->except && !chat__member(b->ch, c)->gone)
		b->ch->core->send(c, b->ch->buf, b->len);
	return 0;
}

/* Format into the scratch buffer, growing it as needed.  Returns the
 * length, or -1 (out of memory or a format error). */
static int chat_vformat(struct chat *ch, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(ch->buf, ch->cap, fmt, ap);
	if (n >= 0 && (size_t)n >= ch->cap) {
		size_t cap = (size_t)n + 1;
		char *p = realloc(ch->buf, cap);
		if (!p) {
			n = -1;
		} else {
			ch->buf = p;
			ch->cap = cap;
			n = vsnprintf(ch->buf, ch->cap, fmt, again);
		}
	}
	va_end(again);
	return n;
}

int chat__broadcast(struct chat *ch, pinetd_conn *except, const char *fmt,
		    ...)
{
	struct bcast b = { .ch = ch, .except = except };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = chat_vformat(ch, fmt, ap);
	va_end(ap);
	if (n < 0) {
		ch->core->log(ch->svc, PINETD_LOG_ERR,
			      "out of memory: a chat line was dropped");
		return -1;
	}
	b.len = (size_t)n;
	ch->core->foreach_conn(ch->svc, bcast_one, &b);
	return 0;
}

void chat__leave(struct chat *ch, pinetd_conn *c,
		 enum pinetd_close_reason why)
{
	struct chat_member *m = chat__member(ch, c);
	const char *reason = "";

	if (m->gone)
		return;
	m->gone = 1;
	if ((size_t)why < sizeof leave_why / sizeof leave_why[0] &&
	    leave_why[why])
		reason = leave_why[why];
	if (m->nick[0])
		chat__broadcast(ch, c, "%s left%s\n", m->nick, reason);
	else
		chat__broadcast(ch, c, "%s is offline%s\n",
				ch->core->peer_name(c), reason);
}

static int chat_init(const struct pinetd_core *core, pinetd_svc *svc,
		     const void *conf, void **state, char *err, size_t errlen)
{
	struct chat *ch = calloc(1, sizeof *ch);

	if (!ch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ch->core = core;
	ch->svc = svc;
	ch->conf = conf;
	*state = ch;
	return 0;
}

static void chat_fini(void *state)
{
	struct chat *ch = state;

	free(ch->buf);
	free(ch);
}

/* A new member: welcome it, tell the others. */
static int chat_open(void *state, pinetd_conn *c)
{
	struct chat *ch = state;
	struct chat_member *m = chat__member(ch, c);

	m->seq = ++ch->next_seq;
	ch->members++;
	if (ch->conf->welcome[0])
		ch->core->sendf(c, "%s\n", ch->conf->welcome);
	chat__broadcast(ch, c, "[%s] entered room\n", ch->core->peer_name(c));
	return 0;
}

/*
 * One line from member c.  The line is sanitized in place first, so
 * commands, nicks and messages only ever see printable text.  A line
 * starting with "//" is a message starting with "/".
 */
static void chat_line(void *state, pinetd_conn *c, char *line, size_t len,
		      unsigned flags)
{
	struct chat *ch = state;
	char refusals[48]; /* up to 16 answers per line */
	size_t n;

	if (chat__member(ch, c)->gone)
		return;
	if ((n = chat_telnet_refuse(line, len, refusals, sizeof refusals)))
		ch->core->send(c, refusals, n);
	if (flags & PINETD_LINE_TRUNCATED)
		ch->core->sendf(c, "* line too long: cut at %zu bytes\n", len);
	len = chat_sanitize(line, line, len);
	line[len] = '\0';
	if (chat_is_blank(line, len))
		return;
	if (line[0] == '/' && line[1] != '/') {
		chat__command(ch, c, line, len);
		return;
	}
	if (line[0] == '/') {
		line++;
		len--;
	}
	chat__broadcast(ch, c, "<%s> %.*s\n", chat__name(ch, c), (int)len,
			line);
}

static void chat_close(void *state, pinetd_conn *c,
		       enum pinetd_close_reason why)
{
	struct chat *ch = state;

	chat__leave(ch, c, why);
	ch->members--;
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "chat",
	.description = "a chat room: each line goes to every other member",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_LINES | PINETD_PF_EVENT, /* one room: shared state */
	.options = chat_options,
	.conf_size = sizeof(struct chat_conf),
	.conn_size = sizeof(struct chat_member),
	.init = chat_init,
	.fini = chat_fini,
	.on_open = chat_open,
	.on_line = chat_line,
	.on_close = chat_close,
};
