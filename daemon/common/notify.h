/*
 * notify.h -- service-manager integration: sd_notify(3) state changes and
 * sd_listen_fds(3) socket activation, through libsystemd when pinetd was
 * built with it (./configure --with-libsystemd), no-ops otherwise.
 */
#ifndef PN_NOTIFY_H
#define PN_NOTIFY_H

#include <stddef.h>

#include "addr.h"

/* Send a state string ("READY=1", "RELOADING=1", "STOPPING=1", ...);
 * several are separated by newlines ("READY=1\nSTATUS=..."). */
void pn_notify(const char *state);

/*
 * The service manager's watchdog interval for this process in
 * microseconds ($WATCHDOG_USEC, when $WATCHDOG_PID is unset or ours), 0
 * when it has none or pinetd was built without libsystemd.  The manager
 * expects "WATCHDOG=1" at least once per interval.
 */
unsigned long long pn_notify_watchdog_usec(void);

/* A socket handed over by the service manager. */
struct pn_inherited {
	int fd;
	struct pn_addr addr; /* what it is bound to, and its transport */
	char name[64];	     /* LISTEN_FDNAMES entry, "" if none */
	int taken;
};

struct pn_activation {
	struct pn_inherited *fds;
	size_t n;
	int quiet; /* sockets handed down by the supervisor: no logging */
};

/*
 * pn_activation_collect -- adopt the sockets passed with LISTEN_FDS /
 * LISTEN_PID (and LISTEN_FDNAMES), made CLOEXEC and NONBLOCK.  Returns the
 * number of sockets (0 when not socket-activated), -1 on error (logged).
 */
int pn_activation_collect(struct pn_activation *a);

/*
 * pn_activation_take -- the inherited socket for a service's address: one
 * bound to exactly addr, else one whose name is the service's name and
 * whose transport is addr's.  Returns the fd (now owned by the caller,
 * with *bound set to its real address) or -1.
 */
int pn_activation_take(struct pn_activation *a, const struct pn_addr *addr,
		       const char *service, struct pn_addr *bound);

/* Close and forget sockets no service took (each one logged). */
void pn_activation_release(struct pn_activation *a);

#endif
