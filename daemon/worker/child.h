/*
 * child.h -- process mode: one child process per connection (inetd's
 * "nowait"), or per burst of datagrams with the listening socket handed
 * over (inetd's "wait").
 *
 * The child forgets the parent's listeners, connections and event loop,
 * serves its one client with the plugin's callbacks on a loop of its own,
 * and exits; a crash or a blocking call affects that client only.  The
 * parent counts live children against max_children, reaps them on
 * SIGCHLD and logs how each ended.
 */
#ifndef PN_CHILD_H
#define PN_CHILD_H

#include <sys/socket.h>
#include <sys/types.h>

#include "runtime.h"

struct pn_prog;

/* A live child of a service. */
struct pn_childent {
	pid_t pid;
	struct pn_prog *prog;		 /* a program of spawn.c, or NULL */
	struct pn_addr listener;	 /* for "wait": the socket to resume */
	int wait;			 /* a datagram "wait" child */
	int counted;			 /* holds a per-source slot */
	struct sockaddr_storage peer;	 /* the client (stream children) */
	char peer_name[PN_ADDR_TEXT];
};

/* Fork a child to serve the accepted connection fd (closed here). */
void pn_child_conn(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		   socklen_t len, int counted);
/* The same, with local as the connection's local address (a PROXY
 * header's destination; NULL: the socket's own). */
void pn_child_conn_at(struct pn_listener *ln, int fd, const struct sockaddr *peer,
		      socklen_t len, const struct sockaddr *local,
		      socklen_t locallen, int counted);

/* Fork a child to handle the datagram socket of ln (wait mode); ln is
 * not polled until the child exits. */
void pn_child_wait(struct pn_listener *ln);

/*
 * pn_child_track_wait -- count pid, a program spawn.c started with the
 * datagram socket of ln (wait mode), as a child of the service: ln is
 * polled again when it exits.  Returns 0, or -1 (out of memory).
 */
int pn_child_track_wait(struct pn_listener *ln, pid_t pid, struct pn_prog *prog);

/* Reap every exited child, and every program of spawn.c (on SIGCHLD).
 * Each child and program gets SIGKILL should the worker die. */
void pn_child_reap(struct pn_server *srv);

/* Send sig to every live child of s; a program of spawn.c is stopped
 * (SIGTERM, then SIGKILL) on SIGTERM. */
void pn_child_signal_all(pinetd_svc *s, int sig);

#endif
