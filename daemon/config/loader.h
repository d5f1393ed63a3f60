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
	const struct pinetd_plugin *desc;
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
 * pn_plugin_check -- the checks pn_plugin_load applies to a descriptor
 * found at `path` (exposed for tests and built-in descriptors).
 * Returns 0 or -1 with err set.
 */
int pn_plugin_check(const struct pinetd_plugin *d, const char *ref,
		    const char *path, char *err, size_t errlen);

#endif
