/*
 * compare.c -- whether two services are the same for a running instance,
 * or the same but for the plugin's options (reconfigure in place), and
 * the fingerprint a view carries instead of the plugin's options (see
 * conf.h).  The numeric core options come from their table (coreopt.h).
 */
#include "conf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugopt.h"

static int same_prefixes(const struct pn_prefix *a, size_t na,
			 const struct pn_prefix *b, size_t nb)
{
	if (na != nb)
		return 0;
	for (size_t i = 0; i < na; i++)
		if (!pn_prefix_equal(&a[i], &b[i]))
			return 0;
	return 1;
}

static void put_prefixes(FILE *f, const char *name, const struct pn_prefix *v,
			 size_t n)
{
	fprintf(f, "%s", name);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, " %d/", v[i].family);
		for (size_t j = 0; j < sizeof v[i].addr; j++)
			fprintf(f, "%02x", v[i].addr[j]);
		fprintf(f, "/%u", v[i].len);
	}
	fputc('\n', f);
}

/* The line that starts the plugin's options in a fingerprint.  Every
 * line before it is a keyword and values quoted without a newline
 * (pn_plugopt_quote), so it cannot occur earlier. */
#define OPTIONS_LINE "plugin-options\n"

char *pn_service_fingerprint(const struct pn_service_conf *sc)
{
	const struct pinetd_plugin *d = sc->plugin->desc;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!f)
		return NULL;
	fputs("plugin ", f);
	pn_plugopt_quote(sc->plugin->name, f);
	fputc(' ', f);
	pn_plugopt_quote(sc->plugin->path, f);
	fputc('\n', f);
	for (const struct pn_core_option *o = pn_core_options; o->name; o++)
		if (pn_core_numeric(o) && o->same)
			fprintf(f, "%s %ld\n", o->name, pn_core_field_get(sc, o));
	put_prefixes(f, "allow", sc->acl.allow, sc->acl.nallow);
	put_prefixes(f, "deny", sc->acl.deny, sc->acl.ndeny);
	put_prefixes(f, "proxy_trusted", sc->proxy_trusted, sc->nproxy_trusted);
	fputs("udp_deny_ports", f);
	for (size_t i = 0; i < sc->nudp_deny_ports; i++)
		fprintf(f, " %ld", sc->udp_deny_ports[i]);
	fputs("\nuser ", f);
	pn_plugopt_quote(sc->user, f);
	fputs("\ngroup ", f);
	pn_plugopt_quote(sc->group, f);
	fputs("\nworker_group ", f);
	pn_plugopt_quote(sc->worker_group ? sc->worker_group : "", f);
	fputc('\n', f);
	fputs(OPTIONS_LINE, f);
	for (size_t i = 0; d && sc->pconf && d->options &&
			   d->options[i].type != PINETD_OPT_END; i++) {
		fprintf(f, "option %s ", d->options[i].name);
		pn_plugopt_format(&d->options[i], sc->pconf, f);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* The length of a fingerprint's part before the plugin's options, or 0
 * for a text without the options line (not one of ours: never equal). */
static size_t core_part(const char *fp)
{
	const char *o = strstr(fp, "\n" OPTIONS_LINE);

	return o ? (size_t)(o - fp) + 1 : 0;
}

/*
 * Compare a and b: everything when `options`, else everything but the
 * plugin's options.  Views compare fingerprints (the part before the
 * options line, for the latter), full tables their fields.
 */
static int same(const struct pn_service_conf *a, const struct pn_service_conf *b,
		int options)
{
	const struct pinetd_plugin *d = a->plugin->desc;

	if (a->fingerprint && b->fingerprint) {
		size_t n;
		if (options)
			return strcmp(a->fingerprint, b->fingerprint) == 0;
		n = core_part(a->fingerprint);
		return n && n == core_part(b->fingerprint) &&
		       memcmp(a->fingerprint, b->fingerprint, n) == 0;
	}
	if (!d || !b->plugin->desc)
		return 0; /* a view without a fingerprint: cannot tell */
	/* The numeric core options from their table, the rest by hand. */
	return a->plugin == b->plugin && pn_core_fields_same(a, b) &&
	       a->nudp_deny_ports == b->nudp_deny_ports &&
	       (!a->nudp_deny_ports ||
		memcmp(a->udp_deny_ports, b->udp_deny_ports,
		       a->nudp_deny_ports * sizeof *a->udp_deny_ports) == 0) &&
	       same_prefixes(a->acl.allow, a->acl.nallow, b->acl.allow, b->acl.nallow) &&
	       same_prefixes(a->acl.deny, a->acl.ndeny, b->acl.deny, b->acl.ndeny) &&
	       same_prefixes(a->proxy_trusted, a->nproxy_trusted, b->proxy_trusted,
			     b->nproxy_trusted) &&
	       strcmp(a->user, b->user) == 0 &&
	       strcmp(a->group, b->group) == 0 &&
	       strcmp(a->worker_group, b->worker_group) == 0 &&
	       (!options || pn_plugopt_equal(d->options, a->pconf, b->pconf));
}

int pn_service_conf_same(const struct pn_service_conf *a,
			 const struct pn_service_conf *b)
{
	return same(a, b, 1);
}

int pn_service_conf_same_core(const struct pn_service_conf *a,
			      const struct pn_service_conf *b)
{
	return same(a, b, 0);
}
