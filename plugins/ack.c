/*
 * ack.c -- acknowledge each message, as the classic socket tutorials'
 * servers do.
 *
 * TCP: each line is answered with `reply` ("I got your message") or, in
 * prefix mode, with `prefix` + the line ("OK...hello").  Optionally a
 * greeting on connect, a log line per message ("Here is the message: ..."),
 * and closing after the first reply (the C tutorial server does that).
 * UDP: each datagram is answered with `udp_reply` ("Got your message") or,
 * in prefix mode, with `prefix` + the datagram's bytes unchanged.
 */
#include <stdlib.h>
#include <string.h>

#include <pinetd/plugin.h>

enum ack_mode { ACK_REPLY, ACK_PREFIX };

struct ack_conf {
	int mode;
	const char *reply;
	const char *udp_reply;
	const char *prefix;
	const char *greeting;
	int close_after_reply;
	int log_messages;
};

struct ack {
	const struct pinetd_core *core;
	pinetd_svc *svc;
	const struct ack_conf *conf;
	size_t prefix_len;
};

static const char *const ack_modes[] = { "reply", "prefix", NULL };

static const struct pinetd_option ack_options[] = {
	PINETD_OPTION_ENUM("mode", struct ack_conf, mode, ACK_REPLY, ack_modes,
			   "reply: answer with the fixed reply; prefix: "
			   "answer with prefix + the message"),
	PINETD_OPTION_STR("reply", struct ack_conf, reply,
			  "I got your message",
			  "TCP answer to each line in reply mode"),
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
	PINETD_OPTION_END,
};

static int ack_init(const struct pinetd_core *core, pinetd_svc *svc,
		    const void *conf, void **state, char *err, size_t errlen)
{
	struct ack *a = malloc(sizeof *a);

	(void)err;
	(void)errlen;
	if (!a)
		return -1;
	a->core = core;
	a->svc = svc;
	a->conf = conf;
	a->prefix_len = strlen(a->conf->prefix);
	*state = a;
	return 0;
}

static void ack_fini(void *state)
{
	free(state);
}

static int ack_open(void *state, pinetd_conn *c)
{
	const struct ack *a = state;

	if (a->conf->greeting[0])
		a->core->sendf(c, "%s\n", a->conf->greeting);
	return 0;
}

static void ack_line(void *state, pinetd_conn *c, char *line, size_t len,
		     unsigned flags)
{
	const struct ack *a = state;

	(void)flags;
	if (a->conf->log_messages)
		a->core->log(a->svc, PINETD_LOG_INFO,
			     "Here is the message: %s", line);
	if (a->conf->mode == ACK_PREFIX) {
		a->core->send(c, a->conf->prefix, a->prefix_len);
		a->core->send(c, line, len);
		a->core->send(c, "\n", 1);
	} else {
		a->core->sendf(c, "%s\n", a->conf->reply);
	}
	if (a->conf->close_after_reply)
		a->core->close(c);
}

static void ack_datagram(void *state, pinetd_dgram *d, const char *buf,
			 size_t len)
{
	const struct ack *a = state;
	char out[65507]; /* the largest UDP payload over IPv4 */
	size_t n;

	if (a->conf->log_messages)
		a->core->log(a->svc, PINETD_LOG_INFO,
			     "Here is the message: %.*s", (int)len, buf);
	if (a->conf->mode == ACK_PREFIX) {
		/* The reply must still fit one datagram. */
		n = a->prefix_len < sizeof out ? a->prefix_len : sizeof out;
		memcpy(out, a->conf->prefix, n);
		if (len > sizeof out - n)
			len = sizeof out - n;
		memcpy(out + n, buf, len);
		n += len;
	} else {
		size_t r = strlen(a->conf->udp_reply);
		n = r < sizeof out - 1 ? r : sizeof out - 1;
		memcpy(out, a->conf->udp_reply, n);
		out[n++] = '\n';
	}
	a->core->reply(d, out, n);
}

PINETD_PLUGIN_DEFINE = {
	PINETD_PLUGIN_HEAD,
	.name = "ack",
	.description = "acknowledge each message (\"I got your message\", "
		       "\"OK...\" + text)",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_LINES,
	.options = ack_options,
	.conf_size = sizeof(struct ack_conf),
	.init = ack_init,
	.fini = ack_fini,
	.on_open = ack_open,
	.on_line = ack_line,
	.on_datagram = ack_datagram,
};
