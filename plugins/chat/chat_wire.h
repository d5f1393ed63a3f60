/*
 * chat_wire.h -- the chat room's events as they travel between nodes
 * (internal: not installed).
 *
 * A shared room (chat_redis.c) publishes every join, line, /me, nick
 * change and departure of its members as one message and turns the
 * messages of the other nodes back into notices.  This file is the
 * message format alone, with no Redis in it, so it is tested on its own.
 *
 * A message is text: a magic line, then one field a line, the last field
 * (the member's text) running to the end:
 *
 *	pinetd-chat 1
 *	NODE		the sender node's name (no LF)
 *	EPOCH		the sender's start, in ms: tells a restart apart
 *	SEQ		1, 2, ... per node and epoch
 *	KIND		J join, L line, M /me, N nick change, Q leave
 *	JOINED		when the member joined, ms since the epoch (/who)
 *	ADDR		the member's address, "ip:port"
 *	NICK		its nick, or "" while it has none
 *	ARG		L: the line's ending ("n", "rn" or ""); N: the old
 *			name; Q: the reason (" (too slow)", ...)
 *	TEXT		L, M: the text (sanitized: no LF, no CR)
 *
 * Fields other than TEXT never hold a LF; TEXT may hold anything.
 */
#ifndef CHAT_WIRE_H
#define CHAT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define CHAT_WIRE_MAGIC "pinetd-chat 1"

enum chat_ev_kind {
	CHAT_EV_JOIN = 'J',
	CHAT_EV_LINE = 'L',
	CHAT_EV_ME = 'M',
	CHAT_EV_NICK = 'N',
	CHAT_EV_LEAVE = 'Q',
};

/* One event; strings point into the caller's buffer (decode) or the
 * caller's data (encode); NULL counts as "". */
struct chat_ev {
	const char *node;
	uint64_t epoch;
	uint64_t seq;
	int kind; /* enum chat_ev_kind */
	int64_t joined;
	const char *addr;
	const char *nick;
	const char *arg;
	const char *text;
	size_t text_len;
};

/*
 * chat_wire_encode -- the message for ev in a malloc'ed buffer (*len its
 * length, NUL-terminated), or NULL when out of memory or when a field
 * other than TEXT holds a LF.
 */
char *chat_wire_encode(const struct chat_ev *ev, size_t *len);

/*
 * chat_wire_decode -- parse msg[0..len) in place (LFs become NULs; msg
 * must have one writable byte past len) into ev.  Returns 0, or -1 for
 * anything that is not a message of this format: another magic, a field
 * missing, a number that is not one, an unknown kind.
 */
int chat_wire_decode(char *msg, size_t len, struct chat_ev *ev);

/* chat_wire_eol -- the {eol} of an ARG of a line ("n", "rn", ""), and
 * back: the ARG of an ending. */
const char *chat_wire_eol(const char *arg);
const char *chat_wire_eol_arg(const char *eol);

#endif
