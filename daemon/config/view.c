/*
 * view.c -- plugin-free configuration tables and their encoding (see
 * view.h).
 *
 * Encoding (wire.h primitives), version PN_VIEW_VERSION:
 *
 *   u32 magic "PNVW"  u32 version
 *   str path, plugin_dir, services_dir, pid_file
 *   i64 log_level, backlog, shutdown_timeout, drain_timeout, watchdog
 *   u32 nplugins x { str name, str path }
 *   u32 nsvcs x {
 *     str name, str file; i64 line; u32 plugin (index); i64 enabled
 *     u32 nlisten x str;  u32 naddrs x str (pn_addr_format's text)
 *     i64 per numeric pn_core_options row (coreopt.h), in table order
 *     u32 nallow x prefix; u32 ndeny x prefix   (i64 family, bytes[16]
 *                                                addr, i64 len)
 *     u32 nproxy_trusted x prefix
 *     u32 nudp_deny_ports x i64
 *     str user, group, worker_group; str ident.user, i64 ident.uid, i64 ident.gid
 *     str fingerprint
 *   }
 */
#include "view.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#define VIEW_MAGIC 0x57564e50u /* "PNVW" */
#define STR_MAX (1024u * 1024)  /* no string of a file is longer */
#define NAME_MAX_ 4096u

/* ---- encoding ---- */

static size_t plugin_index(const struct pn_plugin **v, size_t n,
			   const struct pn_plugin *p)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == p)
			return i;
	return n;
}

static void put_prefixes(struct pn_wbuf *w, const struct pn_prefix *v, size_t n)
{
	pn_wput_u32(w, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		pn_wput_i64(w, v[i].family);
		pn_wput_bytes(w, v[i].addr, sizeof v[i].addr);
		pn_wput_i64(w, v[i].len);
	}
}

static void put_service(struct pn_wbuf *w, const struct pn_service_conf *sc,
			uint32_t plugin)
{
	char text[PN_ADDR_TEXT + 8];

	pn_wput_str(w, sc->name);
	pn_wput_str(w, sc->file);
	pn_wput_i64(w, sc->line);
	pn_wput_u32(w, plugin);
	pn_wput_i64(w, sc->enabled);
	pn_wput_u32(w, (uint32_t)sc->nlisten);
	for (size_t i = 0; i < sc->nlisten; i++)
		pn_wput_str(w, sc->listen[i]);
	pn_wput_u32(w, (uint32_t)sc->naddrs);
	for (size_t i = 0; i < sc->naddrs; i++) {
		pn_addr_format(&sc->addrs[i], text, sizeof text);
		pn_wput_str(w, text);
	}
	for (const struct pn_core_option *o = pn_core_options; o->name; o++)
		if (pn_core_numeric(o))
			pn_wput_i64(w, pn_core_field_get(sc, o));
	put_prefixes(w, sc->acl.allow, sc->acl.nallow);
	put_prefixes(w, sc->acl.deny, sc->acl.ndeny);
	put_prefixes(w, sc->proxy_trusted, sc->nproxy_trusted);
	pn_wput_u32(w, (uint32_t)sc->nudp_deny_ports);
	for (size_t i = 0; i < sc->nudp_deny_ports; i++)
		pn_wput_i64(w, sc->udp_deny_ports[i]);
	pn_wput_str(w, sc->user);
	pn_wput_str(w, sc->group);
	pn_wput_str(w, sc->worker_group ? sc->worker_group : "");
	pn_wput_str(w, sc->ident.user);
	pn_wput_i64(w, sc->ident.uid);
	pn_wput_i64(w, sc->ident.gid);
	if (sc->fingerprint) {
		pn_wput_str(w, sc->fingerprint);
	} else {
		char *fp = pn_service_fingerprint(sc);
		if (!fp)
			w->oom = 1;
		pn_wput_str(w, fp ? fp : "");
		free(fp);
	}
}

void pn_view_encode(const struct pn_config *conf, struct pn_wbuf *w)
{
	const struct pn_plugin **plugins = calloc(conf->nsvcs ? conf->nsvcs : 1,
						  sizeof *plugins);
	size_t np = 0;

	if (!plugins) {
		w->oom = 1;
		return;
	}
	for (size_t i = 0; i < conf->nsvcs; i++)
		if (plugin_index(plugins, np, conf->svcs[i].plugin) == np)
			plugins[np++] = conf->svcs[i].plugin;
	pn_wput_u32(w, VIEW_MAGIC);
	pn_wput_u32(w, PN_VIEW_VERSION);
	pn_wput_str(w, conf->path);
	pn_wput_str(w, conf->plugin_dir);
	pn_wput_str(w, conf->services_dir);
	pn_wput_str(w, conf->pid_file);
	pn_wput_i64(w, conf->log_level);
	pn_wput_i64(w, conf->backlog);
	pn_wput_i64(w, conf->shutdown_timeout);
	pn_wput_i64(w, conf->drain_timeout);
	pn_wput_i64(w, conf->watchdog);
	pn_wput_u32(w, (uint32_t)np);
	for (size_t i = 0; i < np; i++) {
		pn_wput_str(w, plugins[i]->name);
		pn_wput_str(w, plugins[i]->path);
	}
	pn_wput_u32(w, (uint32_t)conf->nsvcs);
	for (size_t i = 0; i < conf->nsvcs; i++)
		put_service(w, &conf->svcs[i],
			    (uint32_t)plugin_index(plugins, np, conf->svcs[i].plugin));
	free(plugins);
}

/* ---- decoding ---- */

/* A count of elements of at least `least` bytes each: no more than the
 * input could hold, so a forged count cannot make us allocate. */
static uint32_t get_count(struct pn_rbuf *r, size_t least)
{
	uint32_t n = pn_rget_u32(r);

	if (!r->bad && (size_t)n > r->left / least)
		r->bad = 1;
	return r->bad ? 0 : n;
}

static void get_prefixes(struct pn_rbuf *r, struct pn_prefix **out, size_t *n)
{
	uint32_t k = get_count(r, 8 + 4 + 16 + 8);

	*out = NULL;
	*n = 0;
	if (!k || !(*out = calloc(k, sizeof **out))) {
		r->bad |= k != 0;
		return;
	}
	for (uint32_t i = 0; i < k && !r->bad; i++) {
		struct pn_prefix *p = &(*out)[i];
		size_t len;
		const void *a;

		p->family = (int)pn_rget_long(r, 0, INT_MAX);
		a = pn_rget_bytes(r, &len, sizeof p->addr);
		p->len = (unsigned)pn_rget_long(r, 0, 128);
		if (r->bad || len != sizeof p->addr ||
		    (p->family != AF_INET && p->family != AF_INET6) ||
		    (p->family == AF_INET && p->len > 32)) {
			r->bad = 1;
			break;
		}
		memcpy(p->addr, a, sizeof p->addr);
		(*n)++;
	}
}

static int get_service(struct pn_rbuf *r, struct pn_config *conf,
		       struct pn_plugin **plugins, uint32_t np,
		       struct pn_service_conf *sc, char *err, size_t errlen)
{
	uint32_t k;
	char *s;

	sc->name = pn_rget_str(r, NAME_MAX_, NULL);
	sc->file = pn_rget_str(r, PATH_MAX, NULL);
	sc->line = (int)pn_rget_long(r, 0, INT_MAX);
	k = pn_rget_u32(r);
	if (!r->bad && k >= np)
		r->bad = 1;
	sc->plugin = r->bad ? NULL : plugins[k];
	sc->enabled = (int)pn_rget_long(r, 0, 1);
	k = get_count(r, 4);
	if (k && !(sc->listen = calloc(k, sizeof *sc->listen)))
		r->bad = 1;
	for (uint32_t i = 0; i < k && !r->bad; i++)
		if ((sc->listen[i] = pn_rget_str(r, STR_MAX, NULL)))
			sc->nlisten++;
	k = get_count(r, 4);
	if (k && !(sc->addrs = calloc(k, sizeof *sc->addrs)))
		r->bad = 1;
	for (uint32_t i = 0; i < k && !r->bad; i++) {
		struct pn_addr a[2];
		char why[256];
		if (!(s = pn_rget_str(r, PN_ADDR_TEXT + 8, NULL)))
			break;
		if (pn_addr_parse(s, a, why, sizeof why) != 1) {
			snprintf(err, errlen, "view: service '%s': address '%s' does "
					      "not parse to one address",
				 sc->name ? sc->name : "?", s);
			free(s);
			return -1;
		}
		free(s);
		sc->addrs[sc->naddrs++] = a[0];
	}
	for (const struct pn_core_option *o = pn_core_options; o->name && !r->bad; o++)
		if (pn_core_numeric(o))
			pn_core_field_set(sc, o, pn_rget_long(r, o->lo, o->hi));
	get_prefixes(r, &sc->acl.allow, &sc->acl.nallow);
	get_prefixes(r, &sc->acl.deny, &sc->acl.ndeny);
	get_prefixes(r, &sc->proxy_trusted, &sc->nproxy_trusted);
	k = get_count(r, 8);
	if (k && !(sc->udp_deny_ports = calloc(k, sizeof *sc->udp_deny_ports)))
		r->bad = 1;
	for (uint32_t i = 0; i < k && !r->bad; i++)
		sc->udp_deny_ports[sc->nudp_deny_ports++] = pn_rget_long(r, 0, 65535);
	sc->user = pn_rget_str(r, NAME_MAX_, NULL);
	sc->group = pn_rget_str(r, NAME_MAX_, NULL);
	sc->worker_group = pn_rget_str(r, NAME_MAX_, NULL);
	if ((s = pn_rget_str(r, sizeof sc->ident.user - 1, NULL))) {
		strcpy(sc->ident.user, s);
		free(s);
	}
	sc->ident.uid = (uid_t)pn_rget_long(r, 0, UINT32_MAX);
	sc->ident.gid = (gid_t)pn_rget_long(r, 0, UINT32_MAX);
	sc->fingerprint = pn_rget_str(r, 4 * STR_MAX, NULL);
	(void)conf;
	return r->bad ? -1 : 0;
}

struct pn_config *pn_view_decode(struct pn_rbuf *r, char *err, size_t errlen)
{
	struct pn_config *conf;
	struct pn_plugin **plugins = NULL;
	uint32_t magic = pn_rget_u32(r), version = pn_rget_u32(r), n;

	if (r->bad || magic != VIEW_MAGIC) {
		snprintf(err, errlen, "view: bad header");
		return NULL;
	}
	if (version != PN_VIEW_VERSION) {
		snprintf(err, errlen, "view: version %u, expected %u", version,
			 PN_VIEW_VERSION);
		return NULL;
	}
	if (!(conf = calloc(1, sizeof *conf))) {
		snprintf(err, errlen, "view: out of memory");
		return NULL;
	}
	err[0] = '\0';
	conf->path = pn_rget_str(r, PATH_MAX, NULL);
	conf->plugin_dir = pn_rget_str(r, STR_MAX, NULL);
	conf->services_dir = pn_rget_str(r, PATH_MAX, NULL);
	conf->pid_file = pn_rget_str(r, PATH_MAX, NULL);
	conf->log_level = (int)pn_rget_long(r, LOG_ERR, LOG_DEBUG);
	conf->backlog = pn_rget_long(r, 1, 1L << 20);
	conf->shutdown_timeout = pn_rget_long(r, 0, 86400);
	conf->drain_timeout = pn_rget_long(r, 0, 86400);
	conf->watchdog = pn_rget_long(r, 0, 3600);
	n = get_count(r, 8);
	if (n && !(plugins = calloc(n, sizeof *plugins)))
		r->bad = 1;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct pn_plugin *p = calloc(1, sizeof *p);
		if (!p) {
			r->bad = 1;
			break;
		}
		p->next = conf->view_plugins;
		conf->view_plugins = p;
		p->name = pn_rget_str(r, NAME_MAX_, NULL);
		p->path = pn_rget_str(r, PATH_MAX, NULL);
		plugins[i] = p;
	}
	uint32_t ns = get_count(r, 16);
	if (ns && !(conf->svcs = calloc(ns, sizeof *conf->svcs)))
		r->bad = 1;
	for (uint32_t i = 0; i < ns && !r->bad; i++) {
		/* Counted first: a failed service is freed with the rest. */
		conf->nsvcs++;
		if (get_service(r, conf, plugins, n, &conf->svcs[i], err, errlen) < 0)
			break;
	}
	free(plugins);
	if (r->bad || err[0]) {
		if (!err[0])
			snprintf(err, errlen, "view: truncated or malformed");
		pn_config_free(conf);
		return NULL;
	}
	if (r->left) {
		snprintf(err, errlen, "view: %zu bytes after the end", r->left);
		pn_config_free(conf);
		return NULL;
	}
	return conf;
}
