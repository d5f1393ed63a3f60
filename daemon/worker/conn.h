/*
 * conn.h -- stream connections: buffered output with backpressure, line
 * framing, idle timeouts and deferred close.
 *
 * Output goes straight to the socket while nothing is queued; the rest is
 * queued.  While more than the service's output_buffer is queued the core
 * stops reading from the peer (so a peer that does not read cannot make
 * the daemon buffer without bound); beyond output_max the connection is
 * closed.  A closed connection is skipped by pn_conn_foreach at once and
 * gets its on_close from the loop's after hook (pn_conn_reap), never from
 * inside a plugin's call.
 */
#ifndef PN_CONN_H
#define PN_CONN_H

#include <sys/socket.h>

#include "framer.h"
#include "runtime.h"

/* Accept the connected socket fd for the listener's service.  counted:
 * the peer's source entry was raised by admission and is lowered at close. */
void pn_conn_accept(struct pn_listener *ln, int fd,
		    const struct sockaddr *peer, socklen_t len, int counted);

/* The same, with local as the connection's local address rather than the
 * socket's own (a PROXY header's destination; NULL: the socket's). */
void pn_conn_accept_at(struct pn_listener *ln, int fd,
		       const struct sockaddr *peer, socklen_t len,
		       const struct sockaddr *local, socklen_t locallen,
		       int counted);

/* The core-table functions of the same names (pinetd/plugin.h). */
int pn_conn_send(pinetd_conn *c, const void *buf, size_t len);
int pn_conn_sendv(pinetd_conn *c, const struct iovec *iov, int iovcnt);
int pn_conn_shutdown(pinetd_conn *c);
int pn_conn_pause(pinetd_conn *c, int on);
const struct sockaddr *pn_conn_local_addr(const pinetd_conn *c,
					  socklen_t *len);

/* Has c been closed, or is it closing (flushing, then closed)?  No new
 * timer or watch for it then, and none of its own fires. */
int pn_conn_closed(const pinetd_conn *c);
/* The plugin's timers and watches c owns. */
struct pn_pevs *pn_conn_pevs(pinetd_conn *c);

/* End the connection: with flush, after its queued output is written. */
void pn_conn_close(pinetd_conn *c, int why, int flush);

void pn_conn_want_drain(pinetd_conn *c, int on);
/* pn_conn_frame_reads -- core->frame_reads (pinetd/plugin.h). */
int pn_conn_frame_reads(pinetd_conn *c, int on);
size_t pn_conn_pending(const pinetd_conn *c);
const char *pn_conn_peer_name(const pinetd_conn *c);
const struct sockaddr *pn_conn_peer_addr(const pinetd_conn *c,
					 socklen_t *len);
void *pn_conn_data(pinetd_conn *c);
pinetd_svc *pn_conn_service(pinetd_conn *c);
int pn_conn_fd(pinetd_conn *c);

/*
 * pn_conn_hand_over -- program p has the connection's socket now: close
 * ours, stop reading, writing and timing; sends are dropped and closing
 * the connection stops p instead (pn_spawn_stop).  The connection stays
 * open, counted, until pn_conn_program_ended.
 */
struct pn_prog;
void pn_conn_hand_over(pinetd_conn *c, struct pn_prog *p);
struct pn_prog *pn_conn_program(const pinetd_conn *c);

/* The program that had c exited: close c for `why` (on_close follows). */
void pn_conn_program_ended(pinetd_conn *c, int why);

/* Call fn for each open connection of s (see pinetd_core.foreach_conn). */
int pn_conn_foreach(pinetd_svc *s, int (*fn)(pinetd_conn *, void *),
		    void *arg);

/* Close every connection of s at once (no flush). */
void pn_conn_close_all(pinetd_svc *s, int why);

/* Lower the per-source count of peer (admission raised it). */
void pn_conn_release_source(pinetd_svc *s, const struct sockaddr *peer);

/* In a new child process: close and free the parent's connections of s
 * without telling the plugin (they are the parent's to serve). */
void pn_conn_forget_all(pinetd_svc *s);

/* Deliver on_close to closed connections and free them (after hook). */
void pn_conn_reap(struct pn_server *srv);

#endif
