/*
 * xinetd.h -- xinetd.d files read as inetd entries (inetd.h), for
 * pinetd-import.
 */
#ifndef PN_XINETD_H
#define PN_XINETD_H

#include "inetd.h"

/* Called with each service converted, and the file it came from. */
typedef void pn_xinetd_emit_fn(const struct pn_inetd_entry *e,
			       const char *file);

/*
 * pn_xinetd_import_dir -- every file of dir (in name order, skipping
 * names with a dot or ending in '~', as xinetd's includedir does): each
 * `service NAME { ... }` block converted and passed to emit.  Attributes
 * pinetd has no equivalent for are warned about on standard error with
 * file:line; a block that cannot be converted is an error there.
 * Returns the number of errors.
 */
int pn_xinetd_import_dir(const char *dir, pn_xinetd_emit_fn *emit);

#endif
