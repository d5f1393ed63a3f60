/*
 * exec_run.h -- run an inetd program on a socket, the way inetd does:
 * the socket on its standard input and output, its standard error read
 * line by line and handed to the caller (to log), its exit waited for.
 *
 * No dependency on the daemon: the caller logs.  Meant to be called from
 * a process that serves one connection (the daemon's process mode), as it
 * blocks until the program has exited.
 */
#ifndef PINETD_EXEC_RUN_H
#define PINETD_EXEC_RUN_H

#include <stddef.h>
#include <sys/types.h>

/* The longest stderr line handed to the caller; longer ones are cut into
 * pieces of this size (a log line must stay a log line). */
#define EXEC_LINE_MAX 900

/* Receives one line of the program's standard error: no newline, control
 * characters replaced by '?', NUL-terminated. */
typedef void exec_line_fn(void *arg, const char *line);

/*
 * exec_run -- fork a child that makes `sock` its descriptors 0 and 1 (in
 * blocking mode) and the write end of a pipe its descriptor 2, closes
 * every other descriptor, restores the default disposition of every
 * signal, unblocks all signals and execve()s path with argv and envp.
 * Meanwhile read the pipe and hand each line to line_fn(arg, line), then
 * wait for the child.  The socket's file status flags (O_NONBLOCK) are
 * restored before returning: the daemon shares the open file description.
 *
 * While the program runs, SIGTERM, SIGINT and SIGHUP sent to the calling
 * process are passed on to the program (the caller keeps waiting for it),
 * and the program gets SIGTERM should the calling process die (see
 * PR_SET_PDEATHSIG in prctl(2)).  The caller's dispositions of those
 * signals, and of SIGCHLD, are restored before returning.
 *
 * When execve() fails, the child writes "cannot execute PATH: REASON" to
 * its standard error (so it arrives through line_fn) and exits with 126
 * (EACCES, ENOEXEC and the like) or 127 (ENOENT).
 *
 * The child's pid is stored in *pid (when pid is not NULL) as soon as it
 * is known, before the first line reaches line_fn (which may read it).
 * Returns the child's wait status (see waitpid(2)), or -1 with errno
 * (pipe, fork or waitpid failed) after writing a one-line reason into
 * err.
 */
int exec_run(const char *path, char *const argv[], char *const envp[],
	     int sock, exec_line_fn *line_fn, void *arg, pid_t *pid,
	     char *err, size_t errlen);

/*
 * exec_status_text -- describe a wait status in words: "exited with
 * status 3", "killed by signal 9 (Killed)", "killed by signal 11
 * (Segmentation fault), core dumped".
 */
void exec_status_text(int status, char *buf, size_t len);

/*
 * exec_status_code -- a wait status as one exit code, the shell's way:
 * the exit status, or 128 + the signal number.
 */
int exec_status_code(int status);

/*
 * Line assembly for the stderr pipe, exposed for tests.  Bytes go in with
 * exec_lines_feed, whole lines come out through fn; exec_lines_flush
 * hands over a last line without a newline.  A CR right before the LF
 * is dropped.
 */
struct exec_lines {
	char buf[EXEC_LINE_MAX + 1];
	size_t len;
};
void exec_lines_feed(struct exec_lines *l, const char *data, size_t n,
		     exec_line_fn *fn, void *arg);
void exec_lines_flush(struct exec_lines *l, exec_line_fn *fn, void *arg);

/*
 * exec_close_from_proc -- close every descriptor >= lowfd by listing
 * /proc/self/fd, for kernels without close_range(2).  Async-signal-safe
 * (no allocation).  Returns 0, or -1 with errno when /proc cannot be
 * read.  Exposed for tests.
 */
int exec_close_from_proc(int lowfd);

#endif
