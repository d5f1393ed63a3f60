/*
 * snapshot.h -- the exact bytes of the configuration files a check read.
 *
 * The configuration checker (checker.h) reads pinetd.conf and its drop-in
 * files once, into a snapshot, and every later parse -- its own, and each
 * worker's after it dropped to its user -- works from those bytes, never
 * from the files: what runs is what was checked, whatever happens to the
 * files meanwhile.
 *
 * Only regular files are read (a symbolic link to one is fine), each of
 * at most PN_CONF_FILE_MAX bytes and all of them together at most
 * PN_CONF_TOTAL_MAX, so a FIFO, a device or a huge file is an error, not
 * a hang or a gigabyte of memory.
 */
#ifndef PN_SNAPSHOT_H
#define PN_SNAPSHOT_H

#include <stddef.h>

#include "wire.h"

#define PN_CONF_FILE_MAX (1024u * 1024)	     /* bytes in one file */
#define PN_CONF_TOTAL_MAX (8u * 1024 * 1024) /* bytes in all files */
#define PN_CONF_FILES_MAX 4096u		     /* drop-in files */
#define PN_SNAPSHOT_VERSION 1u

/* The main file, then the inetd.conf it names (inetd_conf, at most one,
 * read as classic inetd lines: inetd.h), then the drop-ins. */
enum pn_snap_role { PN_SNAP_MAIN = 0, PN_SNAP_DROPIN = 1, PN_SNAP_INETD = 2 };

struct pn_snapfile {
	char *path;
	int role;   /* PN_SNAP_MAIN (files[0] only), PN_SNAP_INETD, PN_SNAP_DROPIN */
	char *data; /* len bytes, NUL-terminated at data[len] */
	size_t len;
};

struct pn_snapshot {
	char *services_dir;	   /* as resolved when read; "" for none */
	struct pn_snapfile *files; /* the main file, then drop-ins in name order */
	size_t nfiles;
	size_t total; /* sum of len */
};

/*
 * pn_file_read -- read a whole regular file of at most max bytes.  The
 * file is opened with O_NONBLOCK (opening a FIFO does not wait for a
 * writer) and checked with fstat before anything is read.  Returns 0 with
 * a malloc'd, NUL-terminated *data, or -1 after writing the reason into
 * err: "not a regular file", "larger than 1048576 bytes (the limit for
 * one configuration file)", or "cannot read: " and strerror's text.
 */
int pn_file_read(const char *path, size_t max, char **data, size_t *len,
		 char *err, size_t errlen);

/* An empty snapshot (services_dir ""), or NULL. */
struct pn_snapshot *pn_snapshot_new(void);

/*
 * pn_snapshot_add -- append a file, taking over data (freed on failure
 * too).  Fails (-1, reason in err) beyond the limits above or when the
 * roles are out of order.
 */
int pn_snapshot_add(struct pn_snapshot *s, const char *path, int role,
		    char *data, size_t len, char *err, size_t errlen);

/* The file read from path, or NULL. */
const struct pn_snapfile *pn_snapshot_find(const struct pn_snapshot *s,
					   const char *path);

void pn_snapshot_free(struct pn_snapshot *s);

/* Append the snapshot to w (format in snapshot.c). */
void pn_snapshot_encode(const struct pn_snapshot *s, struct pn_wbuf *w);

/*
 * pn_snapshot_decode -- the snapshot encoded in r, checked against every
 * limit above.  Returns it, or NULL with the reason in err.
 */
struct pn_snapshot *pn_snapshot_decode(struct pn_rbuf *r, char *err,
				       size_t errlen);

#endif
