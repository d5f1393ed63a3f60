/*
 * telnet_session.h -- what the telnet plugin's files share: the service
 * and per-connection state, and the output helpers the commands use.
 *
 * telnet.c owns the protocol (libtelnet) and the session's life;
 * telnet_cmd.c owns the command table; telnet_edit.c the line editor.
 */
#ifndef PINETD_TELNET_SESSION_H
#define PINETD_TELNET_SESSION_H

#include <stddef.h>
#include <time.h>

#include <libtelnet.h>
#include <pinetd/plugin.h>

#include "telnet_edit.h"

/* The plugin's options (its option table is in telnet.c). */
struct tn_conf {
	const char *banner;
	const char *prompt;
};

/* The longest terminal type kept (RFC 1091 allows 40 characters). */
#define TN_TTYPE_MAX 40

/* Per connection: conn_data holds a pointer to one of these. */
struct tn_session {
	const struct tn_conf *conf; /* the service's state: its options */
	pinetd_svc *svc;
	pinetd_conn *conn;
	telnet_t *telnet;
	struct tnedit ed;
	time_t since;			/* when the session opened */
	unsigned width, height;		/* NAWS; 0 when unknown */
	char ttype[TN_TTYPE_MAX + 1];	/* TTYPE IS, sanitized; "" unknown */
	unsigned char echo;		/* the client agreed DO ECHO */
	unsigned char naws;		/* the client agreed WILL NAWS */
	unsigned char ttype_on;		/* the client agreed WILL TTYPE */
	unsigned char closing;		/* quit, error: ignore further input */
	unsigned char sb_skip;		/* dropping an overlong SB's tail */
	unsigned char warned;		/* a protocol warning was logged */
	unsigned char ayt_answered;	/* an AYT was answered, at ayt_ms */
	long long ayt_ms;		/* CLOCK_MONOTONIC, milliseconds */
	size_t outlen;			/* bytes in out, not yet sent */
	char out[4096];			/* output gathered during a callback */
};

/*
 * tn_write -- send text to the session as Telnet data: IAC bytes are
 * doubled, and each LF not preceded by CR becomes CR LF (NVT end of line).
 */
void tn_write(struct tn_session *s, const char *text, size_t len);

/* tn_printf -- printf into tn_write (not pinetd->vsendf: the text must
 * be escaped for Telnet on its way out). */
void tn_printf(struct tn_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* tn_quit -- say goodbye, close after the output, ignore further input. */
void tn_quit(struct tn_session *s);

/* tn_columns -- the client's window width (NAWS), or 80 when unknown. */
unsigned tn_columns(const struct tn_session *s);

/* tn_session_of -- the session of a connection of this service (NULL
 * while it has none). */
struct tn_session *tn_session_of(pinetd_conn *c);

/*
 * tncmd_run -- run one command line (NUL-terminated, writable) on a
 * session: the first word names the command, the rest is its argument.
 * An empty line does nothing; an unknown word answers
 * "unknown command: WORD (try help)".
 */
void tncmd_run(struct tn_session *s, char *line);

#endif
