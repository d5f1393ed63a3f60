/*
 * loader.h -- find, dlopen and check service plugins.
 *
 * A registry holds every plugin loaded so far, so many services share one
 * loaded object and a configuration can be re-read (reload) without
 * loading anything twice.  Nothing here is global: a test can keep
 * several registries.
 */
#ifndef PN_LOADER_H
#define PN_LOADER_H

#include <stddef.h>

#include <pinetd/plugin.h>

struct pn_plugin {
	char *name;  /* the descriptor's name */
	char *path;  /* the file it was loaded from */
	void *dl;    /* dlopen handle, NULL for a built-in descriptor */
	/* The daemon's copy of the descriptor (pn_plugin_adopt): members
	 * the plugin's size does not cover are zero, options normalized.
	 * Built-in descriptors (tests) point desc at their own. */
	const struct pinetd_plugin *desc;
	struct pinetd_plugin copy;
	struct pinetd_option *opts; /* copy.options, malloc'd */
	struct pn_plugin *next;
};

struct pn_registry {
	struct pn_plugin *plugins;
};

/* Start an empty registry. */
void pn_registry_init(struct pn_registry *r);

/* Unload every plugin (after their services are gone). */
void pn_registry_free(struct pn_registry *r);

/*
 * pn_plugin_load -- return the plugin called `ref`, loading it on first
 * use.  `ref` is a name (looked up as NAME.so in dir, a ':'-separated
 * list of directories searched in order) or, when it contains a
 * '/', a path.  Every rejection is described in err with the plugin's
 * name and path, e.g.
 *   plugin 'x' (/usr/lib/pinetd/x.so): ABI version 2, expected 1
 * Returns NULL on failure.
 */
struct pn_plugin *pn_plugin_load(struct pn_registry *r, const char *dir,
				 const char *ref, char *err, size_t errlen);

/* A loaded plugin by descriptor name, or NULL. */
struct pn_plugin *pn_plugin_find(struct pn_registry *r, const char *name);

/*
 * pn_plugin_adopt -- turn the descriptor a plugin exports into the
 * daemon's copy, applying the compatibility rules of pinetd/plugin.h:
 * abi 1; size at least PINETD_PLUGIN_MIN_SIZE, members beyond it zero
 * in *out and members beyond ours ignored; no flag this daemon does not
 * know; every `requires` feature offered; the option table copied entry
 * by entry at the plugin's option_size into *opts (malloc'd; the
 * caller frees it after *out).  Then pn_plugin_check.  Returns 0, or -1
 * with err set, naming the plugin, its path and the reason.
 */
int pn_plugin_adopt(const struct pinetd_plugin *raw, const char *ref,
		    const char *path, struct pinetd_plugin *out,
		    struct pinetd_option **opts, char *err, size_t errlen);

/*
 * pn_plugin_check -- the checks on an adopted (or built-in) descriptor:
 * name, transports, callbacks the flags need, the option table.
 * Returns 0 or -1 with err set.
 */
int pn_plugin_check(const struct pinetd_plugin *d, const char *ref,
		    const char *path, char *err, size_t errlen);

#endif
