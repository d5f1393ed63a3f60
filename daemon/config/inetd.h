/*
 * inetd.h -- classic inetd.conf lines as pinetd services.
 *
 * One line of inetd.conf (openbsd-inetd's format, as Debian ships it):
 *
 *   [HOST:]SERVICE  SOCKTYPE  PROTO  WAIT[.MAX]  USER[.GROUP]  SERVER  ARGV...
 *
 * SERVICE is a name from /etc/services or a port number; SOCKTYPE stream
 * or dgram; PROTO tcp, udp (IPv4 and IPv6), tcp4, udp4, tcp6, udp6 (also
 * tcp46, udp46); WAIT wait or nowait; USER may be USER:GROUP too; SERVER
 * a program's absolute path, its argv following (argv[0] included), or
 * `internal` for echo, discard, daytime, time and chargen.  '#' starts a
 * comment line (so Debian's `#<off>#` entries are comments); a line
 * starting with a blank continues the entry above it.
 *
 * The parser is pure (no I/O, no name lookup: listen addresses carry the
 * service name and host as written, resolved later by addr.c), shared by
 * the daemon (conf.c reads the file named by `inetd_conf`) and the
 * converter pinetd-import.
 */
#ifndef PN_INETD_H
#define PN_INETD_H

#include <stdio.h>

#define PN_INETD_ARGS_MAX 64 /* words of SERVER ARGV... */

/* One entry (one logical line) of inetd.conf. */
struct pn_inetd_entry {
	int line;		/* its first line */
	char *host;		/* "*" unless a HOST: prefix was given */
	char *service;		/* name or port, as written */
	int dgram;		/* socket type: 0 stream, 1 dgram */
	char *proto;		/* as written: tcp, udp6, ... */
	int family;		/* 0 both, 4 or 6 */
	int wait;		/* 1 wait, 0 nowait */
	long max;		/* the .MAX suffix, 0 when absent */
	char *user, *group;	/* group "" when absent */
	char *internal;		/* builtin plugin name, or NULL */
	char *argv[PN_INETD_ARGS_MAX + 2]; /* server path, then argv */
	int argc;		/* words in argv (path included) */
	/* Set by pinetd-import for xinetd: the name instead of "inetd:...",
	 * a disabled service, further option lines; NULL/0: none. */
	char *name;
	int disabled;
	char *extra;
};

/* Called with each error: line (of the entry) and message. */
typedef void pn_inetd_err_fn(void *arg, int line, const char *msg);

/*
 * pn_inetd_parse -- the entries of inetd.conf text, in order.  Every bad
 * entry is reported through err (with its line) and skipped.  Returns
 * the number of entries in *out (malloc'd; free with pn_inetd_free), or
 * -1 when out of memory.  *nerr receives the number of errors.
 */
int pn_inetd_parse(const char *text, struct pn_inetd_entry **out,
		   pn_inetd_err_fn *err, void *arg, int *nerr);

void pn_inetd_free(struct pn_inetd_entry *v, int n);

/* Free what one entry owns and zero it. */
void pn_inetd_clear(struct pn_inetd_entry *e);

/* The stable, unique service name of an entry: "inetd:telnet/tcp",
 * "inetd:127.0.0.1:echo/udp". */
void pn_inetd_name(const struct pn_inetd_entry *e, char *buf, size_t len);

/* The listen address of an entry: tcp://HOST:SERVICE or udp://..., HOST
 * "*" unless the entry says (e.g. "udp://[::]:7"). */
void pn_inetd_listen(const struct pn_inetd_entry *e, char *buf, size_t len);

/*
 * pn_inetd_write_service -- the entry as a pinetd.conf `service` section
 * into f; sep goes between options (" " keeps it on one line, "\n\t"
 * gives one option a line).  Strings are quoted for libconfuse.
 */
void pn_inetd_write_service(const struct pn_inetd_entry *e, FILE *f,
			    const char *sep);

/*
 * pn_inetd_translate -- inetd.conf text as pinetd.conf text, line for
 * line: each entry becomes one service section on its first line, every
 * other line a blank one, so that libconfuse's line numbers are the
 * file's.  Errors go through err.  Returns a malloc'd string, or NULL
 * when out of memory.
 */
char *pn_inetd_translate(const char *text, pn_inetd_err_fn *err, void *arg,
			 int *nerr);

/* pn_config_quote -- write s as a libconfuse string literal. */
void pn_config_quote(FILE *f, const char *s);

#endif
