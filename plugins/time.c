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
#include <time.h>

#include <pinetd/plugin.h>

/* Seconds from 1900-01-01 to 1970-01-01: 70 years, 17 of them leap. */
#define TIME_1900_TO_1970 2208988800u

enum { TIME_LEN = 4 };

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

/* The four bytes, then close; input is ignored (no on_data: the core
 * drops it).  No state: no init. */
static int time_open(void *state, pinetd_conn *c)
{
	unsigned char v[TIME_LEN];

	(void)state;
	time_encode(time(NULL), v);
	pinetd->send(c, v, sizeof v);
	pinetd->close(c);
	return 0;
}

static void time_datagram(void *state, pinetd_dgram *d, const char *buf,
			  size_t len)
{
	unsigned char v[TIME_LEN];

	(void)state, (void)buf, (void)len;
	time_encode(time(NULL), v);
	pinetd->reply(d, v, sizeof v);
}

PINETD_PLUGIN_DEFINE(
	.name = "time",
	.description = "Time Protocol (RFC 868): seconds since 1900 as "
		       "4 big-endian bytes",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_REFLECT, /* answers any datagram */
	.on_open = time_open,
	.on_datagram = time_datagram,
);
