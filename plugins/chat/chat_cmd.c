/*
 * chat_cmd.c -- the chat room's /commands: /nick, /who, /me, /help and
 * /quit.
 *
 * Commands are a table (name, arguments, help, handler); /help prints
 * the table.  Names are case-insensitive.  Replies to the member who
 * typed the command start with "* "; notices to the others have the
 * seed's plain form ("old is now known as new": nick_notice, "* nick
 * action").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chat.h"
#include "chat_redis.h"
#include "chat_wire.h"

/* /who lists at most this many names, so its one line stays far below
 * any sensible output_max in a crowded room. */
#define CHAT_WHO_MAX 50

typedef void chat_cmd_fn(struct chat *ch, pinetd_conn *c, char *args);

static chat_cmd_fn cmd_nick, cmd_who, cmd_me, cmd_help, cmd_quit;

static const struct chat_cmd {
	const char *name;
	const char *args; /* for /help and usage replies */
	const char *help;
	chat_cmd_fn *run;
} chat_cmds[] = {
	{ "nick", " NAME", "take a nick: 1-16 letters, digits, _ or -",
	  cmd_nick },
	{ "who", "", "list the members of the room", cmd_who },
	{ "me", " ACTION", "tell the room what you do", cmd_me },
	{ "help", "", "this list", cmd_help },
	{ "quit", "", "leave the room", cmd_quit },
};

#define NCMDS (sizeof chat_cmds / sizeof chat_cmds[0])

int chat__nick_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CHAT_NICK_MAX)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_-") == n;
}

/* ---- /nick ---- */

struct nick_probe {
	pinetd_conn *self;
	const char *nick;
};

static int nick_taken_by(pinetd_conn *c, void *arg)
{
	const struct nick_probe *p = arg;
	const struct chat_member *m = chat__member(c);

	return c != p->self && !m->gone && strcasecmp(m->nick, p->nick) == 0;
}

/* Take a new nick: valid, and unique in the room ignoring case (a
 * member may change the case of its own nick).  A shared room asks
 * Redis too, and answers once it has. */
static void cmd_nick(struct chat *ch, pinetd_conn *c, char *args)
{
	struct chat_member *m = chat__member(c);
	struct nick_probe p = { .self = c, .nick = args };

	if (!args[0]) {
		pinetd->sendf(c, "* usage: /nick NAME (1-%d letters, "
				 "digits, _ or -)\n", CHAT_NICK_MAX);
		return;
	}
	if (!chat__nick_valid(args)) {
		pinetd->sendf(c, "* invalid nick: use 1-%d letters, "
				 "digits, _ or -\n", CHAT_NICK_MAX);
		return;
	}
	if (strcmp(m->nick, args) == 0) {
		pinetd->sendf(c, "* you are already %s\n", args);
		return;
	}
	if (pinetd->foreach_conn(ch->svc, nick_taken_by, &p)) {
		pinetd->sendf(c, "* nick %s is taken\n", args);
		return;
	}
	if (chat_redis_shared(ch->redis))
		chat_redis_claim(ch->redis, c, args); /* then chat__nick_set */
	else
		chat__nick_set(ch, c, args);
}

void chat__nick_set(struct chat *ch, pinetd_conn *c, const char *nick)
{
	struct chat_member *m = chat__member(c);
	char old[128], had[CHAT_NICK_MAX + 1];

	snprintf(old, sizeof old, "%s", chat__name(c));
	memcpy(had, m->nick, sizeof had);
	memcpy(m->nick, nick, strlen(nick) + 1);
	pinetd->sendf(c, "* you are now known as %s\n", m->nick);
	chat__notice(ch, c, ch->conf->nick_notice,
		     &(struct chat_vars){ .old = old });
	chat_redis_publish(ch->redis, CHAT_EV_NICK, c, old, NULL, 0);
	if (had[0] && strcasecmp(had, nick) != 0)
		chat_redis_release(ch->redis, c, had);
}

/* ---- /who ---- */

struct who_list {
	struct chat_who_ent *v;
	size_t n, cap;
	int shared; /* sort by join time, then seq */
};

static int who_add(pinetd_conn *c, void *arg)
{
	struct who_list *w = arg;
	const struct chat_member *m = chat__member(c);

	if (!m->gone && w->n < w->cap) {
		w->v[w->n].joined = w->shared ? m->joined : 0;
		w->v[w->n].seq = m->seq;
		w->v[w->n].name = chat__name(c);
		w->n++;
	}
	return 0;
}

static int who_cmp(const void *a, const void *b)
{
	const struct chat_who_ent *x = a, *y = b;

	if (x->joined != y->joined)
		return (x->joined > y->joined) - (x->joined < y->joined);
	return (x->seq > y->seq) - (x->seq < y->seq);
}

/* One line: "* N in room: a, b, c" in join order, at most CHAT_WHO_MAX
 * names, then ", ... (K more)".  The members of other nodes (extra)
 * come with their join times. */
void chat__who_reply(struct chat *ch, pinetd_conn *c,
		     const struct chat_who_ent *extra, size_t nextra)
{
	struct who_list w = { .cap = ch->members + nextra,
			      .shared = extra != NULL };
	char *out = NULL;
	size_t outlen = 0;
	FILE *f;

	if (!(w.v = calloc(w.cap ? w.cap : 1, sizeof *w.v)) ||
	    !(f = open_memstream(&out, &outlen))) {
		free(w.v);
		pinetd->sendf(c, "* out of memory, try again later\n");
		return;
	}
	pinetd->foreach_conn(ch->svc, who_add, &w);
	for (size_t i = 0; i < nextra && w.n < w.cap; i++)
		w.v[w.n++] = extra[i];
	qsort(w.v, w.n, sizeof *w.v, who_cmp);
	fprintf(f, "* %zu in room: ", w.n);
	for (size_t i = 0; i < w.n && i < CHAT_WHO_MAX; i++)
		fprintf(f, "%s%s", i ? ", " : "", w.v[i].name);
	if (w.n > CHAT_WHO_MAX)
		fprintf(f, ", ... (%zu more)", w.n - CHAT_WHO_MAX);
	fputc('\n', f);
	if (fclose(f) == 0)
		pinetd->send(c, out, outlen);
	else
		pinetd->sendf(c, "* out of memory, try again later\n");
	free(out);
	free(w.v);
}

/* The room's members; a shared room asks Redis for the other nodes'. */
static void cmd_who(struct chat *ch, pinetd_conn *c, char *args)
{
	(void)args;
	if (chat_redis_shared(ch->redis))
		chat_redis_who(ch->redis, c);
	else
		chat__who_reply(ch, c, NULL, 0);
}

/* ---- /me, /help, /quit ---- */

static void cmd_me(struct chat *ch, pinetd_conn *c, char *args)
{
	if (!args[0]) {
		pinetd->sendf(c, "* usage: /me ACTION\n");
		return;
	}
	chat__broadcast(ch, c, "* %s %s\n", chat__name(c), args);
	chat_redis_publish(ch->redis, CHAT_EV_ME, c, NULL, args, strlen(args));
}

static void cmd_help(struct chat *ch, pinetd_conn *c, char *args)
{
	(void)ch, (void)args;
	for (size_t i = 0; i < NCMDS; i++)
		pinetd->sendf(c, "* /%s%s: %s\n", chat_cmds[i].name,
			      chat_cmds[i].args, chat_cmds[i].help);
	pinetd->sendf(c, "* any other line goes to everyone else; "
			 "start it with // to send a leading /\n");
}

static void cmd_quit(struct chat *ch, pinetd_conn *c, char *args)
{
	(void)args;
	pinetd->sendf(c, "* bye\n");
	chat__leave(ch, c, PINETD_CLOSE_PLUGIN);
	pinetd->close(c);
}

/* ---- dispatch ---- */

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t';
}

void chat__command(struct chat *ch, pinetd_conn *c, char *line, size_t len)
{
	char *name = line + 1, *args, *end = line + len;

	/* "/name   some args  " -> "name", "some args" */
	for (args = name; *args && !is_space(*args); args++)
		;
	if (*args)
		*args++ = '\0';
	while (is_space(*args))
		args++;
	while (end > args && is_space(end[-1]))
		*--end = '\0';
	for (size_t i = 0; i < NCMDS; i++) {
		if (strcasecmp(chat_cmds[i].name, name) == 0) {
			chat_cmds[i].run(ch, c, args);
			return;
		}
	}
	pinetd->sendf(c, "* unknown command /%s (try /help)\n", name);
}
