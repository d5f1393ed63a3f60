/*
 * lg_bulk.c -- stream throughput with an integrity check.
 *
 * K connections each stream a pseudo-random byte pattern to the echo
 * server and compare every byte that comes back with what was sent.
 *
 * The pattern is generated once (xorshift64*, seeded by --seed): PERIOD
 * bytes, a prime a little under 1 MiB, followed by a copy of its first
 * CHUNK bytes so that any CHUNK bytes from any offset are contiguous in
 * memory.  Stream i sends pattern bytes from offset i * 7919 on, wrapping
 * every PERIOD bytes, straight from that buffer; what comes back at stream
 * offset x must equal the pattern at the same position, one memcmp per
 * read.  A stream keeps at most WINDOW (256 KiB, well under PERIOD) bytes
 * unechoed, so a byte that comes back lost, doubled, reordered or
 * corrupted never matches.  The first wrong byte ends the run with exit
 * status 1 and its offset.
 *
 * Edge-triggered epoll: each event drains the socket (recv until EAGAIN)
 * and then sends until EAGAIN or a full window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lg.h"

#define PERIOD	1048573u	/* prime: never a multiple of a buffer size */
#define WINDOW	(256u * 1024u)
#define CHUNK	(64u * 1024u)	/* largest send or recv */

struct brun;

struct stream {
	struct lg_ev ev;		/* first: epoll's data.ptr */
	struct brun *run;
	unsigned id;
	int fd;
	uint64_t base;			/* pattern offset of stream byte 0 */
	uint64_t sent, recvd;		/* sent >= recvd */
	uint64_t progress_at;		/* last time bytes came back */
};

struct brun {
	const struct lg_opts *o;
	struct lg_result *r;
	int ep;
	bool mismatch;
	uint64_t dead;			/* streams lost to EOF/errors/stalls */
	unsigned char *pat;		/* PERIOD + CHUNK bytes */
};

/* The pattern, PERIOD bytes then its first CHUNK again; NULL if no memory. */
static unsigned char *make_pattern(unsigned seed)
{
	unsigned char *p = malloc(PERIOD + CHUNK);
	uint64_t x = (seed + 1ull) * 0x9E3779B97F4A7C15ull;
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < PERIOD; i++) {
		x ^= x >> 12;		/* xorshift64*, top byte */
		x ^= x << 25;
		x ^= x >> 27;
		p[i] = (unsigned char)((x * 2685821657736338717ull) >> 56);
	}
	memcpy(p + PERIOD, p, CHUNK);
	return p;
}

/* Where stream byte `off` lives in the pattern buffer. */
static const unsigned char *at(const struct stream *s, uint64_t off)
{
	return s->run->pat + (s->base + off) % PERIOD;
}

static void stream_kill(struct stream *s, const char *why, int err)
{
	lg_say("bulk: stream %u %s after %llu bytes (%s)", s->id, why,
	       (unsigned long long)s->recvd, err ? strerror(-err) : "-");
	s->run->r->errors++;
	s->run->dead++;
	lg_close(s->fd);
	s->fd = -1;
}

/* Compare `n` (<= CHUNK) echoed bytes with the pattern; false on mismatch. */
static bool verify(struct stream *s, const unsigned char *buf, size_t n)
{
	const unsigned char *want = at(s, s->recvd);
	size_t i;

	if (s->recvd + n > s->sent) {
		lg_say("bulk: stream %u: server sent %llu bytes more than it "
		       "was sent", s->id,
		       (unsigned long long)(s->recvd + n - s->sent));
		return false;
	}
	if (memcmp(buf, want, n) == 0)
		return true;
	for (i = 0; i < n && buf[i] == want[i]; i++)
		;
	lg_say("bulk: stream %u: byte %llu is 0x%02x, sent 0x%02x", s->id,
	       (unsigned long long)(s->recvd + i), buf[i], want[i]);
	return false;
}

/* Receive until EAGAIN; false if the stream ended or the run failed. */
static bool drain(struct stream *s)
{
	unsigned char buf[CHUNK];

	for (;;) {
		ssize_t n = lg_recv(s->fd, buf, sizeof buf);

		if (n == -EAGAIN)
			return true;
		if (n <= 0) {
			stream_kill(s, n == 0 ? "closed by server" : "failed",
				    (int)n);
			return false;
		}
		if (!verify(s, buf, (size_t)n)) {
			s->run->mismatch = true;
			s->run->r->errors++;
			return false;
		}
		s->recvd += (uint64_t)n;
		s->progress_at = lg_now();
	}
}

/* Send until EAGAIN or a full window; false if the stream failed. */
static bool pump(struct stream *s)
{
	for (;;) {
		uint64_t len = WINDOW - (s->sent - s->recvd);
		ssize_t n;

		if (len == 0)
			return true;		/* window full */
		if (len > CHUNK)
			len = CHUNK;
		n = lg_send(s->fd, at(s, s->sent), (size_t)len);
		if (n == -EAGAIN)
			return true;
		if (n < 0) {
			stream_kill(s, "failed", (int)n);
			return false;
		}
		s->sent += (uint64_t)n;
	}
}

static void stream_event(struct lg_ev *ev, uint32_t events)
{
	struct stream *s = lg_container_of(ev, struct stream, ev);

	(void)events;
	if (s->fd < 0 || s->run->mismatch)
		return;
	if (drain(s))
		(void)pump(s);
}

/* Connect all streams; -errno only if the generator itself failed. */
static int setup(struct brun *run, struct stream *st, unsigned k)
{
	const struct lg_opts *o = run->o;
	unsigned failed, i;
	int *fds = calloc(k, sizeof *fds);
	int rc;

	if (!fds)
		return -ENOMEM;
	rc = lg_connect_many(o, true, fds, k, k,
			     lg_now() + o->timeout_ms * LG_MS, &failed);
	for (i = 0; i < k; i++)
		st[i].fd = rc == 0 ? fds[i] : -1;
	for (i = 0; i < k && rc == 0; i++) {
		if (st[i].fd >= 0)
			rc = lg_epoll_ctl(run->ep, EPOLL_CTL_ADD, st[i].fd,
					  &st[i].ev, EPOLLIN | EPOLLOUT |
					  EPOLLRDHUP | EPOLLET);
	}
	if (rc == 0 && failed) {
		lg_say("bulk: %u of %u connections failed", failed, k);
		run->r->errors += failed;
		run->dead += failed;
	}
	free(fds);
	return rc;
}

int lg_run_bulk(const struct lg_opts *o, struct lg_result *r)
{
	struct brun run = { .o = o, .r = r };
	uint64_t start, end, now, last_scan = 0, bytes = 0;
	struct stream *st;
	unsigned i, k = o->conc;
	int rc;

	if ((rc = lg_raise_nofile(k + 64ul)) < 0 ||
	    (run.ep = lg_epoll_new()) < 0)
		return rc < 0 ? rc : run.ep;
	st = calloc(k, sizeof *st);
	run.pat = make_pattern(o->seed);
	if (!st || !run.pat) {
		free(st);
		free(run.pat);
		lg_close(run.ep);
		return -ENOMEM;
	}
	for (i = 0; i < k; i++)
		st[i] = (struct stream){ .ev.fn = stream_event, .run = &run,
					 .id = i, .fd = -1,
					 .base = (uint64_t)i * 7919u };
	rc = setup(&run, st, k);
	start = lg_now();
	end = start + (uint64_t)(o->duration * 1e9);
	for (i = 0; i < k && rc == 0; i++) {
		st[i].progress_at = start;
		if (st[i].fd >= 0)
			(void)pump(&st[i]);
	}
	while (rc == 0 && !run.mismatch && (now = lg_now()) < end) {
		rc = lg_poll(run.ep, 10);
		if (rc > 0)
			rc = 0;
		now = lg_now();		/* handlers stamped progress_at */
		if (now - last_scan < 100 * LG_MS)
			continue;
		last_scan = now;
		for (i = 0; i < k; i++)
			if (st[i].fd >= 0 && now > st[i].progress_at +
			    o->timeout_ms * LG_MS)
				stream_kill(&st[i], "stalled", -ETIMEDOUT);
	}
	now = lg_now();
	for (i = 0; i < k; i++) {
		bytes += st[i].recvd;
		lg_close(st[i].fd);
	}
	free(st);
	free(run.pat);
	lg_close(run.ep);
	if (rc < 0)
		return rc;
	r->ops = bytes;
	r->secs = (double)((now < end ? now : end) - start) / 1e9;
	lg_extra(r, " bytes=%llu mb_per_s=%.1f window=%u mismatch=%d "
		 "dead_streams=%llu", (unsigned long long)bytes,
		 r->secs > 0 ? (double)bytes / r->secs / 1e6 : 0.0, WINDOW,
		 run.mismatch ? 1 : 0, (unsigned long long)run.dead);
	lg_say("bulk: %llu bytes verified in %.2f s over %u streams%s",
	       (unsigned long long)bytes, r->secs, k,
	       run.mismatch ? ", MISMATCH" : "");
	return run.mismatch ? 1 : 0;
}
