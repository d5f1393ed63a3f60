/*
 * lg_chat.c -- chat room fan-out: deliveries per second and latency.
 *
 * M members connect to a line-based chat server, which must deliver each
 * line a member sends to every OTHER member, possibly behind a prefix
 * ("<127.0.0.1:41000> ").  Lines without our marker (join notices such as
 * "[127.0.0.1:41000] entered room") are ignored.
 *
 * Every member sends "pbench SENDER SEQ T\n" at --rate lines per second
 * (T: nanoseconds since the run began), staggered so the members do not
 * fire together.  A receiver parses SENDER, SEQ and T out of whatever the
 * server put around them: T gives the delivery latency, SEQ per (receiver,
 * sender) pair finds duplicates, reordering and gaps.  Sending stops when
 * the window closes; then the run drains until every line sent has reached
 * every other member, or the drain time is over, and reports what is
 * still missing.
 *
 * A member whose output queue is full (the server is not reading) skips
 * its line rather than block: the skipped count says so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1		/* memmem */
#endif
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lg.h"

#define SETTLE		(300 * LG_MS)	/* join notices before sending */
#define MAX_DRAIN	(2 * LG_SEC)
#define INBUF		8192
#define OUTBUF		4096

struct crun;

struct member {
	struct lg_ev ev;		/* first: epoll's data.ptr */
	struct crun *run;
	unsigned id;
	int fd;
	bool want_out;
	uint64_t next_send;
	uint64_t sent;			/* lines sent = next sequence number */
	uint64_t delivered;		/* lines received from others */
	size_t inlen, outoff, outlen;
	char in[INBUF];
	char out[OUTBUF];
};

struct crun {
	const struct lg_opts *o;
	struct lg_result *r;
	int ep;
	unsigned m;
	struct member *mb;
	uint64_t *next_seq;		/* [receiver * m + sender] */
	uint64_t t_base, end, interval;
	bool sending;
	uint64_t skipped, behind, foreign, self, dups, gaps, disconnects,
		 overlong, total_delivered;
};

static void member_drop(struct member *mb, const char *why, int err)
{
	struct crun *run = mb->run;

	if (run->disconnects++ < 3)
		lg_say("chat: member %u %s (%s)", mb->id, why,
		       err ? strerror(-err) : "-");
	run->r->errors++;
	lg_close(mb->fd);
	mb->fd = -1;
}

static void set_out(struct member *mb, bool on)
{
	uint32_t ev = EPOLLIN | (on ? EPOLLOUT : 0);

	if (mb->want_out != on &&
	    lg_epoll_ctl(mb->run->ep, EPOLL_CTL_MOD, mb->fd, &mb->ev, ev) == 0)
		mb->want_out = on;
}

/* Write queued bytes; false if the member was dropped. */
static bool flush(struct member *mb)
{
	while (mb->outlen > 0) {
		ssize_t n = lg_send(mb->fd, mb->out + mb->outoff, mb->outlen);

		if (n == -EAGAIN) {
			set_out(mb, true);
			return true;
		}
		if (n < 0) {
			member_drop(mb, "send failed", (int)n);
			return false;
		}
		mb->outoff += (size_t)n;
		mb->outlen -= (size_t)n;
	}
	mb->outoff = 0;
	set_out(mb, false);
	return true;
}

/* Queue and try to send this member's next line. */
static void send_line(struct member *mb, uint64_t now)
{
	struct crun *run = mb->run;
	char line[96];
	int n = snprintf(line, sizeof line, "pbench %u %" PRIu64 " %" PRIu64
			 "\n", mb->id, mb->sent, now - run->t_base);

	if (n < 0 || (size_t)n > sizeof line)
		return;
	if (mb->outoff + mb->outlen + (size_t)n > OUTBUF) {
		memmove(mb->out, mb->out + mb->outoff, mb->outlen);
		mb->outoff = 0;
	}
	if (mb->outlen + (size_t)n > OUTBUF) {
		run->skipped++;
		return;
	}
	memcpy(mb->out + mb->outoff + mb->outlen, line, (size_t)n);
	mb->outlen += (size_t)n;
	mb->sent++;
	(void)flush(mb);
}

/* One complete line arrived at member `rcv`. */
static void on_line(struct member *rcv, const char *line, size_t len)
{
	struct crun *run = rcv->run;
	const char *p = memmem(line, len, "pbench ", 7);
	uint64_t seq, t, now = lg_now(), *next;
	unsigned snd;

	if (!p)
		return;			/* join notice or other chatter */
	if (sscanf(p, "pbench %u %" SCNu64 " %" SCNu64, &snd, &seq, &t) != 3 ||
	    snd >= run->m || t > now - run->t_base) {
		run->foreign++;
		run->r->errors++;
		return;
	}
	if (snd == rcv->id) {
		run->self++;
		run->r->errors++;
		return;
	}
	next = &run->next_seq[(size_t)rcv->id * run->m + snd];
	if (seq < *next) {
		run->dups++;
		run->r->errors++;
		return;
	}
	run->gaps += seq - *next;
	*next = seq + 1;
	rcv->delivered++;
	run->total_delivered++;
	if (now <= run->end)
		run->r->ops++;
	lg_hist_add(run->r->hist, now - run->t_base - t);
}

/* Split the input buffer into lines; keep the unfinished tail. */
static void split_lines(struct member *mb)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(mb->in + start, '\n', mb->inlen - start))) {
		size_t end = (size_t)(nl - mb->in);

		*nl = '\0';
		on_line(mb, mb->in + start, end - start);
		start = end + 1;
	}
	if (start == 0 && mb->inlen == INBUF) {
		mb->run->overlong++;		/* no newline in 8 KiB */
		mb->inlen = 0;
		return;
	}
	memmove(mb->in, mb->in + start, mb->inlen - start);
	mb->inlen -= start;
}

static void member_event(struct lg_ev *ev, uint32_t events)
{
	struct member *mb = lg_container_of(ev, struct member, ev);
	int budget;

	if (mb->fd < 0)
		return;
	if ((events & EPOLLOUT) && !flush(mb))
		return;
	for (budget = 0; budget < 8; budget++) {
		ssize_t n = lg_recv(mb->fd, mb->in + mb->inlen,
				    INBUF - mb->inlen);

		if (n == -EAGAIN)
			return;
		if (n <= 0) {
			member_drop(mb, n == 0 ? "closed by server" :
				    "recv failed", (int)n);
			return;
		}
		mb->inlen += (size_t)n;
		split_lines(mb);
	}
}

/* Send every line that is due, at most two intervals behind. */
static void tick(struct crun *run, uint64_t now)
{
	unsigned i;

	for (i = 0; i < run->m; i++) {
		struct member *mb = &run->mb[i];

		if (mb->fd < 0)
			continue;
		if (now > mb->next_send + 2 * run->interval) {
			run->behind++;
			mb->next_send = now;
		}
		while (mb->fd >= 0 && now >= mb->next_send) {
			send_line(mb, now);
			mb->next_send += run->interval;
		}
	}
}

/* Lines sent by live members that live receivers have not seen yet. */
static uint64_t missing(const struct crun *run)
{
	uint64_t sent = 0, miss = 0;
	unsigned i;

	for (i = 0; i < run->m; i++)
		if (run->mb[i].fd >= 0)
			sent += run->mb[i].sent;
	for (i = 0; i < run->m; i++) {
		const struct member *mb = &run->mb[i];
		uint64_t want;

		if (mb->fd < 0)
			continue;
		want = sent - mb->sent;
		if (want > mb->delivered)
			miss += want - mb->delivered;
	}
	return miss;
}

/* Connect every member and register it; -errno if the tool failed. */
static int setup(struct crun *run)
{
	unsigned failed, i;
	int *fds = calloc(run->m, sizeof *fds);
	int rc;

	if (!fds)
		return -ENOMEM;
	/* With --host2 the second half joins another node of the room. */
	unsigned first = run->o->host2 ? run->m / 2 : run->m, failed2 = 0;
	rc = lg_connect_many(run->o, true, fds, first, 64,
			     lg_now() + run->o->timeout_ms * LG_MS, &failed);
	if (rc == 0 && first < run->m) {
		struct lg_opts o2 = *run->o;
		o2.host = run->o->host2;
		rc = lg_resolve(&o2);
		if (rc == 0)
			rc = lg_connect_many(&o2, true, fds + first,
					     run->m - first, 64,
					     lg_now() + o2.timeout_ms * LG_MS,
					     &failed2);
		failed += failed2;
	}
	for (i = 0; i < run->m; i++) {
		struct member *mb = &run->mb[i];

		mb->ev.fn = member_event;
		mb->run = run;
		mb->id = i;
		mb->fd = rc == 0 ? fds[i] : -1;
	}
	for (i = 0; i < run->m && rc == 0; i++)
		if (run->mb[i].fd >= 0)
			rc = lg_epoll_ctl(run->ep, EPOLL_CTL_ADD, run->mb[i].fd,
					  &run->mb[i].ev, EPOLLIN);
	if (rc == 0 && failed) {
		lg_say("chat: %u of %u members could not connect", failed,
		       run->m);
		run->r->errors += failed;
	}
	free(fds);
	return rc;
}

/*
 * drive() polls until `until`, sending due lines while run->sending; with
 * `drain` it returns as soon as nothing is missing any more.
 */
static int drive(struct crun *run, uint64_t until, bool drain)
{
	uint64_t now;
	int rc;

	while ((now = lg_now()) < until) {
		if (drain && missing(run) == 0)
			return 0;
		rc = lg_poll(run->ep, 1);
		if (rc < 0)
			return rc;
		if (run->sending)
			tick(run, lg_now());
	}
	return 0;
}

int lg_run_chat(const struct lg_opts *o, struct lg_result *r)
{
	struct crun run = { .o = o, .r = r, .m = o->conc };
	uint64_t start, miss = 0;
	unsigned i;
	int rc;

	if (o->conc < 2) {
		lg_say("chat: needs at least 2 members");
		return -EINVAL;
	}
	if ((rc = lg_raise_nofile(o->conc + 64ul)) < 0 ||
	    (run.ep = lg_epoll_new()) < 0)
		return rc < 0 ? rc : run.ep;
	run.mb = calloc(run.m, sizeof *run.mb);
	run.next_seq = calloc((size_t)run.m * run.m, sizeof *run.next_seq);
	rc = run.mb && run.next_seq ? setup(&run) : -ENOMEM;
	run.t_base = lg_now();
	run.end = UINT64_MAX;
	if (rc == 0)
		rc = drive(&run, run.t_base + SETTLE, false);
	start = lg_now();
	run.end = start + (uint64_t)(o->duration * 1e9);
	run.interval = (uint64_t)(1e9 / o->rate);
	for (i = 0; i < run.m && rc == 0; i++)
		run.mb[i].next_send = start + run.interval * i / run.m;
	run.sending = true;
	if (rc == 0)
		rc = drive(&run, run.end, false);
	run.sending = false;
	if (rc == 0)
		rc = drive(&run, lg_now() + (o->timeout_ms * LG_MS < MAX_DRAIN ?
					     o->timeout_ms * LG_MS : MAX_DRAIN),
			   true);
	if (rc == 0)
		miss = missing(&run);
	for (i = 0; run.mb && i < run.m; i++)
		lg_close(run.mb[i].fd);
	lg_close(run.ep);
	if (rc == 0) {
		uint64_t sent = 0;

		for (i = 0; i < run.m; i++)
			sent += run.mb[i].sent;
		r->errors += miss;
		r->secs = (double)(run.end - start) / 1e9;
		r->has_latency = true;
		lg_extra(r, " members=%u rate=%.1f lines_sent=%llu "
			 "delivered=%llu missing=%llu gaps=%llu dups=%llu "
			 "self=%llu foreign=%llu skipped=%llu behind=%llu "
			 "disconnects=%llu overlong=%llu", run.m, o->rate,
			 (unsigned long long)sent,
			 (unsigned long long)run.total_delivered,
			 (unsigned long long)miss,
			 (unsigned long long)run.gaps,
			 (unsigned long long)run.dups,
			 (unsigned long long)run.self,
			 (unsigned long long)run.foreign,
			 (unsigned long long)run.skipped,
			 (unsigned long long)run.behind,
			 (unsigned long long)run.disconnects,
			 (unsigned long long)run.overlong);
		lg_say("chat: %u members sent %llu lines, %llu deliveries, "
		       "%llu missing", run.m, (unsigned long long)sent,
		       (unsigned long long)run.total_delivered,
		       (unsigned long long)miss);
	}
	free(run.mb);
	free(run.next_seq);
	if (rc < 0)
		return rc;
	return miss || run.self || run.dups || run.disconnects ? 1 : 0;
}
