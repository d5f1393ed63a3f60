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
 * " (idle timeout)").  Each of these notices is a template option
 * (join_notice, ...), so a room can speak the tutorial's own forms.
 * Lines the server writes end with a bare LF: nc shows them as they are
 * and telnet's line mode (cooked terminal) too.
 *
 * The core frames lines (LF or CR LF) and cuts them at max_line; a cut
 * line is announced to its sender once ("* line too long: cut at N
 * bytes") and its kept part is handled like any other line.  Every line
 * is sanitized (chat_sanitize.c) before it is parsed or shown; lines
 * blank after that are ignored.  A member that does not read its output
 * is closed by the core at output_max (PINETD_CLOSE_OVERFLOW) and never
 * holds up the others: sends never block.
 *
 * A reload that changes only chat's options keeps the room: reconfigure
 * checks the new templates and the members see the new welcome line and
 * notices from then on.
 *
 * With the `redis` option the room is shared by every node that names
 * the same Redis server and room (chat_redis.c); this file delivers
 * locally and hands each event to it.
 *
 * Telnet clients get their option requests refused (chat_telnet.c): the
 * standard client sends IAC DO TIMING-MARK on ^C, and for some UTF-8
 * bytes, then shows nothing until it gets an answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pinetd/plugin.h>

#include "chat.h"
#include "chat_redis.h"
#include "chat_wire.h"
#include "chat_sanitize.h"
#include "chat_telnet.h"

static const struct pinetd_option chat_options[] = {
	PINETD_OPTION_STR("welcome", struct chat_conf, welcome, "",
			  "line sent to a member when it joins; empty for "
			  "none"),
	PINETD_OPTION_STR("join_notice", struct chat_conf, join_notice,
			  "[{addr}] entered room\n",
			  "told the others when a member joins"),
	PINETD_OPTION_STR("line_notice", struct chat_conf, line_notice,
			  "<{nick}> {text}\n",
			  "how a member's line reaches the others"),
	PINETD_OPTION_STR("nick_notice", struct chat_conf, nick_notice,
			  "{old} is now known as {nick}\n",
			  "told the others when a member takes a nick"),
	PINETD_OPTION_STR("leave_notice", struct chat_conf, leave_notice,
			  "{addr} is offline{reason}\n",
			  "told the others when a member without a nick "
			  "leaves"),
	PINETD_OPTION_STR("nick_leave_notice", struct chat_conf,
			  nick_leave_notice, "{nick} left{reason}\n",
			  "told the others when a member with a nick leaves"),
	PINETD_OPTION_BOOL("commands", struct chat_conf, commands, 1,
			   "lines starting with / are commands; false: every "
			   "line is a message"),
	PINETD_OPTION_STR("redis", struct chat_conf, redis, "",
			  "share the room across nodes through this Redis "
			  "server: tcp://HOST:PORT or unix:PATH; empty: a "
			  "local room"),
	PINETD_OPTION_STR("room", struct chat_conf, room, "",
			  "the shared room's name (Redis channel and keys); "
			  "empty: the service's name"),
	PINETD_OPTION_STR("node", struct chat_conf, node, "",
			  "this node's name in the shared room; empty: "
			  "hostname:pid"),
	PINETD_OPTION_END,
};

/*
 * Notice templates: text with placeholders in braces, "{{" for a brace.
 * Every template knows the member's {host}, {port}, {addr} (host:port,
 * "[v6]:port") and {nick} (its nick, or its addr while it has none); some
 * know more.  init() and reconfigure() refuse a placeholder a template
 * does not know.
 */
enum chat_ph {
	PH_HOST, PH_PORT, PH_ADDR, PH_NICK, PH_TEXT, PH_EOL, PH_OLD, PH_REASON,
	PH_COUNT
};

static const char *const chat_ph_names[PH_COUNT] = {
	[PH_HOST] = "host", [PH_PORT] = "port", [PH_ADDR] = "addr",
	[PH_NICK] = "nick", [PH_TEXT] = "text", [PH_EOL] = "eol",
	[PH_OLD] = "old",   [PH_REASON] = "reason",
};

#define PH(x) (1u << (x))
#define PH_MEMBER (PH(PH_HOST) | PH(PH_PORT) | PH(PH_ADDR) | PH(PH_NICK))

static const struct chat_template {
	const char *option;
	size_t offset;	  /* of the template in struct chat_conf */
	unsigned allowed; /* PH() bits */
} chat_templates[] = {
	{ "join_notice", offsetof(struct chat_conf, join_notice), PH_MEMBER },
	{ "line_notice", offsetof(struct chat_conf, line_notice),
	  PH_MEMBER | PH(PH_TEXT) | PH(PH_EOL) },
	{ "nick_notice", offsetof(struct chat_conf, nick_notice),
	  PH_MEMBER | PH(PH_OLD) },
	{ "leave_notice", offsetof(struct chat_conf, leave_notice),
	  PH_MEMBER | PH(PH_REASON) },
	{ "nick_leave_notice", offsetof(struct chat_conf, nick_leave_notice),
	  PH_MEMBER | PH(PH_REASON) },
};

/* The placeholder at p ("{name}..."), or -1; *len gets its length. */
static int chat_ph_at(const char *p, size_t *len)
{
	for (int i = 0; i < PH_COUNT; i++) {
		size_t n = strlen(chat_ph_names[i]);
		if (strncmp(p + 1, chat_ph_names[i], n) == 0 && p[n + 1] == '}') {
			*len = n + 2;
			return i;
		}
	}
	return -1;
}

/* Check every template: 0, or -1 with the reason in err. */
static int chat_check_templates(const struct chat_conf *cf, char *err,
				size_t errlen)
{
	for (size_t t = 0; t < sizeof chat_templates / sizeof chat_templates[0];
	     t++) {
		const struct chat_template *tp = &chat_templates[t];
		const char *s = *(const char *const *)(const void *)
					 ((const char *)cf + tp->offset);
		for (const char *p = s; *p; p++) {
			size_t n;
			int ph;
			if (*p != '{')
				continue;
			if (p[1] == '{') {
				p++;
				continue;
			}
			ph = chat_ph_at(p, &n);
			if (ph < 0 || !(tp->allowed & PH(ph))) {
				const char *close = strchr(p, '}');
				int shown = close ? (int)(close - p + 1) : (int)strlen(p);
				size_t used = (size_t)snprintf(
					err, errlen, "%s: unknown placeholder %.*s "
					"(known:", tp->option,
					shown > 32 ? 32 : shown, p);
				for (int i = 0; i < PH_COUNT && used < errlen; i++)
					if (tp->allowed & PH(i))
						used += (size_t)snprintf(
							err + used, errlen - used,
							" {%s}", chat_ph_names[i]);
				if (used < errlen)
					snprintf(err + used, errlen - used,
						 "; {{ for a brace)");
				return -1;
			}
			p += n - 1;
		}
	}
	return 0;
}

/* What others are told after "x left" / "x is offline", by reason. */
static const char *const leave_why[] = {
	[PINETD_CLOSE_PEER] = "",
	[PINETD_CLOSE_ERROR] = "",
	[PINETD_CLOSE_PLUGIN] = "",
	[PINETD_CLOSE_TIMEOUT] = " (idle timeout)",
	[PINETD_CLOSE_OVERFLOW] = " (too slow)",
	[PINETD_CLOSE_SHUTDOWN] = " (server stopping)",
};

struct chat_member *chat__member(pinetd_conn *c)
{
	return pinetd->conn_data(c);
}

const char *chat__name(pinetd_conn *c)
{
	const struct chat_member *m = chat__member(c);

	return m->nick[0] ? m->nick : pinetd->peer_name(c);
}

/* One notice in the scratch buffer on its way to the room. */
struct bcast {
	struct chat *ch;
	pinetd_conn *except;
	size_t len;
};

static int bcast_one(pinetd_conn *c, void *arg)
{
	const struct bcast *b = arg;

	if (c != b->except && !chat__member(c)->gone)
		pinetd->send(c, b->ch->buf, b->len);
	return 0;
}

/* One printf-style line on its way to the room. */
struct bcastf {
	pinetd_conn *except;
	const char *fmt;
	va_list *ap;
};

static int bcastf_one(pinetd_conn *c, void *arg)
{
	const struct bcastf *b = arg;
	va_list ap;

	if (c != b->except && !chat__member(c)->gone) {
		va_copy(ap, *b->ap);
		pinetd->vsendf(c, b->fmt, ap);
		va_end(ap);
	}
	return 0;
}

/* Append len bytes to the scratch buffer at *n; -1 when out of memory. */
static int chat_put(struct chat *ch, size_t *n, const char *s, size_t len)
{
	if (*n + len + 1 > ch->cap) {
		size_t cap = ch->cap ? ch->cap : 256;
		while (cap < *n + len + 1)
			cap *= 2;
		char *p = realloc(ch->buf, cap);
		if (!p)
			return -1;
		ch->buf = p;
		ch->cap = cap;
	}
	memcpy(ch->buf + *n, s, len);
	*n += len;
	return 0;
}

/* Split c's peer name ("192.0.2.1:4242", "[2001:db8::1]:4242") into its
 * host and port. */
static void chat_host_port(const char *addr, const char **host,
			   size_t *hlen, const char **port)
{
	const char *colon = strrchr(addr, ':');

	if (!colon) {
		*host = addr;
		*hlen = strlen(addr);
		*port = "";
		return;
	}
	*host = addr;
	*hlen = (size_t)(colon - addr);
	*port = colon + 1;
	if (*hlen >= 2 && addr[0] == '[' && addr[*hlen - 1] == ']') {
		(*host)++;
		*hlen -= 2;
	}
}

int chat__notice(struct chat *ch, pinetd_conn *c, const char *tmpl,
		 const struct chat_vars *v)
{
	return chat__notice_as(ch, c, pinetd->peer_name(c), chat__name(c),
			       tmpl, v);
}

int chat__notice_as(struct chat *ch, pinetd_conn *except, const char *addr,
		    const char *name, const char *tmpl,
		    const struct chat_vars *v)
{
	struct bcast b = { .ch = ch, .except = except };
	const char *host, *port;
	size_t hlen, n = 0;
	int rc = 0;

	chat_host_port(addr, &host, &hlen, &port);
	for (const char *p = tmpl; *p && rc == 0;) {
		const char *brace = strchr(p, '{');
		size_t len;
		if (!brace) {
			rc = chat_put(ch, &n, p, strlen(p));
			break;
		}
		rc = chat_put(ch, &n, p, (size_t)(brace - p));
		if (rc)
			break;
		if (brace[1] == '{') {
			rc = chat_put(ch, &n, "{", 1);
			p = brace + 2;
			continue;
		}
		switch (chat_ph_at(brace, &len)) {
		case PH_HOST: rc = chat_put(ch, &n, host, hlen); break;
		case PH_PORT: rc = chat_put(ch, &n, port, strlen(port)); break;
		case PH_ADDR: rc = chat_put(ch, &n, addr, strlen(addr)); break;
		case PH_NICK: rc = chat_put(ch, &n, name, strlen(name)); break;
		case PH_TEXT:
			if (v->text)
				rc = chat_put(ch, &n, v->text, v->len);
			break;
		case PH_EOL:
			if (v->eol)
				rc = chat_put(ch, &n, v->eol, strlen(v->eol));
			break;
		case PH_OLD:
			if (v->old)
				rc = chat_put(ch, &n, v->old, strlen(v->old));
			break;
		case PH_REASON:
			if (v->reason)
				rc = chat_put(ch, &n, v->reason, strlen(v->reason));
			break;
		default: /* checked at init: cannot happen; copy it */
			len = 1;
			rc = chat_put(ch, &n, brace, 1);
			break;
		}
		p = brace + len;
	}
	if (rc) {
		pinetd->log(ch->svc, PINETD_LOG_ERR,
			    "out of memory: a chat line was dropped");
		return -1;
	}
	b.len = n;
	pinetd->foreach_conn(ch->svc, bcast_one, &b);
	return 0;
}

void chat__broadcast(struct chat *ch, pinetd_conn *except, const char *fmt,
		     ...)
{
	va_list ap;
	struct bcastf b = { .except = except, .fmt = fmt, .ap = &ap };

	va_start(ap, fmt);
	pinetd->foreach_conn(ch->svc, bcastf_one, &b);
	va_end(ap);
}

/* foreach_conn: stop at the member that joined as f->seq. */
static int find_one(pinetd_conn *c, void *arg)
{
	struct { unsigned long seq; pinetd_conn *c; } *f = arg;
	const struct chat_member *m = chat__member(c);

	if (m->seq != f->seq || m->gone)
		return 0;
	f->c = c;
	return 1;
}

void chat__leave(struct chat *ch, pinetd_conn *c, int why)
{
	struct chat_member *m = chat__member(c);
	const char *reason = "";

	if (m->gone)
		return;
	m->gone = 1;
	if (why >= 0 && (size_t)why < sizeof leave_why / sizeof leave_why[0] &&
	    leave_why[why])
		reason = leave_why[why];
	chat__notice(ch, c,
		     m->nick[0] ? ch->conf->nick_leave_notice
				: ch->conf->leave_notice,
		     &(struct chat_vars){ .reason = reason });
	chat_redis_publish(ch->redis, CHAT_EV_LEAVE, c, reason, NULL, 0);
}

pinetd_conn *chat__find(struct chat *ch, unsigned long seq)
{
	struct find { unsigned long seq; pinetd_conn *c; } f = { seq, NULL };

	pinetd->foreach_conn(ch->svc, find_one, &f);
	return f.c;
}

int64_t chat__wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int chat_init(pinetd_svc *svc, const void *conf, void **state,
		     char *err, size_t errlen)
{
	struct chat *ch;

	if (chat_check_templates(conf, err, errlen) < 0)
		return -1;
	ch = calloc(1, sizeof *ch);
	if (!ch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ch->svc = svc;
	ch->conf = conf;
	if (chat_redis_new(ch, &ch->redis, err, errlen) < 0) {
		free(ch);
		return -1;
	}
	*state = ch;
	return 0;
}

static void chat_fini(void *state)
{
	struct chat *ch = state;

	chat_redis_free(ch->redis);
	free(ch->buf);
	free(ch);
}

/*
 * chat_reconfigure -- new options on a reload: the room (its members,
 * their nicks, the join order) stays; the welcome line, the notice
 * templates and `commands` apply from the next line on.  Refuses a
 * template with an unknown placeholder, as init does, and a change of
 * the shared room's options (the daemon then starts a new worker).
 */
static int chat_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			    char *err, size_t errlen)
{
	struct chat *ch = state;

	const struct chat_conf *cf = conf;

	(void)svc;
	if (chat_check_templates(conf, err, errlen) < 0)
		return -1;
	if (strcmp(cf->redis, ch->conf->redis) != 0 ||
	    strcmp(cf->room, ch->conf->room) != 0 ||
	    strcmp(cf->node, ch->conf->node) != 0) {
		snprintf(err, errlen, "redis, room and node take effect in a "
				      "new worker only");
		return -1;
	}
	ch->conf = conf;
	return 0;
}

/* A new member: welcome it, tell the others. */
static int chat_open(void *state, pinetd_conn *c)
{
	struct chat *ch = state;
	struct chat_member *m = chat__member(c);

	m->seq = ++ch->next_seq;
	m->joined = chat__wall_ms();
	ch->members++;
	if (ch->conf->welcome[0])
		pinetd->sendf(c, "%s\n", ch->conf->welcome);
	chat__notice(ch, c, ch->conf->join_notice, &(struct chat_vars){ 0 });
	chat_redis_publish(ch->redis, CHAT_EV_JOIN, c, NULL, NULL, 0);
	return 0;
}

/* The ending a line came with ({eol}); a cut line gets LF. */
static const char *chat_eol(uint32_t flags)
{
	if (flags & PINETD_LINE_CRLF)
		return "\r\n";
	if (flags & PINETD_LINE_NOEOL)
		return "";
	return "\n";
}

/*
 * One line from member c.  The line is sanitized in place first, so
 * commands, nicks and messages only ever see printable text.  A line
 * starting with "//" is a message starting with "/".
 */
static void chat_line(void *state, pinetd_conn *c, char *line, size_t len,
		      uint32_t flags)
{
	struct chat *ch = state;
	char refusals[48]; /* up to 16 answers per line */
	size_t n;

	if (chat__member(c)->gone)
		return;
	if ((n = chat_telnet_refuse(line, len, refusals, sizeof refusals)))
		pinetd->send(c, refusals, n);
	if (flags & PINETD_LINE_TRUNCATED)
		pinetd->sendf(c, "* line too long: cut at %zu bytes\n", len);
	len = chat_sanitize(line, line, len);
	line[len] = '\0';
	if (chat_is_blank(line, len))
		return;
	if (ch->conf->commands && line[0] == '/' && line[1] != '/') {
		chat__command(ch, c, line, len);
		return;
	}
	if (ch->conf->commands && line[0] == '/') {
		line++;
		len--;
	}
	chat__notice(ch, c, ch->conf->line_notice,
		     &(struct chat_vars){ .text = line, .len = len,
					  .eol = chat_eol(flags) });
	chat_redis_publish(ch->redis, CHAT_EV_LINE, c, chat_eol(flags), line, len);
}

/* A member is gone: tell the others, unless it never joined (conn_data
 * is zeroed when on_open refused, which chat_open never does). */
static void chat_close(void *state, pinetd_conn *c, int why)
{
	struct chat *ch = state;

	if (!chat__member(c)->seq)
		return;
	chat__leave(ch, c, why);
	ch->members--;
}

PINETD_PLUGIN_DEFINE(
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
	.reconfigure = chat_reconfigure,
);
