/* Unit tests for daemon/loop.c: watches, timers, signals, after hook. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
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

/* ---- stale events and lifetimes (see loop.h) ---- */

/* A pipe with one byte waiting: the read end is readable. */
static void ready_pipe(int fds[2])
{
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	assert_int_equal(write(fds[1], "x", 1), 1);
}

/* Events counted by the tests below; the after hook ends the run once
 * the first batch with any of them is done. */
static int ran, spurious;

static void stop_after_batch(struct pn_loop *l, void *arg)
{
	(void)arg;
	if (ran + spurious > 0)
		pn_loop_stop(l);
}

/* A watch's owner, allocated on its own so that ASan sees it freed. */
struct owner {
	struct pn_watch w;
	int wr; /* the pipe's write end */
	int id;
};

static struct owner *alive[2];

static struct owner *owner_new(int id, pn_io_fn *fn)
{
	struct owner *o = calloc(1, sizeof *o);
	int fds[2];

	assert_non_null(o);
	ready_pipe(fds);
	pn_watch_init(&o->w, fds[0], fn, o);
	o->wr = fds[1];
	o->id = id;
	return o;
}

static void owner_free(struct pn_loop *l, struct owner *o)
{
	pn_watch_close(l, &o->w);
	close(o->wr);
	free(o);
}

/* Whichever of the two runs first unregisters and frees the other. */
static void on_free_other(struct pn_loop *l, void *arg, unsigned ev)
{
	struct owner *o = arg;
	struct owner *other = alive[1 - o->id];

	(void)ev;
	ran++;
	if (other) {
		alive[1 - o->id] = NULL;
		owner_free(l, other);
	}
}

static void test_watch_freed_earlier_in_the_batch_is_not_called(void **st)
{
	struct pn_loop l;

	(void)st;
	ran = spurious = 0;
	assert_int_equal(pn_loop_init(&l), 0);
	pn_loop_set_after(&l, stop_after_batch, NULL);
	for (int i = 0; i < 2; i++) {
		alive[i] = owner_new(i, on_free_other);
		assert_int_equal(pn_watch_set(&l, &alive[i]->w, EPOLLIN), 0);
	}
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(ran, 1); /* both were ready: one batch, one call */
	for (int i = 0; i < 2; i++)
		if (alive[i])
			owner_free(&l, alive[i]);
	pn_loop_free(&l);
}

/*
 * Whichever of two readable pipes runs first closes the other and puts a
 * new, empty pipe on the same fd number, re-using the same watch: the
 * event queued for the old pipe must not reach the new one.
 */
static struct {
	struct pn_watch w;
	int wr;
} pw[2];
static int swapped;

static void on_swap_other(struct pn_loop *l, void *arg, unsigned ev)
{
	int i = (int)((char *)arg - (char *)pw) / (int)sizeof pw[0];
	int j = 1 - i, fds[2], fd;
	char c;

	(void)ev;
	if (read(pw[i].w.fd, &c, 1) != 1) {
		spurious++; /* the empty new pipe: a stale event */
		return;
	}
	ran++;
	if (swapped)
		return;
	swapped = 1;
	fd = pw[j].w.fd;
	assert_int_equal(pn_watch_close(l, &pw[j].w), 0);
	close(pw[j].wr);
	assert_int_equal(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
	if (fds[1] == fd) { /* keep the number for the read end */
		fds[1] = fcntl(fds[1], F_DUPFD_CLOEXEC, fd + 1);
		close(fd);
	}
	if (fds[0] != fd) {
		assert_int_equal(dup2(fds[0], fd), fd);
		close(fds[0]);
	}
	pw[j].wr = fds[1];
	pn_watch_init(&pw[j].w, fd, on_swap_other, &pw[j]);
	assert_int_equal(pn_watch_set(l, &pw[j].w, EPOLLIN), 0);
}

static void test_stale_event_of_a_reused_fd_is_not_delivered(void **st)
{
	struct pn_loop l;
	int fd0, fd1;

	(void)st;
	ran = spurious = swapped = 0;
	assert_int_equal(pn_loop_init(&l), 0);
	pn_loop_set_after(&l, stop_after_batch, NULL);
	for (int i = 0; i < 2; i++) {
		int fds[2];
		ready_pipe(fds);
		pn_watch_init(&pw[i].w, fds[0], on_swap_other, &pw[i]);
		pw[i].wr = fds[1];
		assert_int_equal(pn_watch_set(&l, &pw[i].w, EPOLLIN), 0);
	}
	fd0 = pw[0].w.fd;
	fd1 = pw[1].w.fd;
	assert_int_equal(pn_loop_run(&l), 0);
	assert_true(swapped);
	assert_int_equal(pw[0].w.fd, fd0); /* the same numbers, new pipes */
	assert_int_equal(pw[1].w.fd, fd1);
	assert_int_equal(ran, 1);
	assert_int_equal(spurious, 0);
	for (int i = 0; i < 2; i++) {
		pn_watch_close(&l, &pw[i].w);
		close(pw[i].wr);
	}
	pn_loop_free(&l);
}

/* A watch that unregisters and frees itself; another ready watch in the
 * same batch still runs. */
static void on_free_self(struct pn_loop *l, void *arg, unsigned ev)
{
	struct owner *o = arg;

	(void)ev;
	ran++;
	alive[o->id] = NULL;
	owner_free(l, o);
}

static void test_watch_may_free_itself_in_its_callback(void **st)
{
	struct pn_loop l;

	(void)st;
	ran = spurious = 0;
	assert_int_equal(pn_loop_init(&l), 0);
	pn_loop_set_after(&l, stop_after_batch, NULL);
	for (int i = 0; i < 2; i++) {
		alive[i] = owner_new(i, on_free_self);
		assert_int_equal(pn_watch_set(&l, &alive[i]->w, EPOLLIN), 0);
	}
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(ran, 2);
	assert_null(alive[0]);
	assert_null(alive[1]);
	pn_loop_free(&l);
}

/* Whichever of two due timers fires first stops the other and frees its
 * owner. */
struct towner {
	struct pn_timer t;
	int id;
};

static struct towner *talive[2];

static void on_timer_free_other(struct pn_loop *l, void *arg)
{
	struct towner *o = arg;
	struct towner *other = talive[1 - o->id];

	ran++;
	if (other) {
		talive[1 - o->id] = NULL;
		pn_timer_stop(l, &other->t);
		free(other);
	}
	pn_loop_stop(l);
}

static void test_timer_may_stop_and_free_another_due_timer(void **st)
{
	struct pn_loop l;

	(void)st;
	ran = 0;
	assert_int_equal(pn_loop_init(&l), 0);
	for (int i = 0; i < 2; i++) {
		assert_non_null(talive[i] = calloc(1, sizeof *talive[i]));
		talive[i]->id = i;
		pn_timer_init(&talive[i]->t, on_timer_free_other, talive[i]);
		pn_timer_start(&l, &talive[i]->t, 0);
	}
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(ran, 1);
	assert_int_equal(l.nheap, 0);
	for (int i = 0; i < 2; i++)
		free(talive[i]);
	pn_loop_free(&l);
}

/* Closing a registered fd and freeing its watch is a bug the loop
 * reports (and aborts on) when the fd number is registered again,
 * instead of later calling into the freed watch. */
static void nop_io(struct pn_loop *l, void *arg, unsigned ev)
{
	(void)l;
	(void)arg;
	(void)ev;
}

static void test_fd_closed_while_registered_aborts_on_reuse(void **st)
{
	int status;
	pid_t pid;

	(void)st;
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		struct pn_loop l;
		struct pn_watch *w = malloc(sizeof *w), w2;
		int fds[2], fd;

		if (!freopen("/dev/null", "w", stderr) || pn_loop_init(&l) < 0 || !w)
			_exit(2);
		ready_pipe(fds);
		fd = fds[0];
		pn_watch_init(w, fd, nop_io, NULL);
		if (pn_watch_set(&l, w, EPOLLIN) < 0)
			_exit(2);
		close(fd); /* the bug: not unregistered */
		free(w);
		if (dup2(fds[1], fd) != fd)
			_exit(2);
		pn_watch_init(&w2, fd, nop_io, NULL);
		pn_watch_set(&l, &w2, EPOLLOUT);
		_exit(0); /* not noticed */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* After pn_loop_reset (a child after fork) a watch that was registered
 * is unregistered, and registers again on the fresh epoll instance. */
static void on_read_once(struct pn_loop *l, void *arg, unsigned ev)
{
	struct owner *o = arg;
	char c;

	(void)ev;
	if (read(o->w.fd, &c, 1) == 1)
		ran++;
	pn_loop_stop(l);
}

static void on_give_up(struct pn_loop *l, void *arg)
{
	(void)arg;
	pn_loop_stop(l);
}

static void test_reset_forgets_watches_so_they_register_again(void **st)
{
	struct pn_loop l;
	struct owner *o;
	struct pn_timer give_up;

	(void)st;
	ran = 0;
	assert_int_equal(pn_loop_init(&l), 0);
	o = owner_new(0, on_read_once);
	assert_int_equal(pn_watch_set(&l, &o->w, EPOLLIN), 0);
	assert_int_equal(pn_loop_reset(&l), 0);
	assert_false(o->w.active);
	assert_int_equal(pn_watch_set(&l, &o->w, EPOLLIN), 0);
	pn_timer_init(&give_up, on_give_up, NULL);
	pn_timer_start(&l, &give_up, 2000);
	assert_int_equal(pn_loop_run(&l), 0);
	assert_int_equal(ran, 1);
	pn_timer_stop(&l, &give_up);
	owner_free(&l, o);
	pn_loop_free(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_deadline_order_and_stop_works),
		cmocka_unit_test(test_timer_heap_survives_many_removals),
		cmocka_unit_test(test_watch_delivers_readable_fd),
		cmocka_unit_test(test_signals_arrive_through_the_loop),
		cmocka_unit_test(test_watch_freed_earlier_in_the_batch_is_not_called),
		cmocka_unit_test(test_stale_event_of_a_reused_fd_is_not_delivered),
		cmocka_unit_test(test_watch_may_free_itself_in_its_callback),
		cmocka_unit_test(test_timer_may_stop_and_free_another_due_timer),
		cmocka_unit_test(test_fd_closed_while_registered_aborts_on_reuse),
		cmocka_unit_test(test_reset_forgets_watches_so_they_register_again),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
