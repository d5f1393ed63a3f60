/*
 * telnet.c -- an interactive command shell over Telnet (RFC 854), the way
 * a network device's console works.
 *
 * On connect the server offers WILL ECHO (RFC 857) and WILL SGA (RFC 858),
 * which puts a Telnet client in character mode with the server echoing,
 * and asks DO NAWS (RFC 1073, the window size) and DO TTYPE (RFC 1091,
 * then SB TTYPE SEND).  Every other option is refused; libtelnet's
 * Q method (RFC 1143) keeps the negotiation from looping.  The bytes that
 * are left after libtelnet took the commands out go to the line editor
 * (telnet_edit.c); finished lines go to the command table (telnet_cmd.c).
 *
 * A client that never agrees to DO ECHO (nc, a Telnet client in line mode)
 * edits lines itself: the server does not echo then, so nothing shows
 * twice, and it still answers every line it receives.
 *
 * Output gathered during one callback (echo, libtelnet's replies, command
 * output) goes out in one pinetd->send at its end.
 *
 * The service's state is its option struct (no init); each session
 * lives in a block conn_data points to.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "telnet_session.h"

static const struct pinetd_option tn_options[] = {
	PINETD_OPTION_STR("banner", struct tn_conf, banner,
			  "pinetd telnet service -- type 'help'",
			  "line sent after the negotiation; empty for none"),
	PINETD_OPTION_STR("prompt", struct tn_conf, prompt, "pinetd> ",
			  "prompt before each command line"),
	PINETD_OPTION_END,
};

/* What we support: libtelnet answers everything else with WONT/DONT. */
static const telnet_telopt_t tn_telopts[] = {
	{ TELNET_TELOPT_ECHO, TELNET_WILL, TELNET_DONT }, /* we echo */
	{ TELNET_TELOPT_SGA, TELNET_WILL, TELNET_DO },	  /* no GA, both ways */
	{ TELNET_TELOPT_TTYPE, TELNET_WONT, TELNET_DO },  /* their terminal */
	{ TELNET_TELOPT_NAWS, TELNET_WONT, TELNET_DO },	  /* their window */
	{ -1, 0, 0 },
};

/* What we ask for on connect, in this order. */
static const struct {
	unsigned char cmd, opt;
} tn_offers[] = {
	{ TELNET_WILL, TELNET_TELOPT_ECHO },
	{ TELNET_WILL, TELNET_TELOPT_SGA },
	{ TELNET_DO, TELNET_TELOPT_NAWS },
	{ TELNET_DO, TELNET_TELOPT_TTYPE },
};

/* Telnet commands (IAC x) that act like an editing key. */
static const struct {
	unsigned char cmd, key;
} tn_iac_keys[] = {
	{ TELNET_IP, 0x03 },	{ TELNET_BREAK, 0x03 }, { TELNET_ABORT, 0x03 },
	{ TELNET_SUSP, 0x03 },	{ TELNET_EC, 0x7f },	{ TELNET_EL, 0x15 },
	{ TELNET_EOF, 0x04 },
};

/* ---- output ---- */

static void tn_flush(struct tn_session *s)
{
	if (s->outlen) {
		pinetd->send(s->conn, s->out, s->outlen);
		s->outlen = 0;
	}
}

/* Gather bytes for the peer (libtelnet's TELNET_EV_SEND). */
static void tn_sink(struct tn_session *s, const char *buf, size_t len)
{
	if (s->outlen + len > sizeof s->out)
		tn_flush(s);
	if (len > sizeof s->out) {
		pinetd->send(s->conn, buf, len);
		return;
	}
	memcpy(s->out + s->outlen, buf, len);
	s->outlen += len;
}

void tn_write(struct tn_session *s, const char *text, size_t len)
{
	const char *end = text + len, *nl;

	while (text < end && (nl = memchr(text, '\n', (size_t)(end - text)))) {
		int has_cr = nl > text && nl[-1] == '\r';
		telnet_send(s->telnet, text, (size_t)(nl - text));
		telnet_send(s->telnet, has_cr ? "\n" : "\r\n", has_cr ? 1 : 2);
		text = nl + 1;
	}
	if (text < end)
		telnet_send(s->telnet, text, (size_t)(end - text));
}

void tn_printf(struct tn_session *s, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		tn_write(s, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tn_write(s, big, (size_t)n);
	free(big);
}

static void tn_puts(struct tn_session *s, const char *text)
{
	tn_write(s, text, strlen(text));
}

/* The editor's echo: already in NVT form, only IAC needs escaping. */
static void tn_echo(void *arg, const char *buf, size_t len)
{
	struct tn_session *s = arg;

	telnet_send(s->telnet, buf, len);
}

static void tn_prompt(struct tn_session *s)
{
	tn_puts(s, s->conf->prompt);
}

/* Reprint the prompt and, when we echo, the line typed so far. */
static void tn_redraw(struct tn_session *s)
{
	size_t len;
	const char *line = tnedit_line(&s->ed, &len);

	tn_prompt(s);
	if (s->echo)
		telnet_send(s->telnet, line, len);
}

unsigned tn_columns(const struct tn_session *s)
{
	return s->width >= 20 && s->width <= 1000 ? s->width : 80;
}

struct tn_session *tn_session_of(pinetd_conn *c)
{
	struct tn_session **slot = pinetd->conn_data(c);

	return slot ? *slot : NULL;
}

void tn_quit(struct tn_session *s)
{
	tn_puts(s, "bye\n");
	s->closing = 1;
	tn_flush(s);
	pinetd->close(s->conn);
}

/* End a session that broke the protocol in a way we cannot recover from. */
static void tn_abort(struct tn_session *s, const char *why)
{
	pinetd->log(s->svc, PINETD_LOG_NOTICE, "%s: protocol error: %s",
		    pinetd->peer_name(s->conn), why);
	tn_printf(s, "\nprotocol error: %s\n", why);
	tn_quit(s);
}

/* ---- input ---- */

/* A finished line: run it, then prompt for the next one. */
static void tn_line(struct tn_session *s)
{
	char line[TNEDIT_MAX + 1];
	size_t len;

	memcpy(line, tnedit_line(&s->ed, &len), sizeof line);
	line[len] = '\0';
	/* Without echo the client never saw a refused byte: reject the line
	 * instead of running what is left of it. */
	if (tnedit_overflowed(&s->ed) && !s->echo)
		tn_printf(s, "line too long (max %d bytes)\n", TNEDIT_MAX);
	else
		tncmd_run(s, line);
	if (!s->closing)
		tn_prompt(s);
}

/* One key through the editor, and what its result asks of the session. */
static void tn_key(struct tn_session *s, unsigned char ch)
{
	switch (tnedit_key(&s->ed, ch)) {
	case TNEDIT_LINE:
		tn_line(s);
		break;
	case TNEDIT_CANCEL:
		if (!s->echo)
			tn_puts(s, "\n");
		tn_prompt(s);
		break;
	case TNEDIT_EOF:
		if (s->echo)
			tn_puts(s, "\n");
		tn_quit(s);
		break;
	case TNEDIT_REDRAW:
		tn_puts(s, "\n");
		tn_redraw(s);
		break;
	case TNEDIT_NONE:
		break;
	}
}

/* Data bytes (libtelnet took the commands out); none after quit, none
 * while the tail of an overlong subnegotiation is being dropped. */
static void tn_input(struct tn_session *s, const char *buf, size_t len)
{
	if (s->sb_skip)
		return;
	for (size_t i = 0; i < len && !s->closing; i++)
		tn_key(s, (unsigned char)buf[i]);
}

/*
 * Whether an AYT (2 bytes in) may be answered now: its answer and the
 * redrawn line are 17 bytes or more, so a client could have the server
 * send 8 times what it sends.  One answer per TN_AYT_MS per session; the
 * AYTs in between are ignored (the first one was answered: we are there).
 */
#define TN_AYT_MS 1000

static int ayt_due(struct tn_session *s)
{
	struct timespec ts;
	long long now;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		return 0;
	now = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	if (s->ayt_answered && now - s->ayt_ms < TN_AYT_MS)
		return 0;
	s->ayt_answered = 1;
	s->ayt_ms = now;
	return 1;
}

/* IAC <command>: editing functions, AYT; the rest means nothing here. */
static void tn_command(struct tn_session *s, unsigned char cmd)
{
	for (size_t i = 0; i < sizeof tn_iac_keys / sizeof *tn_iac_keys; i++) {
		if (tn_iac_keys[i].cmd == cmd) {
			tn_key(s, tn_iac_keys[i].key);
			return;
		}
	}
	if (cmd == TELNET_AYT && ayt_due(s)) {
		tn_puts(s, "\n[yes]\n");
		tn_redraw(s);
	}
}

/* An option changed state (libtelnet already answered the peer). */
static void tn_option(struct tn_session *s, enum telnet_event_type_t type,
		      unsigned char opt)
{
	switch (opt) {
	case TELNET_TELOPT_ECHO:
		if (type == TELNET_EV_DO || type == TELNET_EV_DONT) {
			s->echo = type == TELNET_EV_DO;
			tnedit_set_echo(&s->ed, s->echo);
		}
		break;
	case TELNET_TELOPT_TTYPE:
		if (type == TELNET_EV_WILL) {
			s->ttype_on = 1;
			telnet_ttype_send(s->telnet);
		} else if (type == TELNET_EV_WONT) {
			s->ttype_on = 0;
		}
		break;
	case TELNET_TELOPT_NAWS:
		if (type == TELNET_EV_WILL) {
			s->naws = 1;
		} else if (type == TELNET_EV_WONT) {
			s->naws = 0;
			s->width = s->height = 0;
		}
		break;
	default:
		break;
	}
}

/* SB NAWS <w16> <h16> (RFC 1073), only once the client agreed to it. */
static void tn_subneg(struct tn_session *s, const telnet_event_t *ev)
{
	const unsigned char *b = (const unsigned char *)ev->sub.buffer;

	if (ev->sub.telopt != TELNET_TELOPT_NAWS || !s->naws ||
	    ev->sub.size != 4)
		return;
	s->width = (unsigned)b[0] << 8 | b[1];
	s->height = (unsigned)b[2] << 8 | b[3];
}

/* SB TTYPE IS <name> (RFC 1091): keep the printable ASCII of it. */
static void tn_ttype(struct tn_session *s, const telnet_event_t *ev)
{
	size_t n = 0;

	if (!s->ttype_on || ev->ttype.cmd != TELNET_TTYPE_IS || !ev->ttype.name)
		return;
	for (const char *p = ev->ttype.name; *p && n < TN_TTYPE_MAX; p++)
		if (*p > ' ' && *p < 0x7f)
			s->ttype[n++] = *p;
	s->ttype[n] = '\0';
}

static void tn_warning(struct tn_session *s, const telnet_event_t *ev)
{
	/* libtelnet 0.21 leaves error.errcode unset: its message is all we
	 * have.  After this one the parser is back in data state and hands
	 * the rest of the subnegotiation over as data: drop it until the
	 * next command (normally the IAC SE). */
	if (strstr(ev->error.msg, "buffer size limit"))
		s->sb_skip = 1;
	if (!s->warned) {
		s->warned = 1;
		pinetd->log(s->svc, PINETD_LOG_INFO,
			    "%s: telnet: %s (further warnings not logged)",
			    pinetd->peer_name(s->conn), ev->error.msg);
	}
}

/* libtelnet's event handler: everything the protocol layer tells us. */
static void tn_event(telnet_t *t, telnet_event_t *ev, void *arg)
{
	struct tn_session *s = arg;

	(void)t;
	if (ev->type == TELNET_EV_SEND) {
		tn_sink(s, ev->data.buffer, ev->data.size);
		return;
	}
	if (s->closing)
		return;
	switch (ev->type) {
	case TELNET_EV_DATA:
		tn_input(s, ev->data.buffer, ev->data.size);
		break;
	case TELNET_EV_IAC:
		s->sb_skip = 0;
		tn_command(s, ev->iac.cmd);
		break;
	case TELNET_EV_WILL:
	case TELNET_EV_WONT:
	case TELNET_EV_DO:
	case TELNET_EV_DONT:
		s->sb_skip = 0;
		tn_option(s, ev->type, ev->neg.telopt);
		break;
	case TELNET_EV_SUBNEGOTIATION:
		s->sb_skip = 0;
		tn_subneg(s, ev);
		break;
	case TELNET_EV_TTYPE:
		tn_ttype(s, ev);
		break;
	case TELNET_EV_COMPRESS:
		/* libtelnet starts inflating on SB COMPRESS2 even though we
		 * never agreed to it: the stream is lost from here on. */
		if (ev->compress.state)
			tn_abort(s, "compression (MCCP2) was not negotiated");
		break;
	case TELNET_EV_WARNING:
		tn_warning(s, ev);
		break;
	case TELNET_EV_ERROR:
		tn_abort(s, ev->error.msg);
		break;
	default: /* ZMP, ENVIRON, MSSP: options we refused */
		break;
	}
}

/* ---- plugin callbacks ---- */

/*
 * A new session: offer our options, greet, prompt.  Returns -1 (the core
 * closes the connection) when memory runs out.
 */
static int tn_open(void *state, pinetd_conn *c)
{
	const struct tn_conf *cf = state;
	struct tn_session **slot = pinetd->conn_data(c);
	struct tn_session *s = calloc(1, sizeof *s);

	if (!s || !slot || !(s->telnet = telnet_init(tn_telopts, tn_event, 0, s))) {
		pinetd->log(pinetd->conn_service(c), PINETD_LOG_ERR,
			    "%s: out of memory for a session",
			    pinetd->peer_name(c));
		free(s);
		return -1;
	}
	s->conf = cf;
	s->svc = pinetd->conn_service(c);
	s->conn = c;
	s->since = time(NULL);
	tnedit_init(&s->ed, tn_echo, s);
	*slot = s;
	for (size_t i = 0; i < sizeof tn_offers / sizeof *tn_offers; i++)
		telnet_negotiate(s->telnet, tn_offers[i].cmd, tn_offers[i].opt);
	if (cf->banner[0]) {
		tn_puts(s, cf->banner);
		tn_puts(s, "\n");
	}
	tn_prompt(s);
	tn_flush(s);
	return 0;
}

static void tn_data(void *state, pinetd_conn *c, const char *buf, size_t len)
{
	struct tn_session *s = tn_session_of(c);

	(void)state;
	if (!s || s->closing)
		return;
	telnet_recv(s->telnet, buf, len);
	tn_flush(s);
}

/* The session is gone (also after a refused open: the slot is NULL). */
static void tn_close(void *state, pinetd_conn *c, int why)
{
	struct tn_session **slot = pinetd->conn_data(c);

	(void)state, (void)why;
	if (!slot || !*slot)
		return;
	telnet_free((*slot)->telnet);
	free(*slot);
	*slot = NULL;
}

PINETD_PLUGIN_DEFINE(
	.name = "telnet",
	.description = "interactive command shell over Telnet (RFC 854): "
		       "echo, line editing, NAWS, TTYPE",
	.transports = PINETD_TCP,
	.options = tn_options,
	.conf_size = sizeof(struct tn_conf),
	.conn_size = sizeof(struct tn_session *),
	.on_open = tn_open,
	.on_data = tn_data,
	.on_close = tn_close,
);
