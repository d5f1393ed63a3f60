/*
 * plugfiles.h -- which plugin files the running workers loaded, so that a
 * reload can say when one changed on disk.
 *
 * Workers dlopen their plugins themselves, from the file as it is when
 * they start; a reload's checker does the same in a fresh process.  So an
 * upgraded NAME.so is picked up by every worker started after it was
 * installed, and by no worker that was already running.  The supervisor
 * loads no plugin; it stat(2)s the paths the checker's view names (no
 * plugin code runs in a stat) and keeps each file's identity: device,
 * inode, modification time and size.  Installing a new file (install(1),
 * or cp then mv: a new inode) and overwriting one in place (same inode,
 * new mtime or size) are both seen.
 */
#ifndef PN_PLUGFILES_H
#define PN_PLUGFILES_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct pn_plugfile {
	char *path;
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
};

struct pn_plugfiles {
	struct pn_plugfile *f;
	size_t n;
};

/*
 * pn_plugfiles_note -- stat path and compare it with what was recorded
 * for it; record what is there now.  Returns 1 when the file changed
 * since it was recorded, 0 when it did not or was not known yet, -1 when
 * it cannot be stat'ed or recorded (errno set; the record is kept).
 */
int pn_plugfiles_note(struct pn_plugfiles *pf, const char *path);

void pn_plugfiles_free(struct pn_plugfiles *pf);

#endif
