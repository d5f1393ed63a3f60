/*
 * lg.h -- shared declarations of the pinetd load generator (bench/loadgen).
 *
 * The load generator is one process, one thread, one epoll instance per
 * mode.  Each mode lives in its own file (lg_conn.c, lg_rr.c, ...) and
 * exposes a single entry point, `lg_run_MODE()`, which fills a
 * `struct lg_result`; loadgen.c parses the command line and prints the
 * result as one machine-readable line on stdout.
 *
 * Everything is bounded: every mode runs for at most `duration` seconds
 * plus a bounded connect phase and a bounded drain, and a watchdog alarm
 * kills the process if a bug ever defeats those bounds.
 */
#ifndef PINETD_BENCH_LG_H
#define PINETD_BENCH_LG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Hard caps: options above these are refused, whatever the user asks. */
#define LG_MAX_DURATION	300.0	/* seconds */
#define LG_MAX_TIMEOUT	30000u	/* milliseconds */
#define LG_MAX_MSG	4096u	/* bytes of a conn/rr line */
#define LG_MAX_DGRAM	60000u	/* bytes of a UDP request */
#define LG_MAX_RATE	1000.0	/* chat lines per second per member */
#define LG_MAX_PIDS	64	/* idle: processes of one server */

/* Options common to every mode; 0 in a numeric field means "mode default". */
struct lg_opts {
	const char *mode;
	const char *host;		/* numeric address or "localhost" */
	const char *host2;		/* chat: the second half of the members
					   connect here (another node), or NULL */
	const char *port;
	const char *tag;		/* echoed as server=TAG, may be NULL */
	double duration;		/* measured window, seconds */
	unsigned conc;			/* N, P, K, F, M or C of the mode */
	size_t size;			/* message size (conn, rr, udp) */
	unsigned timeout_ms;		/* per-operation timeout */
	double rate;			/* chat: lines/s per member */
	pid_t pids[LG_MAX_PIDS];	/* idle: server processes to measure */
	unsigned npids;
	pid_t tree;			/* idle: and every descendant of this one */
	bool check;			/* idle: echo one byte per connection */
	unsigned seed;			/* bulk: pattern seed */
	struct sockaddr_storage addr;	/* resolved, loopback-checked target */
	socklen_t addrlen;
};

/*
 * Latency histogram, log-linear: values below 64 ns are exact, above that
 * each power of two is split in 64 sub-buckets (precision ~1.6 %).
 */
#define LG_HIST_SUB	64
#define LG_HIST_BUCKETS	(LG_HIST_SUB * 59)

struct lg_hist {
	uint64_t count;
	uint64_t max_ns;
	uint64_t bucket[LG_HIST_BUCKETS];
};

void lg_hist_add(struct lg_hist *h, uint64_t ns);
uint64_t lg_hist_pct(const struct lg_hist *h, double pct);

/* What a mode reports; loadgen.c prints it. */
struct lg_result {
	uint64_t ops;			/* operations in the measured window */
	double secs;			/* length of the measured window */
	uint64_t errors;		/* every anomaly, whatever its kind */
	bool has_latency;
	struct lg_hist *hist;		/* owned by the caller */
	char extra[768];		/* mode-specific " key=value" pairs */
	size_t extra_len;
};

void lg_extra(struct lg_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void lg_fill_msg(char *buf, size_t size, const char *kind, uint64_t seq);

/* Time: CLOCK_MONOTONIC in nanoseconds. */
uint64_t lg_now(void);
#define LG_MS	1000000ull
#define LG_SEC	1000000000ull

#define lg_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/*
 * Event dispatch.  Every object registered with epoll starts with a
 * `struct lg_ev` and epoll's data.ptr points at it; lg_poll() calls its
 * handler with the ready mask.
 */
struct lg_ev;
typedef void lg_ev_fn(struct lg_ev *ev, uint32_t events);
struct lg_ev {
	lg_ev_fn *fn;
};

int lg_epoll_new(void);
int lg_epoll_ctl(int ep, int op, int fd, struct lg_ev *ev, uint32_t events);
int lg_poll(int ep, int timeout_ms);

/* Sockets.  Every function returns a file descriptor or -errno. */
int lg_resolve(struct lg_opts *o);
int lg_socket(const struct lg_opts *o, int type);
int lg_connect_start(const struct lg_opts *o, bool nodelay,
		     bool *in_progress);
int lg_connect_result(int fd);
int lg_connect_many(const struct lg_opts *o, bool nodelay, int *fds,
		    unsigned n, unsigned max_inflight, uint64_t deadline,
		    unsigned *failed);
int lg_raise_nofile(unsigned long need);
void lg_close(int fd);
ssize_t lg_send(int fd, const void *buf, size_t len);
ssize_t lg_recv(int fd, void *buf, size_t len);

/* /proc readers for the idle mode; -1 when unknown. */
long lg_proc_kb(pid_t pid, const char *file, const char *key);

/* Modes: 0 on success, 1 when the run found a defect (mismatch, loss). */
int lg_run_conn(const struct lg_opts *o, struct lg_result *r);
int lg_run_rr(const struct lg_opts *o, struct lg_result *r);
int lg_run_bulk(const struct lg_opts *o, struct lg_result *r);
int lg_run_udp(const struct lg_opts *o, struct lg_result *r);
int lg_run_chat(const struct lg_opts *o, struct lg_result *r);
int lg_run_idle(const struct lg_opts *o, struct lg_result *r);

/* Human text on stderr, prefixed with "loadgen: ". */
void lg_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
