/*
 * lg_tcp.c -- the two TCP request/reply modes.
 *
 * conn: each of N slots loops connect, send one line, read the whole
 *       echo, close; one operation is one connection, its latency runs
 *       from socket() to the last byte of the reply.
 * rr:   each of P slots keeps one connection and loops send one line,
 *       read the whole echo; one operation is one round trip.  The window
 *       opens once every slot has completed a first, unmeasured round
 *       trip (so forking servers have forked).
 *
 * A failed slot (refused, reset, early EOF, wrong bytes, timeout) counts
 * one error, waits BACKOFF and starts over with a new connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lg.h"

#define BACKOFF		(10 * LG_MS)
#define SCAN_EVERY	(5 * LG_MS)

enum slot_state { ST_WAIT, ST_SENDING, ST_READING };

struct run;

struct slot {
	struct lg_ev ev;		/* first: epoll's data.ptr */
	struct run *run;
	int fd;
	enum slot_state st;
	uint64_t t0;			/* start of the current operation */
	uint64_t due;			/* timeout, or restart time in ST_WAIT */
	size_t sent, got;
	bool warm;			/* completed one round trip */
	char *msg;			/* o->size bytes */
};

struct run {
	const struct lg_opts *o;
	struct lg_result *r;
	bool persistent;		/* rr: keep the connection */
	bool measuring;
	uint64_t end;
	uint64_t seq;
	unsigned warm;			/* slots that completed a round trip */
	int ep;
	/* error kinds, counted in the window only */
	uint64_t timeouts, refused, resets, eofs, mismatches, other;
};

static void slot_start(struct slot *s);

/* Count one failure of kind `err` (a -errno, or 0 for a wrong byte). */
static void count_error(struct run *run, int err)
{
	if (!run->measuring)
		return;
	run->r->errors++;
	if (err == -ETIMEDOUT)
		run->timeouts++;
	else if (err == -ECONNREFUSED)
		run->refused++;
	else if (err == -ECONNRESET || err == -EPIPE)
		run->resets++;
	else if (err == -ENODATA)
		run->eofs++;
	else if (err == 0)
		run->mismatches++;
	else
		run->other++;
}

static void slot_fail(struct slot *s, int err)
{
	count_error(s->run, err);
	lg_close(s->fd);
	s->fd = -1;
	s->st = ST_WAIT;
	s->due = lg_now() + BACKOFF;
}

/* Prepare the next request; the caller gets it sent. */
static void slot_prepare(struct slot *s, uint64_t now)
{
	struct run *run = s->run;

	lg_fill_msg(s->msg, run->o->size, run->persistent ? "rr" : "conn",
		    run->seq++);
	s->sent = 0;
	s->got = 0;
	s->t0 = now;
	s->due = now + run->o->timeout_ms * LG_MS;
}

/*
 * slot_write() sends what is left of the request.  Returns the epoll
 * interest the slot needs next (EPOLLOUT while bytes remain, EPOLLIN once
 * all went out), or -errno.
 */
static int slot_write(struct slot *s)
{
	size_t size = s->run->o->size;
	ssize_t n = lg_send(s->fd, s->msg + s->sent, size - s->sent);

	if (n == -EAGAIN || n == -ENOTCONN)
		return EPOLLOUT;
	if (n < 0)
		return (int)n;
	s->sent += (size_t)n;
	if (s->sent < size)
		return EPOLLOUT;
	s->st = ST_READING;
	return EPOLLIN;
}

/* Send the next request on an open connection (rr). */
static int slot_send_next(struct slot *s, uint64_t now)
{
	int want;

	slot_prepare(s, now);
	s->st = ST_SENDING;
	want = slot_write(s);
	if (want < 0)
		return want;
	if (want == EPOLLIN)
		return 0;	/* still registered for EPOLLIN */
	return lg_epoll_ctl(s->run->ep, EPOLL_CTL_MOD, s->fd, &s->ev,
			    (uint32_t)want);
}

/* A whole reply arrived: record it, then close or go on. */
static void slot_done(struct slot *s)
{
	struct run *run = s->run;
	uint64_t now = lg_now();
	int rc;

	if (run->measuring && now <= run->end) {
		run->r->ops++;
		lg_hist_add(run->r->hist, now - s->t0);
	}
	if (!s->warm) {
		s->warm = true;
		run->warm++;
	}
	if (!run->persistent) {
		lg_close(s->fd);
		s->fd = -1;
		slot_start(s);
		return;
	}
	rc = slot_send_next(s, now);
	if (rc < 0)
		slot_fail(s, rc);
}

/* Read what the server echoed and compare it with what was sent. */
static void slot_read(struct slot *s)
{
	char buf[LG_MAX_MSG];
	size_t want = s->run->o->size - s->got;
	ssize_t n = lg_recv(s->fd, buf, want);

	if (n == -EAGAIN)
		return;
	if (n <= 0) {
		slot_fail(s, n == 0 ? -ENODATA : (int)n);
		return;
	}
	if (memcmp(buf, s->msg + s->got, (size_t)n) != 0) {
		slot_fail(s, 0);
		return;
	}
	s->got += (size_t)n;
	if (s->got == s->run->o->size)
		slot_done(s);
}

static void slot_event(struct lg_ev *ev, uint32_t events)
{
	struct slot *s = lg_container_of(ev, struct slot, ev);
	int want;

	/*
	 * While connecting, send() says EAGAIN; once the handshake failed it
	 * reports the error (ECONNREFUSED): no SO_ERROR query needed.
	 */
	(void)events;
	if (s->st == ST_SENDING) {
		want = slot_write(s);
		if (want == EPOLLIN)
			want = lg_epoll_ctl(s->run->ep, EPOLL_CTL_MOD, s->fd,
					    &s->ev, EPOLLIN);
		if (want < 0)
			slot_fail(s, want);
		return;
	}
	if (s->st == ST_READING)
		slot_read(s);
}

/*
 * slot_start() opens a new connection for a slot and sends its first
 * request right away: on loopback the handshake has usually completed
 * when connect() returns, and one epoll_ctl per connection is then
 * enough.  Otherwise the slot waits for EPOLLOUT.
 */
static void slot_start(struct slot *s)
{
	struct run *run = s->run;
	uint64_t now = lg_now();
	bool wait;
	int fd, want;

	slot_prepare(s, now);
	fd = lg_connect_start(run->o, run->persistent, &wait);
	if (fd < 0) {
		s->fd = -1;
		slot_fail(s, fd);
		return;
	}
	s->fd = fd;
	s->st = ST_SENDING;
	want = slot_write(s);
	if (want >= 0)
		want = lg_epoll_ctl(run->ep, EPOLL_CTL_ADD, fd, &s->ev,
				    (uint32_t)want);
	if (want < 0)
		slot_fail(s, want);
}

/* Restart slots whose backoff is over, fail those past their timeout. */
static void scan(struct slot *slots, unsigned n, uint64_t now)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct slot *s = &slots[i];

		if (now < s->due)
			continue;
		if (s->st == ST_WAIT)
			slot_start(s);
		else
			slot_fail(s, -ETIMEDOUT);
	}
}

/*
 * drive() polls until `until`, or (when `warmup`) until every slot is
 * warm.  Returns 0 or the -errno of a failing epoll_wait.
 */
static int drive(struct run *run, struct slot *slots, uint64_t until,
		 bool warmup)
{
	uint64_t last_scan = 0, now;
	int rc;

	while ((now = lg_now()) < until) {
		if (warmup && run->warm == run->o->conc)
			return 0;
		rc = lg_poll(run->ep, 5);
		if (rc < 0)
			return rc;
		now = lg_now();
		if (now - last_scan >= SCAN_EVERY) {
			scan(slots, run->o->conc, now);
			last_scan = now;
		}
	}
	return 0;
}

static void report(struct run *run, uint64_t start)
{
	struct lg_result *r = run->r;

	r->secs = (double)(run->end - start) / 1e9;
	r->has_latency = true;
	lg_extra(r, " timeouts=%llu refused=%llu resets=%llu eofs=%llu "
		 "mismatches=%llu other_errors=%llu size=%zu",
		 (unsigned long long)run->timeouts,
		 (unsigned long long)run->refused,
		 (unsigned long long)run->resets,
		 (unsigned long long)run->eofs,
		 (unsigned long long)run->mismatches,
		 (unsigned long long)run->other, run->o->size);
	if (run->persistent)
		lg_extra(r, " warm=%u", run->warm);
	lg_say("%s: %llu ops in %.2f s, %llu errors", run->o->mode,
	       (unsigned long long)r->ops, r->secs,
	       (unsigned long long)r->errors);
}

/*
 * run_tcp() is the engine of both modes.  Returns 0, 1 if the server
 * ever answered with wrong bytes, or -errno if the generator itself
 * failed (memory, epoll).
 */
static int run_tcp(const struct lg_opts *o, struct lg_result *r,
		   bool persistent)
{
	struct run run = { .o = o, .r = r, .persistent = persistent };
	struct slot *slots;
	uint64_t start;
	unsigned i;
	int rc;

	rc = lg_raise_nofile(o->conc + 64ul);
	if (rc < 0)
		return rc;
	run.ep = lg_epoll_new();
	if (run.ep < 0)
		return run.ep;
	slots = calloc(o->conc, sizeof *slots);
	if (!slots) {
		lg_close(run.ep);
		return -ENOMEM;
	}
	for (i = 0; i < o->conc; i++) {
		slots[i] = (struct slot){ .ev.fn = slot_event, .run = &run,
					  .fd = -1, .st = ST_WAIT };
		slots[i].msg = malloc(o->size);
		if (!slots[i].msg)
			rc = -ENOMEM;
	}
	if (rc == 0 && persistent) {
		for (i = 0; i < o->conc; i++)
			slot_start(&slots[i]);
		rc = drive(&run, slots, lg_now() + o->timeout_ms * LG_MS,
			   true);
		if (run.warm < o->conc)
			lg_say("rr: only %u of %u connections answered before "
			       "the window opened", run.warm, o->conc);
	}
	start = lg_now();
	run.end = start + (uint64_t)(o->duration * 1e9);
	run.measuring = true;
	if (rc == 0 && !persistent)
		for (i = 0; i < o->conc; i++)
			slot_start(&slots[i]);
	if (rc == 0)
		rc = drive(&run, slots, run.end, false);
	run.measuring = false;
	for (i = 0; i < o->conc; i++) {
		lg_close(slots[i].fd);
		free(slots[i].msg);
	}
	free(slots);
	lg_close(run.ep);
	if (rc < 0)
		return rc;
	report(&run, start);
	return run.mismatches ? 1 : 0;
}

int lg_run_conn(const struct lg_opts *o, struct lg_result *r)
{
	return run_tcp(o, r, false);
}

int lg_run_rr(const struct lg_opts *o, struct lg_result *r)
{
	return run_tcp(o, r, true);
}
