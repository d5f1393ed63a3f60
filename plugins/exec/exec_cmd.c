/*
 * exec_cmd.c -- argument splitting and environment building for the exec
 * plugin (see exec_cmd.h).
 */
#include "exec_cmd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/*
 * The output never needs more than the input: each word loses at least
 * the separator before the next word (which becomes its NUL), quotes and
 * backslashes only disappear.  So one block holds at most strlen/2 + 2
 * pointers followed by strlen + 1 characters.
 */
int exec_split(const char *s, char ***words)
{
	size_t len = strlen(s), maxw = len / 2 + 2, n = 0;
	char **w = malloc(maxw * sizeof *w + len + 1);
	char *out;
	const char *p = s;

	if (!w)
		return -1;
	out = (char *)(w + maxw);
	for (;;) {
		int quoted = 0;

		while (is_space(*p))
			p++;
		if (!*p)
			break;
		w[n++] = out;
		for (; *p; p++) {
			if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
				*out++ = *++p;
			} else if (*p == '"') {
				quoted = !quoted;
			} else if (!quoted && is_space(*p)) {
				break;
			} else {
				*out++ = *p;
			}
		}
		if (quoted) {
			free(w);
			errno = EINVAL;
			return -1;
		}
		*out++ = '\0';
	}
	w[n] = NULL;
	*words = w;
	return (int)n;
}

int exec_valid_name(const char *name)
{
	const char *p = name;

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
	      *p == '_'))
		return 0;
	for (p++; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	return 1;
}

const char *exec_basename(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int exec_addr_text(const struct sockaddr *sa, char *ip, size_t iplen,
		   unsigned *port)
{
	if (!sa)
		return -1;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const void *)sa;
		if (!inet_ntop(AF_INET, &in4->sin_addr, ip, (socklen_t)iplen))
			return -1;
		*port = ntohs(in4->sin_port);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;
		const void *a = &in6->sin6_addr;
		int af = AF_INET6;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			a = &in6->sin6_addr.s6_addr[12];
			af = AF_INET;
		}
		if (!inet_ntop(af, a, ip, (socklen_t)iplen))
			return -1;
		*port = ntohs(in6->sin6_port);
		return 0;
	}
	return -1;
}

/* The index of variable `name` (length nlen) in e, or -1. */
static long env_find(const struct exec_env *e, const char *name, size_t nlen)
{
	for (size_t i = 0; i < e->n; i++)
		if (strncmp(e->v[i], name, nlen) == 0 && e->v[i][nlen] == '=')
			return (long)i;
	return -1;
}

/* Store the malloc'ed "NAME=value" `entry`, replacing slot `at` if >= 0. */
static int env_put(struct exec_env *e, char *entry, long at)
{
	if (at >= 0) {
		free(e->v[at]);
		e->v[at] = entry;
		return 0;
	}
	if (e->n + 2 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		char **v = realloc(e->v, cap * sizeof *v);
		if (!v) {
			free(entry);
			return -1;
		}
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = entry;
	e->v[e->n] = NULL;
	return 0;
}

int exec_env_set(struct exec_env *e, const char *name, const char *value)
{
	size_t nlen = strlen(name), vlen = strlen(value);
	char *entry = malloc(nlen + vlen + 2);

	if (!entry)
		return -1;
	memcpy(entry, name, nlen);
	entry[nlen] = '=';
	memcpy(entry + nlen + 1, value, vlen + 1);
	return env_put(e, entry, env_find(e, name, nlen));
}

/* Set <proto><side>IP and <proto><side>PORT from sa, if it has an IP. */
static int env_pair(struct exec_env *e, const char *proto, const char *side,
		    const struct sockaddr *sa, int also_cgi)
{
	char ip[INET6_ADDRSTRLEN], num[8], name[32];
	unsigned port;

	if (exec_addr_text(sa, ip, sizeof ip, &port) < 0)
		return 0;
	snprintf(num, sizeof num, "%u", port);
	snprintf(name, sizeof name, "%s%sIP", proto, side);
	if (exec_env_set(e, name, ip) < 0)
		return -1;
	snprintf(name, sizeof name, "%s%sPORT", proto, side);
	if (exec_env_set(e, name, num) < 0)
		return -1;
	if (also_cgi && (exec_env_set(e, "REMOTE_ADDR", ip) < 0 ||
			 exec_env_set(e, "REMOTE_PORT", num) < 0))
		return -1;
	return 0;
}

int exec_env_ucspi(struct exec_env *e, const char *proto,
		   const struct sockaddr *local, const struct sockaddr *remote)
{
	if (exec_env_set(e, "PROTO", proto) < 0 ||
	    env_pair(e, proto, "LOCAL", local, 0) < 0 ||
	    env_pair(e, proto, "REMOTE", remote, 1) < 0)
		return -1;
	return 0;
}

int exec_env_keep(struct exec_env *e, char *const *names, char *const *from)
{
	for (; names && *names; names++) {
		size_t nlen = strlen(*names);
		if (env_find(e, *names, nlen) >= 0)
			continue;
		for (char *const *f = from; f && *f; f++) {
			if (strncmp(*f, *names, nlen) != 0 || (*f)[nlen] != '=')
				continue;
			char *entry = strdup(*f);
			if (!entry || env_put(e, entry, -1) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

const char *exec_env_get(const struct exec_env *e, const char *name)
{
	size_t nlen = strlen(name);
	long i = env_find(e, name, nlen);

	return i < 0 ? NULL : e->v[i] + nlen + 1;
}

void exec_env_free(struct exec_env *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	e->v = NULL;
	e->n = e->cap = 0;
}
