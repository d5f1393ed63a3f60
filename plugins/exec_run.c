/*
 * exec_run.c -- fork and exec an inetd program on a socket (see
 * exec_run.h).
 */
#include "exec_run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- stderr lines ---- */

/* Hand the buffered line to fn, made printable; empty lines are dropped. */
static void lines_emit(struct exec_lines *l, exec_line_fn *fn, void *arg)
{
	if (l->len && l->buf[l->len - 1] == '\r')
		l->len--;
	for (size_t i = 0; i < l->len; i++) {
		unsigned char ch = (unsigned char)l->buf[i];
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			l->buf[i] = '?';
	}
	l->buf[l->len] = '\0';
	if (l->len)
		fn(arg, l->buf);
	l->len = 0;
}

void exec_lines_feed(struct exec_lines *l, const char *data, size_t n,
		     exec_line_fn *fn, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			lines_emit(l, fn, arg);
			continue;
		}
		if (l->len == EXEC_LINE_MAX)
			lines_emit(l, fn, arg);
		l->buf[l->len++] = data[i];
	}
}

void exec_lines_flush(struct exec_lines *l, exec_line_fn *fn, void *arg)
{
	lines_emit(l, fn, arg);
}

/* ---- wait statuses ---- */

void exec_status_text(int status, char *buf, size_t len)
{
	if (WIFEXITED(status)) {
		snprintf(buf, len, "exited with status %d",
			 WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		const char *name = strsignal(sig);
		snprintf(buf, len, "killed by signal %d (%s)%s", sig,
			 name ? name : "?",
			 WCOREDUMP(status) ? ", core dumped" : "");
	} else {
		snprintf(buf, len, "ended with wait status 0x%x",
			 (unsigned)status);
	}
}

int exec_status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* ---- the child: descriptors, signals, execve ---- */

int exec_close_from_proc(int lowfd)
{
	/* A buffer of struct dirent64 records, suitably aligned. */
	union {
		struct dirent64 d;
		char b[4096];
	} u;
	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return -1;
	/* Closing while listing may skip entries: repeat until a whole
	 * pass closes nothing (a descriptor close() refuses, such as a
	 * debugger's, ends it too), at most 16 times. */
	for (int closed = 1, pass = 0; closed && pass < 16; pass++) {
		closed = 0;
		if (lseek(dfd, 0, SEEK_SET) < 0)
			goto fail;
		for (;;) {
			ssize_t n = getdents64(dfd, u.b, sizeof u.b);
			if (n < 0)
				goto fail;
			if (n == 0)
				break;
			for (ssize_t off = 0; off < n;) {
				const struct dirent64 *d =
					(const void *)(u.b + off);
				const char *p = d->d_name;
				long fd = 0;
				off += d->d_reclen;
				if (*p < '0' || *p > '9')
					continue; /* "." and ".." */
				for (; *p >= '0' && *p <= '9'; p++)
					fd = fd * 10 + (*p - '0');
				if (fd >= lowfd && fd != dfd &&
				    close((int)fd) == 0)
					closed = 1;
			}
		}
	}
	close(dfd);
	return 0;
fail:;
	int e = errno;
	close(dfd);
	errno = e;
	return -1;
}

/* close_range(2) where the C library or the kernel has it. */
static int close_from(unsigned lowfd)
{
#if defined(HAVE_CLOSE_RANGE)
	return close_range(lowfd, ~0U, 0);
#elif defined(SYS_close_range)
	return (int)syscall(SYS_close_range, lowfd, ~0U, 0);
#else
	(void)lowfd;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * The C library refuses to touch the signals it reserves for itself (32
 * and 33 with glibc), yet an ignored one stays ignored across execve.
 * The kernel's own call takes a struct sigaction whose layout varies by
 * architecture, but SIG_DFL with no flags and an empty mask is all zeros
 * in every layout.
 */
static void sig_default_raw(int sig)
{
#ifdef SYS_rt_sigaction
	long zero[16];

	memset(zero, 0, sizeof zero);
	(void)syscall(SYS_rt_sigaction, sig, zero, NULL, (NSIG - 1) / 8);
#else
	(void)sig;
#endif
}

/* Write the pieces of a one-line message and a newline to fd, ignoring
 * errors (best effort). */
static void say(int fd, const char *a, const char *b, const char *c,
		const char *d)
{
	const char *parts[] = { a, b, c, d, "\n" };

	for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
		size_t len = strlen(parts[i]);
		while (len) {
			ssize_t n = write(fd, parts[i], len);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			parts[i] += n;
			len -= (size_t)n;
		}
	}
}

/*
 * In the forked child: arrange descriptors 0, 1 and 2, drop the rest,
 * reset signals, ask for SIGTERM when `parent` dies, and exec.  Never
 * returns.  The socket and the pipe are
 * first copied above 2, so that dup2() onto 0, 1 and 2 cannot clobber
 * one of them whatever numbers they had.
 */
static void child(const char *path, char *const argv[], char *const envp[],
		  int sock, int errw, pid_t parent)
{
	struct sigaction dfl;
	sigset_t none;
	int s = fcntl(sock, F_DUPFD, 3), w = fcntl(errw, F_DUPFD, 3);

	if (s < 0 || w < 0) {
		say(errw, "cannot set up descriptors: ", strerror(errno), "",
		    "");
		_exit(126);
	}
	if (dup2(s, 0) < 0 || dup2(s, 1) < 0 || dup2(w, 2) < 0) {
		say(w, "cannot set up descriptors: ", strerror(errno), "", "");
		_exit(126);
	}
	if (close_from(3) < 0 &&
	    (errno != ENOSYS || exec_close_from_proc(3) < 0)) {
		say(2, "cannot close descriptors: ", strerror(errno), "", "");
		_exit(126);
	}
	/* An ignored signal stays ignored across execve (the daemon ignores
	 * SIGPIPE), and the mask is inherited (the daemon blocks the
	 * signals it reads through signalfd). */
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP &&
		    sigaction(sig, &dfl, NULL) < 0)
			sig_default_raw(sig);
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0) {
		say(2, "cannot unblock signals: ", strerror(errno), "", "");
		_exit(126);
	}
	/* Should the process that waits for us die (SIGKILL), the program
	 * gets SIGTERM rather than serving on unsupervised. */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent) {
		say(2, "cannot watch the parent process", "", "", "");
		_exit(126);
	}
	execve(path, argv, envp);
	int e = errno;
	say(2, "cannot execute ", path, ": ", strerror(e));
	_exit(e == ENOENT ? 127 : 126);
}

/* ---- the parent: log stderr, wait ---- */

/* A descriptor that becomes readable when pid exits, or -1. */
static int pid_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Read everything available on fd into l; 1 at EOF or error, else 0. */
static int drain(int fd, struct exec_lines *l, exec_line_fn *fn, void *arg)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);

	if (n > 0) {
		exec_lines_feed(l, buf, (size_t)n, fn, arg);
		return 0;
	}
	if (n < 0 && errno == EINTR)
		return 0;
	return 1;
}

/*
 * Log the program's stderr until it is closed, or until the program has
 * exited (when a pidfd can tell): a background process the program left
 * behind with the pipe open must not keep us waiting.
 */
static void collect(int rfd, pid_t pid, exec_line_fn *fn, void *arg)
{
	struct exec_lines l = { .len = 0 };
	int pfd = pid_fd(pid);
	struct pollfd p[2] = { { .fd = rfd, .events = POLLIN },
			       { .fd = pfd, .events = POLLIN } };

	for (;;) {
		int n = poll(p, pfd >= 0 ? 2 : 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		if (p[0].revents && drain(rfd, &l, fn, arg))
			break;
		if (pfd >= 0 && p[1].revents) {
			/* Exited: take what is left without blocking. */
			int fl = fcntl(rfd, F_GETFL);
			if (fl >= 0 &&
			    fcntl(rfd, F_SETFL, fl | O_NONBLOCK) == 0)
				while (!drain(rfd, &l, fn, arg))
					;
			break;
		}
	}
	exec_lines_flush(&l, fn, arg);
	if (pfd >= 0)
		close(pfd);
}

/* ---- signals of the calling process while the program runs ---- */

/* The stop signals passed on to the program. */
static const int forwarded[] = { SIGTERM, SIGINT, SIGHUP };
#define NFORWARDED (sizeof forwarded / sizeof forwarded[0])

/* The program's pid once known; a signal that came before is pending. */
static volatile sig_atomic_t fwd_pid, fwd_pending;

static void forward(int sig)
{
	int e = errno;

	if (fwd_pid > 0)
		kill((pid_t)fwd_pid, sig);
	else
		fwd_pending = sig;
	errno = e;
}

/* What exec_run changes in the caller's signal handling, to undo it. */
struct saved_signals {
	struct sigaction fwd[NFORWARDED], chld;
	int chld_changed;
};

/*
 * Pass the stop signals on to the program (the daemon stops a process-
 * mode child with SIGTERM: the program must be the one that stops), and
 * make sure SIGCHLD is not ignored: with SIGCHLD ignored the kernel reaps
 * children itself and waitpid() fails.
 */
static void signals_take(struct saved_signals *sv)
{
	struct sigaction sa;

	fwd_pid = 0;
	fwd_pending = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < NFORWARDED; i++)
		(void)sigaction(forwarded[i], &sa, &sv->fwd[i]);
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	sv->chld_changed = sigaction(SIGCHLD, NULL, &sv->chld) == 0 &&
			   sv->chld.sa_handler == SIG_IGN &&
			   sigaction(SIGCHLD, &sa, NULL) == 0;
}

/* The program is pid: deliver a signal that came before it was known. */
static void signals_target(pid_t pid)
{
	fwd_pid = pid;
	if (fwd_pending)
		kill(pid, fwd_pending);
}

static void signals_restore(const struct saved_signals *sv)
{
	fwd_pid = 0;
	for (size_t i = 0; i < NFORWARDED; i++)
		(void)sigaction(forwarded[i], &sv->fwd[i], NULL);
	if (sv->chld_changed)
		(void)sigaction(SIGCHLD, &sv->chld, NULL);
}

int exec_run(const char *path, char *const argv[], char *const envp[],
	     int sock, exec_line_fn *line_fn, void *arg, pid_t *pidp,
	     char *err, size_t errlen)
{
	struct saved_signals sv;
	int pfd[2], flags, status = -1, e = 0;
	pid_t pid, self = getpid();

	flags = fcntl(sock, F_GETFL);
	if (flags < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	/* Programs expect blocking descriptors, as inetd gives them. */
	if ((flags & O_NONBLOCK) &&
	    fcntl(sock, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		e = errno;
		snprintf(err, errlen, "socket: %s", strerror(e));
		close(pfd[0]);
		close(pfd[1]);
		errno = e;
		return -1;
	}
	signals_take(&sv);
	pid = fork();
	if (pid == 0)
		child(path, argv, envp, sock, pfd[1], self);
	if (pid < 0) {
		e = errno;
		snprintf(err, errlen, "fork: %s", strerror(e));
		close(pfd[0]);
		close(pfd[1]);
		goto out;
	}
	signals_target(pid);
	if (pidp)
		*pidp = pid;
	close(pfd[1]);
	collect(pfd[0], pid, line_fn, arg);
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			e = errno;
			snprintf(err, errlen, "waitpid: %s", strerror(e));
			status = -1;
			break;
		}
	}
out:
	signals_restore(&sv);
	if (flags & O_NONBLOCK)
		(void)fcntl(sock, F_SETFL, flags);
	if (status < 0)
		errno = e;
	return status;
}
