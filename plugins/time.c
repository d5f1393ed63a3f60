/*
 * time.c -- the Time Protocol, RFC 868.
 *
 * The time is the number of seconds since 1900-01-01 00:00 UTC as a
 * 32-bit unsigned integer in network byte order (big-endian): the Unix
 * time plus 2,208,988,800, truncated to 32 bits.  The value wraps to 0 on
 * 2036-02-07 06:28:16 UTC (Unix time 2,085,978,496), which RFC 868's
 * clients are expected to handle; the plugin just keeps counting mod 2^32.
 *
 * TCP: the four bytes, then the connection is closed (after they are
 * written); input is ignored.  UDP: each datagram, whatever its content,
 * is answered with the four bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <pinetd/plugin.h>

/* Seconds from 1900-01-01 to 1970-01-01: 70 years, 17 of them leap. */
#define TIME_1900_TO_1970 2208988800u

enum { TIME_LEN = 4 };

struct time_state {
	const struct pinetd_core *core;
};

/*
 * time_encode -- the RFC 868 value of Unix time t into out, big-endian.
 * The arithmetic is mod 2^32 throughout, so times past the 2036 wrap (and
 * before 1970) come out as RFC 868 counts them.
 */
static void time_encode(time_t t, unsigned char out[TIME_LEN])
{
	uint32_t v = (uint32_t)((uint64_t)t + TIME_1900_TO_1970);

	out[0] = (unsigned char)(v >> 24);
	out[1] = (unsigned char)(v >> 16);
	out[2] = (unsigned char)(v >> 8);
	out[3] = (unsigned char)v;
}

static int time_init(const struct pinetd_core *core, pinetd_svc *svc,
		     const void *conf, void **state, char *err, size_t errlen)
{
	struct time_state *ts = malloc(sizeof *ts);

	(void)svc;
	(void)conf;
	(void)err;
	(void)errlen;
	if (!ts)
		return -1;
	ts->core = core;
	*state = ts;
	return 0;
}

static void time_fini(void *state)
{
	free(state);
}

static int time_open(void *state, pinetd_conn *c)
{
	const struct time_state *ts = state;
	unsigned char v[TIME_LEN];

	time_encode(time(NULL), v);
	ts->core->send(c, v, sizeof v);
	ts->core->close(c);
	return 0;
}

/* The server sends without waiting for input; any input is ignored. */
static void time_data(void *state, pinetd_conn *c, const char *buf,
		      size_t len)
{
	(void)state;
	(void)c;
	(void)buf;
	(void)len;
}

static void time_datagram(void *state, pinetd_dgram *d, const char *buf,
			  size_t len)
{
	const struct time_state *ts = state;
	unsigned char v[TIME_LEN];

	(void)buf;
	(void)len;
	time_encode(time(NULL), v);
	ts->core->reply(d, v, sizeof v);
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "time",
	.description = "Time Protocol (RFC 868): seconds since 1900 as "
		       "4 big-endian bytes",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_REFLECT, /* answers any datagram */
	.init = time_init,
	.fini = time_fini,
	.on_open = time_open,
	.on_data = time_data,
	.on_datagram = time_datagram,
};
