/*
 * confwatch.c -- reload when inetd.conf changes (see confwatch.h).
 */
#include "confwatch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "log.h"

/* Writes within this many milliseconds are one change. */
#define SETTLE_MS 300

#define EVENTS (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | \
		IN_MOVED_FROM | IN_ATTRIB)

void pn_confwatch_init(struct pn_confwatch *cw)
{
	memset(cw, 0, sizeof *cw);
	cw->w.fd = -1;
}

static void on_settled(struct pn_loop *l, void *arg)
{
	struct pn_confwatch *cw = arg;

	(void)l;
	pn_log(LOG_NOTICE, "%s changed on disk: reloading", cw->path);
	raise(SIGHUP); /* through the loop's signalfd: the SIGHUP path */
}

/* Drain the inotify descriptor; a change to our file (re)starts the
 * settle timer.  Other files of the directory are ignored. */
static void on_events(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_confwatch *cw = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int ours = 0;
	ssize_t n;

	(void)events;
	while ((n = read(cw->w.fd, buf, sizeof buf)) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *e = (const void *)p;
			if (e->len && strcmp(e->name, cw->name) == 0)
				ours = 1;
			if (e->mask & IN_Q_OVERFLOW)
				ours = 1; /* lost events: look again */
			p += sizeof *e + e->len;
		}
	}
	if (ours)
		pn_timer_start(l, &cw->settle, SETTLE_MS);
}

static void unwatch(struct pn_confwatch *cw, struct pn_loop *l)
{
	pn_timer_stop(l, &cw->settle);
	if (cw->w.fd >= 0)
		pn_watch_close(l, &cw->w);
	free(cw->path);
	cw->path = NULL;
	cw->name = NULL;
}

int pn_confwatch_set(struct pn_confwatch *cw, struct pn_loop *l,
		     const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	int fd;

	if (path && !path[0])
		path = NULL;
	if ((!path && !cw->path) || (path && cw->path && strcmp(path, cw->path) == 0))
		return 0;
	unwatch(cw, l);
	if (!path)
		return 0;
	if (!(slash = strrchr(path, '/')) || (size_t)(slash - path) >= sizeof dir) {
		pn_log(LOG_WARNING, "%s: not an absolute path: not watched for changes",
		       path);
		return -1;
	}
	snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path),
		 path);
	if (!(cw->path = strdup(path)))
		return -1;
	cw->name = cw->path + (slash - path) + 1;
	pn_timer_init(&cw->settle, on_settled, cw);
	if ((fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0 ||
	    inotify_add_watch(fd, dir, EVENTS) < 0) {
		pn_log(LOG_WARNING, "%s: cannot watch %s for changes (%s): reload "
		       "by hand after editing it", path, dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(cw->path);
		cw->path = NULL;
		return -1;
	}
	pn_watch_init(&cw->w, fd, on_events, cw);
	if (pn_watch_set(l, &cw->w, EPOLLIN) < 0) {
		close(fd);
		cw->w.fd = -1;
		free(cw->path);
		cw->path = NULL;
		return -1;
	}
	return 0;
}

void pn_confwatch_free(struct pn_confwatch *cw, struct pn_loop *l)
{
	unwatch(cw, l);
}
