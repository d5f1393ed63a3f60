/*
 * pidfile.c -- the locked pid file (see pidfile.h).
 */
#include "pidfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* Does path name the file open on fd? */
static int names_fd(const char *path, int fd)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The pid written in the file open on fd, 0 if none. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n;
	long pid;
	char *end;

	do
		n = pread(fd, buf, sizeof buf - 1, 0);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return pid > 0 && end != buf && (*end == '\n' || *end == '\0') ? (pid_t)pid : 0;
}

int pn_pidfile_lock(const char *path, pid_t *holder, char *err, size_t errlen)
{
	*holder = 0;
	/* A few rounds: each one lost means an owner removed the file just
	 * as we opened it; a new owner must have appeared for another. */
	for (int round = 0; round < 8; round++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
		int rc;

		if (fd < 0) {
			rc = -errno;
			snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
			return rc;
		}
		while ((rc = flock(fd, LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
			;
		if (rc < 0) {
			rc = -errno;
			if (rc == -EWOULDBLOCK) {
				*holder = read_pid(fd);
				if (*holder > 0)
					snprintf(err, errlen,
						 "pid file %s is locked by pid %ld: is pinetd "
						 "already running?", path, (long)*holder);
				else
					snprintf(err, errlen,
						 "pid file %s is locked by a pinetd that is "
						 "starting: is pinetd already running?", path);
			} else {
				snprintf(err, errlen, "pid file %s: lock: %s", path,
					 strerror(-rc));
			}
			close(fd);
			return rc;
		}
		if (!names_fd(path, fd)) { /* unlinked by its owner meanwhile */
			close(fd);
			continue;
		}
		if (ftruncate(fd, 0) < 0) {
			rc = -errno;
			snprintf(err, errlen, "pid file %s: %s", path, strerror(errno));
			close(fd);
			return rc;
		}
		return fd;
	}
	snprintf(err, errlen, "pid file %s keeps being replaced", path);
	return -EAGAIN;
}

int pn_pidfile_write(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	ssize_t w;

	if (ftruncate(fd, 0) < 0)
		return -errno;
	do
		w = pwrite(fd, buf, (size_t)n, 0);
	while (w < 0 && errno == EINTR);
	if (w < 0)
		return -errno;
	return w == n ? 0 : -EIO;
}

void pn_pidfile_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	if (names_fd(path, fd))
		unlink(path);
	close(fd);
}
