/*
 * discard.c -- the Discard Protocol, RFC 863.
 *
 * TCP: every byte received is thrown away; nothing is ever sent.  The
 * connection stays open until the peer closes it (or the service's
 * idle_timeout, if set, expires).
 * UDP: each datagram is thrown away; there is no reply.
 *
 * The plugin keeps no state at all: the core already reads the socket, so
 * doing nothing with the bytes is the whole service.
 */
#include <stddef.h>

#include <pinetd/plugin.h>

static int discard_init(const struct pinetd_core *core, pinetd_svc *svc,
			const void *conf, void **state, char *err,
			size_t errlen)
{
	(void)core;
	(void)svc;
	(void)conf;
	(void)err;
	(void)errlen;
	*state = NULL;
	return 0;
}

static void discard_data(void *state, pinetd_conn *c, const char *buf,
			 size_t len)
{
	(void)state;
	(void)c;
	(void)buf;
	(void)len;
}

static void discard_datagram(void *state, pinetd_dgram *d, const char *buf,
			     size_t len)
{
	(void)state;
	(void)d;
	(void)buf;
	(void)len;
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "discard",
	.description = "Discard Protocol (RFC 863): input thrown away, "
		       "nothing sent",
	.transports = PINETD_TCP | PINETD_UDP,
	.init = discard_init,
	.on_data = discard_data,
	.on_datagram = discard_datagram,
};
