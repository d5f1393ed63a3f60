/*
 * checker.c -- configuration checking and plugin loading in a short-lived
 * process (see checker.h).
 */
#include "checker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "facts.h"
#include "log.h"
#include "snapshot.h"
#include "view.h"
#include "wire.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1 /* ASan reserves terabytes of address space */
#else
#define UNDER_ASAN 0
#endif

#define CHILD_FD 3 /* the pipe's write end in the checker */

/* ---- in the checker ---- */

static int send_frame(int fd, char type, const void *p, size_t n)
{
	unsigned char head[5] = { (unsigned char)type, (unsigned char)n,
				  (unsigned char)(n >> 8), (unsigned char)(n >> 16),
				  (unsigned char)(n >> 24) };
	const unsigned char *parts[2] = { head, p };
	size_t lens[2] = { sizeof head, n };

	if (n > UINT32_MAX)
		return -1;
	for (int i = 0; i < 2; i++) {
		size_t off = 0;
		while (off < lens[i]) {
			ssize_t w = write(fd, parts[i] + off, lens[i] - off);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return -1;
			off += (size_t)w;
		}
	}
	return 0;
}

/* The child's error and output streams, sent as frames as they grow. */
struct child {
	int fd;
	FILE *errs, *out;
	char *ebuf, *obuf;
	size_t elen, olen, esent;
};

/* Send the error text written since the last call (before a step that
 * may crash, so that nothing reported is lost). */
static void flush_errors(struct child *ch)
{
	fflush(ch->errs);
	if (ch->elen > ch->esent) {
		send_frame(ch->fd, 'E', ch->ebuf + ch->esent, ch->elen - ch->esent);
		ch->esent = ch->elen;
	}
}

static void on_progress(void *arg, const char *what)
{
	struct child *ch = arg;

	flush_errors(ch);
	send_frame(ch->fd, 'P', what, strlen(what));
}

/* The checker this process is (NULL in any other process). */
static struct child *current;

void pn_checker_progress(const char *fmt, ...)
{
	char what[1024];
	va_list ap;

	if (!current)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	on_progress(current, what);
}

/* Never more than v; never raise a limit. */
static void lower_limit(int res, rlim_t v)
{
	struct rlimit rl;

	if (getrlimit(res, &rl) < 0)
		return;
	if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > v)
		rl.rlim_max = v;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	setrlimit(res, &rl);
}

static void set_limits(void)
{
	struct rlimit cpu = { PN_CHECKER_CPU_S, PN_CHECKER_CPU_S + 1 };

	setrlimit(RLIMIT_CPU, &cpu); /* from here: SIGXCPU, then SIGKILL */
	if (!UNDER_ASAN)
		lower_limit(RLIMIT_AS, PN_CHECKER_AS_MAX);
	lower_limit(RLIMIT_STACK, PN_CHECKER_STACK_MAX);
	lower_limit(RLIMIT_NOFILE, PN_CHECKER_NOFILE);
	lower_limit(RLIMIT_CORE, 0);
}

/*
 * Become `as` (NULL: the default user, PN_SERVICE_USER), when running
 * as root; else stay.  After the change the parent-death signal (cleared
 * by setuid) is set again, and a parent already gone ends the checker.
 */
static int drop_to(const struct pn_ident *as, pid_t parent, char *err,
		   size_t errlen)
{
	struct pn_ident dflt;

	if (geteuid() != 0)
		return 0;
	if (!as) {
		if (pn_ident_resolve(PN_SERVICE_USER, NULL, &dflt, err, errlen) < 0)
			return -1;
		as = &dflt;
	}
	if (pn_ident_apply(as, err, errlen) < 0)
		return -1;
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) {
		snprintf(err, errlen, "the parent process is gone");
		return -1;
	}
	return 0;
}

typedef int child_fn(struct child *ch, void *arg);

/* The checker process: set up, run fn, report its status, exit. */
static void __attribute__((noreturn))
child_main(int wfd, pid_t parent, child_fn *fn, void *arg)
{
	struct child ch = { .fd = CHILD_FD };
	sigset_t none;
	int code;

	if (wfd != CHILD_FD) {
		if (dup2(wfd, CHILD_FD) < 0)
			_exit(120);
		if (wfd < CHILD_FD) { /* stdio was closed: keep it off the pipe */
			int nul = open("/dev/null", O_RDWR);
			if (nul >= 0 && nul != wfd)
				dup2(nul, wfd);
		} else {
			close(wfd);
		}
	}
#ifdef HAVE_CLOSE_RANGE
	if (close_range(CHILD_FD + 1, ~0U, 0) < 0)
#endif
		for (int fd = CHILD_FD + 1; fd < 65536; fd++)
			close(fd);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGPIPE, SIG_IGN); /* a vanished parent: write fails, we exit */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(121);
	set_limits();
	unsetenv("NOTIFY_SOCKET");
	ch.errs = open_memstream(&ch.ebuf, &ch.elen);
	ch.out = open_memstream(&ch.obuf, &ch.olen);
	if (!ch.errs || !ch.out)
		_exit(122);
	pn_config_set_progress(on_progress, &ch);
	current = &ch;
	code = fn(&ch, arg);
	current = NULL;
	pn_config_set_progress(NULL, NULL);
	flush_errors(&ch);
	fflush(ch.out);
	if (ch.olen)
		send_frame(ch.fd, 'O', ch.obuf, ch.olen);
	uint32_t c = (uint32_t)code;
	unsigned char le[4] = { (unsigned char)c, (unsigned char)(c >> 8),
				(unsigned char)(c >> 16), (unsigned char)(c >> 24) };
	send_frame(ch.fd, 'D', le, sizeof le);
	_exit(code == 0 ? 0 : 1);
}

/* ---- in the caller ---- */

/* What came back from one checker. */
struct reply {
	unsigned char *buf;
	size_t len;
	int status;    /* wait status */
	int timed_out; /* killed after PN_CHECKER_TIMEOUT_MS */
	int too_big;   /* killed after PN_CHECKER_REPLY_MAX bytes */
	/* Frames: progress, snap and view point into buf. */
	const char *progress;
	size_t nprogress;
	char *errors, *out; /* joined (malloc'd) */
	size_t nerrors, nout;
	const unsigned char *snap, *view, *facts;
	size_t nsnap, nview, nfacts;
	int forged; /* a frame only the checker sends came twice */
	int done;
	uint32_t code;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Append n bytes to a malloc'd text (dropped when memory runs out). */
static void append(char **text, size_t *len, const void *p, size_t n)
{
	char *t = realloc(*text, *len + n + 1);

	if (!t)
		return;
	memcpy(t + *len, p, n);
	*len += n;
	t[*len] = '\0';
	*text = t;
}

/* Split what the checker sent into its frames. */
static void parse_frames(struct reply *r)
{
	size_t off = 0;

	while (r->len - off >= 5) {
		unsigned char *h = r->buf + off;
		size_t n = h[1] | (size_t)h[2] << 8 | (size_t)h[3] << 16 |
			   (size_t)h[4] << 24;
		unsigned char *p = h + 5;

		if (n > r->len - off - 5)
			break; /* cut short: the checker died mid-frame */
		off += 5 + n;
		switch (h[0]) {
		case 'P':
			r->progress = (const char *)p;
			r->nprogress = n;
			break;
		case 'E':
			append(&r->errors, &r->nerrors, p, n);
			break;
		case 'O':
			append(&r->out, &r->nout, p, n);
			break;
		case 'S': /* sent before plugin code: only the first counts */
			if (r->snap)
				r->forged = 1;
			r->snap = p;
			r->nsnap = n;
			break;
		case 'F':
			if (r->facts)
				r->forged = 1;
			r->facts = p;
			r->nfacts = n;
			break;
		case 'V':
			r->view = p;
			r->nview = n;
			break;
		case 'D':
			if (n == 4) {
				r->done = 1;
				r->code = p[0] | (uint32_t)p[1] << 8 |
					  (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
			}
			break;
		default:
			break;
		}
	}
}

static void reply_free(struct reply *r)
{
	free(r->buf);
	free(r->errors);
	free(r->out);
}

/*
 * Fork a checker running fn(arg), read everything it sends within the
 * deadline and the size cap, and reap it.  Returns 0 with r filled (the
 * checker may still have failed: see r->status), or -1 when it could not
 * be started (reason in err).
 */
static int run(child_fn *fn, void *arg, struct reply *r, char *err,
	       size_t errlen)
{
	uint64_t deadline = now_ms() + PN_CHECKER_TIMEOUT_MS;
	pid_t parent = getpid(), pid;
	size_t cap = 0;
	int p[2], killed = 0;

	memset(r, 0, sizeof *r);
	fflush(NULL); /* nothing buffered is written twice */
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "cannot start the checker: pipe: %s",
			 strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start the checker: fork: %s",
			 strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_main(p[1], parent, fn, arg);
	}
	close(p[1]);
	for (;;) {
		uint64_t now = now_ms();
		struct pollfd pfd = { p[0], POLLIN, 0 };
		int n = now >= deadline ? 0 : poll(&pfd, 1, (int)(deadline - now));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r->timed_out = n == 0;
			break;
		}
		if (cap - r->len < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			unsigned char *b = ncap <= PN_CHECKER_REPLY_MAX + 65536
						   ? realloc(r->buf, ncap) : NULL;
			if (!b) {
				r->too_big = 1;
				break;
			}
			r->buf = b;
			cap = ncap;
		}
		ssize_t got = read(p[0], r->buf + r->len, cap - r->len);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got <= 0)
			break;
		r->len += (size_t)got;
		if (r->len > PN_CHECKER_REPLY_MAX) {
			r->too_big = 1;
			break;
		}
	}
	close(p[0]);
	if (r->timed_out || r->too_big) {
		kill(pid, SIGKILL);
		killed = 1;
	}
	/* The pipe is closed; the process should be gone at once. */
	for (;;) {
		pid_t w = waitpid(pid, &r->status, killed ? 0 : WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r->status = 0;
			break;
		}
		if (w == 0 && now_ms() >= deadline) {
			kill(pid, SIGKILL);
			killed = r->timed_out = 1;
		} else if (w == 0) {
			struct timespec ts = { 0, 5 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	parse_frames(r);
	return 0;
}

/* Did the checker finish normally (not killed, its result sent)? */
static int finished(const struct reply *r)
{
	return !r->timed_out && !r->too_big && WIFEXITED(r->status) && r->done;
}

/* Why the checker did not finish, and what it was doing. */
static void describe(const struct reply *r, char *msg, size_t len)
{
	size_t n;

	if (r->timed_out)
		n = (size_t)snprintf(msg, len, "did not finish within %d s and was "
				     "killed", PN_CHECKER_TIMEOUT_MS / 1000);
	else if (r->too_big)
		n = (size_t)snprintf(msg, len, "sent more than %lu bytes and was "
				     "killed", PN_CHECKER_REPLY_MAX);
	else if (WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGXCPU)
		n = (size_t)snprintf(msg, len, "used more than %d s of CPU time",
				     PN_CHECKER_CPU_S);
	else if (WIFSIGNALED(r->status))
		n = (size_t)snprintf(msg, len, "was killed by signal %d (%s)",
				     WTERMSIG(r->status), strsignal(WTERMSIG(r->status)));
	else
		n = (size_t)snprintf(msg, len, "exited with status %d before "
				     "finishing", WEXITSTATUS(r->status));
	if (r->nprogress && n < len)
		snprintf(msg + n, len - n, " while %.*s", (int)r->nprogress,
			 r->progress);
}

/* Copy error text to errs, or log it line by line. */
static int copy_errors(const char *text, size_t n, FILE *errs)
{
	int lines = 0;

	for (size_t i = 0; i < n;) {
		const char *nl = memchr(text + i, '\n', n - i);
		size_t k = nl ? (size_t)(nl - (text + i)) : n - i;
		if (errs)
			fprintf(errs, "%.*s\n", (int)k, text + i);
		else
			pn_log(LOG_ERR, "%.*s", (int)k, text + i);
		lines++;
		i += k + 1;
	}
	return lines;
}

static void error_line(FILE *errs, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void error_line(FILE *errs, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (errs) {
		vfprintf(errs, fmt, ap);
		fputc('\n', errs);
	} else {
		pn_vlog(LOG_ERR, fmt, ap);
	}
	va_end(ap);
}

/* ---- pn_checker_load ---- */

struct load_args {
	const char *path, *plugin_dir;
};

static int load_child(struct child *ch, void *arg)
{
	struct load_args *a = arg;
	struct pn_wbuf w = { 0 };
	struct pn_registry reg;
	struct pn_snapshot *snap;
	struct pn_config *full = NULL;
	struct pn_facts facts;
	char err[512];
	int nerr = 0, rc = 1;

	pn_registry_init(&reg);
	/* As the caller: the files may be readable by root only. */
	if (!(snap = pn_config_read_files(a->path, ch->errs, &nerr)))
		return nerr ? nerr : 1;
	pn_snapshot_encode(snap, &w);
	if (w.oom || send_frame(ch->fd, 'S', w.p, w.len) < 0)
		goto out;
	pn_wbuf_free(&w);
	/* No plugin code before this point. */
	if (drop_to(NULL, getppid(), err, sizeof err) < 0) {
		fprintf(ch->errs, "%s: checker: cannot become the default user: %s\n",
			a->path, err);
		goto out;
	}
	/* What the supervisor will act on as root, still before any plugin:
	 * anything sent later may come from a plugin (facts.h). */
	if (pn_config_facts(snap, a->path, ch->errs, &facts) < 0)
		goto out;
	pn_facts_encode(&facts, &w);
	pn_facts_free(&facts);
	if (w.oom || send_frame(ch->fd, 'F', w.p, w.len) < 0)
		goto out;
	pn_wbuf_free(&w);
	full = pn_config_load_snapshot(snap, a->path, a->plugin_dir, &reg,
				       ch->errs, &nerr);
	if (!full) {
		rc = nerr ? nerr : 1;
		goto out;
	}
	on_progress(ch, "sending the result");
	pn_view_encode(full, &w);
	if (w.oom)
		fprintf(ch->errs, "%s: checker: out of memory\n", a->path);
	else
		rc = send_frame(ch->fd, 'V', w.p, w.len) < 0;
out:
	/* Freed, though the process ends: leak checkers run here too. */
	pn_wbuf_free(&w);
	if (full)
		pn_config_free(full);
	pn_registry_free(&reg);
	pn_snapshot_free(snap);
	return rc;
}

struct pn_config *pn_checker_load(const char *path, const char *plugin_dir,
				  FILE *errs, int *nerrors)
{
	struct load_args a = { path, plugin_dir };
	struct pn_config *view = NULL;
	struct pn_snapshot *snap = NULL;
	struct reply r;
	char msg[1400];
	int nerr = 1;

	if (run(load_child, &a, &r, msg, sizeof msg) < 0) {
		error_line(errs, "%s: %s", path, msg);
		goto out;
	}
	int lines = copy_errors(r.errors, r.nerrors, errs);
	if (!finished(&r)) {
		describe(&r, msg, sizeof msg);
		error_line(errs, "%s: the configuration checker %s", path, msg);
		nerr = lines + 1;
		goto out;
	}
	if (r.code != 0) {
		nerr = (int)r.code;
		goto out;
	}
	struct pn_rbuf rs = { r.snap, r.nsnap, 0 }, rv = { r.view, r.nview, 0 },
		       rf = { r.facts, r.nfacts, 0 };
	struct pn_facts facts = { 0 };
	if (r.forged) {
		snprintf(msg, sizeof msg, "a plugin wrote to the checker's channel");
	} else if (!r.snap || !r.view || !r.facts) {
		snprintf(msg, sizeof msg, "no %s in the reply",
			 !r.snap ? "snapshot" : !r.facts ? "facts" : "view");
	} else if ((snap = pn_snapshot_decode(&rs, msg, sizeof msg)) &&
		   pn_facts_decode(&rf, &facts, msg, sizeof msg) == 0 &&
		   (view = pn_view_decode(&rv, msg, sizeof msg)) &&
		   pn_facts_verify(view, &facts, msg, sizeof msg) == 0) {
		pn_facts_free(&facts);
		view->snap = snap;
		nerr = 0;
		goto out;
	}
	pn_facts_free(&facts);
	if (view) {
		pn_config_free(view);
		view = NULL;
	}
	pn_snapshot_free(snap);
	error_line(errs, "%s: the configuration checker's reply is unusable: %s",
		   path, msg);
out:
	reply_free(&r); /* zeroed by run() even when it fails */
	if (nerrors)
		*nerrors = nerr;
	return view;
}

struct pn_config *pn_checker_load_logged(const char *path,
					 const char *plugin_dir)
{
	int nerr = 0;
	struct pn_config *view = pn_checker_load(path, plugin_dir, NULL, &nerr);

	if (!view)
		pn_log(LOG_ERR, "reload refused: %d error%s in %s; the running "
				"configuration is unchanged", nerr, nerr == 1 ? "" : "s",
		       path);
	return view;
}

/* ---- pn_checker_run ---- */

struct run_args {
	const struct pn_ident *as;
	pn_checker_fn *fn;
	void *arg;
	const char *what;
};

static int run_child(struct child *ch, void *arg)
{
	struct run_args *a = arg;
	char err[512];

	if (drop_to(a->as, getppid(), err, sizeof err) < 0) {
		fprintf(ch->errs, "pinetd: %s: cannot become user %s: %s\n", a->what,
			a->as ? a->as->user : PN_SERVICE_USER, err);
		return 1;
	}
	return a->fn(a->arg, ch->out, ch->errs);
}

int pn_checker_run(const char *what, const struct pn_ident *as,
		   pn_checker_fn *fn, void *arg, FILE *out, FILE *errs)
{
	struct run_args a = { as, fn, arg, what };
	struct reply r;
	char msg[1400];
	int rc = -1;

	if (run(run_child, &a, &r, msg, sizeof msg) < 0) {
		error_line(errs, "pinetd: %s: %s", what, msg);
		return -1;
	}
	if (r.nout && out)
		fwrite(r.out, 1, r.nout, out);
	copy_errors(r.errors, r.nerrors, errs);
	if (finished(&r)) {
		rc = (int)r.code;
	} else {
		describe(&r, msg, sizeof msg);
		error_line(errs, "pinetd: %s: the checker %s", what, msg);
	}
	reply_free(&r);
	return rc;
}
