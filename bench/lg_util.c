/*
 * lg_util.c -- clock, messages, result text, epoll dispatch and /proc
 * readers shared by every load generator mode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "lg.h"

uint64_t lg_now(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * LG_SEC + (uint64_t)ts.tv_nsec;
}

void lg_say(const char *fmt, ...)
{
	va_list ap;

	fputs("loadgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Append " key=value" text to a result; silently truncates when full. */
void lg_extra(struct lg_result *r, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof r->extra - r->extra_len;
	int n;

	if (room <= 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(r->extra + r->extra_len, room, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	r->extra_len += (size_t)n < room ? (size_t)n : room - 1;
}

/*
 * lg_fill_msg() writes a `size`-byte line "KIND SEQ xxxx...\n" into buf:
 * every request is distinct, so a server answering the wrong one is
 * caught by the byte comparison.  A size too small for the header gets
 * the header's first bytes and still ends in '\n'.
 */
void lg_fill_msg(char *buf, size_t size, const char *kind, uint64_t seq)
{
	char head[48];
	int n = snprintf(head, sizeof head, "%s %llu ", kind,
			 (unsigned long long)seq);
	size_t h = n < 0 ? 0 : (size_t)n;

	if (size == 0)
		return;
	if (h > size - 1)
		h = size - 1;
	memcpy(buf, head, h);
	memset(buf + h, 'x', size - 1 - h);
	buf[size - 1] = '\n';
}

int lg_epoll_new(void)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	return ep < 0 ? -errno : ep;
}

int lg_epoll_ctl(int ep, int op, int fd, struct lg_ev *ev, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.ptr = ev };

	return epoll_ctl(ep, op, fd, &e) < 0 ? -errno : 0;
}

/*
 * lg_poll() waits up to `timeout_ms` for events on `ep` and calls the
 * handler of each ready object.  A handler may close its own descriptor
 * but must not free an object that a later event of the same batch could
 * still name; the modes keep their objects in arrays for the whole run,
 * so that never happens.  Returns the number of events, 0 on EINTR or
 * timeout, -errno on failure.
 */
int lg_poll(int ep, int timeout_ms)
{
	struct epoll_event evs[256];
	int n, i;

	n = epoll_wait(ep, evs, 256, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct lg_ev *ev = evs[i].data.ptr;

		ev->fn(ev, evs[i].events);
	}
	return n;
}

/*
 * lg_proc_kb() reads "KEY:   123 kB" from /proc/PID/FILE (status or
 * smaps_rollup) and returns the number of kB, or -1 if the process, the
 * file or the key is missing.
 */
long lg_proc_kb(pid_t pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/%s", (long)pid, file);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}
