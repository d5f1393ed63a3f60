/*
 * loader.c -- find, dlopen and check service plugins (see loader.h).
 */
#include "loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coreopt.h"
#include "plugopt.h"

void pn_registry_init(struct pn_registry *r)
{
	r->plugins = NULL;
}

void pn_registry_free(struct pn_registry *r)
{
	while (r->plugins) {
		struct pn_plugin *p = r->plugins;
		r->plugins = p->next;
		if (p->dl)
			dlclose(p->dl);
		free(p->opts);
		free(p->name);
		free(p->path);
		free(p);
	}
}

struct pn_plugin *pn_plugin_find(struct pn_registry *r, const char *name)
{
	for (struct pn_plugin *p = r->plugins; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

static struct pn_plugin *find_path(struct pn_registry *r, const char *path)
{
	for (struct pn_plugin *p = r->plugins; p; p = p->next)
		if (strcmp(p->path, path) == 0)
			return p;
	return NULL;
}

/* Core-option clashes (plugopt knows nothing of core options). */
static int check_clashes(const struct pinetd_option *o, const char *who,
			 char *err, size_t errlen)
{
	for (size_t i = 0; o && o[i].type != PINETD_OPT_END; i++)
		if (pn_core_option_name(o[i].name)) {
			snprintf(err, errlen,
				 "%s: option '%s' clashes with a core service option",
				 who, o[i].name);
			return -1;
		}
	return 0;
}

/* The features this daemon offers (struct pinetd_plugin.requires). */
static const char *const features[] = {
	PINETD_FEATURE_API_1_0,
	NULL,
};

#define MAX_REQUIRES 64

static int check_requires(const char *const *req, const char *who, char *err,
			  size_t errlen)
{
	for (size_t i = 0; req && req[i]; i++) {
		size_t k;
		if (i >= MAX_REQUIRES) {
			snprintf(err, errlen, "%s: more than %d required features "
				 "(is the list NULL-terminated?)", who, MAX_REQUIRES);
			return -1;
		}
		for (k = 0; features[k] && strcmp(features[k], req[i]) != 0; k++)
			;
		if (!features[k]) {
			snprintf(err, errlen,
				 "%s: requires feature '%.64s', which this daemon "
				 "(plugin API %d.%d) lacks: it needs a newer pinetd",
				 who, req[i], PINETD_API_MAJOR, PINETD_API_MINOR);
			return -1;
		}
	}
	return 0;
}

int pn_plugin_adopt(const struct pinetd_plugin *raw, const char *ref,
		    const char *path, struct pinetd_plugin *out,
		    struct pinetd_option **opts, char *err, size_t errlen)
{
	char who[512];
	uint32_t unknown;

	*opts = NULL;
	snprintf(who, sizeof who, "plugin '%s' (%s)", ref, path);
	if (raw->abi != PINETD_ABI_VERSION) {
		snprintf(err, errlen, "%s: ABI version %u, expected %u", who,
			 (unsigned)raw->abi, PINETD_ABI_VERSION);
		return -1;
	}
	if (raw->size < PINETD_PLUGIN_MIN_SIZE) {
		snprintf(err, errlen,
			 "%s: descriptor is %u bytes, smaller than the %zu of "
			 "plugin API 1.0 (define it with PINETD_PLUGIN_DEFINE)",
			 who, (unsigned)raw->size, (size_t)PINETD_PLUGIN_MIN_SIZE);
		return -1;
	}
	/* Members beyond the plugin's size are absent; members beyond ours
	 * are a newer header's, which `requires` speaks for. */
	memset(out, 0, sizeof *out);
	memcpy(out, raw, raw->size < sizeof *out ? raw->size : sizeof *out);
	out->size = sizeof *out;
	if ((unknown = out->flags & ~PINETD_PF_KNOWN_1_0) != 0) {
		snprintf(err, errlen,
			 "%s: uses flag 0x%x, unknown to this daemon (plugin API "
			 "%d.%d): it needs a newer pinetd",
			 who, (unsigned)unknown, PINETD_API_MAJOR, PINETD_API_MINOR);
		return -1;
	}
	if (check_requires(out->requires, who, err, errlen) < 0)
		return -1;
	if (!out->core) {
		snprintf(err, errlen, "%s: descriptor has no core slot (define it "
			 "with PINETD_PLUGIN_DEFINE)", who);
		return -1;
	}
	if (out->options) {
		char why[384];
		if (!(*opts = pn_plugopt_normalize(out->options, out->option_size,
						   why, sizeof why))) {
			snprintf(err, errlen, "%s: %s", who, why);
			return -1;
		}
		out->options = *opts;
	}
	if (pn_plugin_check(out, ref, path, err, errlen) < 0) {
		free(*opts);
		*opts = NULL;
		return -1;
	}
	return 0;
}

int pn_plugin_check(const struct pinetd_plugin *d, const char *ref,
		    const char *path, char *err, size_t errlen)
{
	char who[512], why[384];

	snprintf(who, sizeof who, "plugin '%s' (%s)", ref, path);
	if (!d->name || !d->name[0]) {
		snprintf(err, errlen, "%s: descriptor has no name", who);
		return -1;
	}
	if (!strchr(ref, '/') && strcmp(ref, d->name) != 0) {
		snprintf(err, errlen, "%s: descriptor is named '%s', expected '%s'",
			 who, d->name, ref);
		return -1;
	}
	if (!(d->transports & (PINETD_TCP | PINETD_UDP)) ||
	    (d->transports & ~(PINETD_TCP | PINETD_UDP))) {
		snprintf(err, errlen, "%s: transports 0x%x, expected TCP and/or UDP",
			 who, (unsigned)d->transports);
		return -1;
	}
	if ((d->flags & PINETD_PF_LINES) && !d->on_line) {
		snprintf(err, errlen, "%s: PINETD_PF_LINES without an on_line callback",
			 who);
		return -1;
	}
	if ((d->transports & PINETD_UDP) && !d->on_datagram && !d->on_wait) {
		snprintf(err, errlen, "%s: supports UDP but has no on_datagram callback",
			 who);
		return -1;
	}
	if (pn_plugopt_check(d->options, d->conf_size, why, sizeof why) < 0) {
		snprintf(err, errlen, "%s: %s", who, why);
		return -1;
	}
	return check_clashes(d->options, who, err, errlen);
}

/* The first DIR/NAME.so that exists along the ':'-separated dirs. */
static int search_dirs(const char *dirs, const char *name, char *path,
		       size_t len)
{
	const char *d = dirs;

	while (*d) {
		size_t n = strcspn(d, ":");
		if (n > 0) {
			snprintf(path, len, "%.*s/%s.so", (int)n, d, name);
			if (access(path, F_OK) == 0)
				return 0;
		}
		d += n;
		if (*d == ':')
			d++;
	}
	return -1;
}

struct pn_plugin *pn_plugin_load(struct pn_registry *r, const char *dir,
				 const char *ref, char *err, size_t errlen)
{
	char path[4096];
	struct pn_plugin *p;
	const struct pinetd_plugin *d;
	struct pinetd_plugin copy;
	struct pinetd_option *opts = NULL;
	void *dl;

	if (strchr(ref, '/')) {
		snprintf(path, sizeof path, "%s", ref);
	} else {
		if ((p = pn_plugin_find(r, ref)))
			return p;
		if (!dir || !dir[0]) {
			snprintf(err, errlen,
				 "plugin '%s': no plugin_dir configured to look it up in",
				 ref);
			return NULL;
		}
		if (search_dirs(dir, ref, path, sizeof path) < 0) {
			snprintf(err, errlen,
				 "plugin '%s': no file %s.so in plugin_dir %s",
				 ref, ref, dir);
			return NULL;
		}
	}
	if ((p = find_path(r, path)))
		return p;

	dlerror();
	dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!dl) {
		const char *why = dlerror();
		snprintf(err, errlen,
			 "plugin '%s' (%s): cannot load: %s (is the name right? "
			 "for a missing library, run ldd on the file)",
			 ref, path, why ? why : "unknown error");
		return NULL;
	}
	dlerror();
	d = dlsym(dl, PINETD_PLUGIN_SYMBOL);
	if (!d) {
		const char *why = dlerror();
		if (dlsym(dl, "pinetd_plugin"))
			snprintf(err, errlen,
				 "plugin '%s' (%s): built against the pre-1.0 plugin "
				 "API (it exports 'pinetd_plugin', not '%s'): rebuild "
				 "it against pinetd/plugin.h 1.0",
				 ref, path, PINETD_PLUGIN_SYMBOL);
		else
			snprintf(err, errlen,
				 "plugin '%s' (%s): no '%s' symbol, not a pinetd plugin (%s)",
				 ref, path, PINETD_PLUGIN_SYMBOL, why ? why : "NULL symbol");
		dlclose(dl);
		return NULL;
	}
	if (pn_plugin_adopt(d, ref, path, &copy, &opts, err, errlen) < 0) {
		dlclose(dl);
		return NULL;
	}
	d = &copy;
	if ((p = pn_plugin_find(r, d->name))) {
		snprintf(err, errlen,
			 "plugin '%s' (%s): a plugin named '%s' is already loaded from %s",
			 ref, path, d->name, p->path);
		free(opts);
		dlclose(dl);
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)) || !(p->name = strdup(d->name)) ||
	    !(p->path = strdup(path))) {
		if (p) {
			free(p->name);
			free(p);
		}
		free(opts);
		dlclose(dl);
		snprintf(err, errlen, "plugin '%s': out of memory", ref);
		return NULL;
	}
	p->dl = dl;
	p->copy = copy;
	p->opts = opts;
	p->desc = &p->copy;
	p->next = r->plugins;
	r->plugins = p;
	return p;
}
