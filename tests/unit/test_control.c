/*
 * test_control.c -- the supervisor's totals and answers
 * (daemon/supervisor/control.c), without a socket.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "control.h"

static char *const listen_a[] = { "tcp://127.0.0.1:7" };

/* One service "a" (drop-in), one worker 42. */
static int describe(void *arg, struct pn_control_view *v)
{
	(void)arg;
	v->path = "/etc/pinetd/pinetd.conf";
	v->svcs = calloc(1, sizeof *v->svcs);
	v->svcs[0] = (struct pn_control_service){ "a", "echo", "/etc/pinetd/services.d/a.conf",
		3, 1, listen_a, 1, 2, calloc(1, sizeof(struct pn_control_worker)), 1 };
	v->svcs[0].workers[0] = (struct pn_control_worker){ 42, "serving" };
	v->nsvcs = 1;
	return 0;
}

static int reload_result;
static int reload(void *arg)
{
	(void)arg;
	if (reload_result < 0)
		pn_log(LOG_ERR, "/x/b.conf:3: no such option 'x'");
	return reload_result;
}

static const struct pn_control_ops ops = { describe, reload };

static struct pn_ctl_count beat(uint64_t accepted, uint64_t acl, uint64_t in)
{
	struct pn_ctl_count c;

	memset(&c, 0, sizeof c);
	snprintf(c.service, sizeof c.service, "a");
	c.accepted = accepted;
	c.refused[PN_REFUSED_ACL] = acl;
	c.bytes_in = in;
	return c;
}

static char *answer(struct pn_control *c, const char *req, int *rc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	*rc = pn_control_answer(c, req, f);
	fclose(f);
	return buf;
}

static void test_control_totals_add_increases_and_survive_workers(void **s)
{
	struct pn_control c;
	struct pn_ctl_count b;

	(void)s;
	pn_control_init(&c, NULL, &ops, NULL, 1000);
	b = beat(2, 1, 10);
	pn_control_beat(&c, 42, &b);
	b = beat(5, 1, 30);
	pn_control_beat(&c, 42, &b);
	pn_control_gone(&c, 42); /* killed: a new worker counts from 0 */
	pn_control_restarted(&c, "a");
	b = beat(1, 0, 4);
	pn_control_beat(&c, 43, &b);
	const struct pn_control_total *t = pn_control_total(&c, "a");
	assert_non_null(t);
	assert_int_equal(t->accepted, 6);
	assert_int_equal(t->refused[PN_REFUSED_ACL], 1);
	assert_int_equal(t->bytes_in, 34);
	assert_int_equal(t->restarts, 1);
	/* A counter that goes down restarted from zero. */
	b = beat(0, 0, 0);
	pn_control_beat(&c, 43, &b);
	b = beat(2, 0, 0);
	pn_control_beat(&c, 43, &b);
	assert_int_equal(pn_control_total(&c, "a")->accepted, 8);
	pn_control_free(&c);
}

static void test_control_answers_metrics_and_status(void **s)
{
	struct pn_control c;
	struct pn_ctl_count b = beat(5, 3, 30);
	int rc;
	char *out;

	(void)s;
	pn_control_init(&c, NULL, &ops, NULL, 1000);
	pn_control_beat(&c, 42, &b);
	out = answer(&c, "metrics", &rc);
	assert_int_equal(rc, 0);
	assert_true(strncmp(out, "ok\n# HELP ", 10) == 0);
	assert_non_null(strstr(out, "\n# TYPE pinetd_connections_accepted_total counter\n"
				    "pinetd_connections_accepted_total{service=\"a\"} 5\n"));
	assert_non_null(strstr(out, "pinetd_connections_refused_total{service=\"a\",reason=\"acl\"} 3\n"));
	assert_non_null(strstr(out, "pinetd_connections_open{service=\"a\"} 2\n"));
	assert_non_null(strstr(out, "pinetd_start_time_seconds 1000\n"));
	free(out);
	out = answer(&c, "status json", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out, "\"workers\":[{\"pid\":42,\"state\":\"serving\"}]"));
	assert_non_null(strstr(out, "\"accepted\":5,\"refused\":{\"acl\":3,"));
	free(out);
	out = answer(&c, "locate a", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "ok\n/etc/pinetd/services.d/a.conf\n3\ndrop-in\n");
	free(out);
	out = answer(&c, "locate zz", &rc);
	assert_int_equal(rc, -1);
	free(out);
	out = answer(&c, "frobnicate", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "error\nunknown request 'frobnicate'\n");
	free(out);
	pn_control_free(&c);
}

static void test_control_reload_answer_carries_the_errors(void **s)
{
	struct pn_control c;
	int rc;
	char *out;

	(void)s;
	pn_log_open("test", 1, LOG_ERR);
	pn_control_init(&c, NULL, &ops, NULL, 1000);
	reload_result = -1;
	out = answer(&c, "reload", &rc);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "error\n/x/b.conf:3: no such option 'x'\n");
	free(out);
	reload_result = 0;
	out = answer(&c, "reload", &rc);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "ok\nreloaded\n");
	free(out);
	assert_int_equal(c.reloads, 1);
	assert_int_equal(c.reloads_refused, 1);
	pn_control_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_totals_add_increases_and_survive_workers),
		cmocka_unit_test(test_control_answers_metrics_and_status),
		cmocka_unit_test(test_control_reload_answer_carries_the_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
