/*
 * core.c -- the helpers handed to plugins: thin adapters from the public
 * API (include/pinetd/plugin.h) to the connection, datagram and server
 * modules.
 */
#include "core.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "ctl.h"
#include "dgram.h"
#include "log.h"
#include "plugev.h"
#include "runtime.h"
#include "spawn.h"

static time_t start_time;
static struct pn_server *current; /* for core->now */

void pn_core_set_start_time(time_t t) { start_time = t; }
void pn_core_set_server(struct pn_server *srv) { current = srv; }

static int64_t core_start_time(void) { return (int64_t)start_time; }

static uint64_t core_now(void)
{
	return current ? pn_loop_now(&current->loop) : 0;
}

/* Format into a stack buffer, or the heap when it does not fit. */
static int core_vsendf(pinetd_conn *c, const char *fmt, va_list ap)
{
	char small[512], *big = NULL;
	va_list again;
	int n, rc;

	va_copy(again, ap);
	n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0 || (size_t)n < sizeof small) {
		va_end(again);
		return n < 0 ? -1 : pn_conn_send(c, small, (size_t)n);
	}
	n = vasprintf(&big, fmt, again);
	va_end(again);
	if (n < 0)
		return -1;
	rc = pn_conn_send(c, big, (size_t)n);
	free(big);
	return rc;
}

static int core_sendf(pinetd_conn *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = core_vsendf(c, fmt, ap);
	va_end(ap);
	return rc;
}

static void core_close(pinetd_conn *c)
{
	pn_conn_close(c, PINETD_CLOSE_PLUGIN, 1);
}

static const char *core_service_name(const pinetd_svc *s)
{
	return s->conf->name;
}

/* A plugin's line: its level clamped to the syslog range we use. */
static void core_vlog(pinetd_svc *s, int level, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof msg, fmt, ap);
	if (level < PINETD_LOG_ERR)
		level = PINETD_LOG_ERR;
	if (level > PINETD_LOG_DEBUG)
		level = PINETD_LOG_DEBUG;
	if (s)
		pn_log(level, "service '%s': %s", s->conf->name, msg);
	else
		pn_log(level, "plugin: %s", msg);
}

static void core_log(pinetd_svc *s, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	core_vlog(s, level, fmt, ap);
	va_end(ap);
}

/* A running service of this worker called name, or NULL. */
static const pinetd_svc *local_service(const struct pn_server *srv,
				       const char *name)
{
	for (const pinetd_svc *o = srv->svcs; o; o = o->next)
		if (strcmp(o->conf->name, name) == 0)
			return o;
	return NULL;
}

static int local_info(const pinetd_svc *o,
		      int (*fn)(const struct pinetd_service_info *, void *),
		      void *arg)
{
	struct pinetd_service_info info = {
		.size = sizeof info,
		.name = o->conf->name,
		.plugin = o->desc->name,
		.listen = (const char *const *)o->conf->listen,
		.nlisten = o->conf->nlisten,
		.connections = o->nconns,
		.enabled = o->conf->enabled,
	};
	return fn(&info, arg);
}

/*
 * Every service of the daemon: the supervisor's list (sent to each
 * worker at start and on every reload and heartbeat round), with this
 * worker's own services answered live.  Without a list (a plugin test,
 * a process-mode child) only this server's services.
 */
static int core_foreach_service(pinetd_svc *s,
				int (*fn)(const struct pinetd_service_info *,
					  void *),
				void *arg)
{
	const struct pn_server *srv = s->srv;
	const unsigned char *p = srv->svcinfo, *end = p + srv->svcinfo_len;
	int rc;

	if (!p) {
		for (const pinetd_svc *o = srv->svcs; o; o = o->next)
			if ((rc = local_info(o, fn, arg)) != 0)
				return rc;
		return 0;
	}
	while (p + sizeof(struct pn_ctl_svcinfo) <= end) {
		struct pn_ctl_svcinfo h;
		const char *listen[64];
		memcpy(&h, p, sizeof h);
		if (h.size < sizeof h || h.size > (size_t)(end - p))
			break;
		const char *str = (const char *)p + sizeof h;
		const char *stop = (const char *)p + h.size;
		const char *name = str, *plugin;
		size_t n = 0;
		plugin = name + strnlen(name, (size_t)(stop - name)) + 1;
		const char *q = plugin + (plugin < stop ? strnlen(plugin, (size_t)(stop - plugin)) + 1 : 0);
		for (; n < h.nlisten && n < 64 && q < stop; n++) {
			listen[n] = q;
			q += strnlen(q, (size_t)(stop - q)) + 1;
		}
		p += h.size;
		if (plugin >= stop || q > stop)
			break; /* malformed: the rest cannot be trusted */
		const pinetd_svc *o = local_service(srv, name);
		if (o) {
			rc = local_info(o, fn, arg);
		} else {
			struct pinetd_service_info info = {
				.size = sizeof info,
				.name = name,
				.plugin = plugin,
				.listen = listen,
				.nlisten = n,
				.connections = (unsigned long)h.connections,
				.enabled = h.enabled,
			};
			rc = fn(&info, arg);
		}
		if (rc)
			return rc;
	}
	return 0;
}

const struct pinetd_core pn_core = {
	.abi = PINETD_ABI_VERSION,
	.size = sizeof(struct pinetd_core),
	.send = pn_conn_send,
	.sendv = pn_conn_sendv,
	.sendf = core_sendf,
	.vsendf = core_vsendf,
	.pending = pn_conn_pending,
	.want_drain = pn_conn_want_drain,
	.close = core_close,
	.shutdown = pn_conn_shutdown,
	.pause = pn_conn_pause,
	.frame_reads = pn_conn_frame_reads,
	.peer_name = pn_conn_peer_name,
	.peer_addr = pn_conn_peer_addr,
	.local_addr = pn_conn_local_addr,
	.conn_data = pn_conn_data,
	.conn_service = pn_conn_service,
	.conn_fd = pn_conn_fd,
	.foreach_conn = pn_conn_foreach,
	.reply = pn_dgram_reply,
	.replyv = pn_dgram_replyv,
	.dgram_peer_name = pn_dgram_peer_name,
	.dgram_peer_addr = pn_dgram_peer_addr,
	.dgram_service = pn_dgram_service,
	.dgram_keep = pn_dgram_keep,
	.dgram_release = pn_dgram_release,
	.timer_start = pn_pev_timer,
	.timer_stop = pn_pev_timer_stop,
	.watch = pn_pev_watch,
	.watch_set = pn_pev_watch_set,
	.watch_close = pn_pev_watch_close,
	.child_watch = pn_pev_child,
	.spawn = pn_spawn_conn,
	.spawn_wait = pn_spawn_wait,
	.service_name = core_service_name,
	.log = core_log,
	.vlog = core_vlog,
	.foreach_service = core_foreach_service,
	.start_time = core_start_time,
	.now = core_now,
};
