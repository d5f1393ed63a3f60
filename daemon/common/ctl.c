/*
 * ctl.c -- the control channel (see ctl.h).
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int pn_ctl_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int fl = fcntl(sv[0], F_GETFL);
	if (fl < 0 || fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		return -e;
	}
	return 0;
}

int pn_ctl_send(int fd, uint32_t type, const void *body, size_t len,
		const int *fds, size_t nfds)
{
	struct pn_ctl_hdr h = { .type = type, .len = (uint32_t)len };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof h },
		{ .iov_base = (void *)body, .iov_len = len },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * PN_CTL_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };

	if (len > PN_CTL_MAX || nfds > PN_CTL_MAXFDS)
		return -EMSGSIZE;
	if (nfds) {
		memset(&u, 0, sizeof u);
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
	}
	for (;;) {
		ssize_t n = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n >= 0)
			return (size_t)n == sizeof h + len ? 0 : -EMSGSIZE;
		if (errno != EINTR)
			return -errno;
	}
}

ssize_t pn_ctl_recv(int fd, uint32_t *type, void *body, size_t cap, int *fds,
		    size_t maxfds, size_t *nfds)
{
	struct pn_ctl_hdr h;
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof h },
		{ .iov_base = body, .iov_len = cap },
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * PN_CTL_MAXFDS)];
		struct cmsghdr align;
	} u;
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2,
			    .msg_control = u.buf, .msg_controllen = sizeof u.buf };
	ssize_t n;
	int bad = 0;

	*nfds = 0;
	do
		n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODATA;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[PN_CTL_MAXFDS];
		if (k > PN_CTL_MAXFDS)
			k = PN_CTL_MAXFDS;
		memcpy(got, CMSG_DATA(c), k * sizeof(int));
		for (size_t i = 0; i < k; i++) {
			if (*nfds < maxfds)
				fds[(*nfds)++] = got[i];
			else
				close(got[i]);
		}
	}
	if ((size_t)n < sizeof h || h.len != (size_t)n - sizeof h ||
	    (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		bad = 1;
	if (bad) {
		while (*nfds)
			close(fds[--*nfds]);
		return -EBADMSG;
	}
	*type = h.type;
	return (ssize_t)h.len;
}
