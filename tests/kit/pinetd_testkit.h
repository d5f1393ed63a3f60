/*
 * pinetd_testkit.h -- a fake pinetd core for testing plugins without the
 * daemon.
 *
 * Link a plugin's sources with pinetd_testkit.c and framer.c and drive it:
 *
 *	struct pt_service *s = pt_service_new(&pinetd_plugin, "name",
 *					      opts);   // "key=value" list
 *	pinetd_conn *c = pt_connect(s, "192.0.2.1", 4242);
 *	pt_send(s, c, "hello\n", 6);          // framed like the daemon does
 *	size_t n; const char *out = pt_output(c, &n);
 *	pt_disconnect(s, c);                  // on_close(PINETD_CLOSE_PEER)
 *	pt_service_free(s);
 *
 * Output the plugin sends accumulates per connection until pt_clear().
 * core->close() marks a connection closed (pt_closed); the fake then
 * calls on_close(PINETD_CLOSE_PLUGIN) at the next pt_ call that runs the
 * "loop" (pt_run), mirroring the daemon's deferred close.
 */
#ifndef PINETD_TESTKIT_H
#define PINETD_TESTKIT_H

#include <stddef.h>

#include <pinetd/plugin.h>

struct pt_service;

/* The fake core table handed to plugins (also usable on its own). */
extern const struct pinetd_core pt_core;

/*
 * pt_service_new -- init() the plugin for a service named `name` with
 * options given as a NULL-terminated list of "key=value" strings (NULL
 * for none); unknown keys or bad values abort the test with a message.
 * Returns NULL if init() fails; pt_last_error() then holds its reason.
 */
struct pt_service *pt_service_new(const struct pinetd_plugin *p,
				  const char *name, const char *const *opts);
void pt_service_free(struct pt_service *s);
const char *pt_last_error(void);
void *pt_service_state(struct pt_service *s);

/* Tunables of the fake service (the daemon's per-service options). */
void pt_set_max_line(struct pt_service *s, size_t max_line);
void pt_set_output_max(struct pt_service *s, size_t output_max);

/*
 * pt_set_next_fd -- the descriptor core->conn_fd() returns for the
 * connection the next pt_connect() opens (on_open runs inside
 * pt_connect, so it is set beforehand); -1 (the default) afterwards.
 * The kit never closes it: the test owns it.
 */
void pt_set_next_fd(struct pt_service *s, int fd);

/* Stream connections. pt_connect returns NULL if on_open refused. */
pinetd_conn *pt_connect(struct pt_service *s, const char *ip, unsigned port);
void pt_send(struct pt_service *s, pinetd_conn *c, const void *buf,
	     size_t len);
void pt_sendstr(struct pt_service *s, pinetd_conn *c, const char *str);
void pt_eof(struct pt_service *s, pinetd_conn *c); /* peer EOF */
void pt_disconnect(struct pt_service *s, pinetd_conn *c);
void pt_drain(struct pt_service *s, pinetd_conn *c); /* one on_drain */
void pt_run(struct pt_service *s); /* deliver deferred on_close calls */

const char *pt_output(pinetd_conn *c, size_t *len); /* NUL-terminated */
void pt_clear(pinetd_conn *c);
int pt_closed(pinetd_conn *c);	     /* core->close() or overflow */
int pt_close_reason(pinetd_conn *c); /* reason given to on_close, or -1 */
int pt_wants_drain(pinetd_conn *c);
void pt_set_pending(pinetd_conn *c, size_t pending); /* fake backlog */

/* Datagrams: returns the number of replies; the last reply is kept. */
int pt_datagram(struct pt_service *s, const char *ip, unsigned port,
		const void *buf, size_t len);
const char *pt_reply(size_t *len, int *count);

/*
 * Programs.  core->spawn and core->spawn_wait run the program to its end
 * before they return (a test writes the input first and shuts its side
 * down): the socket on 0 and 1 in blocking mode, stderr collected.  After
 * spawn the connection is closed (on_close(PINETD_CLOSE_PLUGIN) at the
 * next pt_run), as the daemon does when the program exits.  What the last
 * program got and how it ended:
 */
int pt_program_status(void);	     /* wait status, -1: none ran */
const char *pt_program_path(void);   /* the path it was given */
const char *pt_program_args(void);   /* argv, one a line */
const char *pt_program_env(void);    /* envp, one a line */
const char *pt_program_stderr(void); /* what it wrote to stderr */

/* The last line the plugin logged, and how many it logged. */
const char *pt_last_log(int *count);

#endif
