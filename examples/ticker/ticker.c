/*
 * ticker.c -- an example pinetd plugin with a timer and a watch, built out
 * of the pinetd tree against the installed SDK (see README here).
 *
 * Each client gets a line every `interval` seconds from a periodic timer
 * of its own ("tick 1", "tick 2", ...), and every line written into the
 * FIFO named by `fifo` is relayed to every client:
 *
 *	$ nc 127.0.0.1 7101		  another shell:
 *	tick 1
 *	lunch is served			  $ echo 'lunch is served' > /run/ticker
 *	tick 2
 *
 * Client input is ignored: without on_data the core reads and drops it.
 * A reload that changes only `interval` is applied in place (reconfigure):
 * every client's timer restarts with the new period.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <pinetd/plugin.h>

#define TICKER_LINE 1024 /* longer FIFO lines are relayed in pieces */

struct ticker_conf {
	int64_t interval; /* seconds */
	const char *fifo; /* "" for none */
};

/* The service's state, shared by its connections (PINETD_PF_EVENT). */
struct ticker {
	pinetd_svc *svc;
	const struct ticker_conf *conf;
	size_t len; /* bytes of a partial FIFO line in buf */
	char buf[TICKER_LINE + 1];
};

/* Per connection (conn_size, zeroed at open). */
struct ticker_conn {
	pinetd_timer timer;
	uint64_t ticks;
};

static const struct pinetd_option ticker_options[] = {
	PINETD_OPTION_INT("interval", struct ticker_conf, interval, 1, 1, 86400,
			  "seconds between two ticks"),
	PINETD_OPTION_STR("fifo", struct ticker_conf, fifo, "",
			  "a FIFO whose lines go to every client"),
	PINETD_OPTION_END,
};

static void tick(void *state, pinetd_timer t, void *arg)
{
	pinetd_conn *c = arg;
	struct ticker_conn *tc = pinetd->conn_data(c);

	(void)state;
	(void)t;
	pinetd->sendf(c, "tick %llu\n", (unsigned long long)++tc->ticks);
}

/* (Re)start c's periodic timer with the configured interval; the timer
 * belongs to c, so it ends with c without an on_close. */
static int start_ticking(pinetd_conn *c, void *arg)
{
	const struct ticker *tk = arg;
	struct ticker_conn *tc = pinetd->conn_data(c);
	uint64_t ms = (uint64_t)tk->conf->interval * 1000;

	pinetd->timer_stop(tc->timer); /* none yet (0): harmless */
	tc->timer = pinetd->timer_start(tk->svc, c, ms, ms, tick, c);
	return tc->timer ? 0 : -1;
}

static int ticker_open(void *state, pinetd_conn *c)
{
	return start_ticking(c, state); /* -1: refused, out of memory */
}

static int relay(pinetd_conn *c, void *arg)
{
	const struct iovec *line = arg;

	pinetd->send(c, line->iov_base, line->iov_len);
	return 0;
}

/* The FIFO is readable: relay each complete line to every client. */
static void fifo_readable(void *state, pinetd_watch w, int fd,
			  uint32_t events, void *arg)
{
	struct ticker *tk = state;
	char *start = tk->buf, *nl;
	ssize_t n;

	(void)events;
	(void)arg;
	n = read(fd, tk->buf + tk->len, TICKER_LINE - tk->len);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		pinetd->log(tk->svc, PINETD_LOG_ERR, "fifo %s: %s; not relaying",
			    tk->conf->fifo, strerror(errno));
		pinetd->watch_close(w); /* closes fd (PINETD_WATCH_OWN_FD) */
	}
	if (n <= 0)
		return;
	tk->len += (size_t)n;
	if (tk->len == TICKER_LINE && !memchr(tk->buf, '\n', tk->len))
		tk->buf[tk->len++] = '\n'; /* cut a long line here */
	while ((nl = memchr(start, '\n', tk->len - (size_t)(start - tk->buf)))) {
		struct iovec line = { start, (size_t)(nl + 1 - start) };
		pinetd->foreach_conn(tk->svc, relay, &line);
		start = nl + 1;
	}
	tk->len -= (size_t)(start - tk->buf);
	memmove(tk->buf, start, tk->len);
}

/*
 * Open the FIFO read-write: ticker is then a writer too, so the FIFO never
 * reports end-of-file when the last outside writer closes it (Linux).
 */
static int open_fifo(struct ticker *tk, char *err, size_t errlen)
{
	struct stat st;
	int fd = open(tk->conf->fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		snprintf(err, errlen, "fifo %s: %s", tk->conf->fifo,
			 fd < 0 ? strerror(errno) : "not a FIFO (mkfifo it)");
	} else if (!pinetd->watch(tk->svc, NULL, fd,
				  PINETD_READABLE | PINETD_WATCH_OWN_FD,
				  fifo_readable, NULL)) {
		snprintf(err, errlen, "fifo %s: cannot watch it", tk->conf->fifo);
	} else {
		return 0; /* the watch is the service's: it ends after fini */
	}
	if (fd >= 0)
		close(fd);
	return -1;
}

static int ticker_init(pinetd_svc *svc, const void *conf, void **state,
		       char *err, size_t errlen)
{
	struct ticker *tk = calloc(1, sizeof *tk);

	if (!tk) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tk->svc = svc;
	tk->conf = conf;
	if (tk->conf->fifo[0] && open_fifo(tk, err, errlen) < 0) {
		free(tk);
		return -1;
	}
	*state = tk;
	return 0;
}

static void ticker_fini(void *state)
{
	free(state);
}

/*
 * Only ticker's options changed on a reload.  A new interval applies in
 * place; another FIFO is refused, so the service gets a new worker whose
 * init opens it (the old worker drains, then runs fini).
 */
static int ticker_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			      char *err, size_t errlen)
{
	struct ticker *tk = state;
	const struct ticker_conf *nc = conf;

	if (strcmp(nc->fifo, tk->conf->fifo) != 0) {
		snprintf(err, errlen, "fifo changed: a new worker opens it");
		return -1;
	}
	tk->conf = nc;
	pinetd->foreach_conn(svc, start_ticking, tk);
	return 0;
}

PINETD_PLUGIN_DEFINE(
	.name = "ticker",
	.description = "a line every interval seconds, and the lines of a FIFO",
	.transports = PINETD_TCP,
	.flags = PINETD_PF_EVENT,
	.options = ticker_options,
	.conf_size = sizeof(struct ticker_conf),
	.conn_size = sizeof(struct ticker_conn),
	.init = ticker_init,
	.fini = ticker_fini,
	.on_open = ticker_open,
	.reconfigure = ticker_reconfigure,
);
