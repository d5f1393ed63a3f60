/*
 * super.c -- the supervisor (see super.h).
 */
#include "super.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checker.h"
#include "listener.h"
#include "log.h"
#include "notify.h"
#include "server.h"

#define READY_TIMEOUT_MS 30000	/* a worker's start-up, plugin init included */
#define QUICK_CRASH_MS 10000u	/* a crash this soon after start backs off */
#define MAX_BACKOFF_MS 30000u

struct pn_sock {
	struct pn_addr addr;
	int fd;
	int keep; /* still configured (reload) */
};

struct pn_group;

struct pn_worker {
	struct pn_group *g;
	pid_t pid;	/* 0 when not running */
	int ready_fd;	/* readiness pipe, read end; -1 once ready */
	uint64_t started;
	unsigned crashes;
	struct pn_timer restart;
	struct pn_super *sup;
};

/* Services that share worker processes: same identity, one worker, or
 * one service with `workers` > 1. */
struct pn_group {
	struct pn_config *conf;	 /* the table the workers run; one ref */
	unsigned char *member;	 /* per service of conf */
	struct pn_ident ident;	 /* "" user: keep the current identity */
	char names[512];	 /* "echo (plugin echo), ..." */
	struct pn_worker *w;
	size_t nw;
	struct pn_group *next;
};

struct pn_super {
	struct pn_loop loop;
	struct pn_registry *reg;
	const char *path, *plugin_dir;
	struct pn_config *conf; /* current; one ref */
	struct pn_sock *socks;
	size_t nsocks;
	struct pn_activation act;
	struct pn_group *groups; /* serving */
	struct pn_group *old;	 /* draining after a reload */
	int stopping;
	int exit_code;
	pid_t pid; /* the supervisor's */
};

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

/* ---- groups ---- */

static void group_free(struct pn_group *g)
{
	for (size_t i = 0; i < g->nw; i++) {
		pn_timer_stop(&g->w[i].sup->loop, &g->w[i].restart);
		if (g->w[i].ready_fd >= 0)
			close(g->w[i].ready_fd);
	}
	free(g->w);
	free(g->member);
	config_unref(g->conf);
	free(g);
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

static struct pn_group *group_new(struct pn_super *sup, struct pn_config *conf,
				  const struct pn_ident *id, size_t nw)
{
	struct pn_group *g = calloc(1, sizeof *g);

	if (!g || !(g->member = calloc(conf->nsvcs ? conf->nsvcs : 1, 1)) ||
	    !(g->w = calloc(nw, sizeof *g->w))) {
		if (g)
			free(g->member);
		free(g);
		return NULL;
	}
	g->conf = conf;
	conf->refs++;
	g->ident = *id;
	g->nw = nw;
	for (size_t i = 0; i < nw; i++) {
		g->w[i].g = g;
		g->w[i].ready_fd = -1;
		g->w[i].sup = sup;
	}
	return g;
}

static void group_add(struct pn_group *g, size_t svc)
{
	size_t n = strlen(g->names);

	g->member[svc] = 1;
	snprintf(g->names + n, sizeof g->names - n, "%s%s (plugin %s)",
		 n ? ", " : "", g->conf->svcs[svc].name,
		 g->conf->svcs[svc].plugin->name);
}

/*
 * Split the enabled services of conf into groups: one per identity for
 * services with one worker, one of its own for a service with several.
 * Returns the list, or NULL (logged) when a service has no identity.
 */
static struct pn_group *make_groups(struct pn_super *sup, struct pn_config *conf,
				    int *failed)
{
	struct pn_group *list = NULL, **tail = &list;
	struct pn_ident dflt;
	int have_dflt = 0;

	*failed = 0;
	for (size_t i = 0; i < conf->nsvcs; i++) {
		const struct pn_service_conf *sc = &conf->svcs[i];
		struct pn_ident id;
		struct pn_group *g = NULL;

		if (!sc->enabled)
			continue;
		if (service_ident(sc, &id, &dflt, &have_dflt) < 0) {
			*failed = 1;
			break;
		}
		/* One-worker services of one identity share a worker; a
		 * service with several workers has a group of its own. */
		if (sc->workers == 1)
			for (g = list; g; g = g->next)
				if (g->nw == 1 && same_ident(&g->ident, &id))
					break;
		if (!g) {
			if (!(g = group_new(sup, conf, &id, (size_t)sc->workers))) {
				*failed = 1;
				break;
			}
			*tail = g;
			tail = &g->next;
		}
		group_add(g, i);
	}
	if (*failed) {
		while (list) {
			struct pn_group *g = list;
			list = g->next;
			group_free(g);
		}
	}
	return list;
}

/* Do two groups run the same services the same way? */
static int same_group(const struct pn_group *a, const struct pn_group *b)
{
	size_t na = 0, nb = 0;

	if (a->nw != b->nw || !same_ident(&a->ident, &b->ident))
		return 0;
	for (size_t i = 0; i < a->conf->nsvcs; i++)
		na += a->member[i];
	for (size_t i = 0; i < b->conf->nsvcs; i++)
		nb += b->member[i];
	if (na != nb)
		return 0;
	for (size_t i = 0; i < a->conf->nsvcs; i++) {
		if (!a->member[i])
			continue;
		const struct pn_service_conf *x = &a->conf->svcs[i];
		const struct pn_service_conf *y = pn_config_find(b->conf, x->name);
		if (!y || !b->member[y - b->conf->svcs] || !pn_service_conf_same(x, y) ||
		    x->naddrs != y->naddrs)
			return 0;
		for (size_t j = 0; j < x->naddrs; j++)
			if (!pn_addr_equal(&x->addrs[j], &y->addrs[j]))
				return 0;
	}
	return 1;
}

/* ---- workers ---- */

/*
 * In the new worker process: forget the supervisor, become the group's
 * user, serve the group's services from the inherited sockets.
 */
static void __attribute__((noreturn))
worker_main(struct pn_super *sup, struct pn_worker *w, int ready)
{
	struct pn_group *g = w->g;
	struct pn_config *conf = g->conf;
	struct pn_registry reg;
	struct pn_server srv;
	char err[256];
	int rc;

	unsetenv("NOTIFY_SOCKET"); /* the supervisor speaks to systemd */
	pn_loop_free(&sup->loop);
	for (struct pn_group *o = sup->groups; o; o = o->next)
		for (size_t i = 0; i < o->nw; i++)
			if (o->w[i].ready_fd >= 0)
				close(o->w[i].ready_fd);
	if (pn_ident_apply(&g->ident, err, sizeof err) < 0) {
		pn_log(LOG_ERR, "worker for %s: cannot become user %s: %s; not "
				"serving", g->names, g->ident.user, err);
		_exit(PN_EXIT_SYSTEM);
	}
	/* Die with the supervisor (even by SIGKILL) rather than serve on
	 * unsupervised.  Set after the user change, which clears it; the
	 * getppid() check closes the race with a supervisor already gone. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != sup->pid)
		_exit(PN_EXIT_SYSTEM);
	/* The supervisor's table is a view without plugins: parse the bytes
	 * that were checked, as this user, and serve the group's services. */
	pn_registry_init(&reg);
	if (!(conf = pn_config_load_snapshot(g->conf->snap, g->conf->path,
					     g->conf->plugin_dir, &reg, NULL, &rc)))
		_exit(PN_EXIT_CONFIG);
	for (size_t i = 0; i < conf->nsvcs; i++) {
		const struct pn_service_conf *v = pn_config_find(g->conf, conf->svcs[i].name);
		if (!v || !g->member[v - g->conf->svcs])
			conf->svcs[i].enabled = 0;
	}
	if (pn_server_init(&srv) < 0)
		_exit(PN_EXIT_SYSTEM);
	/* Hand every inherited socket to the server: it takes its own. */
	srv.act.fds = calloc(sup->nsocks ? sup->nsocks : 1, sizeof *srv.act.fds);
	for (size_t i = 0; srv.act.fds && i < sup->nsocks; i++)
		srv.act.fds[srv.act.n++] = (struct pn_inherited){
			.fd = sup->socks[i].fd, .addr = sup->socks[i].addr,
		};
	srv.act.quiet = 1;
	if ((rc = pn_server_apply(&srv, conf)) != 0)
		_exit(rc);
	if (write(ready, "R", 1) != 1)
		_exit(PN_EXIT_SYSTEM);
	close(ready);
	rc = pn_server_run(&srv);
	pn_server_close(&srv);
	_exit(rc);
}

static int worker_start(struct pn_super *sup, struct pn_worker *w)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0) {
		pn_log(LOG_ERR, "worker for %s: pipe: %s", w->g->names, strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		pn_log(LOG_ERR, "worker for %s: fork: %s", w->g->names, strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		worker_main(sup, w, p[1]);
	}
	close(p[1]);
	w->pid = pid;
	w->ready_fd = p[0];
	w->started = pn_loop_now(&sup->loop);
	return 0;
}

/*
 * Wait until every worker of the list is serving.  Returns 0, or the
 * exit code of the first that failed (the others are left to the caller).
 */
static int wait_ready(struct pn_worker **ws, size_t n)
{
	size_t left = n;
	int code = 0;

	while (left > 0) {
		struct pollfd *p = calloc(n, sizeof *p);
		if (!p)
			return PN_EXIT_SYSTEM;
		for (size_t i = 0; i < n; i++)
			p[i] = (struct pollfd){ ws[i]->ready_fd, POLLIN, 0 };
		int r = poll(p, (nfds_t)n, READY_TIMEOUT_MS);
		if (r <= 0) {
			free(p);
			if (r < 0 && errno == EINTR)
				continue;
			pn_log(LOG_ERR, "workers did not start within %d s",
			       READY_TIMEOUT_MS / 1000);
			return PN_EXIT_SYSTEM;
		}
		for (size_t i = 0; i < n; i++) {
			char c;
			if (!p[i].revents || ws[i]->ready_fd < 0)
				continue;
			if (read(ws[i]->ready_fd, &c, 1) == 1) {
				close(ws[i]->ready_fd);
				ws[i]->ready_fd = -1;
				left--;
				continue;
			}
			/* Exited before serving: its status is the reason. */
			int st = 0;
			close(ws[i]->ready_fd);
			ws[i]->ready_fd = -1;
			waitpid(ws[i]->pid, &st, 0);
			ws[i]->pid = 0;
			code = WIFEXITED(st) ? WEXITSTATUS(st) : PN_EXIT_SYSTEM;
			if (code == 0)
				code = PN_EXIT_SYSTEM;
			free(p);
			return code;
		}
		free(p);
	}
	return code;
}

/* Start every worker of a list of groups and wait until all serve. */
static int start_groups(struct pn_super *sup, struct pn_group *list)
{
	size_t n = 0, k = 0;
	struct pn_worker **ws;
	int rc;

	for (struct pn_group *g = list; g; g = g->next)
		n += g->nw;
	if (n == 0)
		return 0;
	if (!(ws = calloc(n, sizeof *ws)))
		return PN_EXIT_SYSTEM;
	for (struct pn_group *g = list; g; g = g->next) {
		for (size_t i = 0; i < g->nw; i++) {
			if (worker_start(sup, &g->w[i]) < 0) {
				free(ws);
				return PN_EXIT_SYSTEM;
			}
			ws[k++] = &g->w[i];
		}
	}
	rc = wait_ready(ws, k);
	free(ws);
	return rc;
}

/* Stop (SIGKILL) and reap the workers of a list that never served. */
static void abort_groups(struct pn_group *list)
{
	for (struct pn_group *g = list; g; g = g->next)
		for (size_t i = 0; i < g->nw; i++)
			if (g->w[i].pid > 0) {
				kill(g->w[i].pid, SIGKILL);
				waitpid(g->w[i].pid, NULL, 0);
				g->w[i].pid = 0;
			}
}

static void signal_list(struct pn_group *list, int sig)
{
	for (struct pn_group *g = list; g; g = g->next)
		for (size_t i = 0; i < g->nw; i++)
			if (g->w[i].pid > 0)
				kill(g->w[i].pid, sig);
}

static void on_restart(struct pn_loop *l, void *arg)
{
	struct pn_worker *w = arg;

	(void)l;
	if (w->sup->stopping)
		return;
	if (worker_start(w->sup, w) == 0)
		pn_log(LOG_NOTICE, "worker for %s restarted as process %ld",
		       w->g->names, (long)w->pid);
	else
		pn_timer_start(&w->sup->loop, &w->restart, MAX_BACKOFF_MS);
}

static int workers_left(const struct pn_group *list)
{
	for (const struct pn_group *g = list; g; g = g->next)
		for (size_t i = 0; i < g->nw; i++)
			if (g->w[i].pid > 0)
				return 1;
	return 0;
}

/* A worker exited: drained, stopped, or crashed (restart it). */
static void worker_exited(struct pn_super *sup, struct pn_worker *w, int st,
			  int draining)
{
	struct pn_group *g = w->g;
	pid_t pid = w->pid;
	char how[96];

	w->pid = 0;
	if (w->ready_fd >= 0) {
		close(w->ready_fd);
		w->ready_fd = -1;
	}
	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "killed by signal %d (%s)", WTERMSIG(st),
			 strsignal(WTERMSIG(st)));
	else
		snprintf(how, sizeof how, "exited with status %d", WEXITSTATUS(st));
	if (draining || sup->stopping) {
		pn_log(LOG_INFO, "worker for %s %s", g->names, how);
		if (sup->stopping && !sup->exit_code && (WIFSIGNALED(st) || WEXITSTATUS(st)))
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
	pn_log(LOG_ERR, "worker %ld for services %s (user %s) %s; restarting%s",
	       (long)pid, g->names, g->ident.user[0] ? g->ident.user : "unchanged",
	       how, delay ? " with backoff" : "");
	pn_timer_init(&w->restart, on_restart, w);
	pn_timer_start(&sup->loop, &w->restart, delay);
}

static void reap(struct pn_super *sup)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		struct pn_group *lists[2] = { sup->groups, sup->old };
		for (int k = 0; k < 2; k++)
			for (struct pn_group *g = lists[k]; g; g = g->next)
				for (size_t i = 0; i < g->nw; i++)
					if (g->w[i].pid == pid) {
						worker_exited(sup, &g->w[i], st, k == 1);
						goto next;
					}
	next:;
	}
	/* Free drained groups. */
	for (struct pn_group **pp = &sup->old; *pp;) {
		struct pn_group *g = *pp;
		int alive = 0;
		for (size_t i = 0; i < g->nw; i++)
			alive |= g->w[i].pid > 0;
		if (alive) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		group_free(g);
	}
	if (sup->stopping && !workers_left(sup->groups) && !workers_left(sup->old))
		pn_loop_stop(&sup->loop);
}

/* ---- reload, signals ---- */

static int reload(struct pn_super *sup)
{
	struct pn_config *conf;
	struct pn_group *fresh = NULL, *keep = NULL, **ktail = &keep;
	int failed, rc;

	if (!(conf = pn_checker_load_logged(sup->path, sup->plugin_dir)))
		return -1;
	conf->refs++;
	size_t before = sup->nsocks;
	if (bind_all(sup, conf) < 0)
		goto refuse;
	fresh = make_groups(sup, conf, &failed);
	if (failed)
		goto refuse;
	/* Mark: groups that did not change keep their workers. */
	for (struct pn_group **pp = &fresh; *pp;) {
		struct pn_group *n = *pp, **op;
		for (op = &sup->groups; *op && !same_group(*op, n); op = &(*op)->next)
			;
		if (!*op) {
			pp = &n->next;
			continue;
		}
		struct pn_group *o = *op;
		*op = o->next;
		o->next = NULL;
		*ktail = o;
		ktail = &o->next;
		*pp = n->next;
		group_free(n);
	}
	if ((rc = start_groups(sup, fresh)) != 0) {
		pn_log(LOG_ERR, "a new worker failed to start (status %d)", rc);
		abort_groups(fresh);
		/* Put the kept groups back. */
		*ktail = sup->groups;
		sup->groups = keep;
		goto refuse;
	}
	/* Sweep: the rest of the running groups drain, without a deadline:
	 * their connections finish at their own pace (a stop, SIGTERM, still
	 * bounds them by shutdown_timeout). */
	signal_list(sup->groups, SIGUSR2);
	for (struct pn_group *g = sup->groups; g;) {
		struct pn_group *next = g->next;
		g->next = sup->old;
		sup->old = g;
		g = next;
	}
	*ktail = fresh;
	sup->groups = keep;
	close_unused(sup);
	config_unref(sup->conf);
	sup->conf = conf;
	pn_log_set_level(conf->log_level);
	pn_log(LOG_NOTICE, "reloaded %s", sup->path);
	return 0;

refuse:
	while (fresh) {
		struct pn_group *g = fresh;
		fresh = g->next;
		group_free(g);
	}
	while (sup->nsocks > before)
		close(sup->socks[--sup->nsocks].fd);
	for (size_t i = 0; i < sup->nsocks; i++)
		sup->socks[i].keep = 1;
	config_unref(conf);
	pn_log(LOG_ERR, "reload refused; the running configuration is unchanged");
	return -1;
}

static void on_signal(struct pn_loop *l, void *arg, int signo)
{
	struct pn_super *sup = arg;

	(void)l;
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		if (sup->stopping)
			break;
		pn_log(LOG_NOTICE, "%s: shutting down", strsignal(signo));
		pn_notify("STOPPING=1");
		sup->stopping = 1;
		/* Stop accepting: the workers close their copies too. */
		for (size_t i = 0; i < sup->nsocks; i++)
			close(sup->socks[i].fd);
		sup->nsocks = 0;
		signal_list(sup->groups, SIGTERM);
		signal_list(sup->old, SIGTERM);
		if (!workers_left(sup->groups) && !workers_left(sup->old))
			pn_loop_stop(&sup->loop);
		break;
	case SIGHUP:
		if (sup->stopping)
			break;
		pn_notify("RELOADING=1");
		pn_log(LOG_NOTICE, "SIGHUP: reloading %s", sup->path);
		reload(sup);
		pn_notify("READY=1");
		break;
	case SIGUSR1:
		signal_list(sup->groups, SIGUSR1);
		signal_list(sup->old, SIGUSR1);
		break;
	case SIGCHLD:
		reap(sup);
		break;
	default:
		break;
	}
}

static void report(int fd, int code)
{
	unsigned char c = (unsigned char)code;

	if (fd >= 0) {
		if (write(fd, &c, 1) != 1)
			pn_log(LOG_WARNING, "cannot report start-up to the parent");
		close(fd);
	}
}

int pn_super_run(struct pn_config *conf, struct pn_registry *reg,
		 const char *path, const char *plugin_dir, int report_fd)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGCHLD };
	struct pn_super sup = { .reg = reg, .path = path, .plugin_dir = plugin_dir };
	int failed, rc = PN_EXIT_SYSTEM;

	conf->refs++;
	sup.conf = conf;
	sup.pid = getpid();
	if (pn_loop_init(&sup.loop) < 0 ||
	    pn_loop_signals(&sup.loop, sigs, sizeof sigs / sizeof sigs[0], on_signal,
			    &sup) < 0) {
		pn_log(LOG_ERR, "event loop: %s", strerror(errno));
		goto out;
	}
	if (pn_activation_collect(&sup.act) < 0)
		goto out;
	if (bind_all(&sup, conf) < 0)
		goto out;
	pn_activation_release(&sup.act);
	rc = PN_EXIT_CONFIG;
	sup.groups = make_groups(&sup, conf, &failed);
	if (failed)
		goto out;
	if ((rc = start_groups(&sup, sup.groups)) != 0) {
		abort_groups(sup.groups);
		goto out;
	}
	size_t nw = 0;
	for (struct pn_group *g = sup.groups; g; g = g->next)
		nw += g->nw;
	pn_log(LOG_NOTICE, "serving %zu services in %zu worker process%s",
	       conf->nsvcs, nw, nw == 1 ? "" : "es");
	report(report_fd, 0);
	report_fd = -1;
	pn_notify("READY=1");
	if (pn_loop_run(&sup.loop) < 0)
		sup.exit_code = PN_EXIT_SYSTEM;
	rc = sup.exit_code;
out:
	report(report_fd, rc);
	signal_list(sup.groups, SIGKILL);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	while (sup.groups) {
		struct pn_group *g = sup.groups;
		sup.groups = g->next;
		group_free(g);
	}
	while (sup.old) {
		struct pn_group *g = sup.old;
		sup.old = g->next;
		group_free(g);
	}
	for (size_t i = 0; i < sup.nsocks; i++)
		close(sup.socks[i].fd);
	free(sup.socks);
	pn_activation_release(&sup.act);
	config_unref(sup.conf);
	pn_loop_free(&sup.loop);
	return rc;
}
