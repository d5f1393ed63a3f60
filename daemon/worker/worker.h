/*
 * worker.h -- a worker process: the services of one unit (one service,
 * or the services of one worker_group), served from the sockets the
 * supervisor hands over its control channel.
 *
 * A worker never binds.  It becomes its unit's user before any plugin
 * code runs, dies with the supervisor (PR_SET_PDEATHSIG), sends a
 * heartbeat from its event loop (so a stopped or looping worker is
 * noticed by the supervisor's watchdog), and obeys the supervisor's
 * messages: new sockets, drain, stop, settings, statistics.
 */
#ifndef PN_WORKER_H
#define PN_WORKER_H

#include <sys/types.h>

#include "conf.h"
#include "privs.h"

struct pn_worker_args {
	int ctl;		   /* the worker's end of the channel */
	struct pn_config *conf;	   /* the table; the worker takes a reference */
	const char *plugin_dir;	   /* -P, or NULL: the file's */
	char *const *services;	   /* the names of the services it serves */
	size_t nservices;
	const struct pn_ident *ident; /* "" user: keep the current identity */
	const char *label;	   /* "echo (plugin echo)", for log lines */
	pid_t supervisor;
};

/*
 * pn_worker_main -- run a worker in the freshly forked child until it is
 * stopped.  The caller has closed everything of the supervisor's but
 * a->ctl.  Returns the process's exit code.
 */
int pn_worker_main(const struct pn_worker_args *a);

#endif
