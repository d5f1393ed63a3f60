/*
 * proxyopt.c -- a service's PROXY protocol options (see proxyopt.h).
 */
#include "proxyopt.h"

#include <string.h>

#include "proxyproto.h"
#include "service.h"

static const char *const names[] = {
	[0] = "none",
	[PN_PP_V1] = "v1",
	[PN_PP_V2] = "v2",
	[PN_PP_ANY] = "any",
};

const char *pn_proxy_versions_name(int versions)
{
	return (unsigned)versions < sizeof names / sizeof names[0] ? names[versions]
								    : "?";
}

void pn__read_proxy(struct pn__ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	const char *v = cfg_getstr(s, "proxy_protocol");
	int line = pn__line_of(c, s, "proxy_protocol", 0) ?: sc->line;
	char who[300];

	snprintf(who, sizeof who, "service '%s': ", sc->name);
	sc->proxy_versions = -1;
	for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++)
		if (v && strcmp(v, names[i]) == 0)
			sc->proxy_versions = i;
	if (sc->proxy_versions < 0) {
		pn__report(c, sc->file, line, "%sinvalid proxy_protocol '%s' "
			   "(expected one of: none, v1, v2, any)", who, v ? v : "");
		sc->proxy_versions = 0;
	}
	pn__read_prefixes(c, s, sc->file, who, "proxy_trusted", &sc->proxy_trusted,
			  &sc->nproxy_trusted);
	/* Anyone could name any address: the header is only believed from
	 * the balancers, so a list is required -- there is no default. */
	if (sc->proxy_versions && !cfg_size(s, "proxy_trusted"))
		pn__report(c, sc->file, line, "%sproxy_protocol = %s needs "
			   "proxy_trusted, the addresses of the load balancers "
			   "allowed to send the header (e.g. proxy_trusted = "
			   "{\"10.0.0.0/8\"})", who, v);
}

int pn_proxy_trusted(const struct pn_service_conf *sc, const struct sockaddr *sa)
{
	for (size_t i = 0; i < sc->nproxy_trusted; i++)
		if (pn_prefix_contains(&sc->proxy_trusted[i], sa))
			return 1;
	return 0;
}
