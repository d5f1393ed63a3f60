/*
 * service.c -- what a service section means (see service.h): its core
 * options read into struct pn_service_conf with their checks -- listen
 * addresses, defense options, isolation and the plugin's needs -- its
 * plugin's options, and the checks across services (names, addresses).
 */
#include "service.h"

#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "plugopt.h"
#include "proxyopt.h"

static int set_plugin_option(struct pn__ctx *c, struct pn_service_conf *sc,
			     cfg_t *s, const struct pinetd_option *o, int line)
{
	char err[512];
	int rc = 0;

	switch (o->type) {
	case PINETD_OPT_STR:
		rc = pn_plugopt_set_str(o, sc->pconf, cfg_getstr(s, o->name), err,
					sizeof err);
		break;
	case PINETD_OPT_INT:
		rc = pn_plugopt_set_int(o, sc->pconf, cfg_getint(s, o->name), err,
					sizeof err);
		break;
	case PINETD_OPT_BOOL:
		rc = pn_plugopt_set_bool(o, sc->pconf, cfg_getbool(s, o->name));
		break;
	case PINETD_OPT_ENUM:
		rc = pn_plugopt_set_enum(o, sc->pconf, cfg_getstr(s, o->name), err,
					 sizeof err);
		break;
	case PINETD_OPT_END:
		break;
	}
	if (rc < 0)
		pn__report(c, sc->file, line, "service '%s': option '%s': %s", sc->name,
		       o->name, err);
	return rc;
}

/* The numeric core options of one group (coreopt.h), in table order:
 * each integer within its range. */
static void read_core_group(struct pn__ctx *c, struct pn_service_conf *sc,
			    cfg_t *s, enum pn_core_group g)
{
	for (const struct pn_core_option *o = pn_core_options; o->name; o++) {
		long v;

		if (o->group != g || !pn_core_numeric(o))
			continue;
		if (o->type == PN_CO_BOOL) {
			v = cfg_getbool(s, o->name) == cfg_true;
		} else {
			v = cfg_getint(s, o->name);
			if (v < o->lo || v > o->hi)
				pn__report(c, sc->file, pn__line_of(c, s, o->name, 0),
				       "service '%s': %s %ld out of range [%ld, %ld]",
				       sc->name, o->name, v, o->lo, o->hi);
		}
		pn_core_field_set(sc, o, v);
	}
}

/* Check that every option set in s belongs to the core or to the
 * service's plugin. */
static void check_foreign_options(struct pn__ctx *c, struct pn_service_conf *sc,
				  cfg_t *s)
{
	size_t a, b;

	pn__section_run(c, s, &a, &b);
	for (size_t i = a; i < b; i++) {
		struct pn__linerec *r = &c->recs[i];
		if (pn_core_option_name(r->opt))
			continue;
		if (!pn_plugopt_find(sc->plugin->desc->options, r->opt))
			pn__report(c, sc->file, r->line,
			       "service '%s': option '%s' is not an option of plugin '%s'",
			       sc->name, r->opt, sc->plugin->name);
	}
}

/*
 * Read a list of address prefixes (allow, deny) of section sec.  An empty
 * allow list means allow-all, so a list that cannot be stored is an error
 * (the load fails), never an empty list.
 */
void pn__read_prefixes(struct pn__ctx *c, cfg_t *sec, const char *file,
			  const char *who, const char *name,
			  struct pn_prefix **out, size_t *n)
{
	unsigned k = cfg_size(sec, name);
	char err[256];

	*out = NULL;
	*n = 0;
	if (k == 0)
		return;
	if (!(*out = calloc(k, sizeof **out))) {
		pn__report(c, file, pn__line_of(c, sec, name, 0), "%s%s: out of memory",
			   who, name);
		return;
	}
	for (unsigned i = 0; i < k; i++) {
		const char *text = cfg_getnstr(sec, name, i);
		if (pn_prefix_parse(text, &(*out)[*n], err, sizeof err) < 0)
			pn__report(c, file, pn__line_of(c, sec, name, i), "%s%s: %s", who,
			       name, err);
		else
			(*n)++;
	}
}

static int copy_prefixes(struct pn_prefix **dst, const struct pn_prefix *src,
			 size_t n)
{
	*dst = NULL;
	if (n == 0)
		return 0;
	if (!(*dst = calloc(n, sizeof **dst)))
		return -1;
	memcpy(*dst, src, n * sizeof **dst);
	return 0;
}

/* The defense options of a service (see conf.h). */
static void read_defense(struct pn__ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	char who[300];

	snprintf(who, sizeof who, "service '%s': ", sc->name);
	if (cfg_size(s, "allow") || cfg_size(s, "deny")) {
		pn__read_prefixes(c, s, sc->file, who, "allow", &sc->acl.allow,
			      &sc->acl.nallow);
		pn__read_prefixes(c, s, sc->file, who, "deny", &sc->acl.deny,
			      &sc->acl.ndeny);
	} else {
		const struct pn_acl *g = &c->global_acl;
		if (copy_prefixes(&sc->acl.allow, g->allow, g->nallow) == 0)
			sc->acl.nallow = g->nallow;
		else
			pn__report(c, sc->file, sc->line, "%sthe global allow list: "
				   "out of memory", who);
		if (copy_prefixes(&sc->acl.deny, g->deny, g->ndeny) == 0)
			sc->acl.ndeny = g->ndeny;
		else
			pn__report(c, sc->file, sc->line, "%sthe global deny list: "
				   "out of memory", who);
	}
	read_core_group(c, sc, s, PN_CG_DEFENSE);
	if (sc->burst_per_source == 0)
		sc->burst_per_source = sc->rate_per_source;
	/* A plugin that answers every datagram (echo, chargen, ...) gets a
	 * reply budget unless the file says otherwise: it ends a reply loop
	 * with another host that the guard cannot recognise. */
	if (sc->udp_reply_rate < 0)
		sc->udp_reply_rate = (sc->plugin->desc->flags & PINETD_PF_REFLECT)
					     ? PN_DEF_REPLY_RATE : 0;
	if (sc->udp_reply_burst == 0)
		sc->udp_reply_burst = sc->udp_reply_rate;
	unsigned k = cfg_size(s, "udp_deny_ports");
	if (k && !(sc->udp_deny_ports = calloc(k, sizeof *sc->udp_deny_ports))) {
		/* An empty list denies fewer ports: fail closed. */
		pn__report(c, sc->file, sc->line, "%sudp_deny_ports: out of memory",
			   who);
		k = 0;
	}
	for (unsigned i = 0; i < k; i++)
		sc->udp_deny_ports[i] = cfg_getnint(s, "udp_deny_ports", i);
	sc->nudp_deny_ports = k;
}

/* execution, user, group, max_children, workers; the plugin's needs. */
static void read_isolation(struct pn__ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	const struct pinetd_plugin *d = sc->plugin->desc;
	const char *mode = cfg_getstr(s, "execution");
	int line = pn__line_of(c, s, "execution", 0) ?: sc->line;
	char err[256];

	sc->mode = (d->flags & PINETD_PF_PROCESS) ? PN_MODE_PROCESS : PN_MODE_EVENT;
	if (mode && strcmp(mode, "event") == 0)
		sc->mode = PN_MODE_EVENT;
	else if (mode && strcmp(mode, "process") == 0)
		sc->mode = PN_MODE_PROCESS;
	else if (mode)
		pn__report(c, sc->file, line, "service '%s': invalid execution '%s' "
		       "(expected one of: event, process)", sc->name, mode);
	if (sc->mode == PN_MODE_PROCESS && (d->flags & PINETD_PF_EVENT))
		pn__report(c, sc->file, line, "service '%s': plugin '%s' shares state "
		       "between connections and cannot run in process mode "
		       "(use execution = event)", sc->name, d->name);
	if (sc->mode == PN_MODE_EVENT && (d->flags & PINETD_PF_PROCESS))
		pn__report(c, sc->file, line, "service '%s': plugin '%s' blocks and "
		       "must run in process mode (use execution = process)", sc->name,
		       d->name);
	if (sc->mode == PN_MODE_PROCESS && (d->flags & PINETD_PF_SPAWN))
		pn__report(c, sc->file, line, "service '%s': plugin '%s' starts its "
		       "programs from the worker and runs in event mode "
		       "(use execution = event)", sc->name, d->name);
	if (sc->mode == PN_MODE_EVENT && !d->on_datagram &&
	    !((d->flags & PINETD_PF_SPAWN) && d->on_wait))
		for (size_t i = 0; i < sc->naddrs; i++)
			if (sc->addrs[i].proto == PINETD_UDP) {
				pn__report(c, sc->file, line, "service '%s': plugin '%s' "
				       "serves UDP only in process mode (it has no "
				       "on_datagram)", sc->name, d->name);
				break;
			}
	if (sc->mode == PN_MODE_PROCESS && (d->transports & PINETD_UDP) &&
	    !d->on_wait)
		for (size_t i = 0; i < sc->naddrs; i++)
			if (sc->addrs[i].proto == PINETD_UDP) {
				pn__report(c, sc->file, line, "service '%s': plugin '%s' "
				       "cannot serve UDP in process mode (it has no "
				       "on_wait)", sc->name, d->name);
				break;
			}
	sc->user = strdup(cfg_getstr(s, "user"));
	sc->group = strdup(cfg_getstr(s, "group"));
	if (sc->user && sc->group && sc->user[0] &&
	    pn_ident_resolve(sc->user, sc->group, &sc->ident, err, sizeof err) < 0)
		pn__report(c, sc->file, pn__line_of(c, s, "user", 0) ?: sc->line,
		       "service '%s': %s", sc->name, err);
	if (sc->group && sc->group[0] && !(sc->user && sc->user[0]))
		pn__report(c, sc->file, pn__line_of(c, s, "group", 0),
		       "service '%s': group needs user", sc->name);
	read_core_group(c, sc, s, PN_CG_ISOLATION); /* max_children, workers */
	if (sc->workers > 1 && (d->flags & PINETD_PF_EVENT))
		pn__report(c, sc->file, pn__line_of(c, s, "workers", 0),
		       "service '%s': plugin '%s' shares state between connections "
		       "and runs in one worker (workers = 1)", sc->name, d->name);
	if (sc->workers > 1 && sc->mode == PN_MODE_PROCESS)
		pn__report(c, sc->file, pn__line_of(c, s, "workers", 0),
		       "service '%s': workers applies to event mode only", sc->name);
	sc->worker_group = strdup(cfg_getstr(s, "worker_group"));
	if (sc->worker_group && sc->worker_group[0] && sc->workers > 1)
		pn__report(c, sc->file, pn__line_of(c, s, "worker_group", 0),
		       "service '%s': worker_group and workers > 1 exclude each "
		       "other (services sharing a worker run in one process)",
		       sc->name);
	for (size_t i = 0; sc->workers > 1 && (d->flags & PINETD_PF_SPAWN) &&
			   i < sc->naddrs; i++)
		if (sc->addrs[i].proto == PINETD_UDP) {
			/* One program has the socket at a time (wait). */
			pn__report(c, sc->file, pn__line_of(c, s, "workers", 0),
			       "service '%s': plugin '%s' serves UDP in wait mode, "
			       "in one worker (workers = 1)", sc->name, d->name);
			break;
		}
}

static void read_listen(struct pn__ctx *c, struct pn_service_conf *sc, cfg_t *s)
{
	unsigned n = cfg_size(s, "listen");
	char err[512];

	if (n == 0) {
		pn__report(c, sc->file, sc->line,
		       "service '%s': no listen address (listen = { \"tcp://HOST:PORT\" })",
		       sc->name);
		return;
	}
	sc->listen = calloc(n, sizeof *sc->listen);
	sc->addrs = calloc(2 * (size_t)n, sizeof *sc->addrs);
	if (!sc->listen || !sc->addrs)
		return;
	for (unsigned i = 0; i < n; i++) {
		const char *text = cfg_getnstr(s, "listen", i);
		int line = pn__line_of(c, s, "listen", i);
		struct pn_addr a[2];
		int k = pn_addr_parse(text, a, err, sizeof err);

		sc->listen[sc->nlisten++] = strdup(text);
		if (k < 0) {
			pn__report(c, sc->file, line, "service '%s': %s", sc->name, err);
			continue;
		}
		if (!(sc->plugin->desc->transports & a[0].proto)) {
			pn__report(c, sc->file, line,
			       "service '%s': plugin '%s' does not support %s (%s)",
			       sc->name, sc->plugin->name,
			       a[0].proto == PINETD_UDP ? "UDP" : "TCP", text);
			continue;
		}
		for (int j = 0; j < k; j++)
			sc->addrs[sc->naddrs++] = a[j];
	}
}

/*
 * Read one service section into sc.  Returns 0 when the service is
 * usable (errors may still have been reported for it).
 */
static int read_service(struct pn__ctx *c, cfg_t *s, const char *file,
			struct pn_service_conf *sc)
{
	const char *ref = cfg_getstr(s, "plugin");
	char err[1024];

	sc->name = strdup(cfg_title(s));
	sc->file = strdup(file);
	sc->line = pn__line_of(c, s, "plugin", 0);
	if (!sc->line)
		sc->line = s->line;
	if (!sc->name || !sc->file)
		return -1;
	if (!ref || !ref[0]) {
		pn__report(c, file, sc->line, "service '%s': no plugin (plugin = NAME)",
		       sc->name);
		return -1;
	}
	if (!(sc->plugin = pn_plugin_load(c->reg, c->plugin_dir, ref, err,
					  sizeof err))) {
		pn__report(c, file, sc->line, "service '%s': %s", sc->name, err);
		return -1;
	}
	sc->enabled = cfg_getbool(s, "enabled") == cfg_true;
	read_core_group(c, sc, s, PN_CG_BASIC);
	if (sc->output_max < sc->output_buffer)
		pn__report(c, file, pn__line_of(c, s, "output_max", 0) ?: sc->line,
		       "service '%s': output_max %ld is less than output_buffer %ld",
		       sc->name, sc->output_max, sc->output_buffer);
	read_listen(c, sc, s);
	read_defense(c, sc, s);
	pn__read_proxy(c, sc, s);
	read_isolation(c, sc, s);
	check_foreign_options(c, sc, s);

	const struct pinetd_plugin *d = sc->plugin->desc;
	if (d->conf_size && !(sc->pconf = pn_plugopt_new(d->options, d->conf_size)))
		return -1;
	for (size_t i = 0; d->options && d->options[i].type != PINETD_OPT_END; i++) {
		int line = pn__line_of(c, s, d->options[i].name, 0);
		if (line)
			set_plugin_option(c, sc, s, &d->options[i], line);
	}
	return 0;
}

/* One address of an enabled service, for the overlap check. */
struct addr_ref {
	unsigned port, proto;
	size_t svc, addr;
};

static unsigned addr_port(const struct pn_addr *a)
{
	const struct sockaddr *sa = (const struct sockaddr *)&a->ss;

	return sa->sa_family == AF_INET
		       ? ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port)
		       : ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
}

static int cmp_ref(const void *x, const void *y)
{
	const struct addr_ref *a = x, *b = y;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->svc != b->svc)
		return a->svc < b->svc ? -1 : 1;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/*
 * Two enabled services (or one service twice) on overlapping addresses.
 * Only addresses of one transport and port can overlap, so they are
 * sorted by those and compared within each run: linear in practice for a
 * thousand services.
 */
void pn__check_addresses(struct pn__ctx *c, struct pn_config *conf)
{
	struct addr_ref *v;
	size_t n = 0;

	for (size_t i = 0; i < conf->nsvcs; i++)
		if (conf->svcs[i].enabled)
			n += conf->svcs[i].naddrs;
	if (n < 2 || !(v = malloc(n * sizeof *v)))
		return;
	n = 0;
	for (size_t i = 0; i < conf->nsvcs; i++)
		for (size_t j = 0; conf->svcs[i].enabled && j < conf->svcs[i].naddrs; j++)
			v[n++] = (struct addr_ref){ addr_port(&conf->svcs[i].addrs[j]),
						    conf->svcs[i].addrs[j].proto, i, j };
	qsort(v, n, sizeof *v, cmp_ref);
	for (size_t x = 0; x < n; x++) {
		for (size_t y = x + 1; y < n && v[y].port == v[x].port &&
				       v[y].proto == v[x].proto; y++) {
			/* Report on the later one (configuration order). */
			struct pn_service_conf *a = &conf->svcs[v[y].svc];
			struct pn_service_conf *b = &conf->svcs[v[x].svc];
			const struct pn_addr *aa = &a->addrs[v[y].addr];
			const struct pn_addr *ba = &b->addrs[v[x].addr];
			if (!pn_addr_overlap(aa, ba))
				continue;
			char ta[PN_ADDR_TEXT + 8], tb[PN_ADDR_TEXT + 8];
			pn_addr_format(aa, ta, sizeof ta);
			pn_addr_format(ba, tb, sizeof tb);
			if (a == b)
				pn__report(c, a->file, a->line,
				       "service '%s': address %s is listed twice",
				       a->name, ta);
			else
				pn__report(c, a->file, a->line,
				       "service '%s': address %s conflicts with %s of service '%s' (%s:%d)",
				       a->name, ta, tb, b->name, b->file, b->line);
		}
	}
	free(v);
}

void pn__free_service(struct pn_service_conf *sc)
{
	free(sc->fingerprint);
	if (sc->plugin && sc->pconf)
		pn_plugopt_free(sc->plugin->desc->options, sc->pconf);
	for (size_t i = 0; i < sc->nlisten; i++)
		free(sc->listen[i]);
	free(sc->listen);
	free(sc->addrs);
	free(sc->name);
	free(sc->file);
	pn_acl_free(&sc->acl);
	free(sc->udp_deny_ports);
	free(sc->proxy_trusted);
	free(sc->user);
	free(sc->group);
	free(sc->worker_group);
}

/* Append the services of one parsed file. */
void pn__take_services(struct pn__ctx *c, struct pn_config *conf, cfg_t *cfg,
			  const char *file)
{
	unsigned n = cfg_size(cfg, "service");
	struct pn_service_conf *v;

	if (!n)
		return;
	v = realloc(conf->svcs, (conf->nsvcs + n) * sizeof *v);
	if (!v) {
		pn__report(c, file, 0, "out of memory");
		return;
	}
	conf->svcs = v;
	for (unsigned i = 0; i < n; i++) {
		cfg_t *s = cfg_getnsec(cfg, "service", i);
		struct pn_service_conf *sc = &conf->svcs[conf->nsvcs];
		int dup = 0;

		for (size_t j = 0; j < conf->nsvcs; j++) {
			if (strcmp(conf->svcs[j].name, cfg_title(s)) == 0) {
				pn__report(c, file, s->line,
				       "service '%s' is already defined at %s:%d",
				       cfg_title(s), conf->svcs[j].file,
				       conf->svcs[j].line);
				dup = 1;
			}
		}
		if (dup)
			continue;
		memset(sc, 0, sizeof *sc);
		conf->nsvcs++;
		if (read_service(c, s, file, sc) < 0 && !sc->plugin) {
			/* Unusable: keep it out of later checks. */
			pn__free_service(sc);
			conf->nsvcs--;
		}
	}
}
