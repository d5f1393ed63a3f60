/*
 * facts.c -- the plugin-free facts about a configuration (see facts.h).
 *
 * Encoding (wire.h primitives):
 *   str pid_file
 *   u32 nsvcs x { str name, user, group; i64 enabled; u32 n x str listen }
 */
#include "facts.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define STR_MAX 4096u

void pn_facts_free(struct pn_facts *f)
{
	for (size_t i = 0; i < f->nsvcs; i++) {
		struct pn_fact_svc *s = &f->svcs[i];
		free(s->name);
		free(s->user);
		free(s->group);
		for (size_t j = 0; j < s->nlisten; j++)
			free(s->listen[j]);
		free(s->listen);
	}
	free(f->svcs);
	free(f->pid_file);
	memset(f, 0, sizeof *f);
}

void pn_facts_encode(const struct pn_facts *f, struct pn_wbuf *w)
{
	pn_wput_str(w, f->pid_file);
	pn_wput_u32(w, (uint32_t)f->nsvcs);
	for (size_t i = 0; i < f->nsvcs; i++) {
		const struct pn_fact_svc *s = &f->svcs[i];
		pn_wput_str(w, s->name);
		pn_wput_str(w, s->user);
		pn_wput_str(w, s->group);
		pn_wput_i64(w, s->enabled);
		pn_wput_u32(w, (uint32_t)s->nlisten);
		for (size_t j = 0; j < s->nlisten; j++)
			pn_wput_str(w, s->listen[j]);
	}
}

int pn_facts_decode(struct pn_rbuf *r, struct pn_facts *f, char *err,
		    size_t errlen)
{
	uint32_t n;

	memset(f, 0, sizeof *f);
	f->pid_file = pn_rget_str(r, PATH_MAX, NULL);
	n = pn_rget_u32(r);
	if (!r->bad && n > r->left / 16) /* each record takes 16 bytes or more */
		r->bad = 1;
	if (!r->bad && n && !(f->svcs = calloc(n, sizeof *f->svcs)))
		r->bad = 1;
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		struct pn_fact_svc *s = &f->svcs[i];
		f->nsvcs++;
		s->name = pn_rget_str(r, STR_MAX, NULL);
		s->user = pn_rget_str(r, STR_MAX, NULL);
		s->group = pn_rget_str(r, STR_MAX, NULL);
		s->enabled = (int)pn_rget_long(r, 0, 1);
		uint32_t k = pn_rget_u32(r);
		if (!r->bad && k > r->left / 4)
			r->bad = 1;
		if (!r->bad && k && !(s->listen = calloc(k, sizeof *s->listen)))
			r->bad = 1;
		for (uint32_t j = 0; j < k && !r->bad; j++) {
			s->listen[j] = pn_rget_str(r, STR_MAX, NULL);
			s->nlisten++;
			if (!s->listen[j])
				r->bad = 1;
		}
		if (!s->name || !s->user || !s->group)
			r->bad = 1;
	}
	if (r->bad || !f->pid_file || r->left) {
		snprintf(err, errlen, "malformed facts");
		pn_facts_free(f);
		return -1;
	}
	return 0;
}

static int same_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The addresses the trusted listen texts expand to, compared with the
 * view's. */
static int same_addrs(const struct pn_fact_svc *f,
		      const struct pn_service_conf *sc)
{
	size_t k = 0;

	for (size_t j = 0; j < f->nlisten; j++) {
		struct pn_addr a[2];
		char err[256];
		int n = pn_addr_parse(f->listen[j], a, err, sizeof err);
		for (int i = 0; i < n; i++, k++)
			if (k >= sc->naddrs || !pn_addr_equal(&a[i], &sc->addrs[k]))
				return 0;
		if (n <= 0)
			return 0;
	}
	return k == sc->naddrs;
}

int pn_facts_verify(struct pn_config *view, const struct pn_facts *f,
		    char *err, size_t errlen)
{
	if (!same_str(view->pid_file, f->pid_file)) {
		snprintf(err, errlen, "its pid_file differs from the file's");
		return -1;
	}
	if (view->nsvcs != f->nsvcs) {
		snprintf(err, errlen, "it lists %zu services, the files %zu",
			 view->nsvcs, f->nsvcs);
		return -1;
	}
	for (size_t i = 0; i < f->nsvcs; i++) {
		struct pn_service_conf *sc = &view->svcs[i];
		const struct pn_fact_svc *s = &f->svcs[i];
		int same_listen = sc->nlisten == s->nlisten;

		for (size_t j = 0; same_listen && j < s->nlisten; j++)
			same_listen = same_str(sc->listen[j], s->listen[j]);
		if (!same_str(sc->name, s->name) || sc->enabled != s->enabled ||
		    !same_str(sc->user, s->user) || !same_str(sc->group, s->group) ||
		    !same_listen || !same_addrs(s, sc)) {
			snprintf(err, errlen, "service '%s' differs from the file's "
				 "(name, enabled, user, group or listen)", s->name);
			return -1;
		}
		/* The user as the supervisor finds it, not as the view says. */
		memset(&sc->ident, 0, sizeof sc->ident);
		if (s->user[0] && pn_ident_resolve(s->user, s->group, &sc->ident, err,
						   errlen) < 0)
			return -1;
	}
	return 0;
}
