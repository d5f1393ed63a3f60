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

/* Check the option table: names, types, clashes with core options. */
static int check_options(const struct pinetd_plugin *d, const char *who,
			 char *err, size_t errlen)
{
	const struct pinetd_option *o = d->options;

	for (size_t i = 0; o && o[i].type != PINETD_OPT_END; i++) {
		if (!o[i].name || !o[i].name[0]) {
			snprintf(err, errlen, "%s: option %zu has no name", who, i);
			return -1;
		}
		if (o[i].type > PINETD_OPT_ENUM) {
			snprintf(err, errlen, "%s: option '%s' has unknown type %d",
				 who, o[i].name, (int)o[i].type);
			return -1;
		}
		if (pn_core_option_name(o[i].name)) {
			snprintf(err, errlen,
				 "%s: option '%s' clashes with a core service option",
				 who, o[i].name);
			return -1;
		}
		if (o[i].type == PINETD_OPT_ENUM && (!o[i].choices || !o[i].choices[0])) {
			snprintf(err, errlen, "%s: option '%s' has no choices",
				 who, o[i].name);
			return -1;
		}
		if (o[i].offset + pn_plugopt_field_size(o[i].type) > d->conf_size) {
			snprintf(err, errlen,
				 "%s: option '%s' lies outside conf_size %zu",
				 who, o[i].name, d->conf_size);
			return -1;
		}
		for (size_t j = 0; j < i; j++) {
			if (strcmp(o[i].name, o[j].name) == 0) {
				snprintf(err, errlen, "%s: option '%s' is declared twice",
					 who, o[i].name);
				return -1;
			}
		}
	}
	return 0;
}

int pn_plugin_check(const struct pinetd_plugin *d, const char *ref,
		    const char *path, char *err, size_t errlen)
{
	char who[512];

	snprintf(who, sizeof who, "plugin '%s' (%s)", ref, path);
	if (d->abi != PINETD_ABI_VERSION) {
		snprintf(err, errlen, "%s: ABI version %u, expected %u", who,
			 (unsigned)d->abi, PINETD_ABI_VERSION);
		return -1;
	}
	if (d->size < sizeof(struct pinetd_plugin)) {
		snprintf(err, errlen,
			 "%s: descriptor is %u bytes, expected at least %zu "
			 "(built against an older pinetd/plugin.h?)",
			 who, (unsigned)d->size, sizeof(struct pinetd_plugin));
		return -1;
	}
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
			 who, d->transports);
		return -1;
	}
	if (!d->init) {
		snprintf(err, errlen, "%s: no init callback", who);
		return -1;
	}
	/* A process-mode plugin, or one that hands connections to programs
	 * (exec), may take over the whole connection in on_open, and serve
	 * UDP through on_wait alone. */
	int stream_cb = (d->flags & PINETD_PF_LINES) ? d->on_line != NULL
						      : d->on_data != NULL;
	if ((d->transports & PINETD_TCP) && !stream_cb &&
	    !((d->flags & (PINETD_PF_PROCESS | PINETD_PF_SPAWN)) && d->on_open)) {
		snprintf(err, errlen, "%s: supports TCP but has no %s callback",
			 who, (d->flags & PINETD_PF_LINES) ? "on_line" : "on_data");
		return -1;
	}
	if ((d->transports & PINETD_UDP) && !d->on_datagram && !d->on_wait) {
		snprintf(err, errlen, "%s: supports UDP but has no on_datagram callback",
			 who);
		return -1;
	}
	return check_options(d, who, err, errlen);
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
		snprintf(err, errlen,
			 "plugin '%s' (%s): no '%s' symbol, not a pinetd plugin (%s)",
			 ref, path, PINETD_PLUGIN_SYMBOL, why ? why : "NULL symbol");
		dlclose(dl);
		return NULL;
	}
	if (pn_plugin_check(d, ref, path, err, errlen) < 0) {
		dlclose(dl);
		return NULL;
	}
	if ((p = pn_plugin_find(r, d->name))) {
		snprintf(err, errlen,
			 "plugin '%s' (%s): a plugin named '%s' is already loaded from %s",
			 ref, path, d->name, p->path);
		dlclose(dl);
		return NULL;
	}
	if (!(p = calloc(1, sizeof *p)) || !(p->name = strdup(d->name)) ||
	    !(p->path = strdup(path))) {
		if (p) {
			free(p->name);
			free(p);
		}
		dlclose(dl);
		snprintf(err, errlen, "plugin '%s': out of memory", ref);
		return NULL;
	}
	p->dl = dl;
	p->desc = d;
	p->next = r->plugins;
	r->plugins = p;
	return p;
}
