/*
 * chat_redis_ev.c -- hiredis's event hooks as pinetd watches.
 *
 * hiredis asks for read and write readiness through five hooks; each
 * maps to one watch on the context's descriptor, created at the first
 * request and changed with watch_set after.  The watch is level
 * triggered, like the adapters hiredis ships (libevent, libev, ae).
 */
#include <pinetd/plugin.h>

#include "chat_redis_ev.h"

/* Tell the core what hiredis wants now. */
static void rev_apply(struct chat_rev *e);

/* The descriptor is ready: let hiredis read and write.  A read may end
 * the context (hiredis frees it and its cleanup clears e->ac), so e->ac
 * is looked at again before the write. */
static void rev_ready(void *state, pinetd_watch w, int fd, uint32_t events,
		      void *arg)
{
	struct chat_rev *e = arg;

	(void)state, (void)w, (void)fd;
	if (e->ac && (events & (PINETD_READABLE | PINETD_HANGUP)))
		redisAsyncHandleRead(e->ac);
	if (e->ac && (events & PINETD_WRITABLE))
		redisAsyncHandleWrite(e->ac);
}

static void rev_apply(struct chat_rev *e)
{
	if (e->w) {
		pinetd->watch_set(e->w, e->events);
		return;
	}
	if (!e->events || !e->ac)
		return;
	e->w = pinetd->watch(e->svc, NULL, e->ac->c.fd, e->events, rev_ready,
			     e);
	if (!e->w)
		pinetd->log(e->svc, PINETD_LOG_ERR,
			    "redis: cannot watch descriptor %d (out of memory?)",
			    e->ac->c.fd);
}

static void rev_add_read(void *p)
{
	struct chat_rev *e = p;

	e->events |= PINETD_READABLE;
	rev_apply(e);
}

static void rev_del_read(void *p)
{
	struct chat_rev *e = p;

	e->events &= ~PINETD_READABLE;
	rev_apply(e);
}

static void rev_add_write(void *p)
{
	struct chat_rev *e = p;

	e->events |= PINETD_WRITABLE;
	rev_apply(e);
}

static void rev_del_write(void *p)
{
	struct chat_rev *e = p;

	e->events &= ~PINETD_WRITABLE;
	rev_apply(e);
}

/* hiredis is freeing the context (before it closes the descriptor). */
static void rev_cleanup(void *p)
{
	struct chat_rev *e = p;

	if (e->w)
		pinetd->watch_close(e->w);
	e->w = 0;
	e->events = 0;
	e->ac = NULL;
}

int chat_rev_attach(struct chat_rev *e, pinetd_svc *svc,
		    redisAsyncContext *ac)
{
	if (ac->ev.data)
		return -1;
	*e = (struct chat_rev){ .svc = svc, .ac = ac };
	ac->ev.data = e;
	ac->ev.addRead = rev_add_read;
	ac->ev.delRead = rev_del_read;
	ac->ev.addWrite = rev_add_write;
	ac->ev.delWrite = rev_del_write;
	ac->ev.cleanup = rev_cleanup;
	return 0;
}
