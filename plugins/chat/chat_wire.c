/*
 * chat_wire.c -- encoding and decoding the events a shared room publishes
 * (format in chat_wire.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat_wire.h"

/* Fields before TEXT, the magic line not counted. */
#define WIRE_FIELDS 8

static const char *str(const char *s)
{
	return s ? s : "";
}

char *chat_wire_encode(const struct chat_ev *ev, size_t *len)
{
	const char *f[] = { ev->node, ev->addr, ev->nick, ev->arg };
	char *out = NULL;
	size_t n = 0;
	FILE *m;

	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if (strchr(str(f[i]), '\n'))
			return NULL;
	if (!(m = open_memstream(&out, &n)))
		return NULL;
	fprintf(m, CHAT_WIRE_MAGIC "\n%s\n%" PRIu64 "\n%" PRIu64 "\n%c\n%" PRId64
		   "\n%s\n%s\n%s\n",
		str(ev->node), ev->epoch, ev->seq, ev->kind, ev->joined,
		str(ev->addr), str(ev->nick), str(ev->arg));
	if (ev->text)
		fwrite(ev->text, 1, ev->text_len, m);
	if (fclose(m) != 0) {
		free(out);
		return NULL;
	}
	*len = n;
	return out;
}

/* A decimal number taking all of s; -1 when it is not one. */
static int wire_num(const char *s, int sign, int64_t *v)
{
	char *end;

	if (!*s || (!sign && *s == '-'))
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

int chat_wire_decode(char *msg, size_t len, struct chat_ev *ev)
{
	char *field[WIRE_FIELDS + 1], *p = msg, *end = msg + len;
	size_t magic = strlen(CHAT_WIRE_MAGIC);
	int64_t epoch, seq, joined;

	msg[len] = '\0';
	if (len <= magic || memcmp(msg, CHAT_WIRE_MAGIC, magic) != 0 ||
	    msg[magic] != '\n')
		return -1;
	p = msg + magic + 1;
	for (int i = 0; i < WIRE_FIELDS; i++) {
		char *lf = memchr(p, '\n', (size_t)(end - p));
		if (!lf)
			return -1;
		*lf = '\0';
		field[i] = p;
		p = lf + 1;
	}
	field[WIRE_FIELDS] = p;
	if (wire_num(field[1], 0, &epoch) || wire_num(field[2], 0, &seq) ||
	    wire_num(field[4], 1, &joined) || strlen(field[3]) != 1 ||
	    !strchr("JLMNQ", field[3][0]) || !field[0][0])
		return -1;
	*ev = (struct chat_ev){
		.node = field[0], .epoch = (uint64_t)epoch,
		.seq = (uint64_t)seq, .kind = field[3][0], .joined = joined,
		.addr = field[5], .nick = field[6], .arg = field[7],
		.text = p, .text_len = (size_t)(end - p),
	};
	return 0;
}

const char *chat_wire_eol(const char *arg)
{
	if (strcmp(arg, "rn") == 0)
		return "\r\n";
	if (strcmp(arg, "n") == 0)
		return "\n";
	return "";
}

const char *chat_wire_eol_arg(const char *eol)
{
	if (strcmp(eol, "\r\n") == 0)
		return "rn";
	if (strcmp(eol, "\n") == 0)
		return "n";
	return "";
}
