/*
 * chat_redis.h -- a chat room shared by several nodes through Redis
 * (internal: not installed).
 *
 * With the `redis` option set, a node publishes each event of its
 * members (chat_wire.h) on the room's Redis channel and turns the other
 * nodes' events into notices for its own members; nicks are claimed in
 * Redis keys with an expiry, and each node keeps its member list in the
 * room's hash, both refreshed by a timer.  A node delivers its own
 * events locally at once, as an unshared room does, and ignores its own
 * echo.  While Redis is out of reach the room goes on locally: its
 * members are told once, and again once it is shared again.
 *
 * chat_redis.c holds it, chat_redis_ev.c binds hiredis to the event
 * loop; built without hiredis, chat_redis_none.c refuses the options.
 * Every function accepts r == NULL (an unshared room) and does nothing.
 */
#ifndef CHAT_REDIS_H
#define CHAT_REDIS_H

#include <stddef.h>

#include <pinetd/plugin.h>

#include "chat.h"

struct chat_redis;

/*
 * chat_redis_new -- share ch's room as its options say: *out is NULL
 * when `redis` is empty (a local room), else the link, which starts
 * connecting from the event loop.  Returns 0, or -1 with a one-line
 * reason in err (a bad URL, room or node; built without hiredis).
 */
int chat_redis_new(struct chat *ch, struct chat_redis **out, char *err,
		   size_t errlen);

/* chat_redis_free -- leave the shared room (best effort) and free r. */
void chat_redis_free(struct chat_redis *r);

/* chat_redis_shared -- 1 while r is connected to Redis, else 0. */
int chat_redis_shared(const struct chat_redis *r);

/*
 * chat_redis_publish -- tell the other nodes about an event of member c
 * (kind: enum chat_ev_kind) that was just delivered locally: arg and
 * text as in chat_wire.h.  Joins, nick changes and departures also
 * update the node's member list; a departure releases the member's
 * nick.  Dropped while Redis is out of reach.
 */
void chat_redis_publish(struct chat_redis *r, int kind, pinetd_conn *c,
			const char *arg, const char *text, size_t len);

/*
 * chat_redis_claim -- /nick while shared: claim `nick` for c in Redis;
 * when the claim succeeds, chat__nick_set gives it to c (if c is still
 * there and no local member took it), else c is told the nick is taken.
 */
void chat_redis_claim(struct chat_redis *r, pinetd_conn *c, const char *nick);

/* chat_redis_release -- c gave up `nick` (another nick, not a change of
 * case): free its claim. */
void chat_redis_release(struct chat_redis *r, pinetd_conn *c,
			const char *nick);

/* chat_redis_who -- /who while shared: answer c with the whole room's
 * members (chat__who_reply) once Redis has answered. */
void chat_redis_who(struct chat_redis *r, pinetd_conn *c);

#endif
