/*
 * chat_redis.c -- a chat room shared by several nodes through Redis
 * (see chat_redis.h).
 *
 * Two connections to Redis per room: one subscribed to the room's
 * channel, one for commands (PUBLISH, the nick claims, the member
 * list).  Both are hiredis asynchronous contexts driven by watches
 * (chat_redis_ev.c); a connect timeout, the reconnection backoff and the
 * refresh of the keys are timers: nothing ever blocks the worker.
 *
 * In Redis, for room R:
 *	pinetd:chat:R			the channel of the room's events
 *	pinetd:chat:R:nick:NICK		(NICK in lower case) the claim of a
 *					nick: "NODE EPOCH SEQ" of its owner,
 *					expiring CHAT_REDIS_TTL_MS after
 *					its last refresh
 *	pinetd:chat:R:who		a hash: field NODE, value "EXPIRY\n"
 *					then "JOINED SEQ NAME\n" per member
 *
 * The room is shared once both connections are up and the subscription
 * is confirmed.  When either fails, both are dropped and retried with a
 * backoff (CHAT_REDIS_BACKOFF_MIN_MS doubling to _MAX_MS); the members
 * are told once that the room is local, and once that it is shared
 * again.  On each sharing the node claims its members' nicks again: a
 * nick that a member of another node claimed meanwhile stays with that
 * member, and the one here goes back to its address (and is told).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <pinetd/plugin.h>

#include "chat.h"
#include "chat_redis.h"
#include "chat_redis_ev.h"
#include "chat_wire.h"

#define CHAT_REDIS_CONNECT_MS 2000     /* connect and subscribe within */
#define CHAT_REDIS_BACKOFF_MIN_MS 100  /* first retry after a failure */
#define CHAT_REDIS_BACKOFF_MAX_MS 5000 /* retries at most this far apart */
#define CHAT_REDIS_REFRESH_MS 5000     /* nick claims and member list */
#define CHAT_REDIS_TTL_MS 15000	       /* ... expire after this long */
#define CHAT_REDIS_NAME_MAX 64	       /* room and node names */

/* What the members are told, once each way. */
static const char down_notice[] =
	"* the room is cut off from the other nodes (redis unreachable): "
	"your lines reach this node's members only\n";
static const char up_notice[] =
	"* the room is shared with the other nodes again\n";

/* Claim KEYS[1] for ARGV[1] unless another owner holds it: 1 or 0. */
static const char claim_lua[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v == false or v == ARGV[1] then "
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end "
	"return 0";
/* Delete KEYS[1] if ARGV[1] holds it. */
static const char release_lua[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('DEL', KEYS[1]) end return 0";

/* The last event seen from one incarnation of another node. */
struct chat_peer {
	char *node;
	uint64_t epoch, seq;
};

struct chat_redis {
	struct chat *ch;
	char *url;	      /* as configured, for logs */
	char *host, *path;    /* tcp host, or unix path */
	int port;
	char *node;	      /* our name */
	uint64_t epoch, seq;  /* our incarnation, our last event */
	char *channel, *nick_prefix, *who_key;
	struct chat_rev cmd, sub;
	int subscribed;	      /* the subscription is confirmed */
	int shared;	      /* both up: events go out */
	int told_down;	      /* the members know the room is local */
	int resetting;	      /* inside link_reset: ignore disconnects */
	uint64_t backoff;     /* ms before the next retry */
	pinetd_timer t_connect, t_retry, t_refresh;
	struct chat_peer *peers;
	size_t npeers;
};

/* A command's reply on its way to a member (by join seq: the member may
 * be gone when it arrives). */
struct chat_req {
	struct chat_redis *r;
	unsigned long seq;
	char nick[CHAT_NICK_MAX + 1];
};

static void link_connect(struct chat_redis *r);
static void link_down(struct chat_redis *r, const char *why);

/* ---- names ---- */

/* A room or node name: 1..CHAT_REDIS_NAME_MAX printable, no space. */
static int name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CHAT_REDIS_NAME_MAX)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/*
 * Parse "tcp://HOST:PORT" (PORT 6379 when left out, HOST in brackets for
 * IPv6) or "unix:PATH" / "unix://PATH" into r.  0, or -1 with err.
 */
static int parse_url(struct chat_redis *r, const char *url, char *err,
		     size_t errlen)
{
	if (strncmp(url, "unix:", 5) == 0) {
		const char *p = url + 5;
		if (strncmp(p, "//", 2) == 0)
			p += 2;
		if (*p != '/')
			goto bad;
		r->path = strdup(p);
		return r->path ? 0 : -1;
	}
	if (strncmp(url, "tcp://", 6) == 0) {
		const char *h = url + 6, *hend, *colon;
		long port = 6379;
		if (*h == '[') {
			hend = strchr(h, ']');
			if (!hend)
				goto bad;
			colon = hend[1] == ':' ? hend + 1 : NULL;
			if (hend[1] && !colon)
				goto bad;
			h++;
		} else {
			colon = strrchr(h, ':');
			hend = colon ? colon : h + strlen(h);
		}
		if (hend == h)
			goto bad;
		if (colon) {
			char *end;
			errno = 0;
			port = strtol(colon + 1, &end, 10);
			if (errno || *end || end == colon + 1 || port < 1 ||
			    port > 65535)
				goto bad;
		}
		r->host = strndup(h, (size_t)(hend - h));
		r->port = (int)port;
		return r->host ? 0 : -1;
	}
bad:
	snprintf(err, errlen, "redis: bad address \"%s\": use tcp://HOST:PORT "
			      "or unix:PATH", url);
	return -1;
}

/* ---- replies to members ---- */

/* The member a reply is for, or NULL when it left. */
static pinetd_conn *req_member(const struct chat_req *q)
{
	return chat__find(q->r->ch, q->seq);
}

/* Who owns a claim of ours: "NODE EPOCH SEQ". */
static void owner_of(const struct chat_redis *r, unsigned long seq,
		     char *buf, size_t len)
{
	snprintf(buf, len, "%s %" PRIu64 " %lu", r->node, r->epoch, seq);
}

/* The key of a nick's claim (lower case: nicks are unique ignoring
 * case). */
static char *nick_key(const struct chat_redis *r, const char *nick)
{
	char *k;

	if (asprintf(&k, "%s%s", r->nick_prefix, nick) < 0)
		return NULL;
	for (char *p = k + strlen(r->nick_prefix); *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return k;
}

/* Run a claim or release script for member seq's nick; fn gets q. */
static int nick_script(struct chat_redis *r, const char *lua,
		       unsigned long seq, const char *nick,
		       redisCallbackFn *fn, struct chat_req *q)
{
	char owner[CHAT_REDIS_NAME_MAX + 48], ttl[24];
	char *key = nick_key(r, nick);
	int rc;

	if (!key || !r->cmd.ac) {
		free(key);
		return -1;
	}
	owner_of(r, seq, owner, sizeof owner);
	snprintf(ttl, sizeof ttl, "%d", CHAT_REDIS_TTL_MS);
	rc = redisAsyncCommand(r->cmd.ac, fn, q, "EVAL %s 1 %s %s %s", lua,
			       key, owner, ttl);
	free(key);
	return rc == REDIS_OK ? 0 : -1;
}

/* The answer to a /nick claim. */
static void claim_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct chat_req *q = arg;
	redisReply *rep = reply;
	pinetd_conn *c;

	(void)ac;
	if (!rep) { /* the connection went: nothing was claimed for sure */
		if ((c = req_member(q)))
			pinetd->sendf(c, "* nick %s: the shared room did not "
					 "answer, try again\n", q->nick);
		free(q);
		return;
	}
	c = req_member(q);
	if (rep->type == REDIS_REPLY_INTEGER && rep->integer == 1) {
		if (c)
			chat__nick_set(q->r->ch, c, q->nick);
		else
			nick_script(q->r, release_lua, q->seq, q->nick, NULL,
				    NULL);
	} else if (c && rep->type == REDIS_REPLY_INTEGER) {
		pinetd->sendf(c, "* nick %s is taken\n", q->nick);
	} else if (c) {
		pinetd->log(q->r->ch->svc, PINETD_LOG_WARNING,
			    "redis %s: nick claim failed: %s", q->r->url,
			    rep->type == REDIS_REPLY_ERROR ? rep->str : "?");
		pinetd->sendf(c, "* nick %s: the shared room did not answer, "
				 "try again\n", q->nick);
	}
	free(q);
}

/* The answer to a renewed claim (refresh, or the room shared again): a
 * nick another node took meanwhile is lost here. */
static void reclaim_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct chat_req *q = arg;
	redisReply *rep = reply;
	struct chat *ch = q->r->ch;
	struct chat_member *m;
	pinetd_conn *c;
	char old[CHAT_NICK_MAX + 1];

	(void)ac;
	if (rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 0 &&
	    (c = req_member(q)) && strcasecmp((m = chat__member(c))->nick,
					      q->nick) == 0) {
		memcpy(old, m->nick, sizeof old);
		m->nick[0] = '\0';
		pinetd->sendf(c, "* nick %s was taken on another node: you "
				 "are %s again\n", old, chat__name(c));
		chat__notice(ch, c, ch->conf->nick_notice,
			     &(struct chat_vars){ .old = old });
		chat_redis_publish(q->r, CHAT_EV_NICK, c, old, NULL, 0);
	}
	free(q);
}

/* ---- the member list ---- */

struct list_ctx {
	FILE *f;
};

static int list_one(pinetd_conn *c, void *arg)
{
	struct list_ctx *l = arg;
	const struct chat_member *m = chat__member(c);

	if (!m->gone)
		fprintf(l->f, "%" PRId64 " %lu %s\n", m->joined, m->seq,
			chat__name(c));
	return 0;
}

/* Write this node's member list into the room's hash. */
static void list_write(struct chat_redis *r)
{
	struct list_ctx l;
	char *val = NULL;
	size_t len = 0;

	if (!r->shared || !(l.f = open_memstream(&val, &len)))
		return;
	fprintf(l.f, "%" PRId64 "\n", chat__wall_ms() + CHAT_REDIS_TTL_MS);
	pinetd->foreach_conn(r->ch->svc, list_one, &l);
	if (fclose(l.f) == 0)
		redisAsyncCommand(r->cmd.ac, NULL, NULL, "HSET %s %s %b",
				  r->who_key, r->node, val, len);
	free(val);
}

/* One other node's list in the /who answer. */
struct who_acc {
	struct chat_who_ent *v;
	size_t n, cap;
	char **names;
};

static int who_parse(struct who_acc *w, char *val, int64_t now)
{
	char *save = NULL, *line = strtok_r(val, "\n", &save);

	if (!line || strtoll(line, NULL, 10) < now)
		return -1; /* expired: that node is gone */
	while ((line = strtok_r(NULL, "\n", &save))) {
		char *sp1 = strchr(line, ' '), *sp2;
		if (!sp1 || !(sp2 = strchr(sp1 + 1, ' ')))
			continue;
		if (w->n == w->cap) {
			size_t cap = w->cap ? 2 * w->cap : 16;
			void *v = realloc(w->v, cap * sizeof *w->v);
			if (!v)
				return 0;
			w->v = v;
			w->cap = cap;
		}
		w->v[w->n].joined = strtoll(line, NULL, 10);
		w->v[w->n].seq = strtoul(sp1 + 1, NULL, 10);
		w->v[w->n].name = sp2 + 1;
		w->n++;
	}
	return 0;
}

/* HGETALL of the room's hash: the other nodes' members, then the
 * answer; lists past their expiry are left out and deleted. */
static void who_done(redisAsyncContext *ac, void *reply, void *arg)
{
	struct chat_req *q = arg;
	struct chat_redis *r = q->r;
	redisReply *rep = reply;
	struct who_acc w = { 0 };
	pinetd_conn *c = rep ? req_member(q) : NULL;
	int64_t now = chat__wall_ms();

	(void)ac;
	if (!c) {
		if (rep == NULL && (c = req_member(q)))
			chat__who_reply(r->ch, c, NULL, 0);
		free(q);
		return;
	}
	if (rep->type == REDIS_REPLY_ARRAY) {
		for (size_t i = 0; i + 1 < rep->elements; i += 2) {
			redisReply *k = rep->element[i], *v = rep->element[i + 1];
			if (k->type != REDIS_REPLY_STRING ||
			    v->type != REDIS_REPLY_STRING ||
			    strcmp(k->str, r->node) == 0)
				continue;
			if (who_parse(&w, v->str, now) < 0 && r->cmd.ac)
				redisAsyncCommand(r->cmd.ac, NULL, NULL,
						  "HDEL %s %s", r->who_key,
						  k->str);
		}
	}
	/* Not NULL, even empty: the order is by join time. */
	chat__who_reply(r->ch, c, w.v ? w.v : (struct chat_who_ent[1]){ 0 },
			w.n);
	free(w.v);
	free(q);
}

/* ---- the room's events ---- */

/* Have we seen this event of another node before?  Remembers it; logs
 * events that never arrived (a gap in a node's numbers). */
static int seen(struct chat_redis *r, const struct chat_ev *ev)
{
	struct chat_peer *p = NULL;

	for (size_t i = 0; i < r->npeers; i++)
		if (strcmp(r->peers[i].node, ev->node) == 0)
			p = &r->peers[i];
	if (!p) {
		void *v = realloc(r->peers, (r->npeers + 1) * sizeof *r->peers);
		char *name = strdup(ev->node);
		if (!v || !name) {
			free(name);
			if (v)
				r->peers = v;
			return 0;
		}
		r->peers = v;
		p = &r->peers[r->npeers++];
		*p = (struct chat_peer){ .node = name };
	}
	if (p->epoch == ev->epoch && ev->seq <= p->seq)
		return 1;
	if (p->epoch == ev->epoch && ev->seq > p->seq + 1)
		pinetd->log(r->ch->svc, PINETD_LOG_WARNING,
			    "redis %s: %" PRIu64 " event(s) of node %s lost",
			    r->url, ev->seq - p->seq - 1, ev->node);
	p->epoch = ev->epoch;
	p->seq = ev->seq;
	return 0;
}

/* Show another node's event to our members. */
static void deliver(struct chat_redis *r, const struct chat_ev *ev)
{
	struct chat *ch = r->ch;
	const struct chat_conf *cf = ch->conf;
	const char *name = ev->nick[0] ? ev->nick : ev->addr;

	switch (ev->kind) {
	case CHAT_EV_JOIN:
		chat__notice_as(ch, NULL, ev->addr, name, cf->join_notice,
				&(struct chat_vars){ 0 });
		break;
	case CHAT_EV_LINE:
		chat__notice_as(ch, NULL, ev->addr, name, cf->line_notice,
				&(struct chat_vars){
					.text = ev->text, .len = ev->text_len,
					.eol = chat_wire_eol(ev->arg) });
		break;
	case CHAT_EV_ME:
		chat__broadcast(ch, NULL, "* %s %.*s\n", name,
				(int)ev->text_len, ev->text);
		break;
	case CHAT_EV_NICK:
		chat__notice_as(ch, NULL, ev->addr, name, cf->nick_notice,
				&(struct chat_vars){ .old = ev->arg });
		break;
	case CHAT_EV_LEAVE:
		chat__notice_as(ch, NULL, ev->addr, name,
				ev->nick[0] ? cf->nick_leave_notice
					    : cf->leave_notice,
				&(struct chat_vars){ .reason = ev->arg });
		break;
	}
}

/* The subscription's replies: its confirmation, then every message. */
static void sub_message(redisAsyncContext *ac, void *reply, void *arg)
{
	struct chat_redis *r = arg;
	redisReply *rep = reply, *kind, *msg;
	struct chat_ev ev;
	char *copy;

	(void)ac;
	if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements < 3)
		return;
	kind = rep->element[0];
	msg = rep->element[2];
	if (kind->type != REDIS_REPLY_STRING)
		return;
	if (strcmp(kind->str, "subscribe") == 0) {
		r->subscribed = 1;
		if (r->cmd.ac && (r->cmd.ac->c.flags & REDIS_CONNECTED))
			link_connect(r); /* both up: shared */
		return;
	}
	if (strcmp(kind->str, "message") != 0 || msg->type != REDIS_REPLY_STRING)
		return;
	if (!(copy = malloc(msg->len + 1)))
		return;
	memcpy(copy, msg->str, msg->len);
	if (chat_wire_decode(copy, msg->len, &ev) < 0) {
		pinetd->log(r->ch->svc, PINETD_LOG_WARNING,
			    "redis %s: a message on %s is not a chat event: "
			    "ignored", r->url, r->channel);
	} else if (!(strcmp(ev.node, r->node) == 0 && ev.epoch == r->epoch) &&
		   !seen(r, &ev)) {
		deliver(r, &ev);
	}
	free(copy);
}

/* ---- the connections ---- */

/* Renew the claims of our members' nicks. */
static int reclaim_one(pinetd_conn *c, void *arg)
{
	struct chat_redis *r = arg;
	const struct chat_member *m = chat__member(c);
	struct chat_req *q;

	if (m->gone || !m->nick[0] || !(q = calloc(1, sizeof *q)))
		return 0;
	*q = (struct chat_req){ .r = r, .seq = m->seq };
	memcpy(q->nick, m->nick, sizeof q->nick);
	if (nick_script(r, claim_lua, m->seq, m->nick, reclaim_done, q) < 0)
		free(q);
	return 0;
}

/* Every CHAT_REDIS_REFRESH_MS: keep our keys from expiring. */
static void refresh(void *state, pinetd_timer t, void *arg)
{
	struct chat_redis *r = arg;

	(void)state, (void)t;
	if (!r->shared)
		return;
	pinetd->foreach_conn(r->ch->svc, reclaim_one, r);
	list_write(r);
}

/* Called as each connection comes up: once both are, the room is
 * shared. */
static void link_connect(struct chat_redis *r)
{
	if (r->shared || !r->subscribed || !r->cmd.ac)
		return;
	r->shared = 1;
	r->backoff = 0;
	pinetd->timer_stop(r->t_connect);
	r->t_connect = 0;
	pinetd->log(r->ch->svc, PINETD_LOG_NOTICE,
		    "redis %s: room %s shared as node %s", r->url, r->channel,
		    r->node);
	if (r->told_down) {
		r->told_down = 0;
		chat__broadcast(r->ch, NULL, "%s", up_notice);
	}
	refresh(NULL, 0, r);
}

static void cmd_connected(const redisAsyncContext *ac, int status)
{
	struct chat_redis *r = ac->data;

	if (status != REDIS_OK) {
		link_down(r, ac->errstr);
		return;
	}
	link_connect(r);
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct chat_redis *r = ac->data;

	link_down(r, status == REDIS_OK ? "disconnected" : ac->errstr);
}

static void sub_connected(const redisAsyncContext *ac, int status)
{
	if (status != REDIS_OK)
		link_down(ac->data, ac->errstr);
}

/* Free what is left of both connections (outside hiredis's callbacks). */
static void link_reset(struct chat_redis *r)
{
	r->resetting = 1;
	if (r->cmd.ac)
		redisAsyncFree(r->cmd.ac);
	if (r->sub.ac)
		redisAsyncFree(r->sub.ac);
	r->resetting = 0;
	r->subscribed = 0;
	r->shared = 0;
}

static redisAsyncContext *open_one(struct chat_redis *r, struct chat_rev *e,
				   redisConnectCallback *on_connect)
{
	redisAsyncContext *ac = r->path ? redisAsyncConnectUnix(r->path)
					: redisAsyncConnect(r->host, r->port);

	if (!ac)
		return NULL;
	if (ac->err) {
		pinetd->log(r->ch->svc, PINETD_LOG_WARNING, "redis %s: %s",
			    r->url, ac->errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	ac->data = r;
	chat_rev_attach(e, r->ch->svc, ac);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	redisAsyncSetConnectCallback(ac, on_connect); /* asks for write */
	return ac;
}

static void connect_timeout(void *state, pinetd_timer t, void *arg)
{
	struct chat_redis *r = arg;

	(void)state, (void)t;
	r->t_connect = 0;
	if (!r->shared)
		link_down(r, "no answer within 2 s");
}

/* The retry timer: start both connections anew. */
static void link_start(void *state, pinetd_timer t, void *arg)
{
	struct chat_redis *r = arg;

	(void)state, (void)t;
	r->t_retry = 0;
	link_reset(r);
	if (!open_one(r, &r->cmd, cmd_connected) ||
	    !open_one(r, &r->sub, sub_connected) ||
	    redisAsyncCommand(r->sub.ac, sub_message, r, "SUBSCRIBE %s",
			      r->channel) != REDIS_OK) {
		link_down(r, "cannot connect");
		return;
	}
	r->t_connect = pinetd->timer_start(r->ch->svc, NULL,
					   CHAT_REDIS_CONNECT_MS, 0,
					   connect_timeout, r);
}

/*
 * link_down -- a connection failed or went (from inside hiredis's
 * callbacks, or a timer): the room is local from now on.  Tells the
 * members once, and retries after the backoff, which doubles with each
 * failure in a row.  The connections are freed by the retry, outside
 * hiredis.
 */
static void link_down(struct chat_redis *r, const char *why)
{
	if (r->resetting || r->t_retry)
		return;
	if (r->shared || !r->told_down || r->backoff == 0)
		pinetd->log(r->ch->svc, PINETD_LOG_WARNING,
			    "redis %s: %s: the room is local; retrying",
			    r->url, why ? why : "lost");
	r->shared = 0;
	r->subscribed = 0;
	pinetd->timer_stop(r->t_connect);
	r->t_connect = 0;
	if (!r->told_down) {
		r->told_down = 1;
		chat__broadcast(r->ch, NULL, "%s", down_notice);
	}
	r->backoff = r->backoff ? 2 * r->backoff : CHAT_REDIS_BACKOFF_MIN_MS;
	if (r->backoff > CHAT_REDIS_BACKOFF_MAX_MS)
		r->backoff = CHAT_REDIS_BACKOFF_MAX_MS;
	r->t_retry = pinetd->timer_start(r->ch->svc, NULL, r->backoff, 0,
					 link_start, r);
}

/* ---- the interface ---- */

int chat_redis_new(struct chat *ch, struct chat_redis **out, char *err,
		   size_t errlen)
{
	const struct chat_conf *cf = ch->conf;
	const char *room = cf->room[0] ? cf->room : pinetd->service_name(ch->svc);
	char host[256] = "";
	struct chat_redis *r;

	*out = NULL;
	if (!cf->redis[0])
		return 0;
	if (!name_ok(room) || (cf->node[0] && !name_ok(cf->node))) {
		snprintf(err, errlen, "room and node: 1-%d printable "
				      "characters without spaces",
			 CHAT_REDIS_NAME_MAX);
		return -1;
	}
	if (!(r = calloc(1, sizeof *r)))
		goto nomem;
	r->ch = ch;
	if (parse_url(r, cf->redis, err, errlen) < 0) {
		chat_redis_free(r);
		return -1;
	}
	if (!cf->node[0]) {
		gethostname(host, sizeof host - 1);
		if (asprintf(&r->node, "%.64s:%ld", host[0] ? host : "node",
			     (long)getpid()) < 0)
			r->node = NULL;
	} else {
		r->node = strdup(cf->node);
	}
	if (!r->node || !(r->url = strdup(cf->redis)) ||
	    asprintf(&r->channel, "pinetd:chat:%s", room) < 0 ||
	    asprintf(&r->nick_prefix, "pinetd:chat:%s:nick:", room) < 0 ||
	    asprintf(&r->who_key, "pinetd:chat:%s:who", room) < 0) {
		chat_redis_free(r);
		goto nomem;
	}
	r->epoch = (uint64_t)chat__wall_ms();
	r->t_retry = pinetd->timer_start(ch->svc, NULL, 0, 0, link_start, r);
	r->t_refresh = pinetd->timer_start(ch->svc, NULL, CHAT_REDIS_REFRESH_MS,
					   CHAT_REDIS_REFRESH_MS, refresh, r);
	if (!r->t_retry || !r->t_refresh) {
		chat_redis_free(r);
		goto nomem;
	}
	*out = r;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

void chat_redis_free(struct chat_redis *r)
{
	if (!r)
		return;
	if (r->shared)
		redisAsyncCommand(r->cmd.ac, NULL, NULL, "HDEL %s %s",
				  r->who_key, r->node);
	if (r->cmd.ac)
		redisAsyncHandleWrite(r->cmd.ac); /* best effort */
	link_reset(r);
	pinetd->timer_stop(r->t_connect);
	pinetd->timer_stop(r->t_retry);
	pinetd->timer_stop(r->t_refresh);
	for (size_t i = 0; i < r->npeers; i++)
		free(r->peers[i].node);
	free(r->peers);
	free(r->url);
	free(r->host);
	free(r->path);
	free(r->node);
	free(r->channel);
	free(r->nick_prefix);
	free(r->who_key);
	free(r);
}

int chat_redis_shared(const struct chat_redis *r)
{
	return r && r->shared;
}

void chat_redis_publish(struct chat_redis *r, int kind, pinetd_conn *c,
			const char *arg, const char *text, size_t len)
{
	const struct chat_member *m;
	struct chat_ev ev;
	char *msg;
	size_t n;

	if (!r)
		return;
	m = chat__member(c);
	if (!r->shared) {
		if (kind == CHAT_EV_JOIN && r->told_down)
			pinetd->send(c, down_notice, sizeof down_notice - 1);
		return;
	}
	ev = (struct chat_ev){
		.node = r->node, .epoch = r->epoch, .seq = ++r->seq,
		.kind = kind, .joined = m->joined,
		.addr = pinetd->peer_name(c), .nick = m->nick,
		.arg = kind == CHAT_EV_LINE ? chat_wire_eol_arg(arg) : arg,
		.text = text, .text_len = len,
	};
	if ((msg = chat_wire_encode(&ev, &n))) {
		redisAsyncCommand(r->cmd.ac, NULL, NULL, "PUBLISH %s %b",
				  r->channel, msg, n);
		free(msg);
	}
	if (kind == CHAT_EV_LEAVE && m->nick[0])
		nick_script(r, release_lua, m->seq, m->nick, NULL, NULL);
	if (kind == CHAT_EV_JOIN || kind == CHAT_EV_NICK ||
	    kind == CHAT_EV_LEAVE)
		list_write(r);
}

void chat_redis_claim(struct chat_redis *r, pinetd_conn *c, const char *nick)
{
	struct chat_req *q = calloc(1, sizeof *q);

	if (!q) {
		pinetd->sendf(c, "* out of memory, try again later\n");
		return;
	}
	*q = (struct chat_req){ .r = r, .seq = chat__member(c)->seq };
	snprintf(q->nick, sizeof q->nick, "%s", nick);
	if (nick_script(r, claim_lua, q->seq, nick, claim_done, q) < 0) {
		free(q);
		pinetd->sendf(c, "* nick %s: the shared room did not answer, "
				 "try again\n", nick);
	}
}

void chat_redis_release(struct chat_redis *r, pinetd_conn *c,
			const char *nick)
{
	if (r && r->shared)
		nick_script(r, release_lua, chat__member(c)->seq, nick, NULL,
			    NULL);
}

void chat_redis_who(struct chat_redis *r, pinetd_conn *c)
{
	struct chat_req *q = calloc(1, sizeof *q);

	if (q)
		*q = (struct chat_req){ .r = r, .seq = chat__member(c)->seq };
	if (!q || redisAsyncCommand(r->cmd.ac, who_done, q, "HGETALL %s",
				    r->who_key) != REDIS_OK) {
		free(q);
		chat__who_reply(r->ch, c, NULL, 0);
	}
}
