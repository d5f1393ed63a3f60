/*
 * telnet_cmd.c -- the commands of the telnet shell: a table of names,
 * usage, help text and handlers.  Handlers write text with "\n" line
 * ends; tn_write() turns them into CR LF.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "telnet_session.h"

struct tncmd {
	const char *name;
	const char *usage; /* the argument, "" when the command takes none */
	const char *help;
	void (*run)(struct tn_session *s, const char *arg);
};

static void cmd_help(struct tn_session *s, const char *arg);
static void cmd_echo(struct tn_session *s, const char *arg);
static void cmd_date(struct tn_session *s, const char *arg);
static void cmd_uptime(struct tn_session *s, const char *arg);
static void cmd_who(struct tn_session *s, const char *arg);
static void cmd_whoami(struct tn_session *s, const char *arg);
static void cmd_services(struct tn_session *s, const char *arg);
static void cmd_quit(struct tn_session *s, const char *arg);

static const struct tncmd tncmds[] = {
	{ "help", "[COMMAND]", "list the commands, or explain one", cmd_help },
	{ "echo", "TEXT", "print TEXT", cmd_echo },
	{ "date", "", "show the date and time", cmd_date },
	{ "uptime", "", "show how long pinetd has been running", cmd_uptime },
	{ "who", "", "list the sessions of this service", cmd_who },
	{ "whoami", "", "show your address, terminal and window size",
	  cmd_whoami },
	{ "services", "", "list the services of this pinetd", cmd_services },
	{ "quit", "", "end the session", cmd_quit },
	{ "exit", "", "end the session", cmd_quit },
};

#define NCMDS (sizeof tncmds / sizeof *tncmds)

static const struct tncmd *find_cmd(const char *name)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(tncmds[i].name, name) == 0)
			return &tncmds[i];
	return NULL;
}

/* "3 days, 04:05:06" */
static void fmt_duration(char *buf, size_t size, long secs)
{
	long d = secs / 86400;

	if (secs < 0)
		secs = d = 0;
	snprintf(buf, size, "%ld day%s, %02ld:%02ld:%02ld", d,
		 d == 1 ? "" : "s", secs / 3600 % 24, secs / 60 % 60,
		 secs % 60);
}

/* A line of at most the client's width - 1 columns, so that no terminal
 * wraps it (the text is ASCII: peer names and sanitized TTYPEs). */
static void put_fitted(struct tn_session *s, const char *line)
{
	size_t max = tn_columns(s) - 1, len = strlen(line);

	tn_write(s, line, len < max ? len : max);
	tn_write(s, "\n", 1);
}

static void help_line(struct tn_session *s, const struct tncmd *c)
{
	char left[32];

	snprintf(left, sizeof left, "%s%s%s", c->name, c->usage[0] ? " " : "",
		 c->usage);
	tn_printf(s, "  %-16s %s\n", left, c->help);
}

static void cmd_help(struct tn_session *s, const char *arg)
{
	if (arg[0]) {
		const struct tncmd *c = find_cmd(arg);
		if (c)
			help_line(s, c);
		else
			tn_printf(s, "unknown command: %s (try help)\n", arg);
		return;
	}
	tn_printf(s, "commands:\n");
	for (size_t i = 0; i < NCMDS; i++)
		help_line(s, &tncmds[i]);
}

static void cmd_echo(struct tn_session *s, const char *arg)
{
	tn_printf(s, "%s\n", arg);
}

static void cmd_date(struct tn_session *s, const char *arg)
{
	char buf[64];
	time_t now = time(NULL);
	struct tm tm;

	(void)arg;
	if (!localtime_r(&now, &tm) ||
	    !strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Z %Y", &tm))
		snprintf(buf, sizeof buf, "%lld", (long long)now);
	tn_printf(s, "%s\n", buf);
}

static void cmd_uptime(struct tn_session *s, const char *arg)
{
	time_t start = pinetd->start_time(), now = time(NULL);
	char up[64], since[64];
	struct tm tm;

	(void)arg;
	fmt_duration(up, sizeof up, (long)(now - start));
	if (!localtime_r(&start, &tm) ||
	    !strftime(since, sizeof since, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(since, sizeof since, "%lld", (long long)start);
	tn_printf(s, "up %s, since %s\n", up, since);
}

struct who_walk {
	struct tn_session *self;
	time_t now;
};

static int who_one(pinetd_conn *c, void *arg)
{
	struct who_walk *w = arg;
	const struct tn_session *o = tn_session_of(c);
	char win[24] = "-", conn[32], line[160];

	if (!o)
		return 0;
	if (o->width && o->height)
		snprintf(win, sizeof win, "%ux%u", o->width, o->height);
	fmt_duration(conn, sizeof conn, (long)(w->now - o->since));
	snprintf(line, sizeof line, "%c %-22s %-12s %-9s %s",
		 o == w->self ? '*' : ' ', pinetd->peer_name(c),
		 o->ttype[0] ? o->ttype : "-", win, conn);
	put_fitted(w->self, line);
	return 0;
}

static void cmd_who(struct tn_session *s, const char *arg)
{
	struct who_walk w = { .self = s, .now = time(NULL) };

	(void)arg;
	put_fitted(s, "  PEER                   TERMINAL     WINDOW    CONNECTED");
	pinetd->foreach_conn(s->svc, who_one, &w);
}

static void cmd_whoami(struct tn_session *s, const char *arg)
{
	(void)arg;
	tn_printf(s, "peer:     %s\n", pinetd->peer_name(s->conn));
	tn_printf(s, "service:  %s\n", pinetd->service_name(s->svc));
	tn_printf(s, "terminal: %s\n", s->ttype[0] ? s->ttype : "unknown");
	if (s->width && s->height)
		tn_printf(s, "window:   %ux%u\n", s->width, s->height);
	else
		tn_printf(s, "window:   unknown\n");
	tn_printf(s, "mode:     %s\n",
		  s->echo ? "character (server echo)" : "line (client echo)");
}

/* A line being built for `services`, wrapped at the client's width. */
struct svc_line {
	struct tn_session *s;
	char buf[256];
	size_t len, indent, max;
};

static void svc_put(struct svc_line *l, const char *text)
{
	int n = snprintf(l->buf + l->len, sizeof l->buf - l->len, "%s", text);

	if (n > 0)
		l->len += (size_t)n < sizeof l->buf - l->len
				  ? (size_t)n
				  : sizeof l->buf - l->len - 1;
}

static void svc_flush(struct svc_line *l)
{
	tn_write(l->s, l->buf, l->len);
	tn_write(l->s, "\n", 1);
	l->len = 0;
}

/* Append one listen address, starting a continuation line (indented to
 * the LISTEN column) when it would not fit. */
static void svc_addr(struct svc_line *l, const char *addr, int first)
{
	if (!first && l->len + 1 + strlen(addr) > l->max) {
		svc_flush(l);
		for (size_t i = 0; i < l->indent && i < sizeof l->buf - 1; i++)
			l->buf[l->len++] = ' ';
		l->buf[l->len] = '\0';
		first = 1;
	}
	if (!first)
		svc_put(l, " ");
	svc_put(l, addr);
}

static int services_one(const struct pinetd_service_info *info, void *arg)
{
	struct svc_line *l = arg;
	char conns[24];

	if (info->enabled)
		snprintf(conns, sizeof conns, "%lu", info->connections);
	else
		snprintf(conns, sizeof conns, "off");
	l->len = 0;
	l->buf[0] = '\0';
	snprintf(l->buf, sizeof l->buf, "%-12s %-10s %5s  ", info->name,
		 info->plugin, conns);
	l->len = l->indent = strlen(l->buf);
	if (info->nlisten == 0)
		svc_put(l, "-");
	for (size_t i = 0; i < info->nlisten; i++)
		svc_addr(l, info->listen[i], i == 0);
	svc_flush(l);
	return 0;
}

static void cmd_services(struct tn_session *s, const char *arg)
{
	struct svc_line l = { .s = s, .max = tn_columns(s) - 1 };

	(void)arg;
	tn_printf(s, "%-12s %-10s %5s  %s\n", "SERVICE", "PLUGIN", "CONNS",
		  "LISTEN");
	pinetd->foreach_service(s->svc, services_one, &l);
}

static void cmd_quit(struct tn_session *s, const char *arg)
{
	(void)arg;
	tn_quit(s);
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

void tncmd_run(struct tn_session *s, char *line)
{
	char *word, *arg, *end;
	const struct tncmd *c;

	for (word = line; is_blank(*word); word++)
		;
	if (!*word)
		return;
	for (arg = word; *arg && !is_blank(*arg); arg++)
		;
	if (*arg)
		*arg++ = '\0';
	while (is_blank(*arg))
		arg++;
	for (end = arg + strlen(arg); end > arg && is_blank(end[-1]); end--)
		;
	*end = '\0';
	if (!(c = find_cmd(word))) {
		tn_printf(s, "unknown command: %s (try help)\n", word);
		return;
	}
	if (!c->usage[0] && arg[0]) {
		tn_printf(s, "usage: %s\n", c->name);
		return;
	}
	c->run(s, arg);
}
