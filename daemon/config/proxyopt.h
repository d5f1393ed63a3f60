/*
 * proxyopt.h -- a service's PROXY protocol options (pinetd.conf(5)):
 *
 *   proxy_protocol = none | v1 | v2 | any   the header expected first on
 *                                           every TCP connection
 *   proxy_trusted  = { "10.0.0.0/8", ... }   who may send it (the load
 *                                           balancers); required unless none
 *   proxy_timeout  = 3                      seconds the header may take
 *
 * Read into proxy_versions (PN_PP_V1 | PN_PP_V2 bits of proxyproto.h),
 * proxy_trusted and proxy_timeout of struct pn_service_conf.
 */
#ifndef PN_PROXYOPT_H
#define PN_PROXYOPT_H

#include "parse.h"

/*
 * pn__read_proxy -- read the options above from service section s into
 * sc; errors (an unknown value, a bad prefix, proxy_protocol without
 * proxy_trusted) through pn__report with the option's file and line.
 */
void pn__read_proxy(struct pn__ctx *c, struct pn_service_conf *sc, cfg_t *s);

/* The name of a proxy_versions value: "none", "v1", "v2" or "any". */
const char *pn_proxy_versions_name(int versions);

/* 1 when sa is within one of sc's proxy_trusted prefixes. */
int pn_proxy_trusted(const struct pn_service_conf *sc, const struct sockaddr *sa);

#endif
