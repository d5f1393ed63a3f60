/*
 * privs.h -- the identity a service runs as: user, group, supplementary
 * groups.
 *
 * Switching is done in the one safe order -- supplementary groups
 * (initgroups/setgroups), then setgid, then setuid -- and every step is
 * checked, including that the process cannot get root back: a failure
 * means the service does not run, never that it runs as root (xinetd's
 * CVE-2013-4342).
 */
#ifndef PN_PRIVS_H
#define PN_PRIVS_H

#include <stddef.h>
#include <sys/types.h>

struct pn_ident {
	char user[64]; /* "" : keep the current identity */
	uid_t uid;
	gid_t gid;
};

/*
 * pn_ident_resolve -- look up user (and group, or the user's primary
 * group when group is NULL or empty).  Returns 0, or -1 with a reason.
 */
int pn_ident_resolve(const char *user, const char *group,
		     struct pn_ident *id, char *err, size_t errlen);

/*
 * pn_ident_apply -- become id: initgroups, setgid, setuid, each checked,
 * then a check that setuid(0) fails.  An empty id.user changes nothing.
 * Returns 0, or -1 with a reason.
 */
int pn_ident_apply(const struct pn_ident *id, char *err, size_t errlen);

#endif
