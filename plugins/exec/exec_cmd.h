/*
 * exec_cmd.h -- what the exec plugin runs: the argument vector and the
 * environment of an inetd program.
 *
 * Pure functions with no I/O and no dependency on the daemon, so they can
 * be unit-tested on their own.
 */
#ifndef PINETD_EXEC_CMD_H
#define PINETD_EXEC_CMD_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * exec_split -- split `s` into words, like a very small shell.
 *
 * Words are separated by runs of spaces, tabs and newlines.  A double
 * quote starts or ends a quoted part, in which whitespace is kept:
 * `a "b c"d ""` gives the three words a, "b cd" and the empty word.  A
 * backslash keeps the next character literally when that character is a
 * double quote or a backslash (in or out of quotes); any other backslash
 * is an ordinary character.  Nothing else is special: no single quotes,
 * no variables, no globbing.
 *
 * On success *words receives a NULL-terminated vector (one allocation:
 * release it with a single free()) and the number of words is returned.
 * Returns -1 with errno EINVAL for an unterminated double quote, ENOMEM
 * when out of memory.
 */
int exec_split(const char *s, char ***words);

/* exec_valid_name -- 1 when `name` is a portable environment variable
 * name ([A-Za-z_][A-Za-z0-9_]*), else 0. */
int exec_valid_name(const char *name);

/*
 * exec_basename -- the part of `path` after its last '/', or `path`
 * itself when it has none.  Points into `path`.
 */
const char *exec_basename(const char *path);

/*
 * exec_addr_text -- the numeric IP address of `sa` into ip (at least
 * INET6_ADDRSTRLEN bytes) and its port into *port.  IPv6 addresses are
 * written without brackets; an IPv4-mapped IPv6 address (::ffff:a.b.c.d,
 * a dual-stack listener's IPv4 client) is written as plain IPv4.
 * Returns 0, or -1 when sa is NULL or neither IPv4 nor IPv6.
 */
int exec_addr_text(const struct sockaddr *sa, char *ip, size_t iplen,
		   unsigned *port);

/* A growing environment vector, NULL-terminated at v[n]. */
struct exec_env {
	char **v;
	size_t n, cap;
};

/*
 * exec_env_set -- add NAME=value, replacing an earlier entry of the same
 * name.  Returns 0, or -1 (ENOMEM).
 */
int exec_env_set(struct exec_env *e, const char *name, const char *value);

/*
 * exec_env_ucspi -- set the connection variables for protocol `proto`
 * ("TCP" or "UDP"), following UCSPI (the variable names start with the
 * value of PROTO):
 *
 *	PROTO=TCP
 *	TCPLOCALIP, TCPLOCALPORT	from `local` (when known)
 *	TCPREMOTEIP, TCPREMOTEPORT	from `remote` (when known)
 *	REMOTE_ADDR, REMOTE_PORT	the same as TCPREMOTEIP/PORT
 *
 * and the same with UDP for "UDP".  A NULL address, or one that is not
 * IPv4 or IPv6, sets no variable of its kind: a datagram service in wait
 * mode has no single peer, so it gets PROTO and the local pair only.
 * Returns 0, or -1 (ENOMEM).
 */
int exec_env_ucspi(struct exec_env *e, const char *proto,
		   const struct sockaddr *local, const struct sockaddr *remote);

/*
 * exec_env_keep -- copy from `from` (an environ-style vector) each
 * variable whose name is listed in the NULL-terminated `names`, unless a
 * variable of that name is already set (the connection variables win).
 * Names absent from `from` are skipped.  Returns 0, or -1 (ENOMEM).
 */
int exec_env_keep(struct exec_env *e, char *const *names, char *const *from);

/* exec_env_get -- the value of `name` in e, or NULL. */
const char *exec_env_get(const struct exec_env *e, const char *name);

/* exec_env_free -- release every entry and the vector; e is reusable. */
void exec_env_free(struct exec_env *e);

#endif
