/*
 * super.h -- the supervisor: the one process that runs no plugin code.
 *
 * It reads the configuration, binds (or adopts) every listening socket,
 * and starts worker processes that serve the services: one per distinct
 * user for event-mode services (sharing state such as a chat room), and
 * `workers` of them for a service that asks for several.  A worker drops
 * to its user before it loads any plugin state, receives the listening
 * sockets by inheritance, and serves them with its own event loop
 * (server.c).  The supervisor keeps every socket open, so when a worker
 * dies the listeners stay up, clients queue in the kernel, and a new
 * worker with the same sockets is started at once (with backoff if it
 * keeps dying).  Reload re-reads the configuration, binds what is new,
 * starts workers for groups of services that changed, and lets the old
 * ones drain; unchanged groups keep running untouched.
 */
#ifndef PN_SUPER_H
#define PN_SUPER_H

#include "conf.h"
#include "loader.h"

/*
 * pn_super_run -- run `conf` (taken over) until SIGTERM/SIGINT.  path and
 * plugin_dir are kept for reloads.  report_fd, when >= 0, receives one
 * byte with the start-up result (0 once every worker is serving).
 * Returns the exit code.
 */
int pn_super_run(struct pn_config *conf, struct pn_registry *reg,
		 const char *path, const char *plugin_dir, int report_fd);

#endif
