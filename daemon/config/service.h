/*
 * service.h -- reading service sections into struct pn_service_conf
 * (service.c), for the passes of conf.c.  Internal to daemon/config.
 */
#ifndef PN_SERVICE_H
#define PN_SERVICE_H

#include "parse.h"

/*
 * pn__take_services -- append the services of one parsed file (pass 2)
 * to conf: each read and checked, its plugin's options filled; a name
 * defined twice is reported.  Errors go through pn__report.
 */
void pn__take_services(struct pn__ctx *c, struct pn_config *conf, cfg_t *cfg,
		       const char *file);

/* Two enabled services (or one service twice) on overlapping addresses:
 * reported. */
void pn__check_addresses(struct pn__ctx *c, struct pn_config *conf);

/* Read a list of address prefixes (allow, deny) of section sec; who
 * prefixes the errors ("service 'x': " or ""). */
void pn__read_prefixes(struct pn__ctx *c, cfg_t *sec, const char *file,
		       const char *who, const char *name,
		       struct pn_prefix **out, size_t *n);

/* Free what a service owns (not sc itself). */
void pn__free_service(struct pn_service_conf *sc);

#endif
