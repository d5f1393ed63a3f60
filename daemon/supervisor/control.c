/*
 * control.c -- the control socket and the totals (see control.h).
 */
#include "control.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/epoll.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define MAX_CLIENTS 16
#define CLIENT_TIMEOUT_MS 5000u /* to send the request, and to read the answer */
#define REQ_MAX 512

struct pn_control_client {
	struct pn_control *c;
	struct pn_watch w;
	struct pn_timer timer;
	char req[REQ_MAX];
	size_t nreq;
	char refusal[128]; /* the answer whatever is asked, when set */
	char *out; /* the answer, once built */
	size_t nout, off;
	struct pn_control_client *next;
};

struct pn_control_seen {
	long pid;
	struct pn_ctl_count last;
};

static const char *const reasons[PN_REFUSED_N] = {
	[PN_REFUSED_ACL] = "acl",
	[PN_REFUSED_PER_SOURCE] = "max_per_source",
	[PN_REFUSED_RATE] = "rate_per_source",
	[PN_REFUSED_FDS] = "descriptors",
	[PN_REFUSED_PROXY] = "proxy_protocol",
	[PN_REFUSED_CHILDREN] = "max_children",
};

void pn_control_init(struct pn_control *c, struct pn_loop *l,
		     const struct pn_control_ops *ops, void *arg,
		     time_t start_time)
{
	memset(c, 0, sizeof *c);
	c->loop = l;
	c->ops = ops;
	c->arg = arg;
	c->start_time = start_time;
	c->pid = (long)getpid();
	pn_watch_init(&c->lw, -1, NULL, c);
}

/* ---- totals ---- */

static struct pn_control_total *total_of(struct pn_control *c, const char *name)
{
	struct pn_control_total *v;

	for (size_t i = 0; i < c->ntot; i++)
		if (strcmp(c->tot[i].name, name) == 0)
			return &c->tot[i];
	if (!(v = realloc(c->tot, (c->ntot + 1) * sizeof *v)))
		return NULL;
	c->tot = v;
	memset(&v[c->ntot], 0, sizeof *v);
	snprintf(v[c->ntot].name, sizeof v->name, "%s", name);
	return &v[c->ntot++];
}

const struct pn_control_total *pn_control_total(const struct pn_control *c,
						const char *name)
{
	for (size_t i = 0; i < c->ntot; i++)
		if (strcmp(c->tot[i].name, name) == 0)
			return &c->tot[i];
	return NULL;
}

/* What a monotonic counter grew by; a smaller value is a fresh start. */
static uint64_t grew(uint64_t before, uint64_t now)
{
	return now >= before ? now - before : now;
}

void pn_control_beat(struct pn_control *c, long pid,
		     const struct pn_ctl_count *cnt)
{
	struct pn_control_seen *s = NULL;
	struct pn_control_total *t;
	char name[sizeof cnt->service];

	snprintf(name, sizeof name, "%.*s", (int)sizeof name - 1, cnt->service);
	for (size_t i = 0; i < c->nseen && !s; i++)
		if (c->seen[i].pid == pid && strcmp(c->seen[i].last.service, name) == 0)
			s = &c->seen[i];
	if (!s) {
		struct pn_control_seen *v = realloc(c->seen, (c->nseen + 1) * sizeof *v);
		if (!v)
			return;
		c->seen = v;
		s = &v[c->nseen++];
		memset(s, 0, sizeof *s);
		s->pid = pid;
		snprintf(s->last.service, sizeof s->last.service, "%s", name);
	}
	if (!(t = total_of(c, name)))
		return;
	t->accepted += grew(s->last.accepted, cnt->accepted);
	for (int r = 0; r < PN_REFUSED_N; r++)
		t->refused[r] += grew(s->last.refused[r], cnt->refused[r]);
	t->bytes_in += grew(s->last.bytes_in, cnt->bytes_in);
	t->bytes_out += grew(s->last.bytes_out, cnt->bytes_out);
	t->dgrams_in += grew(s->last.dgrams_in, cnt->dgrams_in);
	t->dgrams_dropped += grew(s->last.dgrams_dropped, cnt->dgrams_dropped);
	s->last = *cnt;
	memcpy(s->last.service, name, sizeof name);
}

void pn_control_gone(struct pn_control *c, long pid)
{
	size_t k = 0;

	for (size_t i = 0; i < c->nseen; i++)
		if (c->seen[i].pid != pid)
			c->seen[k++] = c->seen[i];
	c->nseen = k;
}

void pn_control_restarted(struct pn_control *c, const char *service)
{
	struct pn_control_total *t = total_of(c, service);

	if (t)
		t->restarts++;
}

void pn_control_reloaded(struct pn_control *c, int ok)
{
	c->reloads += ok != 0;
	c->reloads_refused += ok == 0;
}

/* ---- answers ---- */

static const struct pn_control_total zero;

static const struct pn_control_total *totals(struct pn_control *c,
					     const char *name)
{
	const struct pn_control_total *t = pn_control_total(c, name);

	return t ? t : &zero;
}

static uint64_t refused_sum(const struct pn_control_total *t)
{
	uint64_t n = 0;

	for (int r = 0; r < PN_REFUSED_N; r++)
		n += t->refused[r];
	return n;
}

static void view_free(struct pn_control_view *v)
{
	for (size_t i = 0; i < v->nsvcs; i++)
		free(v->svcs[i].workers);
	free(v->svcs);
	memset(v, 0, sizeof *v);
}

static void status_text(struct pn_control *c, const struct pn_control_view *v,
			FILE *out)
{
	fprintf(out, "pinetd %ld, started %lld (%lld s ago), configuration %s\n",
		c->pid, (long long)c->start_time,
		(long long)(time(NULL) - c->start_time), v->path);
	fprintf(out, "reloads %" PRIu64 ", refused %" PRIu64 "\n", c->reloads,
		c->reloads_refused);
	for (size_t i = 0; i < v->nsvcs; i++) {
		const struct pn_control_service *s = &v->svcs[i];
		const struct pn_control_total *t = totals(c, s->name);

		fprintf(out, "\nservice %s: %s, plugin %s, %s:%d\n", s->name,
			s->enabled ? "enabled" : "disabled", s->plugin, s->file, s->line);
		fprintf(out, "  listen:");
		for (size_t j = 0; j < s->nlisten; j++)
			fprintf(out, " %s", s->listen[j]);
		fprintf(out, "\n  workers:");
		for (size_t j = 0; j < s->nworkers; j++)
			fprintf(out, " %ld (%s)", s->workers[j].pid, s->workers[j].state);
		if (!s->nworkers)
			fprintf(out, " none");
		fprintf(out, "\n  connections: %" PRIu64 " open, %" PRIu64 " accepted, %"
			PRIu64 " refused (", s->open, t->accepted, refused_sum(t));
		for (int r = 0; r < PN_REFUSED_N; r++)
			fprintf(out, "%s%s %" PRIu64, r ? ", " : "", reasons[r], t->refused[r]);
		fprintf(out, ")\n  bytes: %" PRIu64 " in, %" PRIu64 " out; datagrams: %"
			PRIu64 " in, %" PRIu64 " dropped; worker restarts: %" PRIu64 "\n",
			t->bytes_in, t->bytes_out, t->dgrams_in, t->dgrams_dropped,
			t->restarts);
	}
}

/* s as a JSON string. */
static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void status_json(struct pn_control *c, const struct pn_control_view *v,
			FILE *out)
{
	fprintf(out, "{\"pid\":%ld,\"start_time\":%lld,\"config\":", c->pid,
		(long long)c->start_time);
	json_str(out, v->path);
	fprintf(out, ",\"reloads\":%" PRIu64 ",\"reloads_refused\":%" PRIu64
		",\"services\":[", c->reloads, c->reloads_refused);
	for (size_t i = 0; i < v->nsvcs; i++) {
		const struct pn_control_service *s = &v->svcs[i];
		const struct pn_control_total *t = totals(c, s->name);

		fprintf(out, "%s{\"name\":", i ? "," : "");
		json_str(out, s->name);
		fprintf(out, ",\"state\":\"%s\",\"plugin\":",
			s->enabled ? "enabled" : "disabled");
		json_str(out, s->plugin);
		fprintf(out, ",\"file\":");
		json_str(out, s->file);
		fprintf(out, ",\"line\":%d,\"listen\":[", s->line);
		for (size_t j = 0; j < s->nlisten; j++) {
			fputs(j ? "," : "", out);
			json_str(out, s->listen[j]);
		}
		fprintf(out, "],\"workers\":[");
		for (size_t j = 0; j < s->nworkers; j++)
			fprintf(out, "%s{\"pid\":%ld,\"state\":\"%s\"}", j ? "," : "",
				s->workers[j].pid, s->workers[j].state);
		fprintf(out, "],\"connections\":%" PRIu64 ",\"accepted\":%" PRIu64
			",\"refused\":{", s->open, t->accepted);
		for (int r = 0; r < PN_REFUSED_N; r++)
			fprintf(out, "%s\"%s\":%" PRIu64, r ? "," : "", reasons[r],
				t->refused[r]);
		fprintf(out, "},\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
			",\"datagrams_in\":%" PRIu64 ",\"datagrams_dropped\":%" PRIu64
			",\"worker_restarts\":%" PRIu64 "}", t->bytes_in, t->bytes_out,
			t->dgrams_in, t->dgrams_dropped, t->restarts);
	}
	fprintf(out, "]}\n");
}

/* A label value of the text format: \, " and newline escaped. */
static void label(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(out, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* The per-service metrics, one table row each. */
enum { M_COUNTER, M_GAUGE };
struct metric {
	const char *name, *help;
	int type;
	size_t off; /* in struct pn_control_total, or (size_t)-1: below */
};
#define T(f) offsetof(struct pn_control_total, f)
#define SPECIAL ((size_t)-1)
static const struct metric metrics[] = {
	{ "pinetd_service_enabled", "1 when the service is enabled, 0 when disabled.",
	  M_GAUGE, SPECIAL },
	{ "pinetd_connections_accepted_total", "Connections admitted.", M_COUNTER,
	  T(accepted) },
	{ "pinetd_connections_refused_total", "Connections refused, by reason.",
	  M_COUNTER, SPECIAL },
	{ "pinetd_connections_open", "Open connections, as of the last heartbeats.",
	  M_GAUGE, SPECIAL },
	{ "pinetd_received_bytes_total", "Bytes read from connections (event mode).",
	  M_COUNTER, T(bytes_in) },
	{ "pinetd_sent_bytes_total", "Bytes written to connections (event mode).",
	  M_COUNTER, T(bytes_out) },
	{ "pinetd_datagrams_received_total", "Datagrams received.", M_COUNTER,
	  T(dgrams_in) },
	{ "pinetd_datagrams_dropped_total", "Datagrams dropped (acl, guard, rate).",
	  M_COUNTER, T(dgrams_dropped) },
	{ "pinetd_worker_restarts_total", "Unexpected exits of the service's workers.",
	  M_COUNTER, T(restarts) },
	{ "pinetd_workers", "Worker processes running for the service.", M_GAUGE,
	  SPECIAL },
};

static void metrics_text(struct pn_control *c, const struct pn_control_view *v,
			 FILE *out)
{
	for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
		const struct metric *d = &metrics[m];
		fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", d->name, d->help, d->name,
			d->type == M_COUNTER ? "counter" : "gauge");
		for (size_t i = 0; i < v->nsvcs; i++) {
			const struct pn_control_service *s = &v->svcs[i];
			const struct pn_control_total *t = totals(c, s->name);
			uint64_t val = 0;

			if (strcmp(d->name, "pinetd_connections_refused_total") == 0) {
				for (int r = 0; r < PN_REFUSED_N; r++) {
					fprintf(out, "%s{service=\"", d->name);
					label(out, s->name);
					fprintf(out, "\",reason=\"%s\"} %" PRIu64 "\n", reasons[r],
						t->refused[r]);
				}
				continue;
			}
			if (d->off != SPECIAL)
				memcpy(&val, (const char *)t + d->off, sizeof val);
			else if (strcmp(d->name, "pinetd_service_enabled") == 0)
				val = (uint64_t)(s->enabled != 0);
			else if (strcmp(d->name, "pinetd_connections_open") == 0)
				val = s->open;
			else
				for (size_t j = 0; j < s->nworkers; j++)
					val += s->workers[j].pid > 0;
			fprintf(out, "%s{service=\"", d->name);
			label(out, s->name);
			fprintf(out, "\"} %" PRIu64 "\n", val);
		}
	}
	fprintf(out, "# HELP pinetd_reloads_total Reloads applied.\n"
		     "# TYPE pinetd_reloads_total counter\n"
		     "pinetd_reloads_total %" PRIu64 "\n"
		     "# HELP pinetd_reloads_refused_total Reloads refused.\n"
		     "# TYPE pinetd_reloads_refused_total counter\n"
		     "pinetd_reloads_refused_total %" PRIu64 "\n"
		     "# HELP pinetd_start_time_seconds When the daemon started, "
		     "in seconds since the epoch.\n"
		     "# TYPE pinetd_start_time_seconds gauge\n"
		     "pinetd_start_time_seconds %lld\n",
		c->reloads, c->reloads_refused, (long long)c->start_time);
}

/* The log lines of a reload at LOG_ERR, for its answer. */
static void tap_errors(void *arg, int level, const char *line)
{
	if (level <= LOG_ERR)
		fprintf((FILE *)arg, "%s\n", line);
}

static int do_reload(struct pn_control *c, FILE *out)
{
	char *errs = NULL;
	size_t nerrs = 0;
	FILE *f = open_memstream(&errs, &nerrs);
	int rc;

	if (!f) {
		fprintf(out, "error\nout of memory\n");
		return -1;
	}
	pn_log(LOG_NOTICE, "pinetctl: reloading");
	pn_log_tap(tap_errors, f);
	rc = c->ops->reload(c->arg);
	pn_log_tap(NULL, NULL);
	pn_control_reloaded(c, rc == 0);
	if (fclose(f) != 0) {
		errs = NULL;
		nerrs = 0;
	}
	if (rc == 0)
		fprintf(out, "ok\nreloaded\n");
	else
		fprintf(out, "error\n%.*s", (int)nerrs, errs ? errs : "");
	free(errs);
	return rc == 0 ? 0 : -1;
}

static int do_locate(struct pn_control_view *v, const char *name, FILE *out)
{
	for (size_t i = 0; i < v->nsvcs; i++)
		if (strcmp(v->svcs[i].name, name) == 0) {
			fprintf(out, "ok\n%s\n%d\n%s\n", v->svcs[i].file, v->svcs[i].line,
				strcmp(v->svcs[i].file, v->path) == 0 ? "main" : "drop-in");
			return 0;
		}
	fprintf(out, "error\nno service '%s' in %s\n", name, v->path);
	return -1;
}

int pn_control_answer(struct pn_control *c, const char *req, FILE *out)
{
	struct pn_control_view v = { 0 };
	int rc = 0;

	if (strcmp(req, "reload") == 0)
		return do_reload(c, out);
	if (c->ops->describe(c->arg, &v) < 0) {
		view_free(&v);
		fprintf(out, "error\nout of memory\n");
		return -1;
	}
	if (strcmp(req, "status") == 0) {
		fprintf(out, "ok\n");
		status_text(c, &v, out);
	} else if (strcmp(req, "status json") == 0) {
		fprintf(out, "ok\n");
		status_json(c, &v, out);
	} else if (strcmp(req, "metrics") == 0) {
		fprintf(out, "ok\n");
		metrics_text(c, &v, out);
	} else if (strncmp(req, "locate ", 7) == 0) {
		rc = do_locate(&v, req + 7, out);
	} else {
		fprintf(out, "error\nunknown request '%.64s'\n", req);
		rc = -1;
	}
	view_free(&v);
	return rc;
}

/* ---- the socket ---- */

static void client_free(struct pn_control_client *k)
{
	struct pn_control *c = k->c;

	for (struct pn_control_client **pp = &c->clients; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	c->nclients--;
	pn_timer_stop(c->loop, &k->timer);
	pn_watch_close(c->loop, &k->w);
	free(k->out);
	free(k);
}

static void on_client_timeout(struct pn_loop *l, void *arg)
{
	(void)l;
	client_free(arg);
}

/* Write what is left of the answer; free the client when all is sent
 * or the peer is gone. */
static void client_write(struct pn_control_client *k)
{
	while (k->off < k->nout) {
		ssize_t n = send(k->w.fd, k->out + k->off, k->nout - k->off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			pn_watch_set(k->c->loop, &k->w, EPOLLOUT);
			return;
		}
		if (n <= 0)
			break;
		k->off += (size_t)n;
	}
	client_free(k);
}

/* Answer the request in k->req (NUL-terminated). */
static void client_answer(struct pn_control_client *k, int ok_to_serve,
			  const char *refusal)
{
	FILE *f = open_memstream(&k->out, &k->nout);

	if (!f) {
		client_free(k);
		return;
	}
	if (!ok_to_serve)
		fprintf(f, "error\n%s\n", refusal);
	else
		pn_control_answer(k->c, k->req, f);
	if (fclose(f) != 0) {
		k->out = NULL;
		client_free(k);
		return;
	}
	/* The answer is built: no more reading. */
	pn_watch_set(k->c->loop, &k->w, 0);
	pn_timer_start(k->c->loop, &k->timer, CLIENT_TIMEOUT_MS);
	client_write(k);
}

static void on_client(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_control_client *k = arg;

	(void)l;
	if (k->out) {
		client_write(k);
		return;
	}
	(void)events;
	for (;;) {
		ssize_t n = recv(k->w.fd, k->req + k->nreq, sizeof k->req - 1 - k->nreq,
				 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			client_free(k);
			return;
		}
		k->nreq += (size_t)n;
		k->req[k->nreq] = '\0';
		char *nl = strchr(k->req, '\n');
		if (nl) {
			*nl = '\0';
			client_answer(k, !k->refusal[0], k->refusal);
			return;
		}
		if (k->nreq == sizeof k->req - 1) {
			client_answer(k, 0, "request too long");
			return;
		}
	}
}

static void on_accept(struct pn_loop *l, void *arg, unsigned events)
{
	struct pn_control *c = arg;

	(void)events;
	for (;;) {
		int fd = accept4(c->lw.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct pn_control_client *k;
		struct ucred cred;
		socklen_t len = sizeof cred;
		char why[128] = "";

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				pn_log(LOG_WARNING, "control socket %s: accept: %s", c->path,
				       strerror(errno));
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
			snprintf(why, sizeof why, "SO_PEERCRED: %s", strerror(errno));
		else if (cred.uid != geteuid())
			snprintf(why, sizeof why, "permission denied: uid %ld is not "
				 "the daemon's (%ld)", (long)cred.uid, (long)geteuid());
		if (c->nclients >= MAX_CLIENTS) {
			pn_log(LOG_WARNING, "control socket %s: %d requests in "
			       "progress; closing a new one", c->path, MAX_CLIENTS);
			close(fd);
			continue;
		}
		if (why[0])
			pn_log(LOG_WARNING, "control socket %s: request refused: %s",
			       c->path, why);
		if (!(k = calloc(1, sizeof *k))) {
			close(fd);
			continue;
		}
		k->c = c;
		k->next = c->clients;
		c->clients = k;
		c->nclients++;
		pn_watch_init(&k->w, fd, on_client, k);
		pn_timer_init(&k->timer, on_client_timeout, k);
		/* A refused client is answered once its request is read:
		 * closing on unread input would reset the connection and
		 * lose the answer. */
		snprintf(k->refusal, sizeof k->refusal, "%s", why);
		pn_watch_set(l, &k->w, EPOLLIN);
		pn_timer_start(l, &k->timer, CLIENT_TIMEOUT_MS);
	}
}

static void close_socket(struct pn_control *c)
{
	struct stat st;

	while (c->clients)
		client_free(c->clients);
	if (c->lw.fd >= 0)
		pn_watch_close(c->loop, &c->lw);
	if (c->path && stat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	free(c->path);
	c->path = NULL;
}

/* Make the directory of path (one level) when missing. */
static int make_dir(const char *path)
{
	char dir[sizeof ((struct sockaddr_un *)0)->sun_path];
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	if (!(slash = strrchr(dir, '/')) || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Is something answering on the socket at sa? */
static int live(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	if (fd < 0)
		return 0;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa) == 0;
	close(fd);
	return rc;
}

int pn_control_listen(struct pn_control *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd;

	if (c->path && strcmp(c->path, path) == 0)
		return 0;
	close_socket(c);
	if (!path[0])
		return 0;
	if (strlen(path) >= sizeof sa.sun_path) {
		pn_log(LOG_WARNING, "control_socket '%s': longer than %zu bytes; "
		       "pinetctl cannot reach this daemon", path, sizeof sa.sun_path - 1);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (make_dir(path) < 0)
		goto fail;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			pn_log(LOG_WARNING, "control_socket '%s' exists and is not a "
			       "socket; pinetctl cannot reach this daemon", path);
			return -1;
		}
		if (live(&sa)) {
			pn_log(LOG_WARNING, "control_socket '%s' is in use by another "
			       "process; pinetctl cannot reach this daemon", path);
			return -1;
		}
		unlink(path); /* stale: left by a daemon that was killed */
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	old = umask(0177);
	if (bind(fd, (const struct sockaddr *)&sa, sizeof sa) < 0) {
		umask(old);
		close(fd);
		goto fail;
	}
	umask(old);
	if (chmod(path, 0600) < 0 || listen(fd, 16) < 0 || stat(path, &st) < 0 ||
	    !(c->path = strdup(path))) {
		unlink(path);
		close(fd);
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	pn_watch_init(&c->lw, fd, on_accept, c);
	if (pn_watch_set(c->loop, &c->lw, EPOLLIN) < 0) {
		close_socket(c);
		return -1;
	}
	pn_log(LOG_INFO, "control socket %s", path);
	return 0;
fail:
	pn_log(LOG_WARNING, "control_socket '%s': %s; pinetctl cannot reach this "
	       "daemon", path, strerror(errno));
	return -1;
}

void pn_control_free(struct pn_control *c)
{
	close_socket(c);
	free(c->tot);
	free(c->seen);
	c->tot = NULL;
	c->seen = NULL;
	c->ntot = c->nseen = 0;
}
