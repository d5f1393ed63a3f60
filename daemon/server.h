/*
 * server.h -- the running daemon: services built from a configuration,
 * their listeners and connections, on one event loop.
 *
 * Everything hangs off struct pn_server; nothing is global, so a worker
 * process (or a test) can run a server of its own with its own loop.
 */
#ifndef PN_SERVER_H
#define PN_SERVER_H

#include <stddef.h>

#include <pinetd/plugin.h>

#include "addr.h"
#include "conf.h"
#include "loop.h"

struct pn_server;

struct pn_listener {
	struct pn_watch w; /* w.fd is the socket, -1 when closed */
	struct pn_addr addr;
	struct pinetd_svc *svc;
	struct pn_timer pause; /* accepting paused after EMFILE/ENFILE */
};

/* One configured service while it runs (pinetd_svc in the plugin API). */
struct pinetd_svc {
	struct pn_server *srv;
	const struct pn_service_conf *conf;
	const struct pinetd_plugin *desc;
	void *state;	 /* the plugin's, from init() */
	int initialised; /* init() succeeded, fini() owed */
	struct pn_listener *listeners;
	size_t nlisteners;
	struct pinetd_conn *conns; /* open connections */
	unsigned long nconns;
};

struct pn_server {
	struct pn_loop loop;
	struct pn_config *conf;
	struct pinetd_svc *svcs;
	size_t nsvcs;
	struct pinetd_conn *dead; /* closed; on_close and free pending */
	char *rbuf;		  /* stream read buffer, PN_RBUF_SIZE + 1 */
	struct pn_udp_batch *udp; /* datagram receive buffers */
	int exit_code;
};

#define PN_RBUF_SIZE 65536

/*
 * pn_server_open -- build the services of `conf` and bind every listener
 * of every enabled service.  Nothing is served yet.  On failure every
 * socket opened so far is closed, the reason is logged (service, address,
 * error) and -1 is returned.  The server borrows conf.
 */
int pn_server_open(struct pn_server *srv, struct pn_config *conf);

/* pn_server_init_plugins -- init() every enabled service's plugin;
 * on failure fini() those done, log and return -1. */
int pn_server_init_plugins(struct pn_server *srv);

/* pn_server_run -- watch the listeners and serve until SIGTERM/SIGINT.
 * Returns the exit code. */
int pn_server_run(struct pn_server *srv);

/* pn_server_close -- close everything, fini() plugins, free. */
void pn_server_close(struct pn_server *srv);

#endif
