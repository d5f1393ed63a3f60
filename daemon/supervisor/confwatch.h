/*
 * confwatch.h -- reload when the inetd.conf the configuration reads
 * changes on disk.
 *
 * Debian's update-inetd (and an administrator's editor) replace
 * /etc/inetd.conf and then signal "the inetd": a pid file checked for a
 * process named inetd, or an init script named *inetd.  Neither names
 * pinetd, and restarting would cut every connection, so the supervisor
 * watches the file itself (inotify on its directory: a file renamed into
 * place is a new inode) and asks for a reload -- the SIGHUP path, with
 * everything it checks -- once writes have settled.
 */
#ifndef PN_CONFWATCH_H
#define PN_CONFWATCH_H

#include "loop.h"

struct pn_confwatch {
	struct pn_watch w;	/* the inotify descriptor, -1 when none */
	struct pn_timer settle; /* the reload, once writes have settled */
	char *path;		/* the file watched, or NULL */
	const char *name;	/* its last component, inside path */
};

/* An idle watch (nothing watched). */
void pn_confwatch_init(struct pn_confwatch *cw);

/*
 * pn_confwatch_set -- watch path (the inetd.conf of the running
 * configuration), or nothing when path is NULL or empty.  A change then
 * logs one line and raises SIGHUP in this process, 300 ms after the last
 * write or rename seen.  Setting the path the watch already has changes
 * nothing.  Returns 0, or -1 logged (the daemon runs on without it).
 */
int pn_confwatch_set(struct pn_confwatch *cw, struct pn_loop *l,
		     const char *path);

/* Stop watching and free (before the loop is freed). */
void pn_confwatch_free(struct pn_confwatch *cw, struct pn_loop *l);

#endif
