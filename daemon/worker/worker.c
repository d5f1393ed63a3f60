/*
 * worker.c -- a worker process (see worker.h).
 */
#include "worker.h"

#include <errno.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core.h"
#include "ctl.h"
#include "log.h"
#include "server.h"
#include "snapshot.h"

#define GO_TIMEOUT_MS 30000 /* the supervisor sends the sockets at once */
/* An encoded snapshot: the files' bytes and, per file, a path and sizes. */
#define RECONF_MAX ((size_t)PN_CONF_TOTAL_MAX + PN_CONF_FILES_MAX * 8192u)

struct worker {
	struct pn_server srv;
	int ctl;
	struct pn_watch cw;
	struct pn_timer beat;
	uint32_t beat_ms;
	unsigned char *buf; /* one message body */
	const char *label;
	const struct pn_worker_args *args;
	struct pn_registry reg; /* the plugins loaded (start, reconfigure) */
};

/* Disable the services of conf that are not the unit's. */
static void keep_members(struct pn_config *conf, const struct pn_worker_args *a)
{
	for (size_t i = 0; i < conf->nsvcs; i++) {
		int member = 0;
		for (size_t j = 0; j < a->nservices && !member; j++)
			member = strcmp(conf->svcs[i].name, a->services[j]) == 0;
		if (!member)
			conf->svcs[i].enabled = 0;
	}
}

static void apply_settings(struct worker *w, const void *body, size_t len)
{
	struct pn_ctl_settings st;

	if (len != sizeof st)
		return;
	memcpy(&st, body, sizeof st);
	pn_log_set_level(st.log_level);
	w->srv.shutdown_timeout = st.shutdown_timeout;
	w->beat_ms = st.heartbeat_ms;
	pn_core_set_start_time((time_t)st.start_time);
}

static void store_services(struct worker *w, const void *body, size_t len)
{
	unsigned char *copy = malloc(len ? len : 1);

	if (!copy)
		return; /* keep the previous list */
	memcpy(copy, body, len);
	free(w->srv.svcinfo);
	w->srv.svcinfo = copy;
	w->srv.svcinfo_len = len;
	w->srv.udp_ports_stale = 1;
}

/*
 * A service's sockets.  Before serving they join srv.act, where
 * pn_server_apply takes them by address; afterwards they replace the
 * running service's listeners.  Returns 0, or -1 for a malformed
 * message (its descriptors closed).
 */
static int take_sockets(struct worker *w, const void *body, size_t len,
			int *fds, size_t nfds, int serving)
{
	struct pn_ctl_sockets h;
	struct pn_addr *addrs = NULL;

	if (len < sizeof h)
		goto bad;
	memcpy(&h, body, sizeof h);
	h.service[sizeof h.service - 1] = '\0';
	if (h.naddrs != nfds || len != sizeof h + nfds * sizeof *addrs)
		goto bad;
	/* The addresses follow the header unaligned: copy them out. */
	if (!(addrs = calloc(nfds ? nfds : 1, sizeof *addrs)))
		goto bad;
	memcpy(addrs, (const unsigned char *)body + sizeof h, nfds * sizeof *addrs);
	if (serving) {
		/* A failure is logged; the service keeps what it had. */
		pn_server_set_sockets(&w->srv, h.service, addrs, fds, nfds);
		free(addrs);
		return 0;
	}
	struct pn_activation *a = &w->srv.act;
	struct pn_inherited *v = realloc(a->fds, (a->n + nfds + 1) * sizeof *v);
	if (!v)
		goto bad;
	a->fds = v;
	for (size_t i = 0; i < nfds; i++) {
		memset(&v[a->n], 0, sizeof v[a->n]);
		v[a->n].fd = fds[i];
		v[a->n].addr = addrs[i];
		a->n++;
	}
	free(addrs);
	return 0;
bad:
	free(addrs);
	pn_log(LOG_ERR, "worker for %s: malformed sockets message", w->label);
	for (size_t i = 0; i < nfds; i++)
		close(fds[i]);
	return -1;
}

/*
 * The configuration a RECONFIGURE carries: an encoded snapshot in fd, a
 * memfd every worker of the unit shares (read at offsets: the file
 * position is theirs too), parsed as at start, as this user.  Returns
 * the full table (refs 0), or NULL with the reason in err.
 */
static struct pn_config *read_snapshot_fd(struct worker *w, int fd, char *err,
					  size_t errlen)
{
	struct pn_snapshot *snap;
	struct pn_config *conf;
	unsigned char *buf;
	struct stat st;
	size_t len, off = 0;
	int nerr = 0;

	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
	    (size_t)st.st_size > RECONF_MAX) {
		snprintf(err, errlen, "the new configuration came in a bad file");
		return NULL;
	}
	len = (size_t)st.st_size;
	if (!(buf = malloc(len ? len : 1))) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (off < len) {
		ssize_t n = pread(fd, buf + off, len - off, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "cannot read the new configuration: %s",
				 n < 0 ? strerror(errno) : "short file");
			free(buf);
			return NULL;
		}
		off += (size_t)n;
	}
	struct pn_rbuf r = { buf, len, 0 };
	snap = pn_snapshot_decode(&r, err, errlen);
	free(buf);
	if (!snap)
		return NULL;
	conf = pn_config_load_snapshot(snap, w->args->conf->path,
				       w->args->plugin_dir, &w->reg, NULL, &nerr);
	pn_snapshot_free(snap);
	if (!conf) {
		snprintf(err, errlen, "the new configuration does not load in the "
				      "worker (%d errors)", nerr);
		return NULL;
	}
	keep_members(conf, w->args);
	return conf;
}

/*
 * RECONFIGURE: new plugin options for the running services, in place
 * (pn_server_reconfigure); the answer says whether they took them, or
 * why not (nothing changed then).  fd is closed.
 */
static void reconfigure(struct worker *w, size_t len, int fd, int serving)
{
	struct pn_ctl_reconfigured a;
	struct pn_ctl_reconf rq;
	struct pn_config *conf;

	memset(&a, 0, sizeof a); /* no uninitialised bytes on the wire */
	if (len != sizeof rq || fd < 0) {
		pn_log(LOG_ERR, "worker for %s: malformed reconfigure message",
		       w->label);
		if (fd >= 0)
			close(fd);
		return;
	}
	memcpy(&rq, w->buf, sizeof rq);
	a.serial = rq.serial;
	if (!serving) {
		snprintf(a.reason, sizeof a.reason, "the worker is not serving yet");
	} else if ((conf = read_snapshot_fd(w, fd, a.reason, sizeof a.reason))) {
		conf->refs++;
		a.ok = pn_server_reconfigure(&w->srv, conf, a.reason,
					     sizeof a.reason) >= 0;
		if (--conf->refs == 0)
			pn_config_free(conf);
	}
	close(fd);
	if (pn_ctl_send(w->ctl, PN_CTL_RECONFIGURED, &a, sizeof a, NULL, 0) < 0)
		pn_log(LOG_WARNING, "worker for %s: cannot answer a reconfigure",
		       w->label);
}

/* One message from the supervisor.  Returns 1 for GO, 0 otherwise. */
static int handle(struct worker *w, uint32_t type, size_t len, int *fds,
		  size_t nfds, int serving)
{
	struct pn_ctl_stop st = { 0 };

	if (type == PN_CTL_RECONFIGURE) {
		while (nfds > 1) /* one is expected */
			close(fds[--nfds]);
		reconfigure(w, len, nfds ? fds[0] : -1, serving);
		return 0;
	}
	if (type != PN_CTL_SOCKETS)
		while (nfds)
			close(fds[--nfds]);
	switch (type) {
	case PN_CTL_SOCKETS:
		take_sockets(w, w->buf, len, fds, nfds, serving);
		return 0;
	case PN_CTL_GO:
		return 1;
	case PN_CTL_DRAIN:
	case PN_CTL_STOP:
		if (len == sizeof st)
			memcpy(&st, w->buf, sizeof st);
		if (type == PN_CTL_DRAIN)
			pn_log(LOG_INFO, "worker for %s: replaced; draining for at "
					 "most %u s", w->label, st.deadline_s);
		pn_server_stop(&w->srv, (long)st.deadline_s);
		return 0;
	case PN_CTL_SETTINGS:
		apply_settings(w, w->buf, len);
		return 0;
	case PN_CTL_STATS:
		pn_server_log_stats(&w->srv);
		return 0;
	case PN_CTL_SERVICES:
		store_services(w, w->buf, len);
		return 0;
	default:
		pn_log(LOG_WARNING, "worker for %s: unknown control message %u",
		       w->label, type);
		return 0;
	}
}

/* The supervisor's end closed: it is gone (or going); stop serving. */
static void lost_supervisor(struct worker *w)
{
	pn_watch_close(&w->srv.loop, &w->cw);
	w->ctl = -1;
	pn_timer_stop(&w->srv.loop, &w->beat);
	pn_server_stop(&w->srv, w->srv.shutdown_timeout);
}

static void on_ctl(struct pn_loop *l, void *arg, unsigned events)
{
	struct worker *w = arg;
	int fds[PN_CTL_MAXFDS];
	size_t nfds;
	uint32_t type;

	(void)l;
	(void)events;
	for (int i = 0; i < 64 && w->ctl >= 0; i++) {
		ssize_t n = pn_ctl_recv(w->ctl, &type, w->buf, PN_CTL_MAX, fds,
					PN_CTL_MAXFDS, &nfds);
		if (n == -EAGAIN)
			return;
		if (n == -EBADMSG)
			continue;
		if (n < 0) {
			lost_supervisor(w);
			return;
		}
		handle(w, type, (size_t)n, fds, nfds, 1);
	}
}

static void count_list(const pinetd_svc *s, struct pn_ctl_count *c, size_t *n,
		       size_t cap)
{
	for (; s && *n < cap; s = s->next) {
		memset(&c[*n], 0, sizeof c[*n]);
		snprintf(c[*n].service, sizeof c[*n].service, "%s", s->conf->name);
		c[*n].connections = s->nconns + s->nchildren;
		c[*n].accepted = s->accepted;
		memcpy(c[*n].refused, s->refused_by, sizeof c[*n].refused);
		c[*n].bytes_in = s->bytes_in;
		c[*n].bytes_out = s->bytes_out;
		c[*n].dgrams_in = s->dgrams_in;
		c[*n].dgrams_dropped = s->dropped;
		(*n)++;
	}
}

/* Every beat_ms: tell the supervisor this loop turns, with the counts. */
static void on_beat(struct pn_loop *l, void *arg)
{
	struct worker *w = arg;
	struct pn_ctl_count c[PN_CTL_MAX / sizeof(struct pn_ctl_count)];
	size_t n = 0, cap = sizeof c / sizeof c[0];

	count_list(w->srv.svcs, c, &n, cap);
	count_list(w->srv.draining, c, &n, cap);
	/* A full queue (the supervisor is busy) only delays this beat. */
	(void)pn_ctl_send(w->ctl, PN_CTL_HEARTBEAT, c, n * sizeof c[0], NULL, 0);
	pn_timer_start(l, &w->beat, w->beat_ms);
}

/*
 * Harden the worker once it is the service's user: no exec may gain
 * privileges (setuid bits and file capabilities are ignored, for the
 * worker and for every program it runs), and no core file is written
 * (a worker's memory holds other connections' data).  The core settings
 * are kept in *saved for restore_core_dumps.  Returns 0 or -1 (errno).
 */
static int harden(struct rlimit *saved, int *dumpable)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	if ((*dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0)) < 0 ||
	    getrlimit(RLIMIT_CORE, saved) < 0)
		return -1;
	/* The hard limit stays: core_dumps = true gives the soft one back. */
	none.rlim_max = saved->rlim_max;
	if (setrlimit(RLIMIT_CORE, &none) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return -1;
	return 0;
}

/* core_dumps = true: the settings harden() found, as the kernel left them. */
static void restore_core_dumps(const struct rlimit *saved, int dumpable)
{
	(void)setrlimit(RLIMIT_CORE, saved);
	(void)prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
}

/* Receive settings and sockets until GO.  Returns 0 or -1 (logged). */
static int receive_setup(struct worker *w)
{
	int fds[PN_CTL_MAXFDS];
	size_t nfds;
	uint32_t type;

	for (;;) {
		struct pollfd p = { .fd = w->ctl, .events = POLLIN };
		int r = poll(&p, 1, GO_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			pn_log(LOG_ERR, "worker for %s: no sockets from the "
					"supervisor", w->label);
			return -1;
		}
		ssize_t n = pn_ctl_recv(w->ctl, &type, w->buf, PN_CTL_MAX, fds,
					PN_CTL_MAXFDS, &nfds);
		if (n == -EAGAIN || n == -EBADMSG)
			continue;
		if (n < 0)
			return -1; /* the supervisor is gone: nothing to say */
		if (handle(w, type, (size_t)n, fds, nfds, 0))
			return 0;
	}
}

int pn_worker_main(const struct pn_worker_args *a)
{
	struct worker w = { .ctl = a->ctl, .label = a->label, .args = a };
	struct pn_config *conf;
	struct rlimit core;
	char err[256];
	int rc, nerr = 0, dumpable;

	if (pn_ident_apply(a->ident, err, sizeof err) < 0) {
		pn_log(LOG_ERR, "worker for %s: cannot become user %s: %s; not "
				"serving", a->label, a->ident->user, err);
		return PN_EXIT_SYSTEM;
	}
	/* Die with the supervisor (even by SIGKILL) rather than serve on
	 * unsupervised.  Set after the user change, which clears it; the
	 * getppid() check closes the race with a supervisor already gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != a->supervisor)
		return PN_EXIT_SYSTEM;
	/* Before any plugin is loaded: its constructor runs hardened too. */
	if (harden(&core, &dumpable) < 0) {
		pn_log(LOG_ERR, "worker for %s: cannot set no_new_privs or disable "
				"core dumps: %s; not serving", a->label, strerror(errno));
		return PN_EXIT_SYSTEM;
	}
	/* The supervisor's table is a view without plugins: parse the bytes
	 * the checker checked, as this user, and serve the unit's services. */
	pn_registry_init(&w.reg);
	if (!a->conf->snap) {
		conf = a->conf; /* a full table (tests) */
		conf->refs++;
	} else if (!(conf = pn_config_load_snapshot(a->conf->snap, a->conf->path,
						    a->plugin_dir, &w.reg, NULL,
						    &nerr))) {
		pn_log(LOG_ERR, "worker for %s: the checked configuration no longer "
				"loads (%d errors)", a->label, nerr);
		return PN_EXIT_CONFIG;
	} else {
		conf->refs++;
	}
	if (conf->core_dumps)
		restore_core_dumps(&core, dumpable);
	keep_members(conf, a);
	/* A fixed mmap threshold: glibc's moves up after a large buffer (a
	 * 10 MiB line, a full output queue) is freed, after which such
	 * buffers come from the heap and stay in the worker's RSS. */
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	if (!(w.buf = malloc(PN_CTL_MAX)) || pn_server_init(&w.srv) < 0) {
		rc = PN_EXIT_SYSTEM;
		goto out_conf; /* nothing of the server to close */
	}
	w.srv.no_bind = 1;
	w.srv.act.quiet = 1;
	w.srv.shutdown_timeout = conf->shutdown_timeout;
	if (receive_setup(&w) < 0) {
		rc = PN_EXIT_SYSTEM;
		goto out;
	}
	if ((rc = pn_server_apply(&w.srv, conf)) != 0)
		goto out;
	if (pn_ctl_send(w.ctl, PN_CTL_READY, NULL, 0, NULL, 0) < 0) {
		rc = PN_EXIT_SYSTEM;
		goto out;
	}
	pn_watch_init(&w.cw, w.ctl, on_ctl, &w);
	pn_timer_init(&w.beat, on_beat, &w);
	if (pn_watch_set(&w.srv.loop, &w.cw, EPOLLIN) < 0) {
		rc = PN_EXIT_SYSTEM;
		goto out;
	}
	if (w.beat_ms)
		pn_timer_start(&w.srv.loop, &w.beat, w.beat_ms);
	rc = pn_server_run(&w.srv);
	pn_timer_stop(&w.srv.loop, &w.beat);
	if (w.ctl >= 0)
		pn_watch_set(&w.srv.loop, &w.cw, 0);
out:
	pn_server_close(&w.srv);
out_conf:
	free(w.srv.svcinfo);
	free(w.buf);
	if (w.ctl >= 0)
		close(w.ctl);
	if (--conf->refs == 0)
		pn_config_free(conf);
	pn_registry_free(&w.reg);
	return rc;
}
