/*
 * discard.c -- the Discard Protocol, RFC 863.
 *
 * TCP: every byte received is thrown away; nothing is ever sent.  The
 * connection stays open until the peer closes it (or the service's
 * idle_timeout, if set, expires).
 * UDP: each datagram is thrown away; there is no reply.
 *
 * The plugin keeps no state and has no stream callback at all: the core
 * reads and drops the input of a service without on_data or on_line.
 */
#include <stddef.h>

#include <pinetd/plugin.h>

/* UDP needs a callback: one that does nothing. */
static void discard_datagram(void *state, pinetd_dgram *d, const char *buf,
			     size_t len)
{
	(void)state, (void)d, (void)buf, (void)len;
}

PINETD_PLUGIN_DEFINE(
	.name = "discard",
	.description = "Discard Protocol (RFC 863): input thrown away, "
		       "nothing sent",
	.transports = PINETD_TCP | PINETD_UDP,
	.on_datagram = discard_datagram,
);
