/*
 * inetd.c -- classic inetd.conf lines as pinetd services (see inetd.h).
 *
 * What a line becomes:
 *
 *   SERVICE/PROTO    the name "inetd:[HOST:]SERVICE/PROTO" and the listen
 *                    address tcp:// or udp:// HOST:SERVICE, HOST "*" (IPv4
 *                    and IPv6) for tcp and udp, "0.0.0.0" for tcp4/udp4,
 *                    "[::]" for tcp6/udp6 unless a HOST: prefix says;
 *   internal         the builtin plugin of the same name (echo, discard,
 *                    daytime, time, chargen), run as the default user;
 *   SERVER ARGV...   the exec plugin: program = SERVER, args = ARGV
 *                    (argv[0] first, as inetd passes it), stderr on the
 *                    socket and working directory "/" as inetd gives
 *                    them, user and group as written;
 *   wait.MAX         wait_max_starts = MAX (starts a minute); nowait.MAX
 *                    max_children = MAX (running programs).
 *
 * A stream "wait" service (a program that accepts connections itself)
 * and RPC services are refused: pinetd has no equivalent.
 */
#include "inetd.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* The builtins inetd has and the plugins that serve them. */
static const char *const builtins[] = {
	"echo", "discard", "daytime", "time", "chargen", NULL,
};

static const struct {
	const char *name;
	int dgram, family;
} protos[] = {
	{ "tcp", 0, 0 },  { "tcp4", 0, 4 }, { "tcp6", 0, 6 }, { "tcp46", 0, 0 },
	{ "udp", 1, 0 },  { "udp4", 1, 4 }, { "udp6", 1, 6 }, { "udp46", 1, 0 },
};

#define BLANKS " \t\r"

/* Report an error at line: formatted into a buffer, counted. */
struct sink {
	pn_inetd_err_fn *fn;
	void *arg;
	int n;
};

static void report(struct sink *s, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(struct sink *s, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->n++;
	if (s->fn)
		s->fn(s->arg, line, msg);
}

/* Split s (modified) into at most max words at blanks; returns the count,
 * or max + 1 when there are more. */
static int split(char *s, char **w, int max)
{
	int n = 0;

	for (char *t = strtok(s, BLANKS "\n"); t; t = strtok(NULL, BLANKS "\n")) {
		if (n == max)
			return max + 1;
		w[n++] = t;
	}
	return n;
}

/* 1 when s is only digits, its value in 1..65535, or any name. */
static int valid_service(const char *s)
{
	if (!s[0])
		return 0;
	if (strspn(s, "0123456789") == strlen(s)) {
		long v = strtol(s, NULL, 10);
		return strlen(s) <= 5 && v >= 1 && v <= 65535;
	}
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789-_.+") == strlen(s);
}

static void entry_clear(struct pn_inetd_entry *e);

void pn_inetd_clear(struct pn_inetd_entry *e)
{
	entry_clear(e);
}

static void entry_clear(struct pn_inetd_entry *e)
{
	free(e->host);
	free(e->service);
	free(e->proto);
	free(e->user);
	free(e->group);
	free(e->internal);
	free(e->name);
	free(e->extra);
	for (int i = 0; i < e->argc; i++)
		free(e->argv[i]);
	memset(e, 0, sizeof *e);
}

/*
 * Parse the words of one entry into e.  Returns 0, 1 when the entry was
 * refused (reported), -1 when out of memory.
 */
static int parse_entry(char **w, int n, int line, struct pn_inetd_entry *e,
		       struct sink *s)
{
	char *svc = w[0], *colon, *dot;
	size_t i;

	memset(e, 0, sizeof *e);
	e->line = line;
	if (n < 6) {
		report(s, line, "inetd entry has %d field%s, expected at least 6: "
				"SERVICE SOCKTYPE PROTO WAIT USER SERVER [ARGS]",
		       n, n == 1 ? "" : "s");
		return 1;
	}
	if (n > PN_INETD_ARGS_MAX + 5) {
		report(s, line, "more than %d server arguments", PN_INETD_ARGS_MAX);
		return 1;
	}
	/* [HOST:]SERVICE; an IPv6 host in brackets. */
	colon = svc[0] == '[' ? strstr(svc, "]:") : strrchr(svc, ':');
	if (colon && svc[0] == '[')
		colon++;
	if (colon) {
		*colon = '\0';
		e->host = strdup(svc[0] ? svc : "*");
		svc = colon + 1;
	} else {
		e->host = strdup("*");
	}
	e->service = strdup(svc);
	e->proto = strdup(w[2]);
	if (!e->host || !e->service || !e->proto)
		return -1;
	if (!valid_service(e->service)) {
		report(s, line, "service '%s': expected a name from /etc/services "
				"or a port number 1-65535", e->service);
		return 1;
	}
	if (strcmp(w[1], "stream") == 0)
		e->dgram = 0;
	else if (strcmp(w[1], "dgram") == 0)
		e->dgram = 1;
	else {
		report(s, line, "socket type '%s' is not supported (expected stream "
				"or dgram)", w[1]);
		return 1;
	}
	if (strncmp(w[2], "rpc/", 4) == 0) {
		report(s, line, "protocol '%s': RPC services are not supported", w[2]);
		return 1;
	}
	for (i = 0; i < sizeof protos / sizeof protos[0]; i++)
		if (strcmp(w[2], protos[i].name) == 0)
			break;
	if (i == sizeof protos / sizeof protos[0]) {
		report(s, line, "protocol '%s' is not supported (expected tcp, udp, "
				"tcp4, udp4, tcp6 or udp6)", w[2]);
		return 1;
	}
	if (protos[i].dgram != e->dgram) {
		report(s, line, "socket type '%s' does not go with protocol '%s' "
				"(stream is tcp, dgram is udp)", w[1], w[2]);
		return 1;
	}
	e->family = protos[i].family;
	if (e->family && strcmp(e->host, "*") != 0) {
		report(s, line, "a host prefix and protocol '%s' together: give one "
				"of the two", w[2]);
		return 1;
	}
	/* WAIT[.MAX] */
	dot = strchr(w[3], '.');
	if (dot) {
		char *end;
		*dot = '\0';
		e->max = strtol(dot + 1, &end, 10);
		if (!dot[1] || *end || e->max < 1 || e->max > 100000) {
			report(s, line, "'%s.%s': the maximum must be a number 1-100000",
			       w[3], dot + 1);
			return 1;
		}
	}
	if (strcmp(w[3], "wait") == 0)
		e->wait = 1;
	else if (strcmp(w[3], "nowait") != 0) {
		report(s, line, "'%s' is neither wait nor nowait", w[3]);
		return 1;
	}
	/* USER[.GROUP] or USER:GROUP */
	size_t ulen = strcspn(w[4], ".:");
	e->user = strndup(w[4], ulen);
	e->group = strdup(w[4][ulen] ? w[4] + ulen + 1 : "");
	if (!e->user || !e->group)
		return -1;
	if (!e->user[0] || (w[4][ulen] && !e->group[0])) {
		report(s, line, "user '%s': expected USER, USER.GROUP or USER:GROUP",
		       w[4]);
		return 1;
	}
	if (strcmp(w[5], "internal") == 0) {
		const char *const *b;
		for (b = builtins; *b && strcmp(*b, e->service) != 0; b++)
			;
		if (!*b) {
			report(s, line, "internal service '%s' is not one pinetd has "
					"(echo, discard, daytime, time, chargen)",
			       e->service);
			return 1;
		}
		if (!(e->internal = strdup(*b)))
			return -1;
		return 0;
	}
	if (w[5][0] != '/') {
		report(s, line, "server '%s' is not an absolute path (or internal)",
		       w[5]);
		return 1;
	}
	if (!e->dgram && e->wait) {
		report(s, line, "a stream service in wait mode (the program accepts "
				"connections itself) is not supported: use nowait");
		return 1;
	}
	for (int k = 5; k < n; k++)
		if (!(e->argv[e->argc++] = strdup(w[k])))
			return -1;
	if (e->argc == 1) { /* no argv[0]: inetd would run it with none */
		report(s, line, "server '%s' has no argv[0]: write the program's "
				"name after its path", w[5]);
		return 1;
	}
	return 0;
}

/* Append the entry gathered in buf to *v (parse_entry).  0, or -1 when
 * out of memory. */
static int flush(char *buf, int start, struct pn_inetd_entry **v, int *n,
		 struct sink *s)
{
	char *words[PN_INETD_ARGS_MAX + 8];
	int k = split(buf, words, PN_INETD_ARGS_MAX + 6), rc;

	if (k == 0)
		return 0;
	if (*n % 16 == 0) {
		struct pn_inetd_entry *nv = realloc(*v, (size_t)(*n + 16) * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
	}
	rc = parse_entry(words, k, start, &(*v)[*n], s);
	if (rc == 0)
		(*n)++;
	else
		entry_clear(&(*v)[*n]);
	return rc < 0 ? -1 : 0;
}

int pn_inetd_parse(const char *text, struct pn_inetd_entry **out,
		   pn_inetd_err_fn *err, void *arg, int *nerr)
{
	struct sink s = { err, arg, 0 };
	struct pn_inetd_entry *v = NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	int n = 0, start = 0, line = 0;

	*out = NULL;
	/* One logical entry -- a line and the blank-led lines after it --
	 * is gathered into buf and parsed when the next one starts. */
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p), lead = strspn(p, BLANKS);

		line++;
		if (lead >= l || p[lead] == '#') {
			/* blank or comment (Debian's "#<off>#" lines too) */
		} else if (lead > 0 && len == 0) {
			report(&s, line, "a line starting with a blank continues an "
					 "entry, but none comes before it");
		} else {
			if (lead == 0) {
				if (len && flush(buf, start, &v, &n, &s) < 0)
					goto oom;
				len = 0;
				start = line;
			}
			if (len + l + 2 > cap) {
				char *nb = realloc(buf, cap = len + l + 256);
				if (!nb)
					goto oom;
				buf = nb;
			}
			buf[len++] = ' ';
			memcpy(buf + len, p, l);
			len += l;
			buf[len] = '\0';
		}
		p = nl ? nl + 1 : p + l;
	}
	if (len && flush(buf, start, &v, &n, &s) < 0)
		goto oom;
	free(buf);
	*out = v;
	if (nerr)
		*nerr = s.n;
	return n;
oom:
	free(buf);
	pn_inetd_free(v, n);
	return -1;
}

void pn_inetd_free(struct pn_inetd_entry *v, int n)
{
	for (int i = 0; i < n; i++)
		entry_clear(&v[i]);
	free(v);
}

/* The host part of the listen address. */
static const char *listen_host(const struct pn_inetd_entry *e)
{
	if (e->family == 4)
		return "0.0.0.0";
	if (e->family == 6)
		return "[::]";
	return e->host;
}

void pn_inetd_name(const struct pn_inetd_entry *e, char *buf, size_t len)
{
	if (e->name)
		snprintf(buf, len, "%s", e->name);
	else if (strcmp(e->host, "*") == 0)
		snprintf(buf, len, "inetd:%s/%s", e->service, e->proto);
	else
		snprintf(buf, len, "inetd:%s:%s/%s", e->host, e->service, e->proto);
}

void pn_inetd_listen(const struct pn_inetd_entry *e, char *buf, size_t len)
{
	const char *h = listen_host(e);
	int bracket = strchr(h, ':') && h[0] != '[';

	snprintf(buf, len, "%s://%s%s%s:%s", e->dgram ? "udp" : "tcp",
		 bracket ? "[" : "", h, bracket ? "]" : "", e->service);
}

void pn_config_quote(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\' || *s == '$')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

/* The exec plugin's `args`: each word double-quoted as exec_split reads
 * it back (exec_cmd.h). */
static char *exec_args(const struct pn_inetd_entry *e)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	for (int i = 1; i < e->argc; i++) {
		fputs(i > 1 ? " \"" : "\"", f);
		for (const char *c = e->argv[i]; *c; c++) {
			if (*c == '"' || *c == '\\')
				fputc('\\', f);
			fputc(*c, f);
		}
		fputc('"', f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

void pn_inetd_write_service(const struct pn_inetd_entry *e, FILE *f,
			    const char *sep)
{
	char name[512], listen[512];

	pn_inetd_name(e, name, sizeof name);
	pn_inetd_listen(e, listen, sizeof listen);
	fputs("service ", f);
	pn_config_quote(f, name);
	fprintf(f, " {%splugin = \"%s\"%slisten = ", sep,
		e->internal ? e->internal : "exec", sep);
	pn_config_quote(f, listen);
	if (!e->internal) {
		char *args = exec_args(e);
		fprintf(f, "%sprogram = ", sep);
		pn_config_quote(f, e->argv[0]);
		fprintf(f, "%sargs = ", sep);
		pn_config_quote(f, args ? args : "");
		free(args);
		fprintf(f, "%sstderr = \"socket\"%schdir = \"/\"", sep, sep);
		fprintf(f, "%suser = ", sep);
		pn_config_quote(f, e->user);
		if (e->group[0]) {
			fprintf(f, "%sgroup = ", sep);
			pn_config_quote(f, e->group);
		}
		if (e->max && e->wait)
			fprintf(f, "%swait_max_starts = %ld", sep, e->max);
		else if (e->max)
			fprintf(f, "%smax_children = %ld", sep, e->max);
	}
	if (e->disabled)
		fprintf(f, "%senabled = false", sep);
	if (e->extra)
		fprintf(f, "%s%s", sep, e->extra);
	fprintf(f, "%s}", strchr(sep, '\n') ? "\n" : " ");
}

char *pn_inetd_translate(const char *text, pn_inetd_err_fn *err, void *arg,
			 int *nerr)
{
	struct pn_inetd_entry *v;
	char *out = NULL;
	size_t len = 0;
	int n = pn_inetd_parse(text, &v, err, arg, nerr), line = 1;
	FILE *f;

	if (n < 0)
		return NULL;
	if (!(f = open_memstream(&out, &len))) {
		pn_inetd_free(v, n);
		return NULL;
	}
	/* Entry i on its first line; a newline for every line of text. */
	int i = 0;
	for (const char *p = text; *p; p++) {
		if (i < n && v[i].line == line) {
			pn_inetd_write_service(&v[i], f, " ");
			i++;
		}
		if (*p == '\n') {
			fputc('\n', f);
			line++;
		}
	}
	pn_inetd_free(v, n);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
