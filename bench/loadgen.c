/*
 * loadgen.c -- pinetd's load generator: command line, limits, output.
 *
 *   loadgen MODE --port PORT [--host ADDR] [--duration S] [-c N] ...
 *
 * MODE is conn, rr, bulk, udp, chat or idle (see bench/README.md).  The
 * result is one line of space-separated key=value pairs on stdout, e.g.
 *
 *   mode=conn conc=128 secs=3.000 ops=61234 ops_per_s=20411.3
 *     p50_us=5800 p99_us=9100 errors=0 ... client_cpu=0.97
 *
 * and human text on stderr.  Exit status: 0 the run completed, 1 the run
 * found a defect (corrupted echo, lost chat line) or completed nothing,
 * 2 usage error or non-loopback target, 3 system error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "lg.h"

typedef int lg_mode_fn(const struct lg_opts *o, struct lg_result *r);

/* One row per mode: its defaults and the hard caps of its options. */
struct mode {
	const char *name;
	lg_mode_fn *run;
	unsigned conc_def, conc_max;	/* -c: default and cap */
	size_t size_def, size_max;	/* --size, 0 if not used */
	unsigned timeout_def;		/* --timeout default, ms */
	const char *conc_what;		/* what -c counts, for --help */
};

static const struct mode modes[] = {
	{ "conn", lg_run_conn, 128, 4096, 32, LG_MAX_MSG, 2000,
	  "concurrent connect/echo/close loops" },
	{ "rr", lg_run_rr, 32, 4096, 32, LG_MAX_MSG, 2000,
	  "persistent connections" },
	{ "bulk", lg_run_bulk, 4, 256, 0, 0, 5000,
	  "streaming connections" },
	{ "udp", lg_run_udp, 16, 1024, 32, LG_MAX_DGRAM, 250,
	  "datagrams in flight" },
	{ "chat", lg_run_chat, 50, 1000, 0, 0, 5000, "chat members" },
	{ "idle", lg_run_idle, 10000, 200000, 0, 0, 5000,
	  "idle connections" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
"usage: loadgen MODE --port PORT [options]\n"
"  MODE: conn rr bulk udp chat idle\n"
"  --host ADDR      loopback target (127.0.0.0/8, ::1, localhost) [127.0.0.1]\n"
"  --port PORT      target port (required)\n"
"  --host2 ADDR     chat: the second half of the members join here, at the\n"
"                   same port (another node of a shared room)\n"
"  --duration S     measured window, seconds, at most %.0f [3]\n"
"  -c, --conc N     mode's concurrency (see below)\n"
"  --size B         message size for conn/rr (<= %u) and udp (<= %u) [32]\n"
"  --timeout MS     per-operation timeout, at most %u\n"
"                   [conn, rr 2000; udp 250; bulk, chat, idle 5000]\n"
"  --rate R         chat: lines per second per member, at most %.0f [20]\n"
"  --pid PID[,PID]  idle: server processes whose RSS/PSS to report (summed)\n"
"  --tree PID       idle: also PID and all its descendants at each reading\n"
"                   (a forking server's children, exec'd programs)\n"
"  --no-check       idle: do not echo one byte per connection at the end\n"
"  --seed N         bulk: pattern seed [1]\n"
"  --tag NAME       copied to the output line as server=NAME\n",
		LG_MAX_DURATION, LG_MAX_MSG, LG_MAX_DGRAM, LG_MAX_TIMEOUT,
		LG_MAX_RATE);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		fprintf(f, "  -c for %-5s %s [%u, at most %u]\n", modes[i].name,
			modes[i].conc_what, modes[i].conc_def,
			modes[i].conc_max);
}

/* Parse a number within [lo, hi] or fail with a message naming `what`. */
static int parse_num(const char *s, double lo, double hi, const char *what,
		     double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || v < lo || v > hi) {
		lg_say("%s: '%s' is not a number in [%g, %g]", what, s, lo, hi);
		return -1;
	}
	*out = v;
	return 0;
}

/* "--pid 12,13": up to LG_MAX_PIDS process ids, comma-separated. */
static int parse_pids(const char *arg, struct lg_opts *o)
{
	char buf[1024], *tok, *save = NULL;
	double v;

	if (strlen(arg) >= sizeof buf) {
		lg_say("--pid: list too long");
		return -1;
	}
	strcpy(buf, arg);
	o->npids = 0;
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (o->npids == LG_MAX_PIDS) {
			lg_say("--pid: at most %d processes", LG_MAX_PIDS);
			return -1;
		}
		if (parse_num(tok, 1, 4194304, "--pid", &v) < 0)
			return -1;
		o->pids[o->npids++] = (pid_t)v;
	}
	return 0;
}

static const struct mode *find_mode(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (strcmp(modes[i].name, name) == 0)
			return &modes[i];
	return NULL;
}

/*
 * parse() fills `o` from argv and applies the mode's defaults and caps.
 * Returns the mode, or NULL after printing why the command line is wrong.
 */
static const struct mode *parse(int argc, char **argv, struct lg_opts *o)
{
	static const struct option lopts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "host2", required_argument, NULL, '2' },
		{ "port", required_argument, NULL, 'p' },
		{ "duration", required_argument, NULL, 'd' },
		{ "conc", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "rate", required_argument, NULL, 'r' },
		{ "pid", required_argument, NULL, 'P' },
		{ "tree", required_argument, NULL, 'G' },
		{ "no-check", no_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 'S' },
		{ "tag", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct mode *m;
	double v, conc = 0, size = 0, tmo = 0;
	int c;

	if (argc < 2 || argv[1][0] == '-') {
		usage(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout :
		      stderr);
		return NULL;
	}
	m = find_mode(argv[1]);
	if (!m) {
		lg_say("unknown mode '%s'", argv[1]);
		usage(stderr);
		return NULL;
	}
	*o = (struct lg_opts){ .mode = m->name, .host = "127.0.0.1",
			       .duration = 3, .rate = 20, .check = true,
			       .seed = 1 };
	optind = 2;
	while ((c = getopt_long(argc, argv, "c:h", lopts, NULL)) != -1) {
		int rc = 0;

		switch (c) {
		case 'H': o->host = optarg; break;
		case '2': o->host2 = optarg; break;
		case 'p': o->port = optarg; break;
		case 'T': o->tag = optarg; break;
		case 'n': o->check = false; break;
		case 'd':
			rc = parse_num(optarg, 0.05, LG_MAX_DURATION,
				       "--duration", &o->duration);
			break;
		case 'c':
			rc = parse_num(optarg, 1, m->conc_max, "--conc", &conc);
			break;
		case 's':
			rc = parse_num(optarg, 1, m->size_max ? m->size_max : 1,
				       "--size", &size);
			break;
		case 't':
			rc = parse_num(optarg, 1, LG_MAX_TIMEOUT, "--timeout",
				       &tmo);
			break;
		case 'r':
			rc = parse_num(optarg, 0.1, LG_MAX_RATE, "--rate",
				       &o->rate);
			break;
		case 'P':
			rc = parse_pids(optarg, o);
			break;
		case 'G':
			rc = parse_num(optarg, 1, 4194304, "--tree", &v);
			o->tree = (pid_t)v;
			break;
		case 'S':
			rc = parse_num(optarg, 0, 4294967295.0, "--seed", &v);
			o->seed = (unsigned)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return NULL;
		}
		if (rc < 0)
			return NULL;
	}
	if (optind != argc) {
		lg_say("unexpected argument '%s'", argv[optind]);
		return NULL;
	}
	if (!o->port) {
		lg_say("--port is required");
		return NULL;
	}
	o->conc = conc > 0 ? (unsigned)conc : m->conc_def;
	o->size = size > 0 ? (size_t)size : m->size_def;
	o->timeout_ms = tmo > 0 ? (unsigned)tmo : m->timeout_def;
	return m;
}

static double cpu_secs(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) < 0)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void print_result(const struct lg_opts *o, const struct lg_result *r,
			 double client_cpu)
{
	double rate = r->secs > 0 ? (double)r->ops / r->secs : 0;

	printf("mode=%s", o->mode);
	if (o->tag)
		printf(" server=%s", o->tag);
	printf(" conc=%u secs=%.3f ops=%llu ops_per_s=%.1f", o->conc, r->secs,
	       (unsigned long long)r->ops, rate);
	if (r->has_latency && r->hist->count > 0)
		printf(" p50_us=%.1f p99_us=%.1f max_us=%.1f",
		       (double)lg_hist_pct(r->hist, 50) / 1e3,
		       (double)lg_hist_pct(r->hist, 99) / 1e3,
		       (double)r->hist->max_ns / 1e3);
	else
		printf(" p50_us=na p99_us=na max_us=na");
	printf(" errors=%llu%s client_cpu=%.2f\n",
	       (unsigned long long)r->errors, r->extra, client_cpu);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static struct lg_hist hist;
	struct lg_result res = { .hist = &hist };
	const struct mode *m;
	struct lg_opts o;
	uint64_t t0;
	double c0, wall;
	int rc;

	m = parse(argc, argv, &o);
	if (!m)
		return 2;
	if (lg_resolve(&o) < 0)
		return 2;
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		lg_say("signal: %s", strerror(errno));
		return 3;
	}
	/* Watchdog: the modes bound themselves; this bounds their bugs. */
	alarm((unsigned)o.duration + 2 * (o.timeout_ms / 1000) + 60);
	t0 = lg_now();
	c0 = cpu_secs();
	rc = m->run(&o, &res);
	wall = (double)(lg_now() - t0) / 1e9;
	if (rc < 0) {
		lg_say("%s: %s", o.mode, strerror(-rc));
		return 3;
	}
	print_result(&o, &res, wall > 0 ? (cpu_secs() - c0) / wall : 0);
	if (res.ops == 0) {
		lg_say("%s: no operation completed", o.mode);
		return 1;
	}
	return rc;
}
