/*
 * super.c -- the supervisor (see super.h).
 */
#include "super.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "checker.h"
#include "confwatch.h"
#include "ctl.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "pidfile.h"
#include "plugfiles.h"
#include "server.h"
#include "snapshot.h"
#include "status.h"
#include "wire.h"
#include "worker.h"

#define READY_TIMEOUT_MS 30000	/* a worker's start-up, plugin init included */
#define QUICK_CRASH_MS 10000u	/* a crash this soon after start backs off */
#define MAX_BACKOFF_MS 30000u
#define ESCALATE_MS 5000u	/* from SIGTERM to SIGKILL */
#define DEADLINE_SLACK_MS 1000u /* a worker's own deadline comes first */
#define TICK_MS 250u		/* watchdog and statistics round */
#define RECONF_TIMEOUT_MS 10000 /* a worker's answer to RECONFIGURE */

struct pn_sock {
	struct pn_addr addr;
	int fd;
	int keep; /* still configured (reload) */
};

/* Where a worker is with the RECONFIGURE of a reload. */
enum recon {
	RECON_NONE,	/* none sent */
	RECON_WAITING,	/* sent, no answer yet */
	RECON_OK,	/* took the options (or had nothing to change) */
	RECON_REFUSED,	/* changed nothing; why in recon_why */
};

enum wstate {
	W_DOWN,	    /* not running (crash backoff, or gone) */
	W_STARTING, /* forked, READY not yet received */
	W_SERVING,
	W_DRAINING, /* replaced on a reload */
	W_STOPPING, /* the daemon stops */
};

struct pn_unit;

struct pn_worker {
	struct pn_unit *u;
	struct pn_super *sup;
	pid_t pid;		/* 0 when not running */
	int ctl;		/* our end of the control channel, -1 */
	struct pn_watch cw;
	enum wstate state;
	uint64_t started, last_beat;
	unsigned crashes;
	int signalled;		/* the last signal we sent it, 0 none */
	int watchdog_killed;
	int memory_killed;	/* past memory_max */
	struct pn_timer restart;  /* crash backoff */
	struct pn_timer deadline; /* drain/stop deadline: SIGTERM, SIGKILL */
	uint64_t *conns;	  /* per member service, from heartbeats */
	enum recon recon;	  /* the reload's RECONFIGURE ... */
	uint32_t recon_serial;	  /* ... which one ... */
	char recon_why[480];	  /* ... and why it was refused */
};

/* What one worker process (or `workers` of them) serves: one service,
 * or the services of one worker_group. */
struct pn_unit {
	char key[160];		/* the service's name, or "group NAME" */
	struct pn_config *conf; /* the table its workers run; one ref */
	size_t *svc;		/* member services: indexes into conf */
	size_t nsvc;
	struct pn_ident ident;	/* "" user: keep the current identity */
	char names[512];	/* "echo (plugin echo), ..." */
	struct pn_worker *w;
	size_t nw;
	int retired;		/* replaced or removed: never restarted */
	struct pn_unit *match;	/* reload: the running unit this one takes
				 * over (kept or reconfigured), or NULL */
	struct pn_unit *next;
};

struct pn_super {
	struct pn_loop loop;
	const char *path, *plugin_dir;
	struct pn_config *conf; /* current; one ref */
	struct pn_sock *socks;
	size_t nsocks;
	struct pn_activation act;
	struct pn_unit *units; /* serving */
	struct pn_unit *old;   /* retired, draining */
	struct pn_timer tick;
	uint64_t last_services; /* when SERVICES was last sent */
	int counts_dirty;
	int forced_level;	/* -d: this level whatever the file says; -1 */
	int stopping;		/* 1 after SIGTERM, 2 after a second one */
	int exit_code;
	pid_t pid;
	time_t start_time;
	struct pn_plugfiles plugfiles; /* what the running workers loaded */
	uint32_t recon_serial;	       /* the last RECONFIGURE's */
	struct pn_status status;       /* STATUS= and WATCHDOG=1 (status.h) */
	struct pn_confwatch inetd;     /* reload when inetd.conf changes */
};

/* The inetd.conf conf reads (its snapshot's), or NULL. */
static const char *inetd_path(const struct pn_config *conf)
{
	for (size_t i = 0; conf->snap && i < conf->snap->nfiles; i++)
		if (conf->snap->files[i].role == PN_SNAP_INETD)
			return conf->snap->files[i].path;
	return NULL;
}

static void config_unref(struct pn_config *conf)
{
	if (conf && --conf->refs == 0)
		pn_config_free(conf);
}

/* ---- sockets ---- */

static struct pn_sock *find_sock(struct pn_super *sup, const struct pn_addr *a)
{
	for (size_t i = 0; i < sup->nsocks; i++)
		if (sup->socks[i].fd >= 0 && pn_addr_equal(&sup->socks[i].addr, a))
			return &sup->socks[i];
	return NULL;
}

/*
 * Make sure every address of every enabled service of conf has a socket:
 * reuse, adopt (socket activation) or bind.  Marks the ones conf uses
 * (keep).  Returns 0, or -1 after closing what this call opened (logged).
 */
static int bind_all(struct pn_super *sup, const struct pn_config *conf)
{
	size_t first_new = sup->nsocks;

	for (size_t i = 0; i < sup->nsocks; i++)
		sup->socks[i].keep = 0;
	for (size_t i = 0; i < conf->nsvcs; i++) {
		const struct pn_service_conf *sc = &conf->svcs[i];
		if (!sc->enabled)
			continue;
		for (size_t j = 0; j < sc->naddrs; j++) {
			struct pn_sock *k = find_sock(sup, &sc->addrs[j]);
			char err[256], name[PN_ADDR_TEXT + 8];
			struct pn_addr got = sc->addrs[j];
			struct pn_listener *ln;
			int fd;

			if (k) {
				k->keep = 1;
				continue;
			}
			struct pn_sock *v = realloc(sup->socks,
						    (sup->nsocks + 1) * sizeof *v);
			if (!v)
				goto fail;
			sup->socks = v;
			fd = pn_activation_take(&sup->act, &sc->addrs[j], sc->name, &got);
			pn_addr_format(&sc->addrs[j], name, sizeof name);
			ln = pn_listener_new(&got, fd, NULL, (int)conf->backlog, err,
					     sizeof err);
			if (!ln) {
				pn_log(LOG_ERR, "service '%s': cannot bind %s: %s",
				       sc->name, name, err);
				goto fail;
			}
			if (fd >= 0) {
				char real[PN_ADDR_TEXT + 8];
				pn_addr_format(&got, real, sizeof real);
				pn_log(LOG_INFO, "service '%s': adopted socket %d (%s) for %s",
				       sc->name, fd, real, name);
			}
			/* Keep the socket, not the listener object. */
			v[sup->nsocks] = (struct pn_sock){ sc->addrs[j], ln->w.fd, 1 };
			ln->w.fd = -1;
			pn_listener_free(ln);
			sup->nsocks++;
		}
	}
	return 0;
fail:
	while (sup->nsocks > first_new)
		close(sup->socks[--sup->nsocks].fd);
	return -1;
}

/* Close the sockets the current configuration no longer uses. */
static void close_unused(struct pn_super *sup)
{
	size_t k = 0;

	for (size_t i = 0; i < sup->nsocks; i++) {
		if (sup->socks[i].keep)
			sup->socks[k++] = sup->socks[i];
		else
			close(sup->socks[i].fd);
	}
	sup->nsocks = k;
}

/* ---- units ---- */

/* Every worker of the serving and the retired units. */
#define FOREACH_WORKER(S, U, W)                                            \
	for (struct pn_unit *U##_l[2] = { (S)->units, (S)->old },          \
			    **U##_p = U##_l; U##_p < U##_l + 2; U##_p++)    \
		for (struct pn_unit *U = *U##_p; U; U = U->next)            \
			for (struct pn_worker *W = U->w; W < U->w + U->nw; W++)

static const struct pn_service_conf *member(const struct pn_unit *u, size_t i)
{
	return &u->conf->svcs[u->svc[i]];
}

static void unit_free(struct pn_unit *u)
{
	for (size_t i = 0; i < u->nw; i++) {
		struct pn_worker *w = &u->w[i];
		pn_timer_stop(&w->sup->loop, &w->restart);
		pn_timer_stop(&w->sup->loop, &w->deadline);
		if (w->ctl >= 0)
			pn_watch_close(&w->sup->loop, &w->cw);
		free(w->conns);
	}
	free(u->w);
	free(u->svc);
	config_unref(u->conf);
	free(u);
}

static void units_free(struct pn_unit *list)
{
	while (list) {
		struct pn_unit *u = list;
		list = u->next;
		unit_free(u);
	}
}

static int same_ident(const struct pn_ident *a, const struct pn_ident *b)
{
	return strcmp(a->user, b->user) == 0 && a->uid == b->uid && a->gid == b->gid;
}

/* The identity a service runs as: its user, else nobody when pinetd is
 * root (no plugin code runs as root unless asked), else pinetd's own.
 * *dflt caches the default (resolved once, not once per service). */
static int service_ident(const struct pn_service_conf *sc, struct pn_ident *id,
			 struct pn_ident *dflt, int *have_dflt)
{
	char err[256];

	if (sc->user[0]) {
		*id = sc->ident;
		return 0;
	}
	if (!*have_dflt) {
		memset(dflt, 0, sizeof *dflt);
		if (geteuid() == 0 &&
		    pn_ident_resolve("nobody", NULL, dflt, err, sizeof err) < 0) {
			pn_log(LOG_ERR, "service '%s': no user given and %s", sc->name,
			       err);
			return -1;
		}
		*have_dflt = 1;
	}
	*id = *dflt;
	return 0;
}

static struct pn_unit *unit_new(struct pn_super *sup, struct pn_config *conf,
				const char *key, const struct pn_ident *id, size_t nw)
{
	struct pn_unit *u = calloc(1, sizeof *u);

	if (!u || !(u->w = calloc(nw, sizeof *u->w))) {
		free(u);
		return NULL;
	}
	snprintf(u->key, sizeof u->key, "%s", key);
	u->conf = conf;
	conf->refs++;
	u->ident = *id;
	u->nw = nw;
	for (size_t i = 0; i < nw; i++) {
		struct pn_worker *w = &u->w[i];
		w->u = u;
		w->sup = sup;
		w->ctl = -1;
		pn_timer_init(&w->restart, NULL, w);
		pn_timer_init(&w->deadline, NULL, w);
	}
	return u;
}

static int unit_add(struct pn_unit *u, size_t svc)
{
	size_t *v = realloc(u->svc, (u->nsvc + 1) * sizeof *v);
	size_t n = strlen(u->names);

	if (!v)
		return -1;
	u->svc = v;
	u->svc[u->nsvc++] = svc;
	snprintf(u->names + n, sizeof u->names - n, "%s%s (plugin %s)",
		 n ? ", " : "", u->conf->svcs[svc].name,
		 u->conf->svcs[svc].plugin->name);
	return 0;
}

/*
 * The units of conf's enabled services: one per service, except that the
 * services naming one worker_group share a unit (they must then have one
 * user).  Returns the list, or NULL with *failed set (logged).
 */
static struct pn_unit *make_units(struct pn_super *sup, struct pn_config *conf,
				  int *failed)
{
	struct pn_unit *list = NULL, **tail = &list;
	struct pn_ident dflt;
	int have_dflt = 0;

	*failed = 0;
	for (size_t i = 0; i < conf->nsvcs && !*failed; i++) {
		const struct pn_service_conf *sc = &conf->svcs[i];
		const char *grp = sc->worker_group ? sc->worker_group : "";
		struct pn_unit *u = NULL;
		struct pn_ident id;
		char key[160];

		if (!sc->enabled)
			continue;
		if (service_ident(sc, &id, &dflt, &have_dflt) < 0) {
			*failed = 1;
			break;
		}
		snprintf(key, sizeof key, grp[0] ? "group %s" : "%s",
			 grp[0] ? grp : sc->name);
		for (u = list; u && strcmp(u->key, key) != 0; u = u->next)
			;
		if (u && !same_ident(&u->ident, &id)) {
			pn_log(LOG_ERR, "%s:%d: service '%s': worker_group '%s' "
			       "holds services of another user", sc->file, sc->line,
			       sc->name, grp);
			*failed = 1;
			break;
		}
		if (!u) {
			if (!(u = unit_new(sup, conf, key, &id, (size_t)sc->workers))) {
				*failed = 1;
				break;
			}
			*tail = u;
			tail = &u->next;
		}
		if (unit_add(u, i) < 0)
			*failed = 1;
	}
	if (*failed) {
		units_free(list);
		list = NULL;
	}
	return list;
}

static const struct pn_service_conf *member_named(const struct pn_unit *u,
						  const char *name)
{
	for (size_t i = 0; i < u->nsvc; i++)
		if (strcmp(member(u, i)->name, name) == 0)
			return member(u, i);
	return NULL;
}

/* Do units o and n hold the same services (by name, same worker count
 * and identity), each pair equal by `same`? */
static int units_match(const struct pn_unit *o, const struct pn_unit *n,
		       int (*same)(const struct pn_service_conf *,
				   const struct pn_service_conf *))
{
	if (strcmp(o->key, n->key) != 0 || o->nsvc != n->nsvc || o->nw != n->nw ||
	    !same_ident(&o->ident, &n->ident))
		return 0;
	for (size_t i = 0; i < n->nsvc; i++) {
		const struct pn_service_conf *y = member(n, i);
		const struct pn_service_conf *x = member_named(o, y->name);
		if (!x || !same(x, y))
			return 0;
	}
	return 1;
}

/* Can the running unit o serve n without a new worker?  Same services,
 * each with the same plugin, options, user and execution. */
static int same_unit(const struct pn_unit *o, const struct pn_unit *n)
{
	return units_match(o, n, pn_service_conf_same);
}

/* Could the running unit o serve n once its plugins took n's options?
 * Like same_unit, but the plugins' options may differ. */
static int same_unit_core(const struct pn_unit *o, const struct pn_unit *n)
{
	return units_match(o, n, pn_service_conf_same_core);
}

static int same_addrs(const struct pn_service_conf *a,
		      const struct pn_service_conf *b)
{
	if (a->naddrs != b->naddrs)
		return 0;
	for (size_t i = 0; i < a->naddrs; i++)
		if (!pn_addr_equal(&a->addrs[i], &b->addrs[i]))
			return 0;
	return 1;
}

/* ---- messages to workers ---- */

static int send_msg(struct pn_worker *w, uint32_t type, const void *body,
		    size_t len, const int *fds, size_t nfds)
{
	int rc;

	if (w->ctl < 0)
		return -EPIPE;
	if ((rc = pn_ctl_send(w->ctl, type, body, len, fds, nfds)) < 0)
		pn_log(LOG_WARNING, "worker %ld for %s: control message: %s",
		       (long)w->pid, w->u->names, strerror(-rc));
	return rc;
}

/* The sockets of member service i of w's unit. */
static int send_sockets(struct pn_worker *w, size_t i)
{
	struct pn_super *sup = w->sup;
	const struct pn_service_conf *sc = member(w->u, i);
	size_t len = sizeof(struct pn_ctl_sockets) + sc->naddrs * sizeof(struct pn_addr);
	unsigned char *body = calloc(1, len);
	int fds[PN_CTL_MAXFDS], rc = -ENOMEM;
	struct pn_ctl_sockets h = { .naddrs = (uint32_t)sc->naddrs };

	if (sc->naddrs > PN_CTL_MAXFDS) {
		pn_log(LOG_ERR, "service '%s': more than %d listen addresses",
		       sc->name, PN_CTL_MAXFDS);
		free(body);
		return -EMSGSIZE;
	}
	if (!body)
		return rc;
	snprintf(h.service, sizeof h.service, "%s", sc->name);
	memcpy(body, &h, sizeof h);
	for (size_t j = 0; j < sc->naddrs; j++) {
		struct pn_sock *k = find_sock(sup, &sc->addrs[j]);
		if (!k) { /* bind_all made one for every address */
			free(body);
			return -ENOENT;
		}
		fds[j] = k->fd;
		memcpy(body + sizeof h + j * sizeof(struct pn_addr), &sc->addrs[j],
		       sizeof(struct pn_addr));
	}
	rc = send_msg(w, PN_CTL_SOCKETS, body, len, fds, sc->naddrs);
	free(body);
	return rc;
}

static int effective_level(const struct pn_super *sup)
{
	return sup->forced_level >= 0 ? sup->forced_level : sup->conf->log_level;
}

static uint32_t heartbeat_ms(const struct pn_config *conf)
{
	/* Four beats per watchdog period; counts flow even without one. */
	uint64_t ms = conf->watchdog ? (uint64_t)conf->watchdog * 1000u / 4 : 1000u;

	return ms < 100 ? 100 : (uint32_t)ms;
}

static int send_settings(struct pn_worker *w)
{
	const struct pn_super *sup = w->sup;
	struct pn_ctl_settings st;

	memset(&st, 0, sizeof st); /* no uninitialised padding on the wire */
	st.log_level = effective_level(sup);
	st.shutdown_timeout = (int32_t)sup->conf->shutdown_timeout;
	st.heartbeat_ms = heartbeat_ms(sup->conf);
	st.start_time = (int64_t)sup->start_time;
	return send_msg(w, PN_CTL_SETTINGS, &st, sizeof st, NULL, 0);
}

/* Open connections of a service of the current table, summed over the
 * workers that serve it (as of their last heartbeat). */
static uint64_t service_conns(struct pn_super *sup, const char *name)
{
	uint64_t n = 0;

	for (struct pn_unit *u = sup->units; u; u = u->next)
		for (size_t i = 0; i < u->nsvc; i++)
			if (strcmp(member(u, i)->name, name) == 0)
				for (size_t k = 0; k < u->nw; k++)
					if (u->w[k].conns)
						n += u->w[k].conns[i];
	return n;
}

/* The daemon's services, for core->foreach_service in every worker. */
static unsigned char *services_body(struct pn_super *sup, size_t *len)
{
	unsigned char *buf = NULL;
	size_t cap = 0;
	FILE *f = open_memstream((char **)&buf, &cap);

	if (!f)
		return NULL;
	for (size_t i = 0; i < sup->conf->nsvcs; i++) {
		const struct pn_service_conf *sc = &sup->conf->svcs[i];
		struct pn_ctl_svcinfo h;

		memset(&h, 0, sizeof h); /* no uninitialised padding on the wire */
		h.size = (uint32_t)(sizeof h + strlen(sc->name) + 1 +
				    strlen(sc->plugin->name) + 1);
		h.nlisten = (uint32_t)sc->nlisten;
		h.connections = service_conns(sup, sc->name);
		h.enabled = sc->enabled;
		for (size_t j = 0; j < sc->nlisten; j++)
			h.size += (uint32_t)strlen(sc->listen[j]) + 1;
		if (ftell(f) + (long)h.size > PN_CTL_MAX)
			break; /* the rest does not fit one message */
		fwrite(&h, sizeof h, 1, f);
		fwrite(sc->name, strlen(sc->name) + 1, 1, f);
		fwrite(sc->plugin->name, strlen(sc->plugin->name) + 1, 1, f);
		for (size_t j = 0; j < sc->nlisten; j++)
			fwrite(sc->listen[j], strlen(sc->listen[j]) + 1, 1, f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	*len = cap;
	return buf;
}

/* SERVICES to every running worker. */
static void broadcast_services(struct pn_super *sup)
{
	size_t len = 0;
	unsigned char *body = services_body(sup, &len);

	if (!body)
		return;
	FOREACH_WORKER(sup, u, w)
		if (w->ctl >= 0 && w->state != W_DOWN)
			send_msg(w, PN_CTL_SERVICES, body, len, NULL, 0);
	free(body);
	sup->counts_dirty = 0;
	sup->last_services = pn_loop_now(&sup->loop);
}

/* ---- workers ---- */

static void on_worker_ctl(struct pn_loop *l, void *arg, unsigned events);
static void on_restart(struct pn_loop *l, void *arg);
static void on_deadline(struct pn_loop *l, void *arg);

/*
 * In the new worker process: close everything of the supervisor's (its
 * sockets, the other workers' channels, its loop), then run the worker.
 */
static void __attribute__((noreturn))
worker_child(struct pn_super *sup, struct pn_worker *w, int ctl)
{
	struct pn_unit *u = w->u;
	char *names[256];
	size_t n = 0;

	unsetenv("NOTIFY_SOCKET"); /* the supervisor speaks to systemd */
	pn_loop_free(&sup->loop);
	/* Keep nothing of the supervisor's: not its sockets, not another
	 * worker's channel (one being started in the same reload included),
	 * not its syslog socket (reopened on the next line logged). */
	closelog();
	if (ctl != 3) {
		if (dup3(ctl, 3, O_CLOEXEC) < 0)
			_exit(PN_EXIT_SYSTEM);
		ctl = 3;
	}
	if (close_range(4, ~0U, 0) < 0)
		for (int fd = 4; fd < getdtablesize(); fd++)
			close(fd);
	for (size_t i = 0; i < u->nsvc && n < 256; i++)
		names[n++] = member(u, i)->name;
	struct pn_worker_args a = {
		.ctl = ctl,
		.conf = u->conf,
		.plugin_dir = sup->plugin_dir, /* not the view's: see facts.h */
		.services = names,
		.nservices = n,
		.ident = &u->ident,
		.label = u->names,
		.supervisor = sup->pid,
	};
	_exit(pn_worker_main(&a));
}

/*
 * Fork a worker for w and queue its set-up: settings, the daemon's
 * services, its sockets, GO.  READY arrives on the channel later
 * (on_worker_ctl, or wait_ready at start-up and reload).  Returns 0 or
 * -1 (logged).
 */
static int worker_start(struct pn_super *sup, struct pn_worker *w)
{
	struct pn_unit *u = w->u;
	int sv[2], rc;
	pid_t pid;

	if ((rc = pn_ctl_pair(sv)) < 0) {
		pn_log(LOG_ERR, "worker for %s: socketpair: %s", u->names, strerror(-rc));
		return -1;
	}
	if ((pid = fork()) < 0) {
		pn_log(LOG_ERR, "worker for %s: fork: %s", u->names, strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		worker_child(sup, w, sv[1]);
	}
	close(sv[1]);
	w->pid = pid;
	w->ctl = sv[0];
	w->state = W_STARTING;
	w->signalled = 0;
	w->watchdog_killed = 0;
	w->memory_killed = 0;
	w->started = w->last_beat = pn_loop_now(&sup->loop);
	free(w->conns);
	w->conns = calloc(u->nsvc, sizeof *w->conns);
	pn_watch_init(&w->cw, w->ctl, on_worker_ctl, w);
	pn_watch_set(&sup->loop, &w->cw, EPOLLIN);
	size_t len = 0;
	unsigned char *svcs = services_body(sup, &len);
	rc = send_settings(w);
	if (rc == 0 && svcs)
		rc = send_msg(w, PN_CTL_SERVICES, svcs, len, NULL, 0);
	free(svcs);
	for (size_t i = 0; rc == 0 && i < u->nsvc; i++)
		rc = send_sockets(w, i);
	if (rc == 0)
		rc = send_msg(w, PN_CTL_GO, NULL, 0, NULL, 0);
	if (rc < 0) {
		pn_log(LOG_ERR, "worker for %s: cannot hand over its sockets: %s",
		       u->names, strerror(-rc));
		kill(pid, SIGKILL);
		w->signalled = SIGKILL;
	}
	return 0;
}

static void worker_signal(struct pn_worker *w, int sig)
{
	if (w->pid > 0 && kill(w->pid, sig) == 0)
		w->signalled = sig;
}

/* Close our end of a worker's channel (its process is ending). */
static void worker_hangup(struct pn_worker *w)
{
	if (w->ctl < 0)
		return;
	pn_watch_close(&w->sup->loop, &w->cw);
	w->ctl = -1;
}

/* Store a heartbeat's counts (by service name, in unit order). */
static void take_counts(struct pn_worker *w, const unsigned char *body, size_t len)
{
	struct pn_ctl_count c;

	for (size_t off = 0; off + sizeof c <= len; off += sizeof c) {
		memcpy(&c, body + off, sizeof c);
		c.service[sizeof c.service - 1] = '\0';
		for (size_t i = 0; i < w->u->nsvc && w->conns; i++)
			if (strcmp(member(w->u, i)->name, c.service) == 0 &&
			    w->conns[i] != c.connections) {
				w->conns[i] = c.connections;
				w->sup->counts_dirty = 1;
			}
	}
}

/* An answer to RECONFIGURE; one to an earlier one is ignored. */
static void take_reconfigured(struct pn_worker *w, const unsigned char *body,
			      size_t len)
{
	struct pn_ctl_reconfigured a;

	if (len != sizeof a)
		return;
	memcpy(&a, body, sizeof a);
	a.reason[sizeof a.reason - 1] = '\0';
	if (w->recon != RECON_WAITING || a.serial != w->recon_serial)
		return;
	w->recon = a.ok ? RECON_OK : RECON_REFUSED;
	snprintf(w->recon_why, sizeof w->recon_why, "%s",
		 a.ok ? "" : a.reason[0] ? a.reason : "no reason given");
}

/*
 * Read what a worker says.  Returns 1 when it said READY, -1 when its
 * end closed (its process is ending; SIGCHLD follows), 0 otherwise.
 */
static int read_worker(struct pn_worker *w)
{
	static unsigned char body[PN_CTL_MAX];
	int fds[PN_CTL_MAXFDS], ready = 0;
	size_t nfds;
	uint32_t type;

	while (w->ctl >= 0) {
		ssize_t n = pn_ctl_recv(w->ctl, &type, body, sizeof body, fds,
					PN_CTL_MAXFDS, &nfds);
		while (nfds) /* workers send no descriptors */
			close(fds[--nfds]);
		if (n == -EAGAIN)
			break;
		if (n == -EBADMSG)
			continue;
		if (n < 0) {
			worker_hangup(w);
			return -1;
		}
		w->last_beat = pn_loop_now(&w->sup->loop);
		if (type == PN_CTL_READY && w->state == W_STARTING) {
			w->state = W_SERVING;
			ready = 1;
		} else if (type == PN_CTL_HEARTBEAT) {
			take_counts(w, body, (size_t)n);
		} else if (type == PN_CTL_RECONFIGURED) {
			take_reconfigured(w, body, (size_t)n);
		}
	}
	return ready;
}

static void on_worker_ctl(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_worker *w = arg;

	(void)l;
	(void)events;
	if (read_worker(w) == 1 && w->crashes)
		pn_log(LOG_NOTICE, "worker for %s serving again as process %ld",
		       w->u->names, (long)w->pid);
}

/*
 * Wait until every worker of ws is serving (start-up and reload block on
 * this; each worker's READY comes once its plugins are initialised).
 * Returns 0, or the exit code of the first that failed.
 */
static int wait_ready(struct pn_super *sup, struct pn_worker **ws, size_t n)
{
	struct pollfd *p = calloc(n ? n : 1, sizeof *p);
	uint64_t until = pn_loop_now(&sup->loop) + READY_TIMEOUT_MS;
	size_t left = n;

	if (!p)
		return PN_EXIT_SYSTEM;
	while (left > 0) {
		int64_t ms = (int64_t)(until - pn_loop_now(&sup->loop));
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){ ws[i]->state == W_STARTING ? ws[i]->ctl : -1,
						POLLIN, 0 };
		int r = ms > 0 ? poll(p, (nfds_t)n, (int)ms) : 0;
		pn_loop_refresh(&sup->loop);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(p);
			pn_log(LOG_ERR, "workers did not start within %d s",
			       READY_TIMEOUT_MS / 1000);
			return PN_EXIT_SYSTEM;
		}
		for (size_t i = 0; i < n; i++) {
			if (!p[i].revents)
				continue;
			int rc = read_worker(ws[i]);
			if (rc == 1) {
				left--;
				continue;
			}
			if (rc == 0)
				continue;
			/* Exited before serving: its status is the reason. */
			int st = 0, code;
			waitpid(ws[i]->pid, &st, 0);
			ws[i]->pid = 0;
			ws[i]->state = W_DOWN;
			code = WIFEXITED(st) ? WEXITSTATUS(st) : PN_EXIT_SYSTEM;
			if (WIFSIGNALED(st))
				pn_log(LOG_ERR, "worker for %s killed by signal %d (%s) "
				       "while starting", ws[i]->u->names, WTERMSIG(st),
				       strsignal(WTERMSIG(st)));
			free(p);
			return code ? code : PN_EXIT_SYSTEM;
		}
	}
	free(p);
	return 0;
}

/* Start every worker of a list of units and wait until all serve. */
static int start_units(struct pn_super *sup, struct pn_unit *list)
{
	size_t n = 0, k = 0;
	struct pn_worker **ws;
	int rc;

	for (struct pn_unit *u = list; u; u = u->next)
		n += u->nw;
	if (n == 0)
		return 0;
	if (!(ws = calloc(n, sizeof *ws)))
		return PN_EXIT_SYSTEM;
	for (struct pn_unit *u = list; u; u = u->next)
		for (size_t i = 0; i < u->nw; i++) {
			if (worker_start(sup, &u->w[i]) < 0) {
				free(ws);
				return PN_EXIT_SYSTEM;
			}
			ws[k++] = &u->w[i];
		}
	rc = wait_ready(sup, ws, k);
	free(ws);
	return rc;
}

/* Kill and reap the workers of units that never served. */
static void abort_units(struct pn_unit *list)
{
	for (struct pn_unit *u = list; u; u = u->next)
		for (size_t i = 0; i < u->nw; i++) {
			struct pn_worker *w = &u->w[i];
			if (w->pid > 0) {
				kill(w->pid, SIGKILL);
				waitpid(w->pid, NULL, 0);
				w->pid = 0;
			}
			worker_hangup(w);
			w->state = W_DOWN;
		}
}

/*
 * Ask a worker to finish within deadline_s (drain or stop).  Past it
 * (plus a second for the worker's own deadline), SIGTERM; ESCALATE_MS
 * later, SIGKILL.
 */
static void worker_finish(struct pn_worker *w, enum wstate state, long deadline_s)
{
	struct pn_ctl_stop st = { .deadline_s = (uint32_t)deadline_s };

	pn_timer_stop(&w->sup->loop, &w->restart);
	if (w->pid <= 0) {
		w->state = W_DOWN;
		return;
	}
	w->state = state;
	if (send_msg(w, state == W_DRAINING ? PN_CTL_DRAIN : PN_CTL_STOP, &st,
		     sizeof st, NULL, 0) < 0)
		worker_signal(w, SIGTERM);
	pn_timer_init(&w->deadline, on_deadline, w);
	pn_timer_start(&w->sup->loop, &w->deadline,
		       (uint64_t)deadline_s * 1000u + DEADLINE_SLACK_MS);
}

static void on_deadline(struct pn_loop *l, void *arg)
{
	struct pn_worker *w = arg;

	if (w->pid <= 0)
		return;
	if (w->signalled != SIGTERM && w->signalled != SIGKILL) {
		pn_log(LOG_WARNING, "worker %ld for %s still running past its "
		       "deadline: sending SIGTERM", (long)w->pid, w->u->names);
		worker_signal(w, SIGTERM);
		pn_timer_start(l, &w->deadline, ESCALATE_MS);
	} else if (w->signalled == SIGTERM) {
		pn_log(LOG_WARNING, "worker %ld for %s ignored SIGTERM for %u s: "
		       "sending SIGKILL", (long)w->pid, w->u->names,
		       ESCALATE_MS / 1000);
		worker_signal(w, SIGKILL);
	}
}

static void on_restart(struct pn_loop *l, void *arg)
{
	struct pn_worker *w = arg;

	(void)l;
	if (w->sup->stopping || w->u->retired)
		return;
	if (worker_start(w->sup, w) == 0)
		pn_log(LOG_NOTICE, "worker for %s restarted as process %ld",
		       w->u->names, (long)w->pid);
	else
		pn_timer_start(&w->sup->loop, &w->restart, MAX_BACKOFF_MS);
}

/*
 * A worker exited.  Expected after a drain or stop (an error all the
 * same when a signal we did not send killed it); otherwise it crashed
 * or the watchdog killed it: restart it, at once or with backoff.
 */
static void worker_exited(struct pn_super *sup, struct pn_worker *w, int st)
{
	struct pn_unit *u = w->u;
	pid_t pid = w->pid;
	enum wstate was = w->state;
	int ours = WIFSIGNALED(st) && WTERMSIG(st) == w->signalled;
	char how[96];

	w->pid = 0;
	w->state = W_DOWN;
	worker_hangup(w);
	pn_timer_stop(&sup->loop, &w->deadline);
	if (w->conns)
		memset(w->conns, 0, u->nsvc * sizeof *w->conns);
	sup->counts_dirty = 1;
	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
	if (was == W_DRAINING || was == W_STOPPING || sup->stopping || u->retired) {
		if (ours && w->watchdog_killed)
			pn_log(LOG_ERR, "worker %ld for %s was killed by the watchdog "
			       "while %s", (long)pid, u->names,
			       was == W_DRAINING ? "draining" : "stopping");
		else if (ours && w->memory_killed)
			pn_log(LOG_ERR, "worker %ld for %s was killed past memory_max "
			       "while %s", (long)pid, u->names,
			       was == W_DRAINING ? "draining" : "stopping");
		else if (ours)
			pn_log(LOG_WARNING, "worker %ld for %s stopped with %s after "
			       "its deadline", (long)pid, u->names,
			       w->signalled == SIGKILL ? "SIGKILL" : "SIGTERM");
		else if (WIFSIGNALED(st) || WEXITSTATUS(st))
			pn_log(LOG_ERR, "worker %ld for %s %s while %s", (long)pid,
			       u->names, how, was == W_DRAINING ? "draining" : "stopping");
		else
			pn_log(LOG_INFO, "worker %ld for %s %s", (long)pid, u->names,
			       was == W_DRAINING ? "finished draining" : "stopped");
		if (sup->stopping && !sup->exit_code && !ours &&
		    (WIFSIGNALED(st) || WEXITSTATUS(st)))
			sup->exit_code = WIFSIGNALED(st) ? PN_EXIT_SYSTEM : WEXITSTATUS(st);
		return;
	}
	/* Unexpected: the listeners stay open in the supervisor; start a
	 * new worker at once, or with backoff if it keeps dying. */
	uint64_t now = pn_loop_now(&sup->loop);
	w->crashes = now - w->started < QUICK_CRASH_MS ? w->crashes + 1 : 1;
	uint64_t delay = w->crashes <= 1 ? 0 : 100u << (w->crashes - 2 < 9 ? w->crashes - 2 : 9);
	if (delay > MAX_BACKOFF_MS)
		delay = MAX_BACKOFF_MS;
	if (w->watchdog_killed)
		snprintf(how, sizeof how, "was killed by the watchdog");
	else if (w->memory_killed)
		snprintf(how, sizeof how, "was killed past memory_max");
	pn_log(LOG_ERR, "worker %ld for %s (user %s) %s; restarting%s", (long)pid,
	       u->names, u->ident.user[0] ? u->ident.user : "unchanged", how,
	       delay ? " with backoff" : "");
	pn_timer_init(&w->restart, on_restart, w);
	pn_timer_start(&sup->loop, &w->restart, delay);
}

static int workers_left(const struct pn_super *sup)
{
	const struct pn_unit *lists[2] = { sup->units, sup->old };

	for (int k = 0; k < 2; k++)
		for (const struct pn_unit *u = lists[k]; u; u = u->next)
			for (size_t i = 0; i < u->nw; i++)
				if (u->w[i].pid > 0)
					return 1;
	return 0;
}

static struct pn_worker *find_worker(struct pn_super *sup, pid_t pid)
{
	FOREACH_WORKER(sup, u, w)
		if (w->pid == pid)
			return w;
	return NULL;
}

static void reap(struct pn_super *sup)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct pn_worker *w = find_worker(sup, pid);
		if (w) {
			/* Messages it sent before exiting still count. */
			read_worker(w);
			worker_exited(sup, w, st);
		} else {
			/* A process a worker left behind, reparented to us
			 * (we are a child subreaper). */
			pn_log(LOG_DEBUG, "reaped process %ld left by a worker",
			       (long)pid);
		}
	}
	/* Free retired units once their workers are gone. */
	for (struct pn_unit **pp = &sup->old; *pp;) {
		struct pn_unit *u = *pp;
		int alive = 0;
		for (size_t i = 0; i < u->nw; i++)
			alive |= u->w[i].pid > 0;
		if (alive) {
			pp = &u->next;
			continue;
		}
		*pp = u->next;
		unit_free(u);
	}
	if (sup->stopping && !workers_left(sup))
		pn_loop_stop(&sup->loop);
}

/* ---- watchdog ---- */

/* The smallest memory_max of the unit's services, or 0 for none. */
static long memory_limit(const struct pn_unit *u)
{
	long lim = 0;

	for (size_t i = 0; i < u->nsvc; i++) {
		long m = u->conf->svcs[u->svc[i]].memory_max;
		if (m > 0 && (lim == 0 || m < lim))
			lim = m;
	}
	return lim;
}

/* The resident bytes of process pid (/proc/PID/statm), or 0 unknown. */
static unsigned long long resident_bytes(pid_t pid)
{
	char path[64];
	unsigned long long size, pages = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/statm", (long)pid);
	if (!(f = fopen(path, "re")))
		return 0;
	if (fscanf(f, "%llu %llu", &size, &pages) != 2)
		pages = 0;
	fclose(f);
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

/* Kill w when it is past its unit's memory_max (see on_tick). */
static void check_memory(struct pn_unit *u, struct pn_worker *w)
{
	long lim = memory_limit(u);
	unsigned long long rss;

	if (lim <= 0 || (rss = resident_bytes(w->pid)) <= (unsigned long long)lim)
		return;
	pn_log(LOG_ERR, "worker %ld for %s uses %llu bytes (resident), more than "
	       "memory_max %ld; killing it", (long)w->pid, u->names, rss, lim);
	worker_signal(w, SIGKILL);
	w->memory_killed = 1;
}

/* The counts of the STATUS= summary (status.h). */
static void status_facts(struct pn_super *sup, struct pn_status_facts *f)
{
	memset(f, 0, sizeof *f);
	for (size_t i = 0; i < sup->conf->nsvcs; i++)
		f->services += sup->conf->svcs[i].enabled != 0;
	FOREACH_WORKER(sup, u, w)
		for (size_t i = 0; w->pid > 0 && i < u->nsvc; i++)
			f->conns += w->conns ? w->conns[i] : 0;
	for (struct pn_unit *u = sup->units; u; u = u->next)
		for (size_t k = 0; k < u->nw; k++)
			f->workers += u->w[k].pid > 0;
}

/* Whether every worker answers its heartbeats (status.h): none silent
 * for two heartbeat periods, none the watchdog killed that is not yet
 * replaced. */
static int workers_healthy(void *arg)
{
	struct pn_super *sup = arg;
	uint64_t now = pn_loop_now(&sup->loop), late = 2u * heartbeat_ms(sup->conf) + TICK_MS;

	FOREACH_WORKER(sup, u, w) {
		read_worker(w);
		if ((w->pid > 0 && w->state != W_STARTING && now - w->last_beat > late) ||
		    (w->pid <= 0 && w->watchdog_killed && !sup->stopping && !u->retired))
			return 0;
	}
	return 1;
}

/*
 * Every TICK_MS: kill workers whose heartbeats stopped (SIGSTOP, a plugin
 * in an endless loop), those that never became ready and those past
 * memory_max; pass on changed connection counts.
 */
static void on_tick(struct pn_loop *l, void *arg)
{
	struct pn_super *sup = arg;
	uint64_t now = pn_loop_now(l), limit = (uint64_t)sup->conf->watchdog * 1000u;

	FOREACH_WORKER(sup, u, w) {
		if (w->pid <= 0 || w->signalled == SIGKILL)
			continue;
		/* Beats queued while the supervisor was busy (a reload
		 * waiting for new workers) count before any verdict. */
		read_worker(w);
		if (w->state == W_STARTING && now - w->started > READY_TIMEOUT_MS) {
			pn_log(LOG_ERR, "worker %ld for %s did not become ready "
			       "within %d s; killing it", (long)w->pid, u->names,
			       READY_TIMEOUT_MS / 1000);
			worker_signal(w, SIGKILL);
			w->watchdog_killed = 1;
		} else if (limit && w->state != W_STARTING &&
			   now - w->last_beat > limit) {
			pn_log(LOG_ERR, "worker %ld for %s sent no heartbeat for "
			       "%ld s (stopped, or stuck in plugin code); killing it",
			       (long)w->pid, u->names, sup->conf->watchdog);
			worker_signal(w, SIGKILL);
			w->watchdog_killed = 1;
		} else {
			check_memory(u, w);
		}
	}
	if (sup->counts_dirty && now - sup->last_services >= heartbeat_ms(sup->conf))
		broadcast_services(sup);
	struct pn_status_facts f;
	status_facts(sup, &f);
	pn_status_update(&sup->status, &f, 0);
	pn_timer_start(l, &sup->tick, TICK_MS);
}

/* ---- reload, stop, signals ---- */

/* Retire a unit: it takes no new connections and drains. */
static void retire(struct pn_super *sup, struct pn_unit *u)
{
	u->retired = 1;
	for (size_t i = 0; i < u->nw; i++)
		worker_finish(&u->w[i], W_DRAINING, sup->conf->drain_timeout);
	u->next = sup->old;
	sup->old = u;
}

/*
 * A kept unit moves to the new table: its workers keep running; members
 * whose listen addresses changed get their new sockets.
 */
static void keep_unit(struct pn_unit *o, struct pn_unit *n)
{
	/* Connection counts follow the services into n's order. */
	for (size_t k = 0; k < o->nw; k++) {
		uint64_t *c = calloc(n->nsvc, sizeof *c);
		for (size_t i = 0; c && o->w[k].conns && i < n->nsvc; i++)
			for (size_t j = 0; j < o->nsvc; j++)
				if (strcmp(member(o, j)->name, member(n, i)->name) == 0)
					c[i] = o->w[k].conns[j];
		free(o->w[k].conns);
		o->w[k].conns = c;
	}
	/* o takes n's table and member order; n keeps the old ones. */
	size_t *t = o->svc;
	o->svc = n->svc;
	n->svc = t;
	struct pn_config *c = o->conf;
	o->conf = n->conf;
	n->conf = c;
	snprintf(o->names, sizeof o->names, "%s", n->names);
	for (size_t i = 0; i < o->nsvc; i++) {
		const struct pn_service_conf *y = member(o, i);
		if (same_addrs(member_named(n, y->name), y))
			continue;
		for (size_t k = 0; k < o->nw; k++)
			if (o->w[k].pid > 0)
				send_sockets(&o->w[k], i);
	}
}

/*
 * Record the identity of every plugin file conf names (plugfiles.h).  On
 * a reload, log each one that changed on disk since the running workers
 * loaded it: the new workers load the new file, and the units in kept
 * (which keep their workers) go on with the one they loaded until their
 * workers restart -- a kept unit is not restarted for it, as nothing in
 * its configuration changed and restarting would cut its connections.
 */
static void note_plugin_files(struct pn_super *sup, const struct pn_config *conf,
			      int reloading, const struct pn_unit *kept)
{
	for (const struct pn_plugin *p = conf->view_plugins; p; p = p->next) {
		char users[512] = "";
		size_t k = 0;
		int rc;

		if (!p->path || !p->path[0])
			continue;
		if ((rc = pn_plugfiles_note(&sup->plugfiles, p->path)) < 0) {
			pn_log(LOG_WARNING, "plugin '%s' (%s): %s", p->name, p->path,
			       strerror(errno));
			continue;
		}
		if (!rc || !reloading)
			continue;
		for (const struct pn_unit *u = kept; u; u = u->next)
			for (size_t i = 0; i < u->nsvc; i++) {
				const struct pn_plugin *q = member(u, i)->plugin;
				if (!q || !q->path || strcmp(q->path, p->path) != 0)
					continue;
				if (k < sizeof users)
					k += (size_t)snprintf(users + k, sizeof users - k,
							      "%s%s", k ? ", " : "", u->key);
				break;
			}
		if (users[0])
			pn_log(LOG_NOTICE, "plugin '%s' (%s) changed on disk since it was "
			       "loaded; new workers load the new file, the kept workers "
			       "of %s go on with the old one until they restart",
			       p->name, p->path, users);
		else
			pn_log(LOG_NOTICE, "plugin '%s' (%s) changed on disk since it was "
			       "loaded; new workers load the new file", p->name, p->path);
	}
}

/* ---- reload: new plugin options in place ---- */

/*
 * A sealed memfd holding conf's snapshot, encoded (snapshot.h): what a
 * worker parses, as at its start, to take new plugin options.  A
 * snapshot can be larger than a control message, so it travels as a
 * descriptor.  Returns the fd, or -1 (logged).
 */
static int snapshot_fd(const struct pn_config *conf)
{
	struct pn_wbuf wb = { 0 };
	size_t off = 0;
	int fd = -1;

	if (!conf->snap) {
		pn_log(LOG_ERR, "reload: no snapshot of the configuration to hand "
				"to the workers");
		return -1;
	}
	pn_snapshot_encode(conf->snap, &wb);
	if (wb.oom) {
		pn_log(LOG_ERR, "reload: out of memory");
		goto out;
	}
	if ((fd = memfd_create("pinetd-config", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0) {
		pn_log(LOG_ERR, "reload: memfd_create: %s", strerror(errno));
		goto out;
	}
	while (off < wb.len) {
		ssize_t n = write(fd, wb.p + off, wb.len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += (size_t)n;
	}
	/* The workers of a unit share it: none may change what another reads. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
					   F_SEAL_SEAL) < 0)
		goto fail;
	goto out;
fail:
	pn_log(LOG_ERR, "reload: cannot write the configuration for the workers: %s",
	       strerror(errno));
	close(fd);
	fd = -1;
out:
	pn_wbuf_free(&wb);
	return fd;
}

/* Does a member of n have other plugin options than in the running o? */
static int options_differ(const struct pn_unit *o, const struct pn_unit *n)
{
	for (size_t i = 0; i < n->nsvc; i++) {
		const struct pn_service_conf *y = member(n, i);
		const struct pn_service_conf *x = member_named(o, y->name);
		if (x && !pn_service_conf_same(x, y))
			return 1;
	}
	return 0;
}

/* RECONFIGURE `serial` with fd to every running worker of o.  A worker
 * not running now restarts later from o's table, whichever it is then. */
static void send_reconfigure(struct pn_unit *o, int fd, uint32_t serial)
{
	struct pn_ctl_reconf rq = { .serial = serial };

	for (size_t i = 0; i < o->nw; i++) {
		struct pn_worker *w = &o->w[i];
		int rc;

		w->recon = RECON_NONE;
		if (w->pid <= 0 || w->ctl < 0 || w->state == W_DOWN)
			continue;
		w->recon_serial = serial;
		w->recon = RECON_WAITING;
		if ((rc = send_msg(w, PN_CTL_RECONFIGURE, &rq, sizeof rq, &fd, 1)) < 0) {
			w->recon = RECON_REFUSED;
			snprintf(w->recon_why, sizeof w->recon_why,
				 "control message: %s", strerror(-rc));
		}
	}
}

/*
 * Wait until every worker of the units matched by `list` that was sent
 * RECONFIGURE has answered, at most RECONF_TIMEOUT_MS (a reload blocks
 * on this, as on new workers).  A worker that does not answer in time,
 * or exits, counts as refusing.
 */
static void wait_reconfigured(struct pn_super *sup, struct pn_unit *list)
{
	uint64_t until = pn_loop_now(&sup->loop) + RECONF_TIMEOUT_MS;
	struct pn_worker **ws = NULL;
	struct pollfd *p = NULL;
	size_t n = 0, k = 0;

	for (struct pn_unit *u = list; u; u = u->next)
		for (size_t i = 0; u->match && i < u->match->nw; i++)
			n += u->match->w[i].recon == RECON_WAITING;
	if (n && (!(ws = calloc(n, sizeof *ws)) || !(p = calloc(n, sizeof *p))))
		n = 0; /* out of memory: every one waiting is refused below */
	for (struct pn_unit *u = list; n && u; u = u->next)
		for (size_t i = 0; u->match && i < u->match->nw; i++)
			if (u->match->w[i].recon == RECON_WAITING)
				ws[k++] = &u->match->w[i];
	for (;;) {
		size_t left = 0;
		for (size_t i = 0; i < k; i++) {
			if (ws[i]->recon == RECON_WAITING && ws[i]->ctl < 0) {
				ws[i]->recon = RECON_REFUSED;
				snprintf(ws[i]->recon_why, sizeof ws[i]->recon_why,
					 "the worker exited");
			}
			left += ws[i]->recon == RECON_WAITING;
			p[i] = (struct pollfd){ ws[i]->recon == RECON_WAITING ? ws[i]->ctl : -1,
						POLLIN, 0 };
		}
		int64_t ms = (int64_t)(until - pn_loop_now(&sup->loop));
		if (!left || ms <= 0)
			break;
		int r = poll(p, (nfds_t)k, (int)ms);
		pn_loop_refresh(&sup->loop);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		for (size_t i = 0; i < k; i++)
			if (p[i].revents)
				read_worker(ws[i]); /* an exit is seen above */
	}
	FOREACH_WORKER(sup, u, w)
		if (w->recon == RECON_WAITING) {
			w->recon = RECON_REFUSED;
			snprintf(w->recon_why, sizeof w->recon_why,
				 "no answer within %d s", RECONF_TIMEOUT_MS / 1000);
		}
	free(ws);
	free(p);
}

/*
 * The units of `recon` differ from the running unit each matches only in
 * plugin options: every running worker of it is sent conf's snapshot and
 * its plugins take the new options in place (pn_server_reconfigure).  A
 * unit whose workers all took them goes to *ktail, to be kept like an
 * unchanged one; any other (a plugin without reconfigure, or one that
 * refused) is logged with the reason and goes to *stail, to be replaced
 * by a new unit as any other change.
 */
static void reconfigure_units(struct pn_super *sup, struct pn_config *conf,
			      struct pn_unit *recon, struct pn_unit ***ktail,
			      struct pn_unit ***stail)
{
	uint32_t serial = ++sup->recon_serial;
	int fd = recon ? snapshot_fd(conf) : -1;

	if (fd >= 0) {
		for (struct pn_unit *n = recon; n; n = n->next)
			send_reconfigure(n->match, fd, serial);
		close(fd); /* the messages in flight hold the file */
		wait_reconfigured(sup, recon);
	}
	for (struct pn_unit *n = recon, *next; n; n = next) {
		const struct pn_unit *o = n->match;
		const char *why = fd < 0 ? "the new configuration cannot be handed "
					   "over" : NULL;
		long pid = 0;

		next = n->next;
		n->next = NULL;
		for (size_t i = 0; i < o->nw && !why; i++)
			if (o->w[i].recon == RECON_REFUSED) {
				why = o->w[i].recon_why;
				pid = (long)o->w[i].pid;
			}
		if (!why) {
			**ktail = n;
			*ktail = &n->next;
			continue;
		}
		pn_log(LOG_NOTICE, "worker %ld for %s: new options not applied in "
				   "place: %s; starting a new worker", pid, o->names, why);
		n->match = NULL;
		**stail = n;
		*stail = &n->next;
	}
}

/*
 * A reload is refused after units of `keep` took new plugin options in
 * place: their workers get the running table's snapshot back.  A worker
 * whose plugin does not take its old options back (or that does not
 * answer) would serve what the configuration no longer says: it is
 * stopped, and restarts from the running table.
 */
static void restore_units(struct pn_super *sup, struct pn_unit *keep)
{
	uint32_t serial = ++sup->recon_serial;
	int fd = -1, any = 0;

	for (struct pn_unit *n = keep; n; n = n->next)
		any |= options_differ(n->match, n);
	if (!any)
		return;
	if ((fd = snapshot_fd(sup->conf)) >= 0) {
		for (struct pn_unit *n = keep; n; n = n->next)
			if (options_differ(n->match, n))
				send_reconfigure(n->match, fd, serial);
		close(fd);
		wait_reconfigured(sup, keep);
	}
	for (struct pn_unit *n = keep; n; n = n->next) {
		struct pn_unit *o = n->match;
		int restored = 1;
		if (!options_differ(o, n))
			continue;
		for (size_t i = 0; i < o->nw; i++) {
			struct pn_worker *w = &o->w[i];
			if (w->pid <= 0 || (fd >= 0 && w->recon != RECON_REFUSED))
				continue;
			pn_log(LOG_ERR, "worker %ld for %s: cannot restore its options "
			       "(%s); restarting it", (long)w->pid, o->names,
			       fd >= 0 ? w->recon_why : "no snapshot");
			worker_signal(w, SIGTERM);
			restored = 0;
		}
		for (size_t i = 0; restored && i < n->nsvc; i++) {
			const struct pn_service_conf *x = member_named(o, member(n, i)->name);
			if (x && !pn_service_conf_same(x, member(n, i)))
				pn_log(LOG_NOTICE, "service '%s': options restored in "
						   "place (the reload was refused)", x->name);
		}
	}
}

/*
 * Reload: check the files (checker.h), bind new addresses, then sort the
 * new units: kept (nothing changed), reconfigured (only plugin options:
 * taken in place, see reconfigure_units) and new.  New workers start
 * first, while nothing has changed; then the plugin options are applied
 * in place, and a unit refusing them gets a new worker too.  Any failure
 * leaves the running configuration as it was (options applied in place
 * are restored).  Then the commit: kept and reconfigured units take the
 * new table, the rest retire and drain.
 */
static int reload(struct pn_super *sup)
{
	struct pn_config *conf;
	struct pn_unit *fresh = NULL, *keep = NULL, **ktail = &keep;
	struct pn_unit *recon = NULL, **rtail = &recon;
	int failed, rc;

	if (!(conf = pn_checker_load_logged(sup->path, sup->plugin_dir)))
		return -1;
	conf->refs++;
	size_t before = sup->nsocks;
	if (bind_all(sup, conf) < 0)
		goto refuse;
	fresh = make_units(sup, conf, &failed);
	if (failed)
		goto refuse;
	/* New units first, while nothing has changed: a failure leaves the
	 * running configuration as it was. */
	struct pn_unit *start = NULL, **stail = &start;
	/* Split fresh into units to start, units matching a running one
	 * and units differing from one in plugin options only. */
	for (struct pn_unit *n = fresh, *next; n; n = next) {
		struct pn_unit *o;
		next = n->next;
		n->next = NULL;
		for (o = sup->units; o && !same_unit(o, n); o = o->next)
			;
		if (o) {
			n->match = o;
			*ktail = n;
			ktail = &n->next;
			continue;
		}
		for (o = sup->units; o && !same_unit_core(o, n); o = o->next)
			;
		if (o) {
			n->match = o;
			*rtail = n;
			rtail = &n->next;
		} else {
			*stail = n;
			stail = &n->next;
		}
	}
	fresh = NULL;
	if ((rc = start_units(sup, start)) != 0) {
		pn_log(LOG_ERR, "a new worker failed to start (status %d)", rc);
		abort_units(start);
		units_free(start);
		units_free(recon);
		units_free(keep);
		keep = NULL;
		goto refuse;
	}
	/* Then new plugin options in place; the units refusing them need
	 * new workers too, which may fail: the options are then restored. */
	struct pn_unit *more = NULL, **mtail = &more;
	reconfigure_units(sup, conf, recon, &ktail, &mtail);
	recon = NULL;
	if ((rc = start_units(sup, more)) != 0) {
		pn_log(LOG_ERR, "a new worker failed to start (status %d)", rc);
		abort_units(more);
		abort_units(start);
		units_free(more);
		units_free(start);
		restore_units(sup, keep);
		units_free(keep);
		keep = NULL;
		goto refuse;
	}
	*stail = more;
	note_plugin_files(sup, conf, 1, keep);
	/* Commit: kept units take the new table, the rest retire. */
	config_unref(sup->conf);
	sup->conf = conf;
	struct pn_unit *running = sup->units, *list = NULL, **tail = &list;
	sup->units = NULL;
	for (struct pn_unit *n = keep, *next; n; n = next) {
		struct pn_unit **op;
		next = n->next;
		for (op = &running; *op != n->match; op = &(*op)->next)
			;
		struct pn_unit *o = *op;
		*op = o->next;
		for (size_t i = 0; i < n->nsvc; i++) {
			const struct pn_service_conf *x = member_named(o, member(n, i)->name);
			if (x && !pn_service_conf_same(x, member(n, i)))
				pn_log(LOG_NOTICE, "service '%s': options applied in "
						   "place (reconfigure)", x->name);
		}
		keep_unit(o, n);
		unit_free(n);
		o->next = NULL;
		*tail = o;
		tail = &o->next;
	}
	*tail = start;
	while (running) {
		struct pn_unit *o = running;
		running = o->next;
		retire(sup, o);
	}
	sup->units = list;
	close_unused(sup);
	pn_log_set_level(effective_level(sup));
	FOREACH_WORKER(sup, u, w)
		if (w->pid > 0 && !u->retired)
			send_settings(w);
	broadcast_services(sup);
	pn_log(LOG_NOTICE, "reloaded %s", sup->path);
	return 0;

refuse:
	units_free(fresh);
	while (sup->nsocks > before)
		close(sup->socks[--sup->nsocks].fd);
	for (size_t i = 0; i < sup->nsocks; i++)
		sup->socks[i].keep = 1;
	config_unref(conf);
	pn_log(LOG_ERR, "reload refused; the running configuration is unchanged");
	return -1;
}

/* Stop: every worker gets STOP with shutdown_timeout, then escalation.
 * A second SIGTERM/SIGINT kills them at once. */
static void begin_stop(struct pn_super *sup, int signo)
{
	if (sup->stopping) {
		if (sup->stopping == 1) {
			pn_log(LOG_NOTICE, "%s again: killing the workers now",
			       strsignal(signo));
			FOREACH_WORKER(sup, u, w)
				worker_signal(w, SIGKILL);
			sup->stopping = 2;
		}
		return;
	}
	pn_log(LOG_NOTICE, "%s: shutting down", strsignal(signo));
	pn_notify("STOPPING=1");
	sup->stopping = 1;
	/* The workers close their copies of the sockets as they stop. */
	for (size_t i = 0; i < sup->nsocks; i++)
		close(sup->socks[i].fd);
	sup->nsocks = 0;
	FOREACH_WORKER(sup, u, w)
		if (w->state != W_DRAINING)
			worker_finish(w, W_STOPPING, sup->conf->shutdown_timeout);
	if (!workers_left(sup))
		pn_loop_stop(&sup->loop);
}

static void on_signal(struct pn_loop *l, void *arg, int signo)
{
	struct pn_super *sup = arg;

	(void)l;
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		begin_stop(sup, signo);
		break;
	case SIGHUP:
		if (sup->stopping)
			break;
		pn_notify("RELOADING=1");
		pn_log(LOG_NOTICE, "SIGHUP: reloading %s", sup->path);
		int ok = reload(sup) == 0;
		pn_confwatch_set(&sup->inetd, &sup->loop, inetd_path(sup->conf));
		struct pn_status_facts f;
		status_facts(sup, &f);
		pn_status_reloaded(&sup->status, &f, ok); /* with READY=1 */
		break;
	case SIGUSR1:
		FOREACH_WORKER(sup, u, w)
			if (w->pid > 0)
				send_msg(w, PN_CTL_STATS, NULL, 0, NULL, 0);
		break;
	case SIGCHLD:
		reap(sup);
		break;
	default:
		break;
	}
}

/*
 * SIGKILL whatever is still our child (processes that workers left and
 * that were reparented to us), then reap everything.
 */
static void kill_leftovers(pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char path[300], buf[512];
		long pid = strtol(e->d_name, NULL, 10), ppid = 0;
		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		FILE *f = fopen(path, "re");
		if (!f)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		const char *p = strrchr(buf, ')'); /* comm may hold spaces */
		if (p && sscanf(p + 1, " %*c %ld", &ppid) == 1 && ppid == (long)self)
			kill((pid_t)pid, SIGKILL);
	}
	if (d)
		closedir(d);
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int pn_super_run(struct pn_config *conf, const char *path,
		 const char *plugin_dir, int debug, int *report_fd, int pid_fd)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	struct pn_super sup = { .path = path, .plugin_dir = plugin_dir };
	int failed, rc = PN_EXIT_SYSTEM;

	conf->refs++;
	sup.conf = conf;
	sup.pid = getpid();
	sup.start_time = time(NULL);
	sup.forced_level = debug ? LOG_DEBUG : -1;
	pn_confwatch_init(&sup.inetd);
	/* Whatever a worker leaves behind is reparented to us, not init. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		pn_log(LOG_WARNING, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (pn_loop_init(&sup.loop) < 0 ||
	    pn_loop_signals(&sup.loop, sigs, sizeof sigs / sizeof sigs[0], on_signal,
			    &sup) < 0) {
		pn_log(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	pn_timer_init(&sup.tick, on_tick, &sup);
	if (pn_activation_collect(&sup.act) < 0)
		goto out;
	if (bind_all(&sup, conf) < 0)
		goto out;
	pn_activation_release(&sup.act);
	rc = PN_EXIT_CONFIG;
	note_plugin_files(&sup, conf, 0, NULL);
	sup.units = make_units(&sup, conf, &failed);
	if (failed)
		goto out;
	if ((rc = start_units(&sup, sup.units)) != 0) {
		abort_units(sup.units);
		goto out;
	}
	size_t nw = 0;
	for (struct pn_unit *u = sup.units; u; u = u->next)
		nw += u->nw;
	/* The pid file names us only now, with every address bound and
	 * every worker serving: a pid read from it is one that serves. */
	if (pid_fd >= 0 && (rc = pn_pidfile_write(pid_fd)) < 0) {
		pn_log(LOG_ERR, "cannot write the pid file: %s", strerror(-rc));
		rc = PN_EXIT_SYSTEM;
		goto out;
	}
	pn_log(LOG_NOTICE, "serving %zu services in %zu worker process%s",
	       conf->nsvcs, nw, nw == 1 ? "" : "es");
	pn_log_report(*report_fd, 0);
	*report_fd = -1;
	pn_confwatch_set(&sup.inetd, &sup.loop, inetd_path(conf));
	struct pn_status_facts f;
	status_facts(&sup, &f);
	pn_status_update(&sup.status, &f, 1); /* with READY=1 */
	pn_status_start(&sup.status, &sup.loop, workers_healthy, &sup);
	pn_timer_start(&sup.loop, &sup.tick, TICK_MS);
	if (pn_loop_run(&sup.loop) < 0)
		sup.exit_code = PN_EXIT_SYSTEM;
	rc = sup.exit_code;
out:
	FOREACH_WORKER(&sup, u, w)
		worker_signal(w, SIGKILL);
	kill_leftovers(sup.pid);
	pn_timer_stop(&sup.loop, &sup.tick);
	pn_status_stop(&sup.status);
	units_free(sup.units);
	units_free(sup.old);
	for (size_t i = 0; i < sup.nsocks; i++)
		close(sup.socks[i].fd);
	free(sup.socks);
	pn_activation_release(&sup.act);
	config_unref(sup.conf);
	pn_plugfiles_free(&sup.plugfiles);
	pn_confwatch_free(&sup.inetd, &sup.loop);
	pn_loop_free(&sup.loop);
	return rc;
}
