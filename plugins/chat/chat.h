/*
 * chat.h -- what the chat plugin's files share (internal: not installed).
 *
 * chat.c holds the room (joining, leaving, broadcasting, line handling),
 * chat_cmd.c the /commands, chat_sanitize.c the text filter.  Names used
 * across these files carry the double prefix chat__.  chat_redis.c shares
 * the room with other nodes (chat_redis.h), chat_wire.c is its message
 * format.
 */
#ifndef CHAT_H
#define CHAT_H

#include <stddef.h>
#include <stdint.h>

#include <pinetd/plugin.h>

/* The longest nick, in bytes ([A-Za-z0-9_-] only). */
#define CHAT_NICK_MAX 16

/* The plugin's options (struct pinetd_option table in chat.c). */
struct chat_conf {
	const char *welcome; /* sent on join; "" for none */
	/* Notice templates (chat__notice): */
	const char *join_notice;       /* a member joined */
	const char *line_notice;       /* a member's line */
	const char *nick_notice;       /* a member took a nick */
	const char *leave_notice;      /* a member without a nick left */
	const char *nick_leave_notice; /* a member with a nick left */
	int32_t commands;	       /* lines starting with / are commands */
	/* A room shared across nodes (chat_redis.h); "" for defaults: */
	const char *redis; /* "tcp://HOST:PORT", "unix:PATH"; "": local */
	const char *room;  /* channel and key name; "": the service's */
	const char *node;  /* this node's name; "": hostname:pid */
};

struct chat_redis;

/* One room per service: what init makes, reconfigure keeps. */
struct chat {
	pinetd_svc *svc;
	const struct chat_conf *conf; /* replaced by reconfigure */
	unsigned long next_seq; /* join order, for /who */
	size_t members;		/* connections between on_open and on_close */
	char *buf;		/* scratch for building one outgoing line */
	size_t cap;
	struct chat_redis *redis; /* NULL: a local room */
};

/* Per connection (conn_data, zeroed by the core at open). */
struct chat_member {
	unsigned long seq;		 /* join order, 1, 2, ...; 0: never
					    joined (a refused open) */
	char nick[CHAT_NICK_MAX + 1];	 /* "" until /nick */
	int gone;			 /* leave announced: out of the room */
	int64_t joined;			 /* wall clock at join, ms (/who of a
					    shared room) */
};

/* chat__member -- the member state of connection c. */
struct chat_member *chat__member(pinetd_conn *c);

/* chat__name -- how others see c: its nick, or its "ip:port". */
const char *chat__name(pinetd_conn *c);

/*
 * chat__broadcast -- send one printf-style line to every member of the
 * room except `except` (NULL for everyone) and members that have left.
 * A member whose queue overflows is closed by the core and announced
 * later from on_close.
 */
void chat__broadcast(struct chat *ch, pinetd_conn *except, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));

/* What a notice template's placeholders stand for, besides the member's
 * own {host}, {port}, {addr} and {nick}; NULL/0 where it does not apply. */
struct chat_vars {
	const char *text; /* {text}: the line */
	size_t len;
	const char *eol;    /* {eol}: the line's own ending */
	const char *old;    /* {old}: the name before a nick change */
	const char *reason; /* {reason}: " (too slow)", ... or "" */
};

/*
 * chat__notice -- expand template `tmpl` (an option checked at init and
 * reconfigure) for member c and send it to every other member of the
 * room, like chat__broadcast.
 */
int chat__notice(struct chat *ch, pinetd_conn *c, const char *tmpl,
		 const struct chat_vars *v);

/*
 * chat__leave -- take c out of the room and tell the others, once, with
 * nick_leave_notice or leave_notice ("NICK left", "IP:PORT is offline"
 * and why: " (too slow)", " (idle timeout)", ...).  Later calls for the
 * same member do nothing.
 */
void chat__leave(struct chat *ch, pinetd_conn *c, int why);

/*
 * chat__command -- run the /command in line[0..len) (sanitized,
 * NUL-terminated, line[0] == '/') for member c; replies go to c, notices
 * to the room.
 */
void chat__command(struct chat *ch, pinetd_conn *c, char *line, size_t len);

/*
 * chat__notice_as -- chat__notice for a member known by its address and
 * name only (a member of another node): sent to every member but
 * `except` (NULL: all).
 */
int chat__notice_as(struct chat *ch, pinetd_conn *except, const char *addr,
		    const char *name, const char *tmpl,
		    const struct chat_vars *v);

/* chat__find -- the member of the room that joined as seq, or NULL when
 * it has left. */
pinetd_conn *chat__find(struct chat *ch, unsigned long seq);

/*
 * chat__nick_set -- give c the nick (checked: valid, free): tell c and
 * the room, and the other nodes of a shared room.
 */
void chat__nick_set(struct chat *ch, pinetd_conn *c, const char *nick);

/* A member of another node for /who. */
struct chat_who_ent {
	int64_t joined; /* wall clock ms; 0 in a local room */
	unsigned long seq;
	const char *name;
};

/*
 * chat__who_reply -- answer /who to c: the local members and the n
 * others of `extra` (members of other nodes), in join order.
 */
void chat__who_reply(struct chat *ch, pinetd_conn *c,
		     const struct chat_who_ent *extra, size_t n);

/* chat__wall_ms -- the wall clock in ms (join times shared by nodes). */
int64_t chat__wall_ms(void);

/* chat__nick_valid -- 1 when s is 1..CHAT_NICK_MAX of [A-Za-z0-9_-]. */
int chat__nick_valid(const char *s);

#endif
