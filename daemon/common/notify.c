/*
 * notify.c -- service-manager integration (see notify.h).
 *
 * libsystemd does the protocol (sd_notify, sd_listen_fds_with_names); this
 * file only maps inherited sockets to pinetd's addresses.
 */
#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "log.h"

void pn_notify(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	sd_notify(0, state);
#else
	(void)state;
#endif
}

unsigned long long pn_notify_watchdog_usec(void)
{
#ifdef HAVE_LIBSYSTEMD
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) > 0)
		return usec;
#endif
	return 0;
}

#ifdef HAVE_LIBSYSTEMD
/* What an inherited fd is: its address and transport.  -1 if unusable. */
static int describe(int fd, struct pn_addr *a)
{
	int type = 0;
	socklen_t tl = sizeof type;

	memset(a, 0, sizeof *a);
	a->len = sizeof a->ss;
	if (getsockname(fd, (struct sockaddr *)&a->ss, &a->len) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0)
		return -1;
	if (a->ss.ss_family != AF_INET && a->ss.ss_family != AF_INET6)
		return -1;
	if (type == SOCK_STREAM)
		a->proto = PINETD_TCP;
	else if (type == SOCK_DGRAM)
		a->proto = PINETD_UDP;
	else
		return -1;
	return 0;
}
#endif

int pn_activation_collect(struct pn_activation *a)
{
	a->fds = NULL;
	a->n = 0;
#ifdef HAVE_LIBSYSTEMD
	char **names = NULL;
	int n = sd_listen_fds_with_names(1, &names);

	if (n < 0) {
		pn_log(LOG_ERR, "socket activation: %s", strerror(-n));
		return -1;
	}
	if (n > 0 && !(a->fds = calloc((size_t)n, sizeof *a->fds))) {
		pn_log(LOG_ERR, "socket activation: out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++) {
		int fd = SD_LISTEN_FDS_START + i;
		struct pn_inherited *in = &a->fds[a->n];
		char name[PN_ADDR_TEXT + 8];

		if (describe(fd, &in->addr) < 0) {
			pn_log(LOG_WARNING, "socket activation: fd %d is not a TCP or "
					    "UDP socket; closed", fd);
			close(fd);
			continue;
		}
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		in->fd = fd;
		snprintf(in->name, sizeof in->name, "%s",
			 names && names[i] && strcmp(names[i], "unknown") != 0 ?
				 names[i] : "");
		pn_addr_format(&in->addr, name, sizeof name);
		pn_log(LOG_INFO, "socket activation: received fd %d %s%s%s", fd,
		       name, in->name[0] ? " named " : "", in->name);
		a->n++;
	}
	if (names) {
		for (int i = 0; i < n; i++)
			free(names[i]);
		free(names);
	}
	return (int)a->n;
#else
	if (getenv("LISTEN_FDS"))
		pn_log(LOG_WARNING, "LISTEN_FDS is set but pinetd was built "
				    "without libsystemd: sockets not adopted");
	return 0;
#endif
}

int pn_activation_take(struct pn_activation *a, const struct pn_addr *addr,
		       const char *service, struct pn_addr *bound)
{
	struct pn_inherited *pick = NULL;

	for (size_t i = 0; i < a->n && !pick; i++)
		if (!a->fds[i].taken && pn_addr_equal(&a->fds[i].addr, addr))
			pick = &a->fds[i];
	for (size_t i = 0; i < a->n && !pick; i++)
		if (!a->fds[i].taken && a->fds[i].addr.proto == addr->proto &&
		    strcmp(a->fds[i].name, service) == 0)
			pick = &a->fds[i];
	if (!pick)
		return -1;
	pick->taken = 1;
	*bound = pick->addr;
	return pick->fd;
}

void pn_activation_release(struct pn_activation *a)
{
	for (size_t i = 0; i < a->n; i++) {
		if (a->fds[i].taken)
			continue;
		if (a->quiet) {
			close(a->fds[i].fd);
			continue;
		}
		char name[PN_ADDR_TEXT + 8];
		pn_addr_format(&a->fds[i].addr, name, sizeof name);
		pn_log(LOG_WARNING, "socket activation: no service for fd %d %s; closed",
		       a->fds[i].fd, name);
		close(a->fds[i].fd);
	}
	free(a->fds);
	a->fds = NULL;
	a->n = 0;
}
