/*
 * facts.h -- what the supervisor acts on as root, learnt before any
 * plugin code runs.
 *
 * The checker (checker.c) runs plugin constructors, so everything it
 * sends after loading a plugin could have been written by that plugin.
 * The supervisor acts as root on some of it: which services exist and
 * whether they are enabled, which user each runs as, which addresses it
 * binds, where the pid file goes.  Those facts are read from the files
 * by a plugin-free pass and sent before the first plugin is loaded; the
 * supervisor sends at most one such frame per checker, checks the view
 * against them and resolves every user itself.
 */
#ifndef PN_FACTS_H
#define PN_FACTS_H

#include <stddef.h>

#include "conf.h"
#include "wire.h"

struct pn_fact_svc {
	char *name, *user, *group;
	int enabled;
	char **listen;
	size_t nlisten;
};

struct pn_facts {
	char *pid_file;
	struct pn_fact_svc *svcs;
	size_t nsvcs;
};

void pn_facts_free(struct pn_facts *f);

void pn_facts_encode(const struct pn_facts *f, struct pn_wbuf *w);

/* Returns 0, or -1 with the reason in err (f is then empty). */
int pn_facts_decode(struct pn_rbuf *r, struct pn_facts *f, char *err,
		    size_t errlen);

/*
 * pn_facts_verify -- does the view say what the facts say?  Same
 * services in the same order, each with the same enabled state, user,
 * group, listen addresses (and the socket addresses they expand to), and
 * the same pid file.  On success every service's identity is resolved
 * here (pn_ident_resolve) rather than taken from the view.  Returns 0,
 * or -1 with the first difference in err.
 */
int pn_facts_verify(struct pn_config *view, const struct pn_facts *f,
		    char *err, size_t errlen);

#endif
