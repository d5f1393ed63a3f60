/*
 * chargen.c -- the Character Generator Protocol, RFC 864.
 *
 * The pattern is the RFC's: the 95 printable ASCII characters, 32 (' ')
 * to 126 ('~'), in lines of 72 characters ended by CR LF (74 bytes).
 * Line n holds the characters at offsets n, n+1, ..., n+71 of the ring,
 * each taken mod 95: line 0 is " !\"#...g", line 1 is "!\"#$...h", and
 * after 95 lines the pattern repeats.
 *
 * TCP: the pattern is sent for as long as the peer reads it, at the pace
 * it reads: on_open asks the core for on_drain, and each on_drain (the
 * socket can take more and nothing is queued) sends one burst of whole
 * lines, at most CG_BURST_LINES (16,354 bytes).  So at most one burst is
 * ever queued per connection, however slowly the peer reads.  The line
 * the next burst starts with lives in conn_data.  Input is discarded
 * (RFC 864: "Data is sent ... without regard to the input"): the plugin
 * has no on_data, so the core reads and drops it.
 *
 * UDP: each datagram, whatever its content, is answered with CG_UDP_LINES
 * whole lines (6 lines, 444 bytes: the most whole lines within RFC 864's
 * 512).  The replies of a service continue one rotation: a reply starts
 * with the line after the last line of the service's previous reply,
 * whoever asked, so the replies read in order form the same stream as
 * TCP.  The first reply after the service starts begins with line 0.
 *
 * The whole pattern is built once per service as one table of lines,
 * long enough that a burst starting at any of the 95 lines is contiguous:
 * every send is a single call on the table, with no copying.
 */
#include <stdio.h>
#include <stdlib.h>

#include <pinetd/plugin.h>

enum {
	CG_FIRST = 32,		/* ' ', the first printable character */
	CG_CHARS = 95,		/* ' ' .. '~': lines before the pattern repeats */
	CG_WIDTH = 72,		/* characters per line */
	CG_LINE = CG_WIDTH + 2, /* with CR LF */
	CG_BURST_LINES = 221,	/* 221 * 74 = 16,354 bytes <= 16 KiB */
	CG_UDP_LINES = 6,	/* 6 * 74 = 444 bytes <= 512 */
	/* Lines 0 .. 94 + the longest run that may start at line 94. */
	CG_TABLE_LINES = CG_CHARS - 1 + CG_BURST_LINES,
};

/* A UDP reply from any start line must lie inside the table too. */
_Static_assert(CG_UDP_LINES <= CG_BURST_LINES, "UDP reply longer than a burst");

struct chargen {
	unsigned udp_line; /* first line of the next UDP reply, 0 .. 94 */
	char table[CG_TABLE_LINES * CG_LINE];
};

/* Per connection: the first line of the next burst, 0 .. 94. */
struct chargen_conn {
	unsigned line;
};

/*
 * chargen_fill -- write lines 0 .. nlines-1 of the pattern into table
 * (nlines * CG_LINE bytes), line i being pattern line i mod 95.
 */
static void chargen_fill(char *table, unsigned nlines)
{
	for (unsigned n = 0; n < nlines; n++) {
		char *p = table + (size_t)n * CG_LINE;

		for (unsigned i = 0; i < CG_WIDTH; i++)
			p[i] = (char)(CG_FIRST + (n + i) % CG_CHARS);
		p[CG_WIDTH] = '\r';
		p[CG_WIDTH + 1] = '\n';
	}
}

static int chargen_init(pinetd_svc *svc, const void *conf, void **state,
			char *err, size_t errlen)
{
	struct chargen *g = malloc(sizeof *g);

	(void)svc;
	(void)conf;
	if (!g) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	g->udp_line = 0;
	chargen_fill(g->table, CG_TABLE_LINES);
	*state = g;
	return 0;
}

static void chargen_fini(void *state)
{
	free(state);
}

/* Nothing is sent here: the first burst goes out on the first on_drain,
 * when the socket is known to be writable. */
static int chargen_open(void *state, pinetd_conn *c)
{
	(void)state;
	pinetd->want_drain(c, 1);
	return 0;
}

/*
 * chargen_drain -- the socket can take more and nothing is queued: send
 * the next burst of lines and move the connection's rotation past it.
 * A failed send means the connection is closing; on_close follows.
 */
static void chargen_drain(void *state, pinetd_conn *c)
{
	const struct chargen *g = state;
	struct chargen_conn *cc = pinetd->conn_data(c);

	pinetd->send(c, g->table + (size_t)cc->line * CG_LINE,
		      (size_t)CG_BURST_LINES * CG_LINE);
	cc->line = (cc->line + CG_BURST_LINES) % CG_CHARS;
}

static void chargen_datagram(void *state, pinetd_dgram *d, const char *buf,
			     size_t len)
{
	struct chargen *g = state;

	(void)buf;
	(void)len;
	pinetd->reply(d, g->table + (size_t)g->udp_line * CG_LINE,
		       (size_t)CG_UDP_LINES * CG_LINE);
	g->udp_line = (g->udp_line + CG_UDP_LINES) % CG_CHARS;
}

PINETD_PLUGIN_DEFINE(
	.name = "chargen",
	.description = "Character Generator Protocol (RFC 864): rotating "
		       "72-character lines",
	.transports = PINETD_TCP | PINETD_UDP,
	/* RFC 864: until the user terminates; answers any datagram. */
	.flags = PINETD_PF_HALF_CLOSE | PINETD_PF_REFLECT,
	.conn_size = sizeof(struct chargen_conn),
	.init = chargen_init,
	.fini = chargen_fini,
	.on_open = chargen_open,
	.on_drain = chargen_drain,
	.on_datagram = chargen_datagram,
);
