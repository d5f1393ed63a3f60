/*
 * xinetd.c -- xinetd.d files as inetd entries (see xinetd.h).
 *
 * A block is "service NAME", "{" (on that line or the next), one
 * attribute a line ("key = values", "+=" and "-=" taken as "="), "}".
 * What maps:
 *
 *   socket_type, protocol, wait, user, group, server, server_args,
 *   port, disable, type (INTERNAL, UNLISTED), bind and interface,
 *   flags IPv4 / IPv6     as inetd.conf's fields;
 *   only_from, no_access  allow, deny (addresses and prefixes only);
 *   instances             max_children;
 *   per_source            max_per_source.
 *
 * Everything else (log_on_success, cps, env, redirect, access_times...)
 * is warned about: pinetd logs every connection already, and the rest has
 * no equivalent.
 */
#include "xinetd.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snapshot.h"

struct block {
	const char *file;
	int line, errors;
	char name[128];
	char *attr[32][2]; /* key, value (pointers into the file's copy) */
	int attrline[32];
	int n;
};

static const char *get(const struct block *b, const char *key, int *line)
{
	for (int i = b->n - 1; i >= 0; i--)
		if (strcmp(b->attr[i][0], key) == 0) {
			if (line)
				*line = b->attrline[i];
			return b->attr[i][1];
		}
	return NULL;
}

static void warn(const struct block *b, int line, const char *what)
{
	fprintf(stderr, "%s:%d: warning: service '%s': %s\n", b->file, line,
		b->name, what);
}

/* Append "key = { "a", "b" }" for the words of v to f. */
static void list_opt(FILE *f, const char *key, const char *v)
{
	char *copy = strdup(v), *save = NULL;
	int first = 1;

	fprintf(f, "%s = {", key);
	for (char *w = copy ? strtok_r(copy, " \t", &save) : NULL; w;
	     w = strtok_r(NULL, " \t", &save)) {
		fprintf(f, first ? " " : ", ");
		pn_config_quote(f, w);
		first = 0;
	}
	fprintf(f, " }\n\t");
	free(copy);
}

static const char *const known[] = {
	"socket_type", "protocol", "wait", "user", "group", "server",
	"server_args", "port", "disable", "type", "bind", "interface", "flags",
	"only_from", "no_access", "instances", "per_source", "id", NULL,
};

/* Convert one block and emit it.  Returns the number of errors. */
static int convert(struct block *b, pn_xinetd_emit_fn *emit)
{
	struct pn_inetd_entry e = { .line = b->line };
	const char *v, *server, *args;
	char *extra = NULL;
	size_t elen = 0;
	FILE *xf;
	int l;

	for (int i = 0; i < b->n; i++) {
		const char *const *k;
		for (k = known; *k && strcmp(*k, b->attr[i][0]) != 0; k++)
			;
		if (!*k) {
			char w[200];
			snprintf(w, sizeof w, "'%s' has no pinetd equivalent: not "
					      "converted", b->attr[i][0]);
			warn(b, b->attrline[i], w);
		}
	}
	v = get(b, "socket_type", &l);
	if (!v || (strcmp(v, "stream") != 0 && strcmp(v, "dgram") != 0)) {
		fprintf(stderr, "%s:%d: service '%s': socket_type '%s' is not "
				"supported (stream or dgram)\n", b->file, b->line,
			b->name, v ? v : "(missing)");
		return 1;
	}
	e.dgram = strcmp(v, "dgram") == 0;
	v = get(b, "protocol", NULL);
	e.proto = strdup(v ? v : e.dgram ? "udp" : "tcp");
	if ((v = get(b, "flags", NULL)) && strstr(v, "IPv6"))
		e.family = 6;
	else if (v && strstr(v, "IPv4"))
		e.family = 4;
	v = get(b, "bind", NULL);
	if (!v)
		v = get(b, "interface", NULL);
	e.host = strdup(v ? v : "*");
	if (v)
		e.family = 0;
	v = get(b, "port", NULL);
	e.service = strdup(v ? v : b->name);
	v = get(b, "wait", NULL);
	e.wait = v && strcmp(v, "yes") == 0;
	v = get(b, "user", NULL);
	e.user = strdup(v ? v : "root");
	v = get(b, "group", NULL);
	e.group = strdup(v ? v : "");
	v = get(b, "disable", NULL);
	e.disabled = v && strcmp(v, "yes") == 0;
	if (asprintf(&e.name, "xinetd:%s/%s", b->name, e.proto ? e.proto : "") < 0)
		e.name = NULL;
	v = get(b, "type", NULL);
	server = get(b, "server", NULL);
	if (v && strstr(v, "INTERNAL")) {
		e.internal = strdup(b->name);
	} else if (!server || server[0] != '/') {
		fprintf(stderr, "%s:%d: service '%s': no server with an absolute "
				"path\n", b->file, b->line, b->name);
		pn_inetd_clear(&e);
		return 1;
	} else {
		const char *base = strrchr(server, '/') + 1;
		char *copy, *save = NULL;
		e.argv[e.argc++] = strdup(server);
		e.argv[e.argc++] = strdup(base);
		args = get(b, "server_args", NULL);
		copy = strdup(args ? args : "");
		for (char *w = copy ? strtok_r(copy, " \t", &save) : NULL;
		     w && e.argc < PN_INETD_ARGS_MAX; w = strtok_r(NULL, " \t", &save))
			e.argv[e.argc++] = strdup(w);
		free(copy);
	}
	if ((xf = open_memstream(&extra, &elen))) {
		if ((v = get(b, "only_from", NULL)))
			list_opt(xf, "allow", v);
		if ((v = get(b, "no_access", NULL)))
			list_opt(xf, "deny", v);
		if ((v = get(b, "instances", NULL)) && strcmp(v, "UNLIMITED") != 0)
			fprintf(xf, "max_children = %ld\n\t", strtol(v, NULL, 10));
		if ((v = get(b, "per_source", NULL)) && strcmp(v, "UNLIMITED") != 0)
			fprintf(xf, "max_per_source = %ld\n\t", strtol(v, NULL, 10));
		fclose(xf);
		if (extra && elen >= 2)
			extra[elen - 2] = '\0'; /* the last "\n\t" */
		if (extra && extra[0])
			e.extra = extra;
		else
			free(extra);
	}
	emit(&e, b->file);
	pn_inetd_clear(&e);
	return 0;
}

/* The blocks of one file's text (modified).  Returns the errors. */
static int import_text(const char *file, char *text, pn_xinetd_emit_fn *emit)
{
	struct block b = { .file = file };
	int line = 0, in = 0, errors = 0, open_pending = 0;
	char *save = NULL;

	for (char *p = text; p; ) {
		char *nl = strchr(p, '\n'), *s = p;
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
		line++;
		if (strchr(s, '#'))
			*strchr(s, '#') = '\0';
		s += strspn(s, " \t\r");
		char *end = s + strlen(s);
		while (end > s && strchr(" \t\r", end[-1]))
			*--end = '\0';
		if (!*s)
			continue;
		if (!in && !open_pending) {
			char *kw = strtok_r(s, " \t", &save), *nm = strtok_r(NULL, " \t", &save);
			if (strcmp(kw, "defaults") == 0 || strcmp(kw, "includedir") == 0) {
				fprintf(stderr, "%s:%d: warning: '%s' is not converted\n",
					file, line, kw);
				if (strcmp(kw, "defaults") == 0) {
					b.name[0] = '\0';
					open_pending = 2; /* skip the block */
				}
				continue;
			}
			if (strcmp(kw, "service") != 0 || !nm) {
				fprintf(stderr, "%s:%d: expected 'service NAME'\n", file, line);
				return errors + 1;
			}
			snprintf(b.name, sizeof b.name, "%s", nm);
			b.line = line;
			b.n = 0;
			open_pending = 1;
			char *rest = strtok_r(NULL, " \t", &save);
			if (rest && strcmp(rest, "{") == 0) {
				in = 1;
				open_pending = 0;
			}
			continue;
		}
		if (open_pending) {
			if (strcmp(s, "{") != 0) {
				fprintf(stderr, "%s:%d: expected '{'\n", file, line);
				return errors + 1;
			}
			in = open_pending; /* 2: a defaults block */
			open_pending = 0;
			continue;
		}
		if (strcmp(s, "}") == 0) {
			if (in == 1)
				errors += convert(&b, emit);
			in = 0;
			continue;
		}
		if (in == 2)
			continue;
		char *op = strpbrk(s, "+-=");
		if (!op || b.n == 32) {
			fprintf(stderr, "%s:%d: expected 'attribute = value'\n", file,
				line);
			return errors + 1;
		}
		char *val = strchr(op, '=');
		if (!val) {
			fprintf(stderr, "%s:%d: expected 'attribute = value'\n", file,
				line);
			return errors + 1;
		}
		*op = '\0';
		for (char *k = op; k > s && strchr(" \t", k[-1]); k--)
			k[-1] = '\0';
		val++;
		val += strspn(val, " \t");
		b.attr[b.n][0] = s;
		b.attr[b.n][1] = val;
		b.attrline[b.n++] = line;
	}
	if (in || open_pending) {
		fprintf(stderr, "%s:%d: the block of service '%s' is not closed\n",
			file, b.line, b.name);
		errors++;
	}
	return errors;
}

static int keep(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return !strchr(d->d_name, '.') && n && d->d_name[n - 1] != '~';
}

int pn_xinetd_import_dir(const char *dir, pn_xinetd_emit_fn *emit)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, keep, alphasort), errors = 0;

	if (n < 0) {
		perror(dir);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096], err[256], *data;
		size_t len;
		snprintf(path, sizeof path, "%s/%s", dir, ents[i]->d_name);
		free(ents[i]);
		if (pn_file_read(path, PN_CONF_FILE_MAX, &data, &len, err,
				 sizeof err) < 0) {
			fprintf(stderr, "%s: %s\n", path, err);
			errors++;
			continue;
		}
		errors += import_text(path, data, emit);
		free(data);
	}
	free(ents);
	return errors;
}
