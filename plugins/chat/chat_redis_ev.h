/*
 * chat_redis_ev.h -- hiredis's asynchronous contexts driven by the
 * plugin API's descriptor watches (internal: not installed).
 */
#ifndef CHAT_REDIS_EV_H
#define CHAT_REDIS_EV_H

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <pinetd/plugin.h>

/*
 * One hiredis context bound to the event loop.  It lives as long as its
 * owner, not as long as the context: hiredis frees a context on its own
 * (an error, a disconnect) and then calls its cleanup hook, which clears
 * `ac`; `ac` is NULL whenever there is no live context.
 */
struct chat_rev {
	pinetd_svc *svc;
	redisAsyncContext *ac;
	pinetd_watch w;	 /* 0: none yet */
	uint32_t events; /* PINETD_READABLE | PINETD_WRITABLE hiredis wants */
};

/*
 * chat_rev_attach -- hook e into ac's event hooks: hiredis's addRead,
 * delRead, addWrite and delWrite become a watch on its descriptor
 * (hiredis owns and closes the descriptor: no PINETD_WATCH_OWN_FD), its
 * cleanup ends the watch.  Call before redisAsyncSetConnectCallback,
 * which asks for the first write event.  Returns 0, or -1 when ac
 * already has hooks.
 */
int chat_rev_attach(struct chat_rev *e, pinetd_svc *svc,
		    redisAsyncContext *ac);

#endif
