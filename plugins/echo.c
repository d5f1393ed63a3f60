/*
 * echo.c -- the Echo Protocol, RFC 862.
 *
 * TCP: every byte received is sent back unchanged, binary-safe, however
 * the stream is split.  The core's output queue and backpressure do the
 * hard part: when the peer stops reading, the core stops reading from it.
 * With `close_word` set, the connection also ends (after the echo) when
 * one read, without its trailing white space, is that word: the seed
 * tutorial's threaded echo server closes on "close".
 * UDP: each datagram (0 to 65,507 bytes) goes back to its sender as is.
 */
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

struct echo_conf {
	const char *close_word;
};

struct echo {
	const struct pinetd_core *core;
	const struct echo_conf *conf;
	size_t close_len;
};

static const struct pinetd_option echo_options[] = {
	PINETD_OPTION_STR("close_word", struct echo_conf, close_word, "",
			  "TCP: close after echoing a read that is this word "
			  "(trailing white space ignored); empty for never"),
	PINETD_OPTION_END,
};

static int echo_init(const struct pinetd_core *core, pinetd_svc *svc,
		     const void *conf, void **state, char *err, size_t errlen)
{
	struct echo *e = malloc(sizeof *e);

	(void)svc;
	(void)err;
	(void)errlen;
	if (!e)
		return -1;
	e->core = core;
	e->conf = conf;
	e->close_len = strlen(e->conf->close_word);
	*state = e;
	return 0;
}

static void echo_fini(void *state)
{
	free(state);
}

/* Whether buf[0..len), without trailing white space, is the close word
 * (Python's data.rstrip() == word, as in the seed). */
static int is_close_word(const struct echo *e, const char *buf, size_t len)
{
	while (len > 0 && memchr(" \t\r\n\v\f", buf[len - 1], 6))
		len--;
	return e->close_len > 0 && len == e->close_len &&
	       memcmp(buf, e->conf->close_word, len) == 0;
}

static void echo_data(void *state, pinetd_conn *c, const char *buf,
		      size_t len)
{
	const struct echo *e = state;

	e->core->send(c, buf, len);
	if (e->close_len && is_close_word(e, buf, len))
		e->core->close(c);
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
	.flags = PINETD_PF_REFLECT, /* answers any datagram */
	.options = echo_options,
	.conf_size = sizeof(struct echo_conf),
	.init = echo_init,
	.fini = echo_fini,
	.on_data = echo_data,
	.on_datagram = echo_datagram,
};
