/*
 * pidfile.h -- the pid file of a detached pinetd: locked for the daemon's
 * whole life, written once it serves, removed only by its owner.
 *
 * The lock (flock(2), on the open file description) is what says "a
 * pinetd runs": it is taken before anything is bound, inherited across
 * the detaching fork and held by the supervisor until it exits, and the
 * kernel drops it whatever way the supervisor dies.  A second instance
 * finds it taken, names the pid written in the file and gives up without
 * touching the file.  A file left by a daemon that was killed is not
 * locked and is simply taken over.  Workers and checkers close the
 * descriptor (they close everything above their own), so they never hold
 * the lock on the supervisor's behalf.
 */
#ifndef PN_PIDFILE_H
#define PN_PIDFILE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * pn_pidfile_lock -- open (creating it 0644) and lock the pid file at
 * path without waiting, and empty it: until pn_pidfile_write it names no
 * one.  A file that its owner unlinked between our open and our lock is
 * opened again, so the lock held is always on the file path names.
 * Returns the descriptor (O_CLOEXEC); or -EWOULDBLOCK when another
 * process holds the lock, with *holder set to the pid the file names (0
 * if it names none yet); or another negative errno.  err describes every
 * failure, e.g.
 *   pid file /run/pinetd.pid is locked by pid 1234: is pinetd already running?
 */
int pn_pidfile_lock(const char *path, pid_t *holder, char *err, size_t errlen);

/* pn_pidfile_write -- make the locked file hold this process's pid and a
 * newline.  Returns 0 or a negative errno. */
int pn_pidfile_write(int fd);

/*
 * pn_pidfile_release -- by the owner (the holder of fd's lock): unlink
 * path if it still names fd's file (not one that somebody replaced it
 * with), then close fd, which drops the lock.
 */
void pn_pidfile_release(const char *path, int fd);

#endif
