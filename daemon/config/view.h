/*
 * view.h -- a configuration table without plugin code behind it, and its
 * encoding: what the checker process (checker.h) sends the supervisor.
 *
 * A view has everything of struct pn_config and struct pn_service_conf
 * that the supervisor uses -- global settings, names, files and lines,
 * listen addresses, every core option, users and their resolved
 * identities -- and a fingerprint per service instead of the plugin's
 * option struct (pconf NULL).  Its plugin records hold name and path only
 * (desc and dl NULL), owned by the view (conf->view_plugins).
 */
#ifndef PN_VIEW_H
#define PN_VIEW_H

#include "conf.h"
#include "wire.h"

#define PN_VIEW_VERSION 2u

/*
 * pn_view_encode -- append the view of conf to w.  conf may be a full
 * table (fingerprints are computed) or a view.
 */
void pn_view_encode(const struct pn_config *conf, struct pn_wbuf *w);

/*
 * pn_view_decode -- the view encoded in r.  Every count, length and
 * range is checked (the bytes come from another process); listen
 * addresses are parsed again from their text.  Returns the view (refs 0,
 * snap NULL), or NULL with the reason in err.
 */
struct pn_config *pn_view_decode(struct pn_rbuf *r, char *err, size_t errlen);

#endif
