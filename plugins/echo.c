/*
 * echo.c -- the Echo Protocol, RFC 862.
 *
 * TCP: every byte received is sent back unchanged, binary-safe, however
 * the stream is split.  The core's output queue and backpressure do the
 * hard part: when the peer stops reading, the core stops reading from it.
 * UDP: each datagram (0 to 65,507 bytes) goes back to its sender as is.
 */
#include <stdlib.h>

#include <pinetd/plugin.h>

struct echo {
	const struct pinetd_core *core;
};

static int echo_init(const struct pinetd_core *core, pinetd_svc *svc,
		     const void *conf, void **state, char *err, size_t errlen)
{
	struct echo *e = malloc(sizeof *e);

	(void)svc;
	(void)conf;
	(void)err;
	(void)errlen;
	if (!e)
		return -1;
	e->core = core;
	*state = e;
	return 0;
}

static void echo_fini(void *state)
{
	free(state);
}

static void echo_data(void *state, pinetd_conn *c, const char *buf,
		      size_t len)
{
	const struct echo *e = state;

	e->core->send(c, buf, len);
}

static void echo_datagram(void *state, pinetd_dgram *d, const char *buf,
			  size_t len)
{
	const struct echo *e = state;

	e->core->reply(d, buf, len);
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "echo",
	.description = "Echo Protocol (RFC 862): bytes back unchanged",
	.transports = PINETD_TCP | PINETD_UDP,
	.init = echo_init,
	.fini = echo_fini,
	.on_data = echo_data,
	.on_datagram = echo_datagram,
};
