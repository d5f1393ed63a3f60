/*
 * prims.c -- a test plugin that drives every event primitive of the
 * plugin API through the real daemon (integration/test_prims.sh).
 *
 * A line service; each line is a command:
 *
 *   tick MS N      a timer of the connection, every MS ms: "tick I" for
 *                  I = 1..N, then it stops itself from its own callback
 *                  and says "ticks done" (and whether stopping it again
 *                  was refused: "stale -1")
 *   later MS TEXT  a one-shot timer: TEXT after MS ms
 *   pause MS       "paused", then no input for MS ms (lines already
 *                  read are held), then "resumed"
 *   shut           "bye", then the write side is shut down; lines read
 *                  afterwards are logged ("after shut: LINE")
 *   sendv          "a", "b" and "c\n" in one sendv
 *   pipe           a pipe the plugin watches (the core owns its read
 *                  end): "via pipe" comes back through it
 *   child CODE     a forked child exits with CODE: "child exited CODE"
 *   stale          handles that ended: "stale T W" with the results of
 *                  timer_stop and watch_set on them (-1 -1)
 *   abuse          every misuse a buggy plugin could try, each refused
 *                  without harm: "abuse" and each result
 *   anything else  echoed as "line TEXT"
 *
 * Datagrams are kept (dgram_keep) and answered 100 ms later by a timer
 * of the service: "later: PAYLOAD".  init logs "prims init"; on_eof and
 * on_close log what they were given; with `refuse = true` every
 * connection is refused in on_open.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <pinetd/plugin.h>

struct prims_conf {
	int32_t refuse;
};

struct prims_conn {
	pinetd_conn *c;
	unsigned ticks, max;
	pinetd_timer tick;
};

static pinetd_svc *service; /* one service per test daemon */

static const struct pinetd_option prims_options[] = {
	PINETD_OPTION_BOOL("refuse", struct prims_conf, refuse, 0,
			   "refuse every connection in on_open"),
	PINETD_OPTION_END,
};

static int prims_init(pinetd_svc *svc, const void *conf, void **state,
		      char *err, size_t errlen)
{
	(void)conf;
	(void)state;
	(void)err;
	(void)errlen;
	service = svc;
	pinetd->log(svc, PINETD_LOG_NOTICE, "prims init");
	return 0;
}

static int prims_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			     char *err, size_t errlen)
{
	(void)state;
	(void)conf;
	(void)err;
	(void)errlen;
	pinetd->log(svc, PINETD_LOG_NOTICE, "prims reconfigure");
	return 0;
}

static int prims_open(void *state, pinetd_conn *c)
{
	const struct prims_conf *cf = state;
	struct prims_conn *pc = pinetd->conn_data(c);

	pc->c = c;
	return cf->refuse ? -1 : 0;
}

static void on_tick(void *state, pinetd_timer t, void *arg)
{
	struct prims_conn *pc = arg;

	(void)state;
	pinetd->sendf(pc->c, "tick %u\n", ++pc->ticks);
	if (pc->ticks < pc->max)
		return;
	pinetd->timer_stop(t);
	pinetd->sendf(pc->c, "ticks done\nstale %d\n", pinetd->timer_stop(t));
}

static void on_later(void *state, pinetd_timer t, void *arg)
{
	char *text = arg;
	pinetd_conn *c = *(pinetd_conn **)(void *)text;

	(void)state;
	(void)t;
	pinetd->sendf(c, "%s\n", text + sizeof c);
	free(text);
}

static void on_resume(void *state, pinetd_timer t, void *arg)
{
	pinetd_conn *c = arg;

	(void)state;
	(void)t;
	pinetd->send(c, "resumed\n", 8);
	pinetd->pause(c, 0);
}

static void on_pipe(void *state, pinetd_watch w, int fd, uint32_t ev,
		    void *arg)
{
	char buf[256];
	ssize_t n = read(fd, buf, sizeof buf);

	(void)state;
	(void)ev;
	if (n > 0)
		pinetd->send(arg, buf, (size_t)n);
	else
		pinetd->watch_close(w); /* closes fd: the core owns it */
}

static int is_conn(pinetd_conn *c, void *arg)
{
	return c == arg;
}

struct child_ctx {
	pinetd_svc *svc;
	pinetd_conn *c; /* may be closed by the time the child exits */
};

static void on_child(void *state, pid_t pid, int status, void *arg)
{
	struct child_ctx *x = arg;

	(void)state;
	(void)pid;
	pinetd->log(x->svc, PINETD_LOG_NOTICE, "child exited %d",
		    WEXITSTATUS(status));
	/* Answer only a connection still open. */
	if (pinetd->foreach_conn(x->svc, is_conn, x->c))
		pinetd->sendf(x->c, "child exited %d\n", WEXITSTATUS(status));
	free(x);
}

static int cmd_child(pinetd_conn *c, int code)
{
	struct child_ctx *x = malloc(sizeof *x);
	pid_t pid;

	if (!x)
		return -1;
	x->svc = pinetd->conn_service(c);
	x->c = c;
	if ((pid = fork()) < 0) {
		free(x);
		return -1;
	}
	if (pid == 0)
		_exit(code);
	if (pinetd->child_watch(x->svc, pid, on_child, x) < 0) {
		free(x);
		return -1;
	}
	return 0;
}

static void cmd_stale(pinetd_conn *c)
{
	pinetd_timer t = pinetd->timer_start(NULL, c, 1000, 0, on_later, NULL);
	int p[2];

	pinetd->timer_stop(t);
	if (pipe(p) < 0)
		return;
	pinetd_watch w = pinetd->watch(NULL, c, p[0], PINETD_READABLE, on_pipe, c);
	pinetd->watch_close(w); /* p[0] stays ours: no OWN_FD */
	close(p[0]);
	close(p[1]);
	pinetd->sendf(c, "stale %d %d\n", pinetd->timer_stop(t),
		      pinetd->watch_set(w, PINETD_READABLE));
}

/* Misuse, each refused: a descriptor the core owns (the connection's
 * socket) given away, bad descriptors, handles never given out, processes
 * that are not our children, a timer without an owner, a sendv too long
 * or with a NULL buffer. */
static void cmd_abuse(pinetd_conn *c)
{
	pinetd_svc *svc = pinetd->conn_service(c);
	struct iovec many[100], hole = { NULL, 5 };

	for (int i = 0; i < 100; i++)
		many[i] = (struct iovec){ "x", 1 };
	pinetd->dgram_release(NULL);
	pinetd->sendf(c, "abuse %d %d %d %d %d %d %d %d %d %d %d\n",
		      pinetd->watch(NULL, c, pinetd->conn_fd(c),
				    PINETD_READABLE | PINETD_WATCH_OWN_FD,
				    on_pipe, c) != 0,
		      pinetd->watch(NULL, c, -1, PINETD_READABLE, on_pipe, c) != 0,
		      pinetd->watch(NULL, c, 9999, PINETD_READABLE, on_pipe, c) != 0,
		      pinetd->timer_stop(0), pinetd->timer_stop(0xdeadbeefULL),
		      pinetd->watch_close(((uint64_t)7 << 32) | 1),
		      pinetd->child_watch(svc, 1, on_child, NULL),
		      pinetd->child_watch(svc, getpid(), on_child, NULL),
		      pinetd->timer_start(NULL, NULL, 1, 0, on_later, NULL) != 0,
		      pinetd->sendv(c, many, 100), pinetd->sendv(c, &hole, 1));
}

static void prims_line(void *state, pinetd_conn *c, char *line, size_t len,
		       uint32_t flags)
{
	struct prims_conn *pc = pinetd->conn_data(c);
	unsigned a, b;
	int n;

	(void)state;
	(void)len;
	(void)flags;
	if (sscanf(line, "tick %u %u", &a, &b) == 2) {
		pc->max = b;
		pc->tick = pinetd->timer_start(NULL, c, a, a, on_tick, pc);
	} else if (sscanf(line, "later %u %n", &a, &n) == 1) {
		size_t tl = strlen(line + n);
		char *text = malloc(sizeof c + tl + 1);
		if (!text)
			return;
		memcpy(text, &c, sizeof c);
		memcpy(text + sizeof c, line + n, tl + 1);
		if (!pinetd->timer_start(NULL, c, a, 0, on_later, text))
			free(text);
	} else if (sscanf(line, "pause %u", &a) == 1) {
		pinetd->send(c, "paused\n", 7);
		pinetd->pause(c, 1);
		pinetd->timer_start(NULL, c, a, 0, on_resume, c);
	} else if (strcmp(line, "shut") == 0) {
		pinetd->send(c, "bye\n", 4);
		pinetd->shutdown(c);
	} else if (strcmp(line, "sendv") == 0) {
		struct iovec v[3] = { { "a", 1 }, { "b", 1 }, { "c\n", 2 } };
		pinetd->sendv(c, v, 3);
	} else if (strcmp(line, "pipe") == 0) {
		int p[2];
		if (pipe(p) < 0)
			return;
		if (!pinetd->watch(NULL, c, p[0], PINETD_READABLE | PINETD_WATCH_OWN_FD,
				   on_pipe, c))
			close(p[0]);
		if (write(p[1], "via pipe\n", 9) != 9)
			pinetd->log(service, PINETD_LOG_ERR, "pipe write failed");
		close(p[1]);
	} else if (sscanf(line, "child %u", &a) == 1) {
		if (cmd_child(c, (int)a) < 0)
			pinetd->send(c, "child failed\n", 13);
	} else if (strcmp(line, "stale") == 0) {
		cmd_stale(c);
	} else if (strcmp(line, "abuse") == 0) {
		cmd_abuse(c);
	} else if (pinetd->send(c, "", 0) == 0) {
		pinetd->sendf(c, "line %s\n", line);
	} else {
		pinetd->log(pinetd->conn_service(c), PINETD_LOG_NOTICE,
			    "after shut: %s", line);
	}
}

static void prims_eof(void *state, pinetd_conn *c)
{
	(void)state;
	pinetd->log(pinetd->conn_service(c), PINETD_LOG_NOTICE, "on_eof %s",
		    pinetd->peer_name(c));
}

static void prims_close(void *state, pinetd_conn *c, int why)
{
	(void)state;
	pinetd->log(pinetd->conn_service(c), PINETD_LOG_NOTICE, "on_close %d",
		    why);
}

struct answer {
	pinetd_dgram *d;
	size_t len;
	char buf[];
};

static void on_answer(void *state, pinetd_timer t, void *arg)
{
	struct answer *a = arg;
	struct iovec v[2] = { { "later: ", 7 }, { a->buf, a->len } };

	(void)state;
	(void)t;
	pinetd->replyv(a->d, v, 2); /* one datagram */
	pinetd->dgram_release(a->d);
	free(a);
}

static void prims_datagram(void *state, pinetd_dgram *d, const char *buf,
			   size_t len)
{
	struct answer *a = malloc(sizeof *a + len);

	(void)state;
	if (!a)
		return;
	a->len = len;
	memcpy(a->buf, buf, len);
	if (!(a->d = pinetd->dgram_keep(d))) {
		free(a);
		return;
	}
	if (!pinetd->timer_start(pinetd->dgram_service(d), NULL, 100, 0,
				 on_answer, a)) {
		pinetd->dgram_release(a->d);
		free(a);
	}
}

PINETD_PLUGIN_DEFINE(
	.name = "prims",
	.description = "test plugin: timers, watches, pause, shutdown, ...",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_LINES | PINETD_PF_EVENT,
	.options = prims_options,
	.conf_size = sizeof(struct prims_conf),
	.conn_size = sizeof(struct prims_conn),
	.init = prims_init,
	.reconfigure = prims_reconfigure,
	.on_open = prims_open,
	.on_line = prims_line,
	.on_eof = prims_eof,
	.on_close = prims_close,
	.on_datagram = prims_datagram,
);
