/*
 * daytime.c -- the Daytime Protocol, RFC 867.
 *
 * RFC 867 leaves the format open ("the daytime should be just ASCII
 * printing characters"); this plugin sends the line BSD inetd sends, the
 * ctime(3) format with CR LF:
 *
 *	"Sat Nov 21 05:16:36 2026\r\n"
 *
 * that is weekday and month as three English letters, the day of the month
 * space-padded to two columns ("Nov  1"), 24-hour time, the year.  The
 * names come from tables, not from the locale.
 *
 * Option `utc` (default yes): the time in UTC.  With `utc = false` the
 * time is local time in the daemon's time zone (TZ, else /etc/localtime),
 * exactly as BSD inetd's ctime() line.  The line carries no zone name,
 * which is why the default is the one zone a client can assume.
 *
 * TCP: the line, then the connection is closed (after the line is
 * written); input is ignored.  UDP: each datagram, whatever its content,
 * is answered with the line.
 */
#include <stdio.h>
#include <time.h>

#include <pinetd/plugin.h>

/* Long enough for any year an int holds: 3+1+3+1+2+1+8+1+11+2+1 = 34. */
#define DAYTIME_MAX 40

/* The state is this struct itself (no init). */
struct daytime_conf {
	int32_t utc;
};

static const char daytime_days[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat",
};

static const char daytime_months[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

static const struct pinetd_option daytime_options[] = {
	PINETD_OPTION_BOOL("utc", struct daytime_conf, utc, 1,
			   "the time in UTC (yes) or in the daemon's local "
			   "time zone (no)"),
	PINETD_OPTION_END,
};

/*
 * daytime_format -- write the daytime line for t ("Sat Nov 21 05:16:36
 * 2026\r\n", NUL-terminated) into buf of DAYTIME_MAX bytes, in UTC when
 * utc is non-zero, else in local time.  Returns the line's length, or 0
 * when t cannot be broken down (a year beyond int).
 */
static size_t daytime_format(time_t t, int utc, char buf[DAYTIME_MAX])
{
	struct tm tm;
	int n;

	if (!utc)
		tzset(); /* localtime_r() is not required to read TZ */
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
		return 0;
	if (tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11)
		return 0;
	n = snprintf(buf, DAYTIME_MAX, "%s %s %2d %02d:%02d:%02d %ld\r\n",
		     daytime_days[tm.tm_wday], daytime_months[tm.tm_mon],
		     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		     (long)tm.tm_year + 1900);
	if (n < 0 || n >= DAYTIME_MAX)
		return 0;
	return (size_t)n;
}

/* daytime_now -- the line for the current time into buf; 0 on failure,
 * which is logged for svc. */
static size_t daytime_now(const struct daytime_conf *cf, pinetd_svc *svc,
			  char buf[DAYTIME_MAX])
{
	size_t n = daytime_format(time(NULL), cf->utc, buf);

	if (n == 0)
		pinetd->log(svc, PINETD_LOG_ERR,
			    "cannot format the current time");
	return n;
}

/* The line, then close; input is thrown away (RFC 867: "Any data
 * received is thrown away"): no on_data, the core drops it. */
static int daytime_open(void *state, pinetd_conn *c)
{
	char line[DAYTIME_MAX];
	size_t n = daytime_now(state, pinetd->conn_service(c), line);

	if (n > 0)
		pinetd->send(c, line, n);
	pinetd->close(c);
	return 0;
}

static void daytime_datagram(void *state, pinetd_dgram *d, const char *buf,
			     size_t len)
{
	char line[DAYTIME_MAX];
	size_t n = daytime_now(state, pinetd->dgram_service(d), line);

	(void)buf;
	(void)len;
	if (n > 0)
		pinetd->reply(d, line, n);
}

/* A new `utc`: nothing to redo, the core swaps the struct. */
static int daytime_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			       char *err, size_t errlen)
{
	(void)state, (void)svc, (void)conf, (void)err, (void)errlen;
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "daytime",
	.description = "Daytime Protocol (RFC 867): the date and time as "
		       "one ctime(3) line",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_REFLECT, /* answers any datagram */
	.options = daytime_options,
	.conf_size = sizeof(struct daytime_conf),
	.on_open = daytime_open,
	.on_datagram = daytime_datagram,
	.reconfigure = daytime_reconfigure,
);
