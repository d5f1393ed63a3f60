/*
 * chat_redis_none.c -- chat_redis.h for a build without hiredis: the
 * room is always local, and the options that would share it are refused
 * at load.
 */
#include <stdio.h>

#include "chat_redis.h"

int chat_redis_new(struct chat *ch, struct chat_redis **out, char *err,
		   size_t errlen)
{
	const struct chat_conf *cf = ch->conf;

	*out = NULL;
	if (cf->redis[0] || cf->room[0] || cf->node[0]) {
		snprintf(err, errlen, "redis, room and node: pinetd was built "
				      "without hiredis (configure "
				      "--with-hiredis; Debian: libhiredis-dev)");
		return -1;
	}
	return 0;
}

void chat_redis_free(struct chat_redis *r)
{
	(void)r;
}

int chat_redis_shared(const struct chat_redis *r)
{
	(void)r;
	return 0;
}

void chat_redis_publish(struct chat_redis *r, int kind, pinetd_conn *c,
			const char *arg, const char *text, size_t len)
{
	(void)r, (void)kind, (void)c, (void)arg, (void)text, (void)len;
}

void chat_redis_claim(struct chat_redis *r, pinetd_conn *c, const char *nick)
{
	(void)r, (void)c, (void)nick;
}

void chat_redis_release(struct chat_redis *r, pinetd_conn *c,
			const char *nick)
{
	(void)r, (void)c, (void)nick;
}

void chat_redis_who(struct chat_redis *r, pinetd_conn *c)
{
	(void)r, (void)c;
}
