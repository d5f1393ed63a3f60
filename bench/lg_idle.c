/*
 * lg_idle.c -- many idle connections: does the server keep them, and what
 * does each one cost it in memory?
 *
 * C connections are opened, at most 256 handshakes at a time so a listen
 * backlog is never the limit, and held for --duration seconds while any
 * close or stray byte from the server is counted as a drop.  Then, unless
 * --no-check, every connection sends one byte and must get it back within
 * --timeout: that proves the server accepted and still serves it.
 *
 * With --pid, the server's VmRSS (/proc/PID/status) and Pss
 * (/proc/PID/smaps_rollup), summed over the processes given (and, with
 * --tree, over a process and all its descendants found at the time of
 * each reading: the children of a forking server, exec'd programs), are read
 * before connecting, after the hold, after the check and after closing
 * everything; the per-connection cost is (after hold - before) /
 * connections.  Socket buffers are kernel
 * memory and appear in neither number: this measures the server's own
 * per-connection state.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "lg.h"

struct mem {
	long rss_kb, pss_kb;
};

static void mem_add(struct mem *m, pid_t pid)
{
	long rss = lg_proc_kb(pid, "status", "VmRSS");
	long pss = lg_proc_kb(pid, "smaps_rollup", "Pss");

	if (rss >= 0)
		m->rss_kb = (m->rss_kb < 0 ? 0 : m->rss_kb) + rss;
	if (pss >= 0)
		m->pss_kb = (m->pss_kb < 0 ? 0 : m->pss_kb) + pss;
}

/* The parent of pid (field 4 of /proc/PID/stat), or -1. */
static long ppid_of(long pid)
{
	char path[64], buf[512], *p;
	long ppid = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (!(f = fopen(path, "re")))
		return -1;
	if (fgets(buf, sizeof buf, f) && (p = strrchr(buf, ')')) &&
	    sscanf(p + 1, " %*c %ld", &ppid) != 1)
		ppid = -1;
	fclose(f);
	return ppid;
}

#define MAX_TREE 65536

/* Add every process below root (children that started a session of
 * their own, as inetd's do, included) not listed in o->pids. */
static void mem_add_tree(struct mem *m, const struct lg_opts *o, pid_t root)
{
	static long pid[MAX_TREE], ppid[MAX_TREE];
	static unsigned char in[MAX_TREE];
	size_t n = 0, i;
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool grew = true;

	while (d && (e = readdir(d)) && n < MAX_TREE) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid[n] = strtol(e->d_name, NULL, 10);
		ppid[n] = ppid_of(pid[n]);
		in[n] = pid[n] == (long)root;
		n++;
	}
	if (d)
		closedir(d);
	while (grew) {
		grew = false;
		for (i = 0; i < n; i++)
			for (size_t j = 0; !in[i] && j < n; j++)
				if (in[j] && ppid[i] == pid[j])
					in[i] = 1, grew = true;
	}
	for (i = 0; i < n; i++) {
		bool listed = false;
		for (unsigned k = 0; k < o->npids; k++)
			listed |= o->pids[k] == (pid_t)pid[i];
		if (in[i] && !listed)
			mem_add(m, (pid_t)pid[i]);
	}
}

/*
 * mem_of() sums VmRSS and Pss over the server's processes (a supervisor
 * and its workers, say), and with --tree over that process and all its
 * descendants not listed already; a process that has gone away adds nothing.  -1
 * when no process could be read.
 */
static struct mem mem_of(const struct lg_opts *o)
{
	struct mem m = { -1, -1 };
	unsigned i;

	for (i = 0; i < o->npids; i++)
		mem_add(&m, o->pids[i]);
	if (o->tree > 0)
		mem_add_tree(&m, o, o->tree);
	return m;
}

/* Sleep `ms` on an epoll set with nothing in it: EINTR-safe enough. */
static void pause_ms(int ep, unsigned ms)
{
	uint64_t until = lg_now() + ms * LG_MS, now;
	struct epoll_event e;

	while ((now = lg_now()) < until)
		(void)epoll_wait(ep, &e, 1, (int)((until - now) / LG_MS) + 1);
}

/*
 * watch() registers every open descriptor with `ep` (data = index) for
 * input and hang-ups.  Returns 0 or -errno.
 */
static int watch(int ep, const int *fds, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP,
					 .data.u32 = i };

		if (fds[i] >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &e) < 0)
			return -errno;
	}
	return 0;
}

/*
 * hold() waits until `until`; a connection with any event during the hold
 * was closed by the server (or sent something it should not have): it is
 * closed and counted.  Returns the number of drops, or -errno.
 */
static long hold(int ep, int *fds, uint64_t until)
{
	struct epoll_event evs[256];
	long dropped = 0;
	uint64_t now;
	int k, i;

	while ((now = lg_now()) < until) {
		k = epoll_wait(ep, evs, 256, (int)((until - now) / LG_MS) + 1);
		if (k < 0 && errno != EINTR)
			return -errno;
		for (i = 0; i < k; i++) {
			unsigned idx = evs[i].data.u32;

			lg_close(fds[idx]);	/* also leaves the epoll set */
			fds[idx] = -1;
			dropped++;
		}
	}
	return dropped;
}

/*
 * check() sends one byte on every open connection and counts those that
 * echo it before `deadline`.  Returns the count, or -errno.
 */
static long check(int ep, int *fds, unsigned n, uint64_t deadline)
{
	struct epoll_event evs[256];
	long alive = 0, waiting = 0;
	unsigned i;
	uint64_t now;
	int k, j;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0 && lg_send(fds[i], "\n", 1) == 1)
			waiting++;
	while (waiting > 0 && (now = lg_now()) < deadline) {
		k = epoll_wait(ep, evs, 256, (int)((deadline - now) / LG_MS) + 1);
		if (k < 0 && errno != EINTR)
			return -errno;
		for (j = 0; j < k; j++) {
			unsigned idx = evs[j].data.u32;
			char c;

			if (lg_recv(fds[idx], &c, 1) == 1 && c == '\n')
				alive++;
			(void)epoll_ctl(ep, EPOLL_CTL_DEL, fds[idx], NULL);
			waiting--;
		}
	}
	return alive;
}

static long per_conn_bytes(long before_kb, long after_kb, unsigned n)
{
	if (before_kb < 0 || after_kb < 0 || n == 0)
		return -1;
	return (after_kb - before_kb) * 1024 / (long)n;
}

int lg_run_idle(const struct lg_opts *o, struct lg_result *r)
{
	unsigned c = o->conc, failed = 0, i, open_n;
	struct mem m0, m1, m2 = { -1, -1 }, m3;
	long dropped = 0, alive = -1;
	uint64_t t0, t1;
	int *fds, ep, rc;

	if ((rc = lg_raise_nofile(c + 64ul)) < 0) {
		lg_say("idle: cannot allow %u descriptors: %s", c + 64,
		       strerror(-rc));
		return rc;
	}
	ep = lg_epoll_new();
	if (ep < 0)
		return ep;
	fds = malloc(c * sizeof *fds);
	if (!fds) {
		lg_close(ep);
		return -ENOMEM;
	}
	m0 = mem_of(o);
	t0 = lg_now();
	rc = lg_connect_many(o, false, fds, c, 256, t0 + o->timeout_ms * LG_MS +
			     (uint64_t)c * 200000ull, &failed);
	t1 = lg_now();
	open_n = c - failed;
	lg_say("idle: %u of %u connections open in %.2f s, holding %.1f s",
	       open_n, c, (double)(t1 - t0) / 1e9, o->duration);
	if (rc == 0)
		rc = watch(ep, fds, c);
	if (rc == 0) {
		dropped = hold(ep, fds, t1 + (uint64_t)(o->duration * 1e9));
		rc = dropped < 0 ? (int)dropped : 0;
	}
	m1 = mem_of(o);
	if (rc == 0 && o->check) {
		alive = check(ep, fds, c, lg_now() + o->timeout_ms * LG_MS);
		rc = alive < 0 ? (int)alive : 0;
		m2 = mem_of(o);
	}
	for (i = 0; i < c; i++)
		lg_close(fds[i]);
	free(fds);
	pause_ms(ep, 500);	/* let the server notice the closes */
	m3 = mem_of(o);
	lg_close(ep);
	if (rc < 0)
		return rc;
	r->ops = open_n;
	r->secs = (double)(t1 - t0) / 1e9;
	r->errors = failed + (uint64_t)dropped;
	if (alive >= 0 && (long)open_n - dropped > alive)
		r->errors += (uint64_t)((long)open_n - dropped - alive);
	lg_extra(r, " conns=%u failed=%u dropped=%ld alive=%ld hold_s=%.1f "
		 "rss_before_kb=%ld rss_after_kb=%ld rss_checked_kb=%ld "
		 "rss_closed_kb=%ld pss_before_kb=%ld pss_after_kb=%ld "
		 "rss_per_conn_b=%ld pss_per_conn_b=%ld",
		 c, failed, dropped, alive, o->duration, m0.rss_kb, m1.rss_kb,
		 m2.rss_kb, m3.rss_kb, m0.pss_kb, m1.pss_kb,
		 per_conn_bytes(m0.rss_kb, m1.rss_kb, open_n),
		 per_conn_bytes(m0.pss_kb, m1.pss_kb, open_n));
	if (o->npids > 0)
		lg_say("idle: server RSS %ld -> %ld kB (%ld B per connection), "
		       "%ld kB after closing", m0.rss_kb, m1.rss_kb,
		       per_conn_bytes(m0.rss_kb, m1.rss_kb, open_n), m3.rss_kb);
	return 0;
}
