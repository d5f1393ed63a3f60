/* Unit tests for daemon/loop.c: watches, timers, signals, after hook. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "loop.h"

struct rec {
	int order[16];
	int n;
};

struct tdata {
	struct rec *r;
	int id;
};

static void fire(struct pn_loop *l, void *arg)
{
	struct tdata *d = arg;

	d->r->order[d->r->n++] = d->id;
	if (d->r->n == 3)
		pn_loop_stop(l);
}

static void test_timers_fire_in_deadline_order_and_stop_works(void **st)
{
	struct pn_loop l;
	struct rec r = { 0 };
	struct tdata d[4] = { { &r, 1 }, { &r, 2 }, { &r, 3 }, { &r, 4 } };
	struct pn_timer t[4];

	(void)st;
	assert_int_equal(pn_loop_init(&l), 0);
	for (int i = 0; i < 4; i++)
		pn_timer_init(&t[i], fire, &d[i]);
	pn_timer_start(&l, &t[0], 30);
	pn_timer_start(&l, &t[1], 10);
	pn_timer_start(&l, &t[2], 20);
	pn_timer_start(&l, &t[3], 5);
	pn_timer_stop(&l, &t[3]); /* never fires */
	pn_timer_start(&l, &t[2], 1); /* re-armed earlier */
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.order[0], 3);
	assert_int_equal(r.order[1], 2);
	assert_int_equal(r.order[2], 1);
	pn_loop_free(&l);
}

/* A heap with many timers stopped in random order stays consistent. */
static void nop(struct pn_loop *l, void *arg) { (void)l; (void)arg; }

static void test_timer_heap_survives_many_removals(void **st)
{
	struct pn_loop l;
	static struct pn_timer t[500];

	(void)st;
	assert_int_equal(pn_loop_init(&l), 0);
	for (int i = 0; i < 500; i++) {
		pn_timer_init(&t[i], nop, NULL);
		pn_timer_start(&l, &t[i], (uint64_t)((i * 7919) % 1000));
	}
	for (int i = 0; i < 500; i += 3)
		pn_timer_stop(&l, &t[i]);
	/* Heap property: every parent is due no later than its children. */
	for (size_t i = 1; i < l.nheap; i++)
		assert_true(l.heap[(i - 1) / 2]->when <= l.heap[i]->when);
	for (size_t i = 0; i < l.nheap; i++)
		assert_int_equal(l.heap[i]->slot, i + 1);
	pn_loop_free(&l);
}

struct io {
	int got;
	char byte;
};

static void on_read(struct pn_loop *l, void *arg, unsigned ev)
{
	struct io *io = arg;
	int *fds = (int *)(io + 1);

	assert_true(ev & EPOLLIN);
	assert_int_equal(read(fds[0], &io->byte, 1), 1);
	io->got++;
	pn_loop_stop(l);
}

static void test_watch_delivers_readable_fd(void **st)
{
	struct pn_loop l;
	struct {
		struct io io;
		int fds[2];
	} s = { { 0, 0 }, { -1, -1 } };
	struct pn_watch w;

	(void)st;
	assert_int_equal(pn_loop_init(&l), 0);
	assert_int_equal(pipe(s.fds), 0);
	pn_watch_init(&w, s.fds[0], on_read, &s.io);
	assert_int_equal(pn_watch_set(&l, &w, EPOLLIN), 0);
	assert_int_equal(pn_watch_set(&l, &w, EPOLLIN), 0); /* no change: no-op */
	assert_int_equal(write(s.fds[1], "x", 1), 1);
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(s.io.got, 1);
	assert_int_equal(s.io.byte, 'x');
	assert_int_equal(pn_watch_set(&l, &w, 0), 0);
	assert_false(w.active);
	close(s.fds[0]);
	close(s.fds[1]);
	pn_loop_free(&l);
}

static void on_sig(struct pn_loop *l, void *arg, int signo)
{
	*(int *)arg = signo;
	pn_loop_stop(l);
}

static void test_signals_arrive_through_the_loop(void **st)
{
	struct pn_loop l;
	int sigs[] = { SIGUSR1 }, got = 0;

	(void)st;
	assert_int_equal(pn_loop_init(&l), 0);
	assert_int_equal(pn_loop_signals(&l, sigs, 1, on_sig, &got), 0);
	raise(SIGUSR1); /* blocked: pending until the signalfd reads it */
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(got, SIGUSR1);
	pn_loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order_and_stop_works),
		cmocka_unit_test(test_timer_heap_survives_many_removals),
		cmocka_unit_test(test_watch_delivers_readable_fd),
		cmocka_unit_test(test_signals_arrive_through_the_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
