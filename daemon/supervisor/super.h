/*
 * super.h -- the supervisor: the one process that runs no plugin code.
 *
 * It reads the configuration, binds (or adopts) every listening socket,
 * and supervises one unit per enabled service -- or per worker_group, for
 * services that must share memory -- each served by its own worker
 * process (`workers` of them for a service that asks for several).  A
 * worker receives exactly its unit's sockets over a control channel
 * (ctl.h) and never binds; it drops to its user before any plugin code
 * runs (worker.c).  The supervisor keeps every socket open, so when a
 * worker dies the listeners stay up, clients queue in the kernel, and a
 * new worker with the same sockets is started at once (with backoff if it
 * keeps dying).  Workers send heartbeats; one that misses them for
 * `watchdog` seconds (stopped, or stuck in a plugin) is killed and
 * restarted.
 *
 * Reload compares unit by unit: a unit whose services, plugins, options,
 * user and execution are unchanged keeps its worker, whatever else
 * changed (only new listen addresses are handed over, and lost ones
 * closed, keeping its connections and state); a changed or removed unit
 * drains for at most drain_timeout seconds, then gets SIGTERM, then
 * SIGKILL, while its replacement (if any) takes the new connections.
 * Stopping works the same way with shutdown_timeout.  The supervisor is
 * a child subreaper: nothing a worker started outlives pinetd.
 */
#ifndef PN_SUPER_H
#define PN_SUPER_H

#include "conf.h"

/*
 * pn_super_run -- run `conf` (a checker's view, taken over) until
 * SIGTERM/SIGINT.  path and plugin_dir (-P, or NULL) are kept for
 * reloads; debug (-d) keeps the log at debug level whatever the files
 * say.  *report_fd, when >= 0, receives the result 0 (pn_log_report) once every
 * worker is serving, and is then closed and set to -1; a start-up that fails
 * leaves it to the caller, which reports the exit code once it has
 * cleaned up (the waiting parent exits at once).  pid_fd, when >= 0, is the locked
 * pid file (pidfile.h): the supervisor writes its pid there once every
 * worker is serving, before reporting; the caller releases it.  Returns
 * the exit code.
 */
int pn_super_run(struct pn_config *conf, const char *path,
		 const char *plugin_dir, int debug, int *report_fd, int pid_fd);

#endif
