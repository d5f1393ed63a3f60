/*
 * fuzz_telnet.c -- libFuzzer target for the telnet plugin
 * (plugins/telnet.c, telnet_cmd.c, telnet_edit.c with the system's
 * libtelnet) through the plugin test kit.
 *
 * Up to four sessions of one service; each step of the input is a
 * control byte (session slot and action) and its arguments: raw bytes to
 * on_data (up to 255), one of a table of well-formed Telnet sequences and
 * commands (so the deep states are a mutation away), disconnect, EOF,
 * (re)connect.
 *
 * Checked after every step, for every session: what the server sent is a
 * well-formed Telnet stream (IAC IAC, IAC WILL/WONT/DO/DONT x, IAC SB
 * TTYPE SEND IAC SE, nothing else); it only ever offers or accepts the
 * options it supports (WILL ECHO and SGA, DO SGA, NAWS and TTYPE); it
 * answers a session with no more negotiations, nor more subnegotiations,
 * than the IAC bytes it received (no negotiation loop); its data bytes are text, CR, LF, BS or BEL (never
 * another control); its output is bounded by what the input can ask for;
 * the session flushed everything it gathered and its line stays within
 * TNEDIT_MAX bytes, NUL-terminated.  FUZZ_VERBOSE=1 prints each step's
 * input and output in hex.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_input.h"
#include "pinetd_testkit.h"
#include "telnet_session.h"

extern const struct pinetd_plugin pinetd_plugin_v1;

#define SLOTS 4
#define MAX_CONNS 32
#define IAC 255
#define SB 250
#define SE 240
#define WILL 251
#define WONT 252
#define DO 253
#define DONT 254

/* Canned inputs: negotiation answers, subnegotiations, commands, keys. */
static const struct {
	const char *s;
	size_t n;
} canned[] = {
#define C(lit) { lit, sizeof(lit) - 1 }
	C("\xff\xfd\x01\xff\xfd\x03"),		   /* DO ECHO, DO SGA */
	C("\xff\xfe\x01"),			   /* DONT ECHO */
	C("\xff\xfb\x1f"),			   /* WILL NAWS */
	C("\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0"), /* SB NAWS 80x24 */
	C("\xff\xfa\x1f\x00\x14\xff\xff\xff\xf0"), /* SB NAWS 20x65535 */
	C("\xff\xfb\x18"),			   /* WILL TTYPE */
	C("\xff\xfa\x18\x00xterm-256color\xff\xf0"), /* SB TTYPE IS */
	C("\xff\xfc\x18\xff\xfc\x1f"),		   /* WONT TTYPE, NAWS */
	C("\xff\xfa\x56\x00\xff\xf0"),		   /* SB COMPRESS2 */
	C("\xff\xf6"),				   /* AYT */
	C("\xff\xf4\xff\xfd\x06"),		   /* IP, DO TIMING-MARK */
	C("help\r\n"), C("who\r\n"), C("whoami\r\n"), C("services\r\n"),
	C("uptime\r\n"), C("date\r\n"), C("echo \xc3\xa9t\xc3\xa9\r\0"),
	C("help echo\r"), C("quit\r\n"), C("exit extra\n"),
	C("\x1b[A\x1b[D\x1bOB"), C("abc\x7f\x08\x15\x17\x0c\x12\x03\x04"),
	C("\xe4\xb8\xad\xcc\x81\x7f"),
#undef C
};

struct run {
	struct pt_service *s;
	pinetd_conn *slot[SLOTS];
	pinetd_conn *all[MAX_CONNS];
	size_t iacs[MAX_CONNS]; /* IAC bytes each one received so far */
	size_t negs[MAX_CONNS]; /* negotiations it was sent after its offers */
	size_t sbs[MAX_CONNS];	/* subnegotiations it was sent */
	size_t nall;
	unsigned port;
};

/* What one step's output of a session holds. */
struct scan {
	size_t negs; /* WILL/WONT/DO/DONT sent */
	size_t sbs;  /* subnegotiations sent */
};

static void scan_output(const uint8_t *o, size_t n, struct scan *sc)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = o[i];
		if (b != IAC) {
			fz_check(b >= 0x20 || b == '\r' || b == '\n' || b == '\b' ||
					 b == '\a',
				 "control byte 0x%02x sent at %zu", b, i);
			fz_check(b != 0x7f, "DEL sent at %zu", i);
			continue;
		}
		fz_check(i + 1 < n, "output ends with IAC");
		uint8_t cmd = o[++i];
		if (cmd == IAC)
			continue;
		if (cmd >= WILL && cmd <= DONT) {
			fz_check(i + 1 < n, "output ends inside a negotiation");
			uint8_t opt = o[++i];
			sc->negs++;
			if (cmd == WILL)
				fz_check(opt == 1 || opt == 3, "WILL %u sent", opt);
			if (cmd == DO)
				fz_check(opt == 3 || opt == 24 || opt == 31,
					 "DO %u sent", opt);
			continue;
		}
		fz_check(cmd == SB, "IAC %u sent at %zu", cmd, i);
		/* The only subnegotiation: SB TTYPE SEND IAC SE. */
		fz_check(i + 4 < n && memcmp(o + i + 1, "\x18\x01\xff\xf0", 4) == 0,
			 "unexpected subnegotiation at %zu", i);
		sc->sbs++;
		i += 4;
	}
}

/* For FUZZ_VERBOSE=1: one step's bytes in hex. */
static void hexdump(const char *what, const uint8_t *p, size_t n)
{
	fprintf(stderr, "%s:", what);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %02x", p[i]);
	fputc('\n', stderr);
}

static void check_session(pinetd_conn *c)
{
	struct tn_session **slot = pinetd->conn_data(c);
	const struct tn_session *s = slot ? *slot : NULL;

	if (!s)
		return;
	fz_check(s->outlen == 0, "%zu bytes gathered, not sent", s->outlen);
	fz_check(s->ed.len <= TNEDIT_MAX && s->ed.buf[s->ed.len] == '\0',
		 "editor holds %zu bytes", s->ed.len);
	fz_check(strlen(s->ttype) <= TN_TTYPE_MAX, "ttype too long");
}

/*
 * Check every connection's output of one step, then clear it.  in/n is
 * what the step sent to `to` (NULL when it sent nothing).
 */
static void check_step(struct run *r, pinetd_conn *to, const uint8_t *in,
		       size_t n)
{
	size_t iacs = 0, ctrl = 0;

	for (size_t i = 0; i < n; i++) {
		iacs += in[i] == IAC;
		ctrl += in[i] < 0x20 || in[i] == 0x7f || in[i] == IAC;
	}
	/* A command may be split across steps: count since the open. */
	for (size_t i = 0; i < r->nall; i++) {
		pinetd_conn *c = r->all[i];
		struct scan sc = { 0 };
		size_t len;
		const uint8_t *o = (const uint8_t *)pt_output(c, &len);

		scan_output(o, len, &sc);
		r->negs[i] += sc.negs;
		r->sbs[i] += sc.sbs;
		if (c == to) {
			r->iacs[i] += iacs;
			if (getenv("FUZZ_VERBOSE")) {
				hexdump("in", in, n);
				hexdump("out", o, len);
			}
			fz_check(r->negs[i] <= r->iacs[i] && r->sbs[i] <= r->iacs[i],
				 "%zu negotiations, %zu subnegotiations sent "
				 "for %zu IAC received", r->negs[i], r->sbs[i],
				 r->iacs[i]);
			fz_check(len <= 8192 + 8 * n + 2048 * ctrl,
				 "%zu bytes sent for %zu received", len, n);
		} else {
			fz_check(sc.negs + sc.sbs == 0, "negotiation to a bystander");
			fz_check(len == 0, "%zu bytes to a bystander", len);
		}
		check_session(c);
		pt_clear(c);
	}
	for (unsigned i = 0; i < SLOTS; i++)
		if (r->slot[i] && pt_close_reason(r->slot[i]) >= 0)
			r->slot[i] = NULL;
}

static void join(struct run *r, unsigned i)
{
	static const char *const ips[] = { "192.0.2.1", "2001:db8::2" };
	struct scan sc = { 0 };
	size_t len;

	if (r->nall == MAX_CONNS)
		return;
	pinetd_conn *c = pt_connect(r->s, ips[r->port % 2], 2000 + r->port);
	r->port++;
	fz_check(c != NULL, "session refused");
	r->slot[i] = c;
	r->all[r->nall++] = c;
	const uint8_t *o = (const uint8_t *)pt_output(c, &len);
	scan_output(o, len, &sc);
	fz_check(sc.negs == 4, "%zu offers at open", sc.negs);
	pt_clear(c);
	check_step(r, NULL, NULL, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct run r = { 0 };

	r.s = pt_service_new(&pinetd_plugin_v1, "telnet", NULL);
	fz_check(r.s != NULL, "init failed: %s", pt_last_error());
	join(&r, 0);
	join(&r, 1);
	while (fz_left(&in) > 0) {
		unsigned ctl = fz_u8(&in), i = ctl % SLOTS, op = ctl / SLOTS;
		pinetd_conn *c = r.slot[i];
		const uint8_t *p = NULL;
		size_t n = 0;

		if (op < 44) {
			p = fz_bytes(&in, fz_u8(&in), &n);
		} else if (op < 52) {
			unsigned k = fz_u8(&in) % (sizeof canned / sizeof *canned);
			p = (const uint8_t *)canned[k].s;
			n = canned[k].n;
		} else if (op < 56) {
			if (c)
				pt_disconnect(r.s, c);
			c = NULL;
		} else if (op < 60) {
			if (c)
				pt_eof(r.s, c);
			c = NULL;
		} else {
			if (!c)
				join(&r, i);
			continue;
		}
		if (c && p)
			pt_send(r.s, c, p, n);
		check_step(&r, c && p ? c : NULL, p, c ? n : 0);
	}
	pt_service_free(r.s);
	return 0;
}
