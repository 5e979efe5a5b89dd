/* test_daemon_handoff.c - a pool thread's brief wait for the next request: the slot protocol and the wait's length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>
#include <uv.h>

#include "handoff.h"

/* Waits where a hand-off must happen are long enough that a loaded
 * machine cannot make them time out; waits that must end early are
 * checked against this same length, so "at once" means "long before". */
#define LONG_WAIT_US 5000000u
#define LONG_WAIT_NS ((uint64_t)LONG_WAIT_US * 1000u)

/* One waiting thread: what it waited with and what it got. */
typedef struct waiter {
    aws__handoff_t *h;
    unsigned wait_us;
    void *got;
    uint64_t took_ns;
    uv_thread_t thread;
} waiter_t;

/* Waits on H for WAIT_US (the tests set the length a thread will wait,
 * which the daemon adapts by itself). */
static void *wait_for(aws__handoff_t *h, unsigned wait_us)
{
    atomic_store(&h->wait_us, wait_us);
    return aws__handoff_wait(h);
}

static void wait_thread(void *arg)
{
    waiter_t *w = arg;
    uint64_t t0 = uv_hrtime();
    w->got = wait_for(w->h, w->wait_us);
    w->took_ns = uv_hrtime() - t0;
}

static void start_waiter(waiter_t *w, aws__handoff_t *h, unsigned wait_us)
{
    w->h = h;
    w->wait_us = wait_us;
    w->got = NULL;
    w->took_ns = 0;
    assert_int_equal(uv_thread_create(&w->thread, wait_thread, w), 0);
}

/* Blocks until a thread waits in H's slot (it is no longer 0).  The slot's
 * representation is the header's; the test reads it only to know when to
 * act, never to decide an outcome. */
static void until_waiting(aws__handoff_t *h)
{
    uint64_t deadline = uv_hrtime() + LONG_WAIT_NS;
    while (atomic_load(&h->slot) == 0) {
        assert_true(uv_hrtime() < deadline);
        uv_sleep(0);
    }
}

static void test_give_without_waiter_fails(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    int item = 1;
    assert_false(aws__handoff_give(&h, &item));
    assert_false(aws__handoff_give(&h, &item));
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_int_equal(atomic_load(&h.handed), 0);
}

static void test_waiter_receives_item(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    int item = 42;
    waiter_t w;
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    assert_true(aws__handoff_give(&h, &item));
    /* Only one thread waited, and it now holds the item. */
    assert_false(aws__handoff_give(&h, &item));
    uv_thread_join(&w.thread);
    assert_ptr_equal(w.got, &item);
    assert_true(w.took_ns < LONG_WAIT_NS);
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_int_equal(atomic_load(&h.handed), 1);
    /* The slot is free for the next waiter. */
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    int second = 43;
    assert_true(aws__handoff_give(&h, &second));
    uv_thread_join(&w.thread);
    assert_ptr_equal(w.got, &second);
    assert_int_equal(atomic_load(&h.handed), 2);
}

static void test_timeout_frees_the_slot(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    uint64_t t0 = uv_hrtime();
    assert_null(wait_for(&h, 2000));
    assert_true(uv_hrtime() - t0 >= 2000u * 1000u);
    assert_int_equal(atomic_load(&h.slot), 0);
    int item = 1;
    assert_false(aws__handoff_give(&h, &item));
    /* A zero wait gives up at once, and also leaves the slot free. */
    assert_null(wait_for(&h, 0));
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_false(aws__handoff_give(&h, &item));
    assert_int_equal(atomic_load(&h.handed), 0);
}

static void test_second_waiter_returns_at_once(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    waiter_t first;
    start_waiter(&first, &h, LONG_WAIT_US);
    until_waiting(&h);
    uint64_t t0 = uv_hrtime();
    assert_null(wait_for(&h, LONG_WAIT_US));
    assert_true(uv_hrtime() - t0 < LONG_WAIT_NS / 2);
    /* The first waiter still waits, and still gets what is given. */
    int item = 7;
    assert_true(aws__handoff_give(&h, &item));
    uv_thread_join(&first.thread);
    assert_ptr_equal(first.got, &item);
    assert_int_equal(atomic_load(&h.slot), 0);
}

static void test_queued_work_stops_waiting(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    int item = 3;

    /* Work queued in the pool: nobody starts waiting. */
    aws__handoff_queued(&h);
    uint64_t t0 = uv_hrtime();
    assert_null(wait_for(&h, LONG_WAIT_US));
    assert_true(uv_hrtime() - t0 < LONG_WAIT_NS / 2);
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_false(aws__handoff_give(&h, &item));
    aws__handoff_dequeued(&h);
    assert_int_equal(atomic_load(&h.queued), 0);

    /* Work queued during a wait ends it, and frees the slot. */
    waiter_t w;
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    aws__handoff_queued(&h);
    uv_thread_join(&w.thread);
    assert_null(w.got);
    assert_true(w.took_ns < LONG_WAIT_NS / 2);
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_false(aws__handoff_give(&h, &item));
    aws__handoff_dequeued(&h);

    /* Once the queued work has started, waiting works again. */
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    assert_true(aws__handoff_give(&h, &item));
    uv_thread_join(&w.thread);
    assert_ptr_equal(w.got, &item);
}

static void test_no_processor_no_wait(void **state)
{
    (void)state;
    aws__handoff_t h;
    int item = 5;

    /* On one processor the waiter would take the loop's. */
    aws__handoff_init(&h, 1);
    uint64_t t0 = uv_hrtime();
    assert_null(wait_for(&h, LONG_WAIT_US));
    assert_true(uv_hrtime() - t0 < LONG_WAIT_NS / 2);
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_false(aws__handoff_give(&h, &item));

    /* On two, only while no other job runs. */
    aws__handoff_init(&h, 2);
    aws__handoff_begin(&h);
    t0 = uv_hrtime();
    assert_null(wait_for(&h, LONG_WAIT_US));
    assert_true(uv_hrtime() - t0 < LONG_WAIT_NS / 2);
    assert_false(aws__handoff_give(&h, &item));
    aws__handoff_end(&h);

    /* A job that starts elsewhere ends a wait. */
    waiter_t w;
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    aws__handoff_begin(&h);
    uv_thread_join(&w.thread);
    assert_null(w.got);
    assert_true(w.took_ns < LONG_WAIT_NS / 2);
    assert_int_equal(atomic_load(&h.slot), 0);
    aws__handoff_end(&h);

    /* And with none running, a wait takes what is given. */
    start_waiter(&w, &h, LONG_WAIT_US);
    until_waiting(&h);
    assert_true(aws__handoff_give(&h, &item));
    uv_thread_join(&w.thread);
    assert_ptr_equal(w.got, &item);
}

/* Gives ITEM (refused: nobody waits) about GAP_US after a thread stopped
 * waiting, and says how long after it really was, in us. */
static uint64_t give_after(aws__handoff_t *h, int *item, uint64_t gap_us)
{
    assert_null(aws__handoff_wait(h)); /* a wait of 0: marks the moment */
    uint64_t t0 = uv_hrtime();
    while (uv_hrtime() - t0 < gap_us * 1000u)
        ;
    assert_false(aws__handoff_give(h, item));
    return (uv_hrtime() - t0) / 1000u;
}

static void test_wait_adapts(void **state)
{
    (void)state;
    aws__handoff_t h;
    aws__handoff_init(&h, 4);
    int item = 9;
    assert_int_equal(atomic_load(&h.wait_us), AWS__HANDOFF_WAIT_MAX_US);

    /* Each wait that runs out for nothing halves the next, down to none;
     * a wait of none returns at once without taking the slot. */
    atomic_store(&h.wait_us, 64);
    uint64_t t0 = uv_hrtime();
    assert_null(aws__handoff_wait(&h));
    assert_true(uv_hrtime() - t0 >= 64u * 1000u);
    assert_int_equal(atomic_load(&h.wait_us), 32);
    assert_null(aws__handoff_wait(&h));
    assert_int_equal(atomic_load(&h.wait_us), 16);
    assert_null(aws__handoff_wait(&h));
    assert_int_equal(atomic_load(&h.wait_us), 0);
    assert_null(aws__handoff_wait(&h));
    assert_int_equal(atomic_load(&h.slot), 0);
    assert_int_equal(atomic_load(&h.wait_us), 0);

    /* A request that comes after the longest wait leaves it at none. */
    give_after(&h, &item, 3 * AWS__HANDOFF_WAIT_MAX_US);
    assert_int_equal(atomic_load(&h.wait_us), 0);

    /* One that comes soon after the reply makes the wait long enough for
     * it, and a quarter more.  A loaded machine may make the gap longer
     * than meant (past the longest wait, nothing grows): try again. */
    unsigned grown = 0;
    for (int tries = 0; tries < 200 && grown == 0; tries++) {
        atomic_store(&h.wait_us, 0);
        uint64_t gap = give_after(&h, &item, AWS__HANDOFF_WAIT_MAX_US / 2);
        grown = atomic_load(&h.wait_us);
        if (gap >= AWS__HANDOFF_WAIT_MAX_US) {
            assert_int_equal(grown, 0);
            continue;
        }
        assert_true(grown >= gap + gap / 4u);
        assert_true(grown <= AWS__HANDOFF_WAIT_MAX_US);
    }
    assert_true(grown > 0);

    /* A wait never grows past the longest, nor below the shortest. */
    for (int tries = 0; tries < 200; tries++) {
        atomic_store(&h.wait_us, 0);
        if (give_after(&h, &item, 0) < AWS__HANDOFF_WAIT_MAX_US)
            break;
    }
    assert_int_equal(atomic_load(&h.wait_us), AWS__HANDOFF_WAIT_MIN_US);
    for (int tries = 0; tries < 200; tries++) {
        atomic_store(&h.wait_us, 0);
        give_after(&h, &item, AWS__HANDOFF_WAIT_MAX_US * 9 / 10);
        if (atomic_load(&h.wait_us) != 0)
            break;
    }
    assert_int_equal(atomic_load(&h.wait_us), AWS__HANDOFF_WAIT_MAX_US);
    assert_int_equal(atomic_load(&h.handed), 0);
}

/* ------------------------------------------------------------ the race */

#define RACE_ITEMS 100000u

/* An item carries its own index, written by the giver before the give, so
 * that a waiter reading another value shows a missing ordering. */
typedef struct race_item {
    unsigned index;
    atomic_uint runs;
} race_item_t;

typedef struct race {
    aws__handoff_t h;
    race_item_t *items;
    atomic_bool stop;
    atomic_uint received;
    atomic_uint bad_index;
} race_t;

/* Waits again and again, with short and varied waits so that timeouts
 * meet gives, and counts every item received. */
static void race_waiter(void *arg)
{
    race_t *r = arg;
    unsigned n = 0;
    while (!atomic_load(&r->stop)) {
        race_item_t *it = wait_for(&r->h, 1u + n++ % 16u);
        if (it == NULL)
            continue;
        if (it->index != (unsigned)(it - r->items))
            atomic_fetch_add(&r->bad_index, 1);
        atomic_fetch_add(&it->runs, 1);
        atomic_fetch_add(&r->received, 1);
    }
}

static void test_race_every_item_once(void **state)
{
    (void)state;
    race_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->items = calloc(RACE_ITEMS, sizeof *r->items);
    assert_non_null(r->items);
    bool *refused = calloc(RACE_ITEMS, sizeof *refused);
    assert_non_null(refused);
    aws__handoff_init(&r->h, 4);
    atomic_init(&r->stop, false);
    atomic_init(&r->received, 0);
    atomic_init(&r->bad_index, 0);

    uv_thread_t t[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(uv_thread_create(&t[i], race_waiter, r), 0);

    /* The giver is this thread, as the loop is the daemon's only giver.
     * A refused item is "queued" as the loop would queue it, and picked
     * up at once, which also ends waits at random moments. */
    unsigned handed = 0, n_refused = 0;
    for (unsigned i = 0; i < RACE_ITEMS; i++) {
        r->items[i].index = i;
        bool last = i == RACE_ITEMS - 1;
        /* Requests come a little apart, as from a client: up to 3 us for
         * a waiter to show up, so that gives meet waits and timeouts. */
        uint64_t until = uv_hrtime() + (i % 4u) * 1000u;
        while (atomic_load(&r->h.slot) == 0 && uv_hrtime() < until)
            ;
        uint64_t deadline = uv_hrtime() + LONG_WAIT_NS;
        for (;;) {
            if (aws__handoff_give(&r->h, &r->items[i])) {
                handed++;
                break;
            }
            /* The last item is retried until a waiter takes it, so that
             * at least one hand-off happens whatever the scheduling. */
            if (!last) {
                refused[i] = true;
                n_refused++;
                aws__handoff_queued(&r->h);
                aws__handoff_dequeued(&r->h);
                break;
            }
            assert_true(uv_hrtime() < deadline);
            uv_sleep(0);
        }
    }
    /* Every handed item is taken by a waiter before it waits again, so
     * the count settles; then the waiters may stop. */
    uint64_t deadline = uv_hrtime() + LONG_WAIT_NS;
    while (atomic_load(&r->received) < handed)
        assert_true(uv_hrtime() < deadline);
    atomic_store(&r->stop, true);
    for (int i = 0; i < 2; i++)
        uv_thread_join(&t[i]);

    assert_int_equal(atomic_load(&r->bad_index), 0);
    assert_int_equal(atomic_load(&r->received), handed);
    assert_int_equal(atomic_load(&r->h.handed), handed);
    assert_int_equal(handed + n_refused, RACE_ITEMS);
    assert_true(handed >= 1);
    for (unsigned i = 0; i < RACE_ITEMS; i++) {
        unsigned runs = atomic_load(&r->items[i].runs);
        /* Handed exactly once, or refused and never run. */
        if (refused[i])
            assert_int_equal(runs, 0);
        else
            assert_int_equal(runs, 1);
    }
    assert_int_equal(atomic_load(&r->h.slot), 0);
    assert_int_equal(atomic_load(&r->h.queued), 0);
    print_message("handed %u of %u items\n", handed, RACE_ITEMS);
    free(refused);
    free(r->items);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_give_without_waiter_fails),
        cmocka_unit_test(test_waiter_receives_item),
        cmocka_unit_test(test_timeout_frees_the_slot),
        cmocka_unit_test(test_second_waiter_returns_at_once),
        cmocka_unit_test(test_queued_work_stops_waiting),
        cmocka_unit_test(test_no_processor_no_wait),
        cmocka_unit_test(test_wait_adapts),
        cmocka_unit_test(test_race_every_item_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
