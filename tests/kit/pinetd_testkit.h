/*
 * pinetd_testkit.h -- a fake pinetd core for testing plugins without the
 * daemon (plugin API 1.0).
 *
 * Link a plugin's sources with pinetd_testkit.c, framer.c and plugopt.c
 * (or -lpinetd-testkit) and drive it:
 *
 *	struct pt_service *s = pt_service_new(&pinetd_plugin_v1, "name",
 *					      opts);   // "key=value" list
 *	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
 *	pt_sendstr(s, c, "hello\n");           // framed like the daemon does
 *	size_t n; const char *out = pt_output(c, &n);
 *	pt_advance(s, 1000);                   // one second of fake time
 *	pt_disconnect(s, c);                   // on_close(PINETD_CLOSE_PEER)
 *	pt_service_free(s);
 *
 * The kit plays the daemon's part: it checks the descriptor and the
 * option table with the daemon's own code (pn_plugopt_normalize and
 * pn_plugopt_check), fills the plugin's `pinetd` slot (desc->core) with
 * pt_core before init, frames lines with the daemon's framer, and defers
 * what the daemon defers.  Everything deferred happens in a "loop turn",
 * which every pt_ call that drives the plugin ends with (pt_run on its
 * own): closed connections get their on_close and then lose their timers
 * and watches, resumed connections get their held input, child processes
 * given to child_watch are reaped (waitpid(pid, WNOHANG)) and their
 * callbacks run, and timers due at the fake clock's time fire.
 *
 * Output the plugin sends is written at once: it accumulates per
 * connection until pt_clear() (nothing is ever "pending" unless the test
 * says so with pt_set_pending).  The kit is single-threaded and keeps its
 * records in static storage: one test process, one test at a time.
 * Connections stay allocated until pt_service_free, so a test may ask
 * about a connection after it closed.
 */
#ifndef PINETD_TESTKIT_H
#define PINETD_TESTKIT_H

#include <stddef.h>
#include <stdint.h>

#include <pinetd/plugin.h>

struct pt_service;

/* The fake core table handed to plugins: every member is filled. */
extern const struct pinetd_core pt_core;

/* ---- services ---- */

/*
 * pt_service_new -- load the plugin as the daemon would and init() it
 * for a service named `name`, with options given as a NULL-terminated
 * list of "key=value" strings (NULL for none).
 *
 * The descriptor is checked like the daemon's loader does (abi, a size
 * of at least PINETD_PLUGIN_MIN_SIZE with members beyond it absent, a
 * name, known flags, required features, a core slot) and its option
 * table goes through pn_plugopt_normalize and pn_plugopt_check; a
 * problem returns NULL with the reason in pt_last_error().  Unknown keys
 * or bad values in opts abort the test with a message (the test is
 * wrong, not the plugin).  Then pt_core is stored into *desc->core and
 * init runs (without init, or if it leaves *state NULL, the state is the
 * conf).  Returns NULL if init fails; pt_last_error() holds its reason.
 *
 * The fake clock starts at PT_CLOCK_START when no other service is live.
 */
struct pt_service *pt_service_new(const struct pinetd_plugin *p,
				  const char *name, const char *const *opts);

/*
 * pt_service_free -- stop the service: every open connection gets
 * on_close(PINETD_CLOSE_SHUTDOWN), then fini runs; afterwards the
 * service's timers, watches (PINETD_WATCH_OWN_FD ones close their fd),
 * child watches and kept datagrams end.  Every handle of the service is
 * invalid afterwards (timer and watch handles stay harmless).
 */
void pt_service_free(struct pt_service *s);

/* The reason of the last failure of pt_service_new or pt_reconfigure. */
const char *pt_last_error(void);
/* The service's state (what init put in *state, else the conf). */
void *pt_service_state(struct pt_service *s);
/* The service's option struct as the plugin sees it (NULL when
 * conf_size is 0). */
const void *pt_service_conf(struct pt_service *s);
/* The handle plugins get as pinetd_svc * for this service. */
pinetd_svc *pt_svc(struct pt_service *s);

/*
 * pt_reconfigure -- a reload that changed only the plugin's options: a
 * new conf is built from the defaults and opts ("key=value", as for
 * pt_service_new) and handed to the plugin's reconfigure.  Returns its
 * result: on 0 the old conf is freed and, if the state was the old conf,
 * the new conf becomes the state; on -1 the new conf is freed, nothing
 * changes and pt_last_error() holds the plugin's reason.  Returns -1
 * ("plugin has no reconfigure") without one: the daemon would start a
 * new worker instead.
 */
int pt_reconfigure(struct pt_service *s, const char *const *opts);

/* Tunables of the fake service (the daemon's per-service options). */
void pt_set_max_line(struct pt_service *s, size_t max_line);
void pt_set_output_max(struct pt_service *s, size_t output_max);
/* Our address (local_addr of later connections, "tcp://IP:PORT" in
 * foreach_service); 127.0.0.1:7000 by default. */
void pt_set_local(struct pt_service *s, const char *ip, unsigned port);

/*
 * pt_set_next_fd -- the descriptor core->conn_fd() returns for the
 * connection the next pt_connect() opens (on_open runs inside
 * pt_connect, so it is set beforehand); -1 (the default) afterwards.
 * The kit never closes it: the test owns it.
 */
void pt_set_next_fd(struct pt_service *s, int fd);

/* ---- the loop, the fake clock ---- */

/* The fake clock (core->now) when the first service starts: not 0, as
 * a monotonic clock is not. */
#define PT_CLOCK_START 1000000u

/* pt_run -- one loop turn (see above): deliver deferred on_close calls
 * and held input, reap watched children, fire timers that are due now. */
void pt_run(struct pt_service *s);

/* pt_now -- the fake clock in milliseconds (what core->now returns). */
uint64_t pt_now(void);

/*
 * pt_advance -- move the fake clock forward by ms milliseconds, firing
 * every timer that falls due on the way in deadline order (timers due at
 * the same time in the order they were armed), the clock standing at
 * each timer's deadline while it runs.  A periodic timer is re-armed
 * every every_ms from its deadline, before its callback runs; timers
 * started or stopped from inside a callback take effect at once (a
 * timer started for a time inside the window fires in it).  A loop turn
 * follows each callback, and the clock ends at the old time + ms.
 */
void pt_advance(struct pt_service *s, uint64_t ms);

/* pt_timers -- how many timers of s are armed now. */
int pt_timers(struct pt_service *s);

/* ---- descriptor watches ---- */

/*
 * pt_poll -- poll(2) the real descriptors of s's watches once, waiting
 * up to timeout_ms of real time (the fake clock does not move), and call
 * the callback of each ready watch with the events it asked for that
 * happened (PINETD_HANGUP for POLLHUP, POLLERR and POLLNVAL, always).
 * Watches asking for nothing (watch_set 0) are not polled.  A watch
 * ended by an earlier callback of the same batch gets nothing.  A loop
 * turn follows.  Returns the number of callbacks made, or -1 if poll
 * failed.
 */
int pt_poll(struct pt_service *s, int timeout_ms);

/* pt_fire -- call the callback of s's watch on fd with `events` as they
 * are (whatever it asked for), then a loop turn; nothing if fd is not
 * watched. */
void pt_fire(struct pt_service *s, int fd, uint32_t events);

/* pt_watching -- the events s's watch on fd asks for (PINETD_READABLE |
 * PINETD_WRITABLE, maybe 0), or -1 when fd is not watched. */
int pt_watching(struct pt_service *s, int fd);

/* ---- stream connections ---- */

/*
 * pt_connect -- accept a connection from ip:port and call on_open, then
 * a loop turn.  Returns the connection, or NULL if on_open refused it:
 * its output is dropped and on_close(PINETD_CLOSE_REFUSED) follows at
 * the next loop turn (pt_run), as in the daemon.
 */
pinetd_conn *pt_connect(struct pt_service *s, const char *ip, unsigned port);

/*
 * pt_send -- the peer sent bytes: framed into on_line calls for a
 * PINETD_PF_LINES plugin (unless frame_reads switched c to reads), one
 * on_data call otherwise, then a loop turn.  While c is paused the input
 * is held, framed lines included (also the rest of a batch when the
 * plugin pauses inside on_line); it is delivered, in order, at the first
 * loop turn after the plugin resumes.  Nothing happens on a closing or
 * closed connection, nor after pt_eof.
 */
void pt_send(struct pt_service *s, pinetd_conn *c, const void *buf,
	     size_t len);
void pt_sendstr(struct pt_service *s, pinetd_conn *c, const char *str);

/*
 * pt_eof -- the peer shut its sending side down: a partial line goes
 * out with PINETD_LINE_NOEOL, then on_eof; without PINETD_PF_HALF_CLOSE
 * (or once the plugin has shut its own side down) the connection then
 * ends with on_close(PINETD_CLOSE_PEER) at the loop turn that follows.
 * Held like input while c is paused.
 */
void pt_eof(struct pt_service *s, pinetd_conn *c);

/* pt_disconnect -- the peer went away: on_close(PINETD_CLOSE_PEER) now
 * (unless it already had its on_close), then a loop turn. */
void pt_disconnect(struct pt_service *s, pinetd_conn *c);

/* pt_drain -- one on_drain, if the plugin asked for it (want_drain) and
 * c is open; then a loop turn. */
void pt_drain(struct pt_service *s, pinetd_conn *c);

const char *pt_output(pinetd_conn *c, size_t *len); /* NUL-terminated */
void pt_clear(pinetd_conn *c);
/* pt_closed -- c is closing or closed (close(), overflow, refusal, EOF,
 * disconnect, spawn). */
int pt_closed(pinetd_conn *c);
int pt_close_reason(pinetd_conn *c); /* why given to on_close, or -1 */
int pt_wants_drain(pinetd_conn *c);
void pt_set_pending(pinetd_conn *c, size_t pending); /* fake backlog */
/* pt_paused -- the plugin paused c's input. */
int pt_paused(pinetd_conn *c);
/* pt_held -- input items (lines, reads, an EOF) held for c. */
size_t pt_held(pinetd_conn *c);
/* pt_shut_down -- the plugin shut c's write side down (shutdown). */
int pt_shut_down(pinetd_conn *c);

/* ---- datagrams ---- */

/*
 * pt_datagram -- a datagram from ip:port arrives: on_datagram, then a
 * loop turn.  Returns the number of replies made meanwhile.  Replies,
 * made during the call or later to a kept datagram (dgram_keep), are
 * recorded: pt_reply gives the last one and how many there were since
 * pt_service_new.
 */
int pt_datagram(struct pt_service *s, const char *ip, unsigned port,
		const void *buf, size_t len);
const char *pt_reply(size_t *len, int *count);
/* pt_kept -- datagrams of s kept (dgram_keep) and not yet released. */
int pt_kept(struct pt_service *s);

/* ---- programs ---- */

/*
 * core->spawn and core->spawn_wait run the program to its end before
 * they return (a test writes the input first and shuts its side down):
 * the socket on 0 and 1 in blocking mode, stderr collected.  After spawn
 * the connection is closed (on_close(PINETD_CLOSE_PLUGIN) at the next
 * loop turn), as the daemon does when the program exits.  What the last
 * program got and how it ended:
 */
int pt_program_status(void);	     /* wait status, -1: none ran */
const char *pt_program_path(void);   /* the path it was given */
const char *pt_program_args(void);   /* argv, one a line */
const char *pt_program_env(void);    /* envp, one a line */
const char *pt_program_stderr(void); /* what it wrote to stderr */

/* ---- logs ---- */

/* The last line the plugin logged (log or vlog), and how many it logged
 * since pt_service_new; pt_last_log_level gives that line's level. */
const char *pt_last_log(int *count);
int pt_last_log_level(void);

#endif
