/*
 * privs.c -- switching identity safely (see privs.h).
 */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int pn_ident_resolve(const char *user, const char *group,
		     struct pn_ident *id, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(id, 0, sizeof *id);
	if (!user || !user[0])
		return 0;
	errno = 0;
	if (!(pw = getpwnam(user))) {
		snprintf(err, errlen, "unknown user '%s'%s%s", user,
			 errno ? ": " : "", errno ? strerror(errno) : "");
		return -1;
	}
	if (strlen(user) >= sizeof id->user) {
		snprintf(err, errlen, "user name '%s' too long", user);
		return -1;
	}
	strcpy(id->user, user);
	id->uid = pw->pw_uid;
	id->gid = pw->pw_gid;
	if (group && group[0]) {
		struct group *gr;
		errno = 0;
		if (!(gr = getgrnam(group))) {
			snprintf(err, errlen, "unknown group '%s'%s%s", group,
				 errno ? ": " : "", errno ? strerror(errno) : "");
			return -1;
		}
		id->gid = gr->gr_gid;
	}
	return 0;
}

int pn_ident_apply(const struct pn_ident *id, char *err, size_t errlen)
{
	if (!id->user[0])
		return 0;
	if (getuid() == id->uid && geteuid() == id->uid && getgid() == id->gid &&
	    id->uid != 0)
		return 0; /* already there (not root: nothing to drop) */
	if (initgroups(id->user, id->gid) < 0) {
		snprintf(err, errlen, "initgroups(%s): %s", id->user, strerror(errno));
		return -1;
	}
	if (setgid(id->gid) < 0) {
		snprintf(err, errlen, "setgid(%u): %s", (unsigned)id->gid, strerror(errno));
		return -1;
	}
	if (setuid(id->uid) < 0) {
		snprintf(err, errlen, "setuid(%u): %s", (unsigned)id->uid, strerror(errno));
		return -1;
	}
	if (getuid() != id->uid || geteuid() != id->uid || getgid() != id->gid ||
	    getegid() != id->gid) {
		snprintf(err, errlen, "identity is not %s after setuid", id->user);
		return -1;
	}
	if (id->uid != 0 && setuid(0) == 0) {
		snprintf(err, errlen, "could get root back after dropping it");
		return -1;
	}
	return 0;
}
