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
 *
 * The state is the option struct itself (no init): a reload that changes
 * close_word applies to the open connections at once.
 */
#include <string.h>

#include <pinetd/plugin.h>

struct echo_conf {
	const char *close_word;
};

static const struct pinetd_option echo_options[] = {
	PINETD_OPTION_STR("close_word", struct echo_conf, close_word, "",
			  "TCP: close after echoing a read that is this word "
			  "(trailing white space ignored); empty for never"),
	PINETD_OPTION_END,
};

/* Whether buf[0..len), without trailing white space, is the close word
 * (Python's data.rstrip() == word, as in the seed). */
static int is_close_word(const char *word, const char *buf, size_t len)
{
	while (len > 0 && memchr(" \t\r\n\v\f", buf[len - 1], 6))
		len--;
	return len > 0 && len == strlen(word) && memcmp(buf, word, len) == 0;
}

static void echo_data(void *state, pinetd_conn *c, const char *buf,
		      size_t len)
{
	const struct echo_conf *cf = state;

	pinetd->send(c, buf, len);
	if (cf->close_word[0] && is_close_word(cf->close_word, buf, len))
		pinetd->close(c);
}

static void echo_datagram(void *state, pinetd_dgram *d, const char *buf,
			  size_t len)
{
	(void)state;
	pinetd->reply(d, buf, len);
}

/* A new close_word: nothing to redo, the core swaps the struct. */
static int echo_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			    char *err, size_t errlen)
{
	(void)state, (void)svc, (void)conf, (void)err, (void)errlen;
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "echo",
	.description = "Echo Protocol (RFC 862): bytes back unchanged",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_REFLECT, /* answers any datagram */
	.options = echo_options,
	.conf_size = sizeof(struct echo_conf),
	.on_data = echo_data,
	.on_datagram = echo_datagram,
	.reconfigure = echo_reconfigure,
);
