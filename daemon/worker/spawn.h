/*
 * spawn.h -- programs started by the worker itself (core->spawn and
 * core->spawn_wait): the exec plugin's one process per connection.
 *
 * The worker starts the program with clone(CLONE_VM | CLONE_VFORK): no
 * copy of the worker is made, the worker is suspended only until the
 * child has called execve(), and the child, before that, arranges its
 * descriptors, resets its signals and asks for SIGKILL should the worker
 * die.  The program is then one more descriptor in the worker's loop
 * (the read end of its stderr pipe, logged line by line) and one entry
 * in srv->progs, reaped on SIGCHLD through pn_child_reap.  A connection
 * handed to a program stays open in the core (counted, its source slot
 * held) until the program exits; closing it meanwhile (max_duration,
 * shutdown) stops the program instead: SIGTERM, then SIGKILL after
 * PN_SPAWN_KILL_MS.
 */
#ifndef PN_SPAWN_H
#define PN_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "runtime.h"

struct pn_prog;

/* How long a program may take to exit after SIGTERM before SIGKILL. */
#define PN_SPAWN_KILL_MS 2000u

/* The longest stderr line logged; longer ones are cut into pieces. */
#define PN_SPAWN_LINE_MAX 900

/* core->spawn: see include/pinetd/plugin.h. */
pid_t pn_spawn_conn(pinetd_conn *c, const char *path, char *const argv[],
		   char *const envp[], char *err, size_t errlen);

/* core->spawn_wait: see include/pinetd/plugin.h. */
pid_t pn_spawn_wait(pinetd_svc *s, int fd, const char *path,
		   char *const argv[], char *const envp[], char *err,
		   size_t errlen);

/*
 * pn_spawn_datagram -- a datagram waits on ln, a PINETD_PF_SPAWN
 * service's socket: stop polling it and call the plugin's on_wait in the
 * worker.  When no program took the socket over, drop the waiting
 * datagram (it would wake us again at once) and poll again.
 */
void pn_spawn_datagram(struct pn_listener *ln);

/*
 * pn_spawn_stop -- end program p: SIGTERM now, SIGKILL after
 * PN_SPAWN_KILL_MS; `why` is what its connection's on_close will say.
 * Nothing when it was already asked to stop or has exited.
 */
void pn_spawn_stop(struct pn_prog *p, int why);

/*
 * pn_spawn_reaped -- pid exited with status: when it is one of srv's
 * programs, log its stderr's last lines and its end, end its connection
 * (or let its datagram socket be polled again) and return 1; else 0.
 */
int pn_spawn_reaped(struct pn_server *srv, pid_t pid, int status);

/* Walking srv->progs: the next running program, and a program's pid. */
struct pn_prog *pn_spawn_next(const struct pn_prog *p);
pid_t pn_spawn_pid(const struct pn_prog *p);

/* Free the programs that exited during the last batch (after hook). */
void pn_spawn_gc(struct pn_server *srv);

/* In a process-mode child: forget the worker's programs (close their
 * pipes, free their records; they are the worker's to reap). */
void pn_spawn_forget_all(struct pn_server *srv);

/*
 * Helpers, exposed for tests.
 *
 * pn_spawn_status_text describes a wait status: "exited with status 3",
 * "killed by signal 9 (Killed)", "... core dumped".
 */
void pn_spawn_status_text(int status, char *buf, size_t len);

/* Line assembly for the stderr pipe: bytes in, printable lines out
 * (control characters as '?', a CR before the LF dropped, empty lines
 * dropped, lines cut at PN_SPAWN_LINE_MAX). */
typedef void pn_errline_fn(void *arg, const char *line);
struct pn_lines {
	size_t len;
	char buf[PN_SPAWN_LINE_MAX + 1];
};
void pn_lines_feed(struct pn_lines *l, const char *data, size_t n,
		   pn_errline_fn *fn, void *arg);
void pn_lines_flush(struct pn_lines *l, pn_errline_fn *fn, void *arg);

/* Close every descriptor >= lowfd by listing /proc/self/fd (kernels
 * without close_range).  Async-signal-safe.  Returns 0 or -1, errno. */
int pn_close_from_proc(int lowfd);

#endif
