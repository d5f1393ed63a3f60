/*
 * ack.c -- acknowledge each message, as the classic socket tutorials'
 * servers do.
 *
 * TCP: each message is answered with `reply` ("I got your message") or, in
 * prefix mode, with `prefix` + the message ("OK...hello").  A message is a
 * line (framing = line, the default) or whatever one read returned
 * (framing = read: the C tutorial server answers each read(), so a client
 * that sends "Hello, World!" without a newline gets its answer).
 * Optionally a greeting on connect, a log line per message ("Here is the
 * message: ..."), and closing after the first reply (the C tutorial
 * server does that).
 * UDP: each datagram is answered with `udp_reply` ("Got your message") or,
 * in prefix mode, with `prefix` + the datagram's bytes unchanged.
 *
 * How a reply ends is `reply_end`: nothing, LF, CR LF, or the ending the
 * message came with ("same": a line's LF or CR LF, a read's or a
 * datagram's trailing LF or CR LF, if any).  The default, auto, is what
 * ack always did: LF, except that in prefix mode a datagram or a read
 * keeps its own bytes.
 */
#include <string.h>

#include <pinetd/plugin.h>

enum ack_mode { ACK_REPLY, ACK_PREFIX };
enum ack_framing { ACK_LINE, ACK_READ };
enum ack_end { END_AUTO, END_NONE, END_LF, END_CRLF, END_SAME };

/* The state is this struct itself (no init): a reload that changes an
 * option applies to the open connections at once (framing from the
 * next connection on). */
struct ack_conf {
	int32_t mode;
	const char *reply;
	const char *udp_reply;
	const char *prefix;
	const char *greeting;
	int32_t close_after_reply;
	int32_t log_messages;
	int32_t framing;
	int32_t reply_end;
};

/* One message: its text and the line ending it came with ("" if none). */
struct ack_msg {
	const char *text;
	size_t len;
	const char *end;
	size_t endlen;
};

static const char *const ack_modes[] = { "reply", "prefix", NULL };
static const char *const ack_framings[] = { "line", "read", NULL };
static const char *const ack_ends[] = { "auto", "none", "lf", "crlf", "same",
					NULL };

static const struct pinetd_option ack_options[] = {
	PINETD_OPTION_ENUM("mode", struct ack_conf, mode, "reply", ack_modes,
			   "reply: answer with the fixed reply; prefix: "
			   "answer with prefix + the message"),
	PINETD_OPTION_STR("reply", struct ack_conf, reply,
			  "I got your message",
			  "TCP answer to each message in reply mode"),
	PINETD_OPTION_STR("udp_reply", struct ack_conf, udp_reply,
			  "Got your message",
			  "UDP answer to each datagram in reply mode"),
	PINETD_OPTION_STR("prefix", struct ack_conf, prefix, "OK...",
			  "what goes before the message in prefix mode"),
	PINETD_OPTION_STR("greeting", struct ack_conf, greeting, "",
			  "line sent on connect (TCP); empty for none"),
	PINETD_OPTION_BOOL("close_after_reply", struct ack_conf,
			   close_after_reply, 0,
			   "close the connection after the first reply"),
	PINETD_OPTION_BOOL("log_messages", struct ack_conf, log_messages, 0,
			   "log \"Here is the message: ...\" for each message"),
	PINETD_OPTION_ENUM("framing", struct ack_conf, framing, "line",
			   ack_framings,
			   "TCP message: line (LF or CR LF), or read (what one "
			   "read returns, one reply each)"),
	PINETD_OPTION_ENUM("reply_end", struct ack_conf, reply_end, "auto",
			   ack_ends,
			   "after each reply: none, lf, crlf, same (the "
			   "message's own ending); auto: lf, but a read or a "
			   "datagram keeps its bytes in prefix mode"),
	PINETD_OPTION_END,
};

static int ack_open(void *state, pinetd_conn *c)
{
	const struct ack_conf *cf = state;

	if (cf->framing == ACK_READ)
		pinetd->frame_reads(c, 1);
	if (cf->greeting[0])
		pinetd->sendf(c, "%s\n", cf->greeting);
	return 0;
}

/* A read or a datagram as a message: one trailing LF or CR LF is its
 * ending, the rest its text. */
static struct ack_msg split_end(const char *buf, size_t len)
{
	struct ack_msg m = { .text = buf, .len = len, .end = "", .endlen = 0 };

	if (len >= 2 && buf[len - 2] == '\r' && buf[len - 1] == '\n') {
		m.end = buf + len - 2;
		m.endlen = 2;
	} else if (len >= 1 && buf[len - 1] == '\n') {
		m.end = buf + len - 1;
		m.endlen = 1;
	}
	m.len = len - m.endlen;
	return m;
}

/*
 * What ends the reply to m, by reply_end.  `whole` says that m is a read
 * or a datagram, which auto keeps as it came in prefix mode (ack's
 * behaviour before reply_end existed); a line gets LF.
 */
static void reply_end(const struct ack_conf *cf, const struct ack_msg *m,
		      int whole, const char **end, size_t *len)
{
	switch (cf->reply_end) {
	case END_NONE:
		*end = "";
		*len = 0;
		return;
	case END_CRLF:
		*end = "\r\n";
		*len = 2;
		return;
	case END_SAME:
		*end = m->end;
		*len = m->endlen;
		return;
	case END_AUTO:
		if (cf->mode == ACK_PREFIX && whole) {
			*end = m->end;
			*len = m->endlen;
			return;
		}
		break;
	}
	*end = "\n"; /* END_LF, and END_AUTO otherwise */
	*len = 1;
}

/* The reply's text to m: the fixed reply or the prefix and m (one or two
 * pieces into iov).  Returns the number of pieces. */
static int reply_text(const struct ack_conf *cf, const struct ack_msg *m,
		      const char *fixed, struct iovec iov[2])
{
	if (cf->mode != ACK_PREFIX) {
		iov[0] = (struct iovec){ (void *)fixed, strlen(fixed) };
		return 1;
	}
	iov[0] = (struct iovec){ (void *)cf->prefix, strlen(cf->prefix) };
	iov[1] = (struct iovec){ (void *)m->text, m->len };
	return 2;
}

/* Answer one TCP message (a line or a read) with one sendv: one write,
 * one TCP segment per answer. */
static void ack_answer(const struct ack_conf *cf, pinetd_conn *c,
		       const struct ack_msg *m, int whole)
{
	struct iovec iov[3];
	const char *end;
	int n;

	if (cf->log_messages)
		pinetd->log(pinetd->conn_service(c), PINETD_LOG_INFO,
			    "Here is the message: %.*s", (int)m->len, m->text);
	n = reply_text(cf, m, cf->reply, iov);
	reply_end(cf, m, whole, &end, &iov[n].iov_len);
	iov[n++].iov_base = (void *)end;
	pinetd->sendv(c, iov, n);
	if (cf->close_after_reply)
		pinetd->close(c);
}

static void ack_line(void *state, pinetd_conn *c, char *line, size_t len,
		     uint32_t flags)
{
	struct ack_msg m = { .text = line, .len = len, .end = "\n", .endlen = 1 };

	if (flags & PINETD_LINE_CRLF) {
		m.end = "\r\n";
		m.endlen = 2;
	} else if (flags & PINETD_LINE_NOEOL) {
		m.end = "";
		m.endlen = 0;
	}
	ack_answer(state, c, &m, 0);
}

/* framing = read: what one read returned is one message. */
static void ack_data(void *state, pinetd_conn *c, const char *buf, size_t len)
{
	struct ack_msg m = split_end(buf, len);

	ack_answer(state, c, &m, 1);
}

/* Append up to len bytes of src to out[*n..cap). */
static void put(char *out, size_t *n, size_t cap, const char *src, size_t len)
{
	if (len > cap - *n)
		len = cap - *n;
	memcpy(out + *n, src, len);
	*n += len;
}

static void ack_datagram(void *state, pinetd_dgram *d, const char *buf,
			 size_t len)
{
	const struct ack_conf *cf = state;
	char out[65507]; /* the largest UDP payload over IPv4 */
	struct ack_msg m = split_end(buf, len);
	struct iovec iov[2];
	const char *end;
	size_t endlen, n = 0;
	int k;

	if (cf->log_messages)
		pinetd->log(pinetd->dgram_service(d), PINETD_LOG_INFO,
			    "Here is the message: %.*s", (int)len, buf);
	reply_end(cf, &m, 1, &end, &endlen);
	/* The reply must still fit one datagram: its ending is kept, the
	 * text before it cut. */
	if (endlen > sizeof out)
		endlen = 0;
	k = reply_text(cf, &m, cf->udp_reply, iov);
	for (int i = 0; i < k; i++)
		put(out, &n, sizeof out - endlen, iov[i].iov_base,
		    iov[i].iov_len);
	put(out, &n, sizeof out, end, endlen);
	pinetd->reply(d, out, n);
}

/* New options: nothing to redo, the core swaps the struct. */
static int ack_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			   char *err, size_t errlen)
{
	(void)state, (void)svc, (void)conf, (void)err, (void)errlen;
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "ack",
	.description = "acknowledge each message (\"I got your message\", "
		       "\"OK...\" + text)",
	.transports = PINETD_TCP | PINETD_UDP,
	/* Lines (or reads: pinetd->frame_reads); answers any datagram. */
	.flags = PINETD_PF_LINES | PINETD_PF_REFLECT,
	.options = ack_options,
	.conf_size = sizeof(struct ack_conf),
	.on_open = ack_open,
	.on_line = ack_line,
	.on_data = ack_data,
	.on_datagram = ack_datagram,
	.reconfigure = ack_reconfigure,
);
