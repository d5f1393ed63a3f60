/*
 * server.h -- what a worker process runs: services built from a
 * configuration, their listeners and connections, on one event loop.
 *
 * Everything hangs off struct pn_server; nothing is global, so each
 * worker (and each process-mode child) has a server of its own.  The
 * supervisor (super.c) owns configuration reloads: it keeps or replaces
 * whole workers, hands a kept worker new sockets (pn_server_set_sockets)
 * and new plugin options (pn_server_reconfigure); a worker's services are
 * started once (pn_server_apply).
 */
#ifndef PN_SERVER_H
#define PN_SERVER_H

#include <stddef.h>

#include "runtime.h"

/* Log one line per service with its counters. */
void pn_server_log_stats(struct pn_server *srv);

/* Exit codes (pinetd(8)). */
enum { PN_EXIT_OK = 0, PN_EXIT_CONFIG = 1, PN_EXIT_USAGE = 2, PN_EXIT_SYSTEM = 3 };

/*
 * pn_server_init -- an idle server: a loop, buffers and signals.  The
 * caller puts the sockets it may use into srv->act (the supervisor's,
 * inherited) before pn_server_apply.  Returns 0 or -1 (logged).
 */
int pn_server_init(struct pn_server *srv);

/*
 * pn_server_apply -- start the enabled services of `conf` (which the
 * server takes over) on a server that runs none yet: a worker calls it
 * once, and later changes come from the supervisor as whole new workers
 * or as new sockets (pn_server_set_sockets).  Every socket is bound (or
 * taken from srv->act) and every plugin initialised before any listener
 * is polled: on any failure everything is undone (fini() for each plugin
 * whose init() succeeded, every socket closed), the reason is logged, and
 * PN_EXIT_SYSTEM (socket) or PN_EXIT_CONFIG (plugin init) is returned;
 * else 0.
 */
int pn_server_apply(struct pn_server *srv, struct pn_config *conf);

/*
 * pn_server_set_sockets -- the running service `name` now listens on
 * exactly these n sockets (fds taken over): listeners on an address it
 * keeps stay as they are (the new descriptor is closed), new addresses
 * get a listener, and listeners on addresses not in the list are closed.
 * Connections are untouched.  Returns 0, or -1 (logged) when no such
 * service runs or a listener cannot be made (the fds are closed).
 */
int pn_server_set_sockets(struct pn_server *srv, const char *name,
			  const struct pn_addr *addrs, const int *fds, size_t n);

/*
 * pn_server_stop -- stop accepting everywhere; the loop ends when every
 * connection has.  deadline_s > 0: connections still open that many
 * seconds later are closed; 0: they are closed now; < 0: no deadline.
 * Called again on a server that is already stopping, it can only
 * shorten the wait.
 */
void pn_server_stop(struct pn_server *srv, long deadline_s);

/* pn_server_run -- serve until stopped; returns the exit code. */
int pn_server_run(struct pn_server *srv);

/* pn_server_close -- close everything, fini() plugins, free. */
void pn_server_close(struct pn_server *srv);

/*
 * pn_server_reconfigure -- a reload changed only plugin options: each
 * running service whose options differ in `table` (a full table of the
 * same configuration, parsed by this worker) gets them through its
 * plugin's reconfigure(), keeping its connections, timers and state.
 * Everything is checked before any plugin is called: every running
 * service must be in `table`, enabled, with the same plugin and the same
 * core options, user and group (listen addresses may differ: they come
 * with pn_server_set_sockets), and every plugin whose options differ must
 * have reconfigure.  All or none: when a plugin refuses, those that
 * already took their new options are given their old ones back.  On
 * success each changed service holds a reference to `table` and its old
 * option struct is freed once nothing holds the old table (a state that
 * was the old struct becomes the new one).  Returns the number of
 * services changed (0: nothing differed), or -1 with the reason in err
 * ("service 'x': plugin 'y' has no reconfigure callback", "service 'x':
 * plugin 'y' refused the new options: <its reason>", ...).
 */
int pn_server_reconfigure(struct pn_server *srv, struct pn_config *table,
			  char *err, size_t errlen);

/*
 * pn_server_check_service -- what `pinetd -t` runs for one service of a
 * full table: the plugin's init() with a real service handle (as a
 * worker would build it, without listeners), then fini().  Returns 0, or
 * -1 with init's reason in err.
 */
int pn_server_check_service(struct pn_config *full,
			    const struct pn_service_conf *sc, char *err,
			    size_t errlen);

#endif
