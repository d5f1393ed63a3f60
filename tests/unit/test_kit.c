/*
 * Unit tests of every primitive of the plugin API through the test kit
 * (tests/kit/pinetd_testkit.c): a small plugin, "kt", defined here, whose
 * callbacks write what happens into a trace the tests compare byte for
 * byte.  The tests call the core table (`pinetd`, filled by the kit) the
 * way plugin code does.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <pinetd/plugin.h>

#include "pinetd_testkit.h"

/* ---- the trace ---- */

static char trace[8192];

static void tr(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void tr(const char *fmt, ...)
{
	size_t n = strlen(trace);
	va_list ap;

	if (n > 0 && n + 1 < sizeof trace) { /* entries are separated by ';' */
		trace[n++] = ';';
		trace[n] = '\0';
	}
	va_start(ap, fmt);
	vsnprintf(trace + n, sizeof trace - n, fmt, ap);
	va_end(ap);
}

/* Compare the trace with `want` and start a new one. */
#define assert_trace(want)                                                     \
	do {                                                                   \
		assert_string_equal(trace, (want));                            \
		trace[0] = '\0';                                               \
	} while (0)

/* Fake time relative to the start of the clock. */
static unsigned long long rel(void)
{
	return (unsigned long long)(pinetd->now() - PT_CLOCK_START);
}

/* ---- the plugin ---- */

struct kt_conf {
	const char *greeting;
	int64_t delay;
	int32_t loud;
	int32_t framing;
};

static const char *const framings[] = { "lines", "reads", NULL };

static const struct pinetd_option kt_options[] = {
	PINETD_OPTION_STR("greeting", struct kt_conf, greeting, "hi",
			  "first line sent"),
	PINETD_OPTION_INT("delay", struct kt_conf, delay, 50, 1, 10000,
			  "ms before a paused connection resumes"),
	PINETD_OPTION_BOOL("loud", struct kt_conf, loud, 0, "log more"),
	PINETD_OPTION_ENUM("framing", struct kt_conf, framing, "reads",
			   framings, "unused: an ENUM default by name"),
	PINETD_OPTION_END,
};

struct kt_state {
	const struct pinetd_core *core_at_init;
	pinetd_svc *svc;
	const struct kt_conf *conf;
	pinetd_dgram *kept;
	pinetd_timer fini_timer; /* a service timer fini looks at */
	pinetd_conn *last_closed;
};

static struct kt_state g;
static struct pt_service *cur; /* the service under test */

static int kt_init(pinetd_svc *svc, const void *conf, void **state,
		   char *err, size_t errlen)
{
	const struct kt_conf *kc = conf;

	g.core_at_init = pinetd;
	g.svc = svc;
	g.conf = kc;
	tr("init:%s", kc->greeting);
	if (strcmp(kc->greeting, "fail") == 0) {
		snprintf(err, errlen, "greeting 'fail' refused");
		return -1;
	}
	*state = &g;
	return 0;
}

static void kt_fini(void *state)
{
	struct kt_state *st = state;

	/* Service timers end after fini returns: still there now. */
	tr("fini:%d", st->fini_timer ? pinetd->timer_stop(st->fini_timer) : 1);
}

static int kt_reconfigure(void *state, pinetd_svc *svc, const void *conf,
			  char *err, size_t errlen)
{
	const struct kt_conf *kc = conf;

	if (strcmp(kc->greeting, "nope") == 0) {
		snprintf(err, errlen, "greeting 'nope' refused");
		return -1;
	}
	tr("reconf:%s", kc->greeting);
	if (state == &g)
		g.conf = kc;
	return 0;
}

static unsigned peer_port(pinetd_conn *c)
{
	const char *name = pinetd->peer_name(c);

	return (unsigned)atoi(strrchr(name, ':') + 1);
}

static int kt_open(void *state, pinetd_conn *c)
{
	const struct kt_conf *kc = state == &g ? g.conf : state;

	if (peer_port(c) == 666) {
		tr("refuse");
		pinetd->send(c, "dropped\n", 8);
		return -1;
	}
	tr("open:%u", peer_port(c));
	return pinetd->sendf(c, "%s\n", kc->greeting);
}

static void resume_cb(void *state, pinetd_timer t, void *arg)
{
	pinetd_conn *c = arg;

	assert_ptr_equal(state, &g);
	tr("resume@%llu", rel());
	assert_int_equal(pinetd->pause(c, 0), 0);
}

/* printf-style helpers on top of the v-functions, as chat has. */
static int say(pinetd_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int say(pinetd_conn *c, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pinetd->vsendf(c, fmt, ap);
	va_end(ap);
	return rc;
}

static void note(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pinetd->vlog(g.svc, level, fmt, ap);
	va_end(ap);
}

/* Lines are commands; every line is traced first. */
static void kt_line(void *state, pinetd_conn *c, char *line, size_t len,
		    uint32_t flags)
{
	const struct kt_conf *kc = state == &g ? g.conf : state;

	tr("line:%s/%zu/%u", line, len, flags);
	if (strcmp(line, "pause") == 0) {
		assert_int_equal(pinetd->pause(c, 1), 0);
		assert_int_not_equal(pinetd->timer_start(NULL, c,
				     (uint64_t)kc->delay, 0, resume_cb, c), 0);
	} else if (strcmp(line, "shut") == 0) {
		assert_int_equal(pinetd->send(c, "bye\n", 4), 0);
		tr("shutdown:%d", pinetd->shutdown(c));
		tr("again:%d", pinetd->shutdown(c));
		tr("send:%d", pinetd->send(c, "late\n", 5));
		tr("sendf:%d", pinetd->sendf(c, "late\n"));
	} else if (strcmp(line, "close") == 0) {
		pinetd->close(c);
		tr("send:%d", pinetd->send(c, "late\n", 5));
	} else if (strcmp(line, "sendv") == 0) {
		struct iovec iov[] = {
			{ .iov_base = "one ", .iov_len = 4 },
			{ .iov_base = "", .iov_len = 0 },
			{ .iov_base = "two\n", .iov_len = 4 },
		};
		tr("sendv:%d", pinetd->sendv(c, iov, 3));
	} else if (strcmp(line, "say") == 0) {
		tr("say:%d", say(c, "%s=%d %05.1f\n", "n", 42, 2.5));
		note(PINETD_LOG_NOTICE, "said %d to %s", 42,
		     pinetd->peer_name(c));
	}
}

static void kt_eof(void *state, pinetd_conn *c)
{
	tr("eof:%u", peer_port(c));
}

static void kt_close(void *state, pinetd_conn *c, int why)
{
	g.last_closed = c;
	tr("close:%u:%d:timers=%d:send=%d", peer_port(c), why, pt_timers(cur),
	   pinetd->send(c, "x", 1));
}

static void kt_datagram(void *state, pinetd_dgram *d, const char *buf,
			size_t len)
{
	if (len == 5 && memcmp(buf, "later", 5) == 0) {
		g.kept = pinetd->dgram_keep(d);
		tr("kept:%s", pinetd->dgram_peer_name(g.kept));
		return;
	}
	struct iovec iov[] = {
		{ .iov_base = "now:", .iov_len = 4 },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	tr("replyv:%d", pinetd->replyv(d, iov, 2));
}

PINETD_PLUGIN_DEFINE(
	.name = "kt",
	.description = "exercises every primitive of the core",
	.transports = PINETD_TCP | PINETD_UDP,
	.flags = PINETD_PF_LINES | PINETD_PF_EVENT,
	.conf_size = sizeof(struct kt_conf),
	.options = kt_options,
	.init = kt_init,
	.fini = kt_fini,
	.reconfigure = kt_reconfigure,
	.on_open = kt_open,
	.on_line = kt_line,
	.on_eof = kt_eof,
	.on_close = kt_close,
	.on_datagram = kt_datagram,
);

/* ---- fixtures ---- */

static int setup(void **st)
{
	(void)st;
	memset(&g, 0, sizeof g);
	trace[0] = '\0';
	cur = pt_service_new(&pinetd_plugin_v1, "kt1", NULL);
	assert_non_null(cur);
	assert_trace("init:hi");
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	pt_service_free(cur);
	cur = NULL;
	return 0;
}

/* A variant of the descriptor, to change what a const one cannot. */
static struct pinetd_plugin variant(void)
{
	return pinetd_plugin_v1;
}

#define TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- the service, the descriptor, options ---- */

static void test_kit_core_table_is_full_and_in_place_before_init(void **st)
{
	typedef void (*fnptr)(void);
	const char *base = (const char *)&pt_core;

	(void)st;
	assert_ptr_equal(g.core_at_init, &pt_core);
	assert_ptr_equal(pinetd, &pt_core);
	assert_int_equal(pt_core.abi, PINETD_ABI_VERSION);
	assert_int_equal(pt_core.size, sizeof(struct pinetd_core));
	assert_true(PINETD_HAS(now));
	for (size_t off = offsetof(struct pinetd_core, send);
	     off < sizeof(struct pinetd_core); off += sizeof(fnptr)) {
		fnptr f;
		memcpy(&f, base + off, sizeof f);
		if (!f)
			fail_msg("core member at offset %zu is NULL", off);
	}
	assert_string_equal(pinetd->service_name(g.svc), "kt1");
	assert_ptr_equal(pt_svc(cur), g.svc);
}

static void test_kit_options_fill_the_conf_enum_default_by_name(void **st)
{
	const char *const opts[] = { "greeting=yo", "delay=7", "loud=yes",
				     NULL };
	const struct kt_conf *kc = pt_service_conf(cur);

	(void)st;
	assert_string_equal(kc->greeting, "hi");
	assert_true(kc->delay == 50);
	assert_int_equal(kc->loud, 0);
	assert_int_equal(kc->framing, 1); /* "reads" */
	pt_service_free(cur);
	cur = pt_service_new(&pinetd_plugin_v1, "kt2", opts);
	assert_trace("fini:1;init:yo");
	kc = pt_service_conf(cur);
	assert_string_equal(kc->greeting, "yo");
	assert_true(kc->delay == 7);
	assert_int_equal(kc->loud, 1);
	assert_int_equal(kc->framing, 1);
	assert_ptr_equal(pt_service_state(cur), &g);
}

static void test_kit_refuses_what_the_loader_refuses(void **st)
{
	static const struct pinetd_option bad_enum[] = {
		PINETD_OPTION_ENUM("framing", struct kt_conf, framing, "x",
				   framings, ""),
		PINETD_OPTION_END,
	};
	static const struct pinetd_option outside[] = {
		PINETD_OPTION_INT("delay", struct kt_conf, delay, 1, 0, 0, ""),
		PINETD_OPTION_END,
	};
	static const char *const needs[] = { "api-1.0", "api-9.9", NULL };
	struct pinetd_plugin p;

	(void)st;
	p = variant();
	p.options = bad_enum;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(),
			    "plugin 'kt': option 'framing': default 'x' is not "
			    "one of: lines, reads");
	p = variant();
	p.options = outside;
	p.conf_size = offsetof(struct kt_conf, delay) + 4;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(),
			    "plugin 'kt': option 'delay' lies outside conf_size 12");
	p = variant();
	p.option_size = 32;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(),
			    "plugin 'kt': option entries of 32 bytes are smaller "
			    "than the minimum 64");
	p = variant();
	p.abi = 2;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(), "ABI version 2, expected 1");
	p = variant();
	p.size = PINETD_PLUGIN_MIN_SIZE - 8;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(),
			    "descriptor of 120 bytes is smaller than the minimum 128");
	p = variant();
	p.flags |= 1u << 20;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(), "plugin 'kt': unknown flags 0x100000");
	p = variant();
	p.requires = needs;
	assert_null(pt_service_new(&p, "bad", NULL));
	assert_string_equal(pt_last_error(),
			    "plugin 'kt' requires feature 'api-9.9', which this "
			    "daemon lacks");
	assert_trace(""); /* init never ran */
	const char *const fail[] = { "greeting=fail", NULL };
	assert_null(pt_service_new(&pinetd_plugin_v1, "bad", fail));
	assert_string_equal(pt_last_error(), "greeting 'fail' refused");
	assert_trace("init:fail");
}

static void test_kit_short_descriptor_lacks_later_members(void **st)
{
	/* Built against a header one member shorter (no on_eof onwards):
	 * the kit treats them as absent, as the daemon does. */
	struct pinetd_plugin p = variant();
	struct pt_service *s;
	pinetd_conn *c;

	(void)st;
	p.size = (uint32_t)offsetof(struct pinetd_plugin, on_eof);
	assert_non_null(s = pt_service_new(&p, "short", NULL));
	assert_trace("init:hi");
	assert_non_null(c = pt_connect(s, "192.0.2.1", 1));
	pt_sendstr(s, c, "x");
	pt_eof(s, c); /* no on_eof */
	assert_trace("open:1;line:x/1/2;close:1:0:timers=0:send=-1");
	assert_int_equal(pt_reconfigure(s, NULL), -1);
	assert_string_equal(pt_last_error(), "plugin has no reconfigure");
	pt_service_free(s);
	assert_trace("fini:1");
}

static void test_kit_without_init_the_state_is_the_conf(void **st)
{
	struct pinetd_plugin p = variant();
	const char *const opts[] = { "greeting=new", NULL };
	struct pt_service *s;
	pinetd_conn *c;

	(void)st;
	p.init = NULL;
	p.fini = NULL;
	assert_non_null(s = pt_service_new(&p, "noinit", NULL));
	assert_ptr_equal(pt_service_state(s), pt_service_conf(s));
	assert_non_null(c = pt_connect(s, "192.0.2.1", 2));
	assert_string_equal(pt_output(c, NULL), "hi\n");
	/* reconfigure: the state that was the old conf becomes the new. */
	assert_int_equal(pt_reconfigure(s, opts), 0);
	assert_ptr_equal(pt_service_state(s), pt_service_conf(s));
	assert_string_equal(((const struct kt_conf *)pt_service_state(s))->greeting,
			    "new");
	assert_non_null(c = pt_connect(s, "192.0.2.1", 3));
	assert_string_equal(pt_output(c, NULL), "new\n");
	pt_service_free(s);
	assert_trace("open:2;reconf:new;open:3;close:3:5:timers=0:send=-1;"
		     "close:2:5:timers=0:send=-1");
}

static void test_kit_reconfigure_keeps_state_and_connections(void **st)
{
	const char *const yes[] = { "greeting=hey", NULL };
	const char *const no[] = { "greeting=nope", NULL };
	pinetd_conn *a, *b;

	(void)st;
	assert_non_null(a = pt_connect(cur, "192.0.2.1", 10));
	assert_int_equal(pt_reconfigure(cur, yes), 0);
	assert_string_equal(g.conf->greeting, "hey");
	assert_ptr_equal(pt_service_conf(cur), g.conf);
	assert_ptr_equal(pt_service_state(cur), &g);
	assert_non_null(b = pt_connect(cur, "192.0.2.1", 11));
	assert_string_equal(pt_output(b, NULL), "hey\n");
	assert_int_equal(pt_closed(a), 0);
	assert_int_equal(pt_reconfigure(cur, no), -1);
	assert_string_equal(pt_last_error(), "greeting 'nope' refused");
	assert_string_equal(g.conf->greeting, "hey");
	assert_ptr_equal(pt_service_conf(cur), g.conf);
	assert_trace("open:10;reconf:hey;open:11");
}

/* ---- timers ---- */

static void tick(void *state, pinetd_timer t, void *arg)
{
	assert_ptr_equal(state, &g);
	tr("%s@%llu", (const char *)arg, rel());
}

static void test_kit_one_shot_timer_fires_once_at_its_deadline(void **st)
{
	pinetd_timer t;

	(void)st;
	assert_true(pt_now() == PT_CLOCK_START);
	t = pinetd->timer_start(g.svc, NULL, 100, 0, tick, "a");
	assert_true(t != 0);
	assert_int_equal(pt_timers(cur), 1);
	pt_advance(cur, 99);
	assert_trace("");
	pt_advance(cur, 1);
	assert_trace("a@100");
	pt_advance(cur, 1000);
	assert_trace("");
	assert_int_equal(pt_timers(cur), 0);
	assert_true(pt_now() == PT_CLOCK_START + 1100);
	/* Fired for the last time: ended, harmless. */
	assert_int_equal(pinetd->timer_stop(t), -1);
	/* after 0: due now, fires at the next loop turn. */
	t = pinetd->timer_start(g.svc, NULL, 0, 0, tick, "z");
	assert_trace("");
	pt_run(cur);
	assert_trace("z@1100");
}

/* A periodic timer that stops itself on its third tick. */
static int periodic_left;
static void periodic(void *state, pinetd_timer t, void *arg)
{
	tr("p@%llu", rel());
	if (--periodic_left == 0)
		assert_int_equal(pinetd->timer_stop(t), 0);
}

static void test_kit_periodic_timer_rearms_and_stops_from_its_callback(void **st)
{
	pinetd_timer t;

	(void)st;
	periodic_left = 3;
	t = pinetd->timer_start(g.svc, NULL, 10, 30, periodic, NULL);
	pt_advance(cur, 39);
	assert_trace("p@10");
	pt_advance(cur, 1);
	assert_trace("p@40");
	pt_advance(cur, 500);
	assert_trace("p@70");
	assert_int_equal(pinetd->timer_stop(t), -1);
	assert_int_equal(pt_timers(cur), 0);
}

/* B starts D (due before A) and stops A from its callback. */
static pinetd_timer timer_a;
static void starts_and_stops(void *state, pinetd_timer t, void *arg)
{
	tr("B@%llu", rel());
	assert_true(pinetd->timer_start(g.svc, NULL, 5, 0, tick, "D") != 0);
	assert_int_equal(pinetd->timer_stop(timer_a), 0);
}

static void test_kit_timers_fire_in_deadline_order_with_changes_inside(void **st)
{
	(void)st;
	timer_a = pinetd->timer_start(g.svc, NULL, 50, 0, tick, "A");
	pinetd->timer_start(g.svc, NULL, 30, 0, tick, "E");
	pinetd->timer_start(g.svc, NULL, 20, 0, starts_and_stops, NULL);
	pinetd->timer_start(g.svc, NULL, 20, 0, tick, "C"); /* same time,
							      armed later */
	pinetd->timer_start(g.svc, NULL, 200, 0, tick, "F");
	pt_advance(cur, 100);
	assert_trace("B@20;C@20;D@25;E@30");
	assert_true(pt_now() == PT_CLOCK_START + 100);
	assert_int_equal(pt_timers(cur), 1);
	pt_advance(cur, 100);
	assert_trace("F@200");
}

static void test_kit_timers_end_with_their_owner(void **st)
{
	pinetd_conn *c;
	pinetd_timer tc, ts;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 20));
	tc = pinetd->timer_start(NULL, c, 100, 0, tick, "conn");
	ts = pinetd->timer_start(g.svc, NULL, 100, 0, tick, "svc");
	assert_true(tc != 0 && ts != 0 && tc != ts);
	pinetd->close(c);
	/* Closing: no new timer for c; the old one lasts until on_close
	 * has returned (on_close still counts 2). */
	assert_true(pinetd->timer_start(NULL, c, 1, 0, tick, "late") == 0);
	pt_run(cur);
	assert_trace("open:20;close:20:2:timers=2:send=-1");
	assert_int_equal(pinetd->timer_stop(tc), -1);
	assert_int_equal(pt_timers(cur), 1);
	pt_advance(cur, 100);
	assert_trace("svc@100");
	/* A service timer lasts through fini (fini stops it: 0) and a
	 * second one ends after fini. */
	g.fini_timer = pinetd->timer_start(g.svc, NULL, 1000, 0, tick, "f");
	ts = pinetd->timer_start(g.svc, NULL, 1000, 1000, tick, "g");
	pt_service_free(cur);
	cur = NULL;
	assert_trace("fini:0");
	assert_int_equal(pinetd->timer_stop(ts), -1);
	assert_int_equal(pinetd->timer_stop(g.fini_timer), -1);
	assert_int_equal(pinetd->timer_stop(0), -1);
	assert_int_equal(pinetd->timer_stop(UINT64_MAX), -1);
}

/* ---- watches ---- */

struct wctx {
	const char *name;
	pinetd_watch other; /* closed by the first callback */
};

static void on_watch(void *state, pinetd_watch w, int fd, uint32_t events,
		     void *arg)
{
	struct wctx *x = arg;
	char buf[16] = "";
	ssize_t n = 0;

	assert_ptr_equal(state, &g);
	if (events & PINETD_READABLE)
		n = read(fd, buf, sizeof buf - 1);
	tr("%s:%u:%.*s", x->name, events, (int)(n > 0 ? n : 0), buf);
	if (x->other)
		assert_int_equal(pinetd->watch_close(x->other), 0);
}

static void test_kit_watch_on_a_pipe(void **st)
{
	struct wctx x = { "w", 0 };
	pinetd_watch w;
	int p[2];

	(void)st;
	assert_int_equal(pipe(p), 0);
	w = pinetd->watch(g.svc, NULL, p[0], PINETD_READABLE, on_watch, &x);
	assert_true(w != 0);
	assert_int_equal(pt_watching(cur, p[0]), PINETD_READABLE);
	assert_int_equal(pt_watching(cur, p[1]), -1);
	/* Already watched, bad descriptors: refused. */
	assert_true(pinetd->watch(g.svc, NULL, p[0], PINETD_READABLE, on_watch, &x) == 0);
	assert_true(pinetd->watch(g.svc, NULL, -1, PINETD_READABLE, on_watch, &x) == 0);
	assert_true(pinetd->watch(g.svc, NULL, 1000, PINETD_READABLE, on_watch, &x) == 0);
	assert_int_equal(pt_poll(cur, 0), 0);
	assert_int_equal(write(p[1], "ab", 2), 2);
	assert_int_equal(pt_poll(cur, 0), 1);
	assert_trace("w:1:ab");
	/* Asking for nothing: not polled, however readable. */
	assert_int_equal(pinetd->watch_set(w, 0), 0);
	assert_int_equal(pt_watching(cur, p[0]), 0);
	assert_int_equal(write(p[1], "cd", 2), 2);
	assert_int_equal(pt_poll(cur, 0), 0);
	assert_trace("");
	assert_int_equal(pinetd->watch_set(w, PINETD_READABLE), 0);
	assert_int_equal(pt_poll(cur, 0), 1);
	assert_trace("w:1:cd");
	/* pt_fire forces a callback with the events given. */
	pt_fire(cur, p[0], PINETD_WRITABLE);
	assert_trace("w:2:");
	/* Hang-up is always reported. */
	assert_int_equal(write(p[1], "z", 1), 1);
	close(p[1]);
	assert_int_equal(pt_poll(cur, 0), 1);
	assert_trace("w:5:z");
	/* watch_close: ended, the fd is still the plugin's. */
	assert_int_equal(pinetd->watch_close(w), 0);
	assert_int_equal(pt_watching(cur, p[0]), -1);
	assert_int_equal(pinetd->watch_close(w), -1);
	assert_int_equal(pinetd->watch_set(w, PINETD_READABLE), -1);
	assert_int_equal(pt_poll(cur, 0), 0);
	pt_fire(cur, p[0], PINETD_READABLE);
	assert_trace("");
	assert_int_not_equal(fcntl(p[0], F_GETFD), -1);
	/* With PINETD_WATCH_OWN_FD the core closes it. */
	w = pinetd->watch(g.svc, NULL, p[0], PINETD_READABLE | PINETD_WATCH_OWN_FD,
			  on_watch, &x);
	assert_true(w != 0);
	assert_int_equal(pt_watching(cur, p[0]), PINETD_READABLE);
	assert_int_equal(pinetd->watch_close(w), 0);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_equal(errno, EBADF);
}

static void test_kit_watch_closed_in_a_batch_gets_nothing(void **st)
{
	struct wctx x1 = { "one", 0 }, x2 = { "two", 0 };
	int p1[2], p2[2];

	(void)st;
	assert_int_equal(pipe(p1), 0);
	assert_int_equal(pipe(p2), 0);
	x2.other = pinetd->watch(g.svc, NULL, p1[0], PINETD_READABLE |
				 PINETD_WATCH_OWN_FD, on_watch, &x1);
	x1.other = pinetd->watch(g.svc, NULL, p2[0], PINETD_READABLE |
				 PINETD_WATCH_OWN_FD, on_watch, &x2);
	assert_int_equal(write(p1[1], "1", 1), 1);
	assert_int_equal(write(p2[1], "2", 1), 1);
	/* Both are ready in one poll; whichever runs first closes the
	 * other, which then gets nothing. */
	assert_int_equal(pt_poll(cur, 0), 1);
	assert_true(strcmp(trace, "one:1:1") == 0 || strcmp(trace, "two:1:2") == 0);
	trace[0] = '\0';
	assert_int_equal(pt_watching(cur, p1[0]) + pt_watching(cur, p2[0]),
			 PINETD_READABLE - 1);
	close(p1[1]);
	close(p2[1]);
}

static void test_kit_watches_end_with_their_owner(void **st)
{
	struct wctx x = { "w", 0 };
	pinetd_watch wc, ws;
	pinetd_conn *c;
	int p[2], q[2];

	(void)st;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(pipe(q), 0);
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 30));
	wc = pinetd->watch(NULL, c, p[0], PINETD_READABLE | PINETD_WATCH_OWN_FD,
			   on_watch, &x);
	ws = pinetd->watch(g.svc, NULL, q[0], PINETD_READABLE | PINETD_WATCH_OWN_FD,
			   on_watch, &x);
	assert_true(wc != 0 && ws != 0);
	pt_disconnect(cur, c);
	assert_trace("open:30;close:30:0:timers=0:send=-1");
	assert_int_equal(pinetd->watch_set(wc, 0), -1);
	assert_int_equal(fcntl(p[0], F_GETFD), -1);
	assert_int_not_equal(fcntl(q[0], F_GETFD), -1);
	assert_true(pinetd->watch(NULL, c, p[1], PINETD_WRITABLE, on_watch, &x) == 0);
	pt_service_free(cur);
	cur = NULL;
	assert_trace("fini:1");
	assert_int_equal(pinetd->watch_close(ws), -1);
	assert_int_equal(fcntl(q[0], F_GETFD), -1);
	close(p[1]);
	close(q[1]);
}

/* ---- connections ---- */

static void test_kit_pause_holds_lines_until_resumed(void **st)
{
	pinetd_conn *c;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 40));
	/* "pause" pauses c and arms a 50 ms timer that resumes it: the
	 * lines framed in the same read after it are held. */
	pt_sendstr(cur, c, "a\npause\nb\r\nc");
	assert_trace("open:40;line:a/1/0;line:pause/5/0");
	assert_int_equal(pt_paused(c), 1);
	assert_int_equal(pt_held(c), 1);
	pt_sendstr(cur, c, "\nd\n");
	assert_int_equal(pt_held(c), 3);
	pt_advance(cur, 49);
	assert_trace("");
	pt_advance(cur, 1);
	assert_trace("resume@50;line:b/1/4;line:c/1/0;line:d/1/0");
	assert_int_equal(pt_paused(c), 0);
	assert_int_equal(pt_held(c), 0);
	/* An EOF is held too, behind the lines. */
	pt_sendstr(cur, c, "pause\ne");
	pt_eof(cur, c);
	assert_trace("line:pause/5/0");
	assert_int_equal(pt_held(c), 2);
	assert_int_equal(pt_closed(c), 0);
	pt_advance(cur, 50);
	assert_trace("resume@100;line:e/1/2;eof:40;close:40:0:timers=0:send=-1");
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
	assert_int_equal(pinetd->pause(c, 1), -1);
	assert_string_equal(pt_output(c, NULL), "hi\n");
}

static void test_kit_resume_delivers_from_the_loop_not_the_call(void **st)
{
	pinetd_conn *c;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 41));
	assert_int_equal(pinetd->pause(c, 1), 0);
	pt_sendstr(cur, c, "x\ny\n");
	assert_trace("open:41");
	assert_int_equal(pinetd->pause(c, 0), 0);
	assert_trace("");
	assert_int_equal(pt_held(c), 2);
	/* Input arriving before the loop turn waits behind the held. */
	pt_sendstr(cur, c, "z\n");
	assert_trace("line:x/1/0;line:y/1/0;line:z/1/0");
	assert_int_equal(pt_held(c), 0);
}

static void test_kit_shutdown_ends_sending_and_then_the_connection(void **st)
{
	pinetd_conn *c;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 50));
	pt_clear(c);
	pt_sendstr(cur, c, "shut\n");
	assert_trace("open:50;line:shut/4/0;shutdown:0;again:-1;send:-1;sendf:-1");
	assert_int_equal(pt_shut_down(c), 1);
	assert_int_equal(pt_closed(c), 0);
	assert_string_equal(pt_output(c, NULL), "bye\n");
	/* Reading goes on; the peer's EOF ends it. */
	pt_sendstr(cur, c, "more\n");
	pt_eof(cur, c);
	assert_trace("line:more/4/0;eof:50;close:50:0:timers=0:send=-1");
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PEER);
}

static void test_kit_half_close_keeps_the_connection_after_eof(void **st)
{
	struct pinetd_plugin p = variant();
	pinetd_conn *c;

	(void)st;
	pt_service_free(cur);
	p.flags |= PINETD_PF_HALF_CLOSE;
	assert_non_null(cur = pt_service_new(&p, "half", NULL));
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 51));
	pt_eof(cur, c);
	pt_send(cur, c, "ignored\n", 8); /* nothing after EOF */
	assert_int_equal(pt_closed(c), 0);
	assert_int_equal(pinetd->send(c, "still\n", 6), 0);
	assert_string_equal(pt_output(c, NULL), "hi\nstill\n");
	assert_int_equal(pinetd->shutdown(c), 0);
	assert_trace("fini:1;init:hi;open:51;eof:51");
	pt_run(cur);
	assert_trace("close:51:0:timers=0:send=-1");
}

static void test_kit_on_eof_then_close_without_half_close(void **st)
{
	pinetd_conn *c;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 52));
	pt_sendstr(cur, c, "tail\r");
	assert_trace("open:52");
	pt_eof(cur, c);
	assert_trace("line:tail/4/2;eof:52;close:52:0:timers=0:send=-1");
}

static void test_kit_sendv_vsendf_vlog_write_exact_bytes(void **st)
{
	pinetd_conn *c;
	int count;

	(void)st;
	assert_non_null(c = pt_connect(cur, "192.0.2.7", 60));
	pt_clear(c);
	pt_sendstr(cur, c, "sendv\nsay\n");
	assert_trace("open:60;line:sendv/5/0;sendv:0;line:say/3/0;say:0");
	size_t n;
	const char *out = pt_output(c, &n);
	assert_int_equal(n, 19);
	assert_memory_equal(out, "one two\nn=42 002.5\n", 19);
	assert_string_equal(pt_last_log(&count), "said 42 to 192.0.2.7:60");
	assert_int_equal(count, 1);
	assert_int_equal(pt_last_log_level(), PINETD_LOG_NOTICE);
	/* Over output_max: nothing of it is queued, the connection
	 * overflows. */
	pt_set_output_max(cur, 20);
	pt_clear(c);
	struct iovec iov[] = { { .iov_base = "0123456789", .iov_len = 10 },
			       { .iov_base = "0123456789!", .iov_len = 11 } };
	assert_int_equal(pinetd->sendv(c, iov, 2), -1);
	assert_int_equal(pt_output(c, NULL)[0], '\0');
	pt_run(cur);
	assert_trace("close:60:4:timers=0:send=-1");
	assert_int_equal(pinetd->sendv(c, iov, 1), -1);
	assert_int_equal(pinetd->sendf(c, "x"), -1);
}

static void test_kit_refused_open_gets_on_close_at_the_next_turn(void **st)
{
	pinetd_conn *c;

	(void)st;
	assert_null(pt_connect(cur, "192.0.2.1", 666));
	assert_trace("refuse");
	pt_run(cur);
	assert_trace("close:666:7:timers=0:send=-1");
	c = g.last_closed;
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_REFUSED);
	assert_int_equal(pt_output(c, NULL)[0], '\0'); /* dropped */
	pt_run(cur);
	assert_trace(""); /* exactly one on_close */
}

static void test_kit_every_call_on_a_closed_connection_is_harmless(void **st)
{
	pinetd_conn *c;
	int p[2];

	(void)st;
	assert_int_equal(pipe(p), 0);
	assert_non_null(c = pt_connect(cur, "192.0.2.1", 70));
	pt_sendstr(cur, c, "close\nnot delivered\n");
	assert_trace("open:70;line:close/5/0;send:-1;close:70:2:timers=0:send=-1");
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	assert_int_equal(pinetd->send(c, "x", 1), -1);
	assert_int_equal(pinetd->sendf(c, "%d", 1), -1);
	assert_int_equal(pinetd->shutdown(c), -1);
	assert_int_equal(pinetd->pause(c, 1), -1);
	assert_true(pinetd->timer_start(NULL, c, 1, 0, tick, "x") == 0);
	assert_true(pinetd->watch(NULL, c, p[0], PINETD_READABLE, on_watch, NULL) == 0);
	pinetd->close(c);
	pt_disconnect(cur, c);
	pt_eof(cur, c);
	pt_send(cur, c, "y\n", 2);
	pt_run(cur);
	assert_trace("");
	assert_int_equal(pt_close_reason(c), PINETD_CLOSE_PLUGIN);
	close(p[0]);
	close(p[1]);
}

struct count_arg {
	int n;
};

static int count_conn(pinetd_conn *c, void *arg)
{
	((struct count_arg *)arg)->n++;
	return 0;
}

static int see_service(const struct pinetd_service_info *info, void *arg)
{
	tr("svc:%s:%s:%s:%llu:%llu:%u", info->name, info->plugin, info->listen[0],
	   (unsigned long long)info->nlisten,
	   (unsigned long long)info->connections, info->size);
	return 0;
}

static void test_kit_connection_facts(void **st)
{
	const struct sockaddr_in *in4;
	const struct sockaddr_in6 *in6;
	struct count_arg n = { 0 };
	pinetd_conn *a, *b;
	socklen_t len = 0;

	(void)st;
	assert_non_null(a = pt_connect(cur, "192.0.2.1", 80));
	in4 = (const struct sockaddr_in *)(const void *)pinetd->local_addr(a, &len);
	assert_int_equal(len, sizeof *in4);
	assert_int_equal(in4->sin_family, AF_INET);
	assert_int_equal(ntohs(in4->sin_port), 7000);
	assert_int_equal(ntohl(in4->sin_addr.s_addr), 0x7f000001);
	pt_set_local(cur, "::1", 9);
	assert_non_null(b = pt_connect(cur, "2001:db8::1", 81));
	assert_string_equal(pinetd->peer_name(b), "[2001:db8::1]:81");
	in6 = (const struct sockaddr_in6 *)(const void *)pinetd->local_addr(b, &len);
	assert_int_equal(len, sizeof *in6);
	assert_int_equal(ntohs(in6->sin6_port), 9);
	assert_ptr_equal(pinetd->conn_service(a), g.svc);
	assert_null(pinetd->conn_data(a)); /* conn_size 0 */
	assert_int_equal(pinetd->conn_fd(a), -1);
	assert_int_equal(pinetd->foreach_conn(g.svc, count_conn, &n), 0);
	assert_int_equal(n.n, 2);
	assert_int_equal(pinetd->foreach_service(g.svc, see_service, NULL), 0);
	assert_trace("open:80;open:81;svc:kt1:kt:tcp://[::1]:9:1:2:48");
	assert_true(pinetd->start_time() > 1600000000);
}

/* ---- datagrams ---- */

static void reply_later(void *state, pinetd_timer t, void *arg)
{
	struct iovec iov[] = { { .iov_base = "done:", .iov_len = 5 },
			       { .iov_base = "42", .iov_len = 2 } };

	tr("later:%d", pinetd->replyv(g.kept, iov, 2));
	pinetd->dgram_release(g.kept);
	g.kept = NULL;
}

static void test_kit_kept_datagram_is_answered_later(void **st)
{
	int count;
	size_t len;

	(void)st;
	assert_int_equal(pt_datagram(cur, "192.0.2.9", 5353, "ping", 4), 1);
	assert_trace("replyv:0");
	assert_string_equal(pt_reply(&len, &count), "now:ping");
	assert_int_equal(len, 8);
	assert_int_equal(count, 1);
	assert_int_equal(pt_datagram(cur, "192.0.2.9", 53, "later", 5), 0);
	assert_trace("kept:192.0.2.9:53");
	assert_int_equal(pt_kept(cur), 1);
	assert_ptr_equal(pinetd->dgram_service(g.kept), g.svc);
	socklen_t sl = 0;
	const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)
		pinetd->dgram_peer_addr(g.kept, &sl);
	assert_int_equal(sl, sizeof *in4);
	assert_int_equal(ntohs(in4->sin_port), 53);
	pinetd->timer_start(g.svc, NULL, 10, 0, reply_later, NULL);
	pt_advance(cur, 10);
	assert_trace("later:0");
	assert_string_equal(pt_reply(&len, &count), "done:42");
	assert_int_equal(len, 7);
	assert_int_equal(count, 2);
	assert_int_equal(pt_kept(cur), 0);
	/* One left kept at the end is freed after fini (the sanitizers
	 * would report a leak). */
	assert_int_equal(pt_datagram(cur, "192.0.2.9", 54, "later", 5), 0);
	assert_int_equal(pt_kept(cur), 1);
	assert_int_equal(pinetd->reply(g.kept, "x", 1), 0);
	assert_trace("kept:192.0.2.9:54");
}

/* ---- child processes ---- */

struct kid {
	const char *name;
	pid_t pid;
};

static void child_done(void *state, pid_t pid, int status, void *arg)
{
	struct kid *k = arg;

	assert_ptr_equal(state, &g);
	tr("child:%s:%d:%d", k->name, WIFEXITED(status), WEXITSTATUS(status));
	k->pid = pid;
}

static void test_kit_child_watch_reaps_and_reports(void **st)
{
	struct kid k = { "kid", 0 };
	siginfo_t si;
	pid_t pid;
	int go[2];

	(void)st;
	assert_int_equal(pinetd->child_watch(g.svc, getpid(), child_done, &k), -1);
	assert_int_equal(pinetd->child_watch(g.svc, 0, child_done, &k), -1);
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char b;
		close(go[1]);
		_exit(read(go[0], &b, 1) == 0 ? 7 : 1);
	}
	close(go[0]);
	assert_int_equal(pinetd->child_watch(g.svc, pid, child_done, &k), 0);
	assert_int_equal(pinetd->child_watch(g.svc, pid, child_done, &k), -1);
	pt_run(cur); /* still running: nothing */
	assert_trace("");
	close(go[1]); /* the child reads EOF and exits 7 */
	memset(&si, 0, sizeof si);
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
	pt_run(cur);
	assert_trace("child:kid:1:7");
	assert_int_equal(k.pid, pid);
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1); /* reaped */
	assert_int_equal(errno, ECHILD);
	pt_advance(cur, 1000);
	assert_trace("");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_kit_core_table_is_full_and_in_place_before_init),
		TEST(test_kit_options_fill_the_conf_enum_default_by_name),
		TEST(test_kit_refuses_what_the_loader_refuses),
		TEST(test_kit_short_descriptor_lacks_later_members),
		TEST(test_kit_without_init_the_state_is_the_conf),
		TEST(test_kit_reconfigure_keeps_state_and_connections),
		TEST(test_kit_one_shot_timer_fires_once_at_its_deadline),
		TEST(test_kit_periodic_timer_rearms_and_stops_from_its_callback),
		TEST(test_kit_timers_fire_in_deadline_order_with_changes_inside),
		TEST(test_kit_timers_end_with_their_owner),
		TEST(test_kit_watch_on_a_pipe),
		TEST(test_kit_watch_closed_in_a_batch_gets_nothing),
		TEST(test_kit_watches_end_with_their_owner),
		TEST(test_kit_pause_holds_lines_until_resumed),
		TEST(test_kit_resume_delivers_from_the_loop_not_the_call),
		TEST(test_kit_shutdown_ends_sending_and_then_the_connection),
		TEST(test_kit_half_close_keeps_the_connection_after_eof),
		TEST(test_kit_on_eof_then_close_without_half_close),
		TEST(test_kit_sendv_vsendf_vlog_write_exact_bytes),
		TEST(test_kit_refused_open_gets_on_close_at_the_next_turn),
		TEST(test_kit_every_call_on_a_closed_connection_is_harmless),
		TEST(test_kit_connection_facts),
		TEST(test_kit_kept_datagram_is_answered_later),
		TEST(test_kit_child_watch_reaps_and_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
