/* handoff.c - a pool thread that has just answered waits briefly for the next request.
 *
 * The slot is the whole protocol.  A pool thread that wants to wait moves
 * it from 0 to WAITING; the loop gives an item by moving it from WAITING
 * to the item; the waiter takes the item and puts 0 back, or gives up by
 * moving WAITING back to 0.  Whichever compare-and-swap loses sees the
 * other's move, so an item is run exactly once, by the waiter or (when the
 * give failed) by libuv's pool.
 *
 * The wait's length is a hint shared by all threads, read and written
 * without ordering: a lost update costs one wait too long or too short.
 */
#include "handoff.h"

#include <assert.h>
#include <sched.h>

#include <uv.h>

#define WAITING ((uintptr_t)1)

void aws__handoff_init(aws__handoff_t *h, unsigned processors)
{
    atomic_init(&h->slot, 0);
    atomic_init(&h->queued, 0);
    atomic_init(&h->running, 0);
    atomic_init(&h->wait_us, AWS__HANDOFF_WAIT_MAX_US);
    atomic_init(&h->idle_since, 0);
    atomic_init(&h->handed, 0);
    h->spare = (int)processors - 2;
}

/* Whether a thread may wait now: a processor is free for it and nothing
 * waits in the pool that it would hold up. */
static bool may_wait(aws__handoff_t *h)
{
    return h->spare >= 0 && atomic_load(&h->queued) == 0 &&
           atomic_load(&h->running) <= (unsigned)h->spare;
}

bool aws__handoff_give(aws__handoff_t *h, void *item)
{
    assert(item != NULL && (uintptr_t)item != WAITING);
    uintptr_t expected = WAITING;
    if (atomic_compare_exchange_strong(&h->slot, &expected, (uintptr_t)item)) {
        atomic_fetch_add_explicit(&h->handed, 1, memory_order_relaxed);
        return true;
    }
    /* Nobody waited.  When the request came within the longest wait of
     * the last reply, a wait of that length would have caught it: wait so
     * long from now on (with a quarter more, for the next one's jitter). */
    uint64_t since = atomic_load(&h->idle_since);
    if (expected == 0 && since != 0 && h->spare >= 0) {
        uint64_t gap_us = (uv_hrtime() - since) / 1000u;
        uint64_t want = gap_us + gap_us / 4u;
        if (want < AWS__HANDOFF_WAIT_MIN_US)
            want = AWS__HANDOFF_WAIT_MIN_US;
        if (gap_us < AWS__HANDOFF_WAIT_MAX_US && want > atomic_load(&h->wait_us))
            atomic_store(&h->wait_us, want < AWS__HANDOFF_WAIT_MAX_US
                                          ? (unsigned)want
                                          : AWS__HANDOFF_WAIT_MAX_US);
    }
    return false;
}

/* Takes the item in the slot, which only the waiter may do. */
static void *take(aws__handoff_t *h, uintptr_t v)
{
    atomic_store(&h->slot, 0);
    return (void *)v;
}

void *aws__handoff_wait(aws__handoff_t *h)
{
    if (!may_wait(h))
        return NULL;
    uint64_t now = uv_hrtime();
    unsigned wait_us = atomic_load(&h->wait_us);
    atomic_store(&h->idle_since, now);
    if (wait_us == 0)
        return NULL;
    uintptr_t expected = 0;
    if (!atomic_compare_exchange_strong(&h->slot, &expected, WAITING))
        return NULL;
    uint64_t deadline = now + (uint64_t)wait_us * 1000u;
    for (;;) {
        uintptr_t v = atomic_load(&h->slot);
        if (v != WAITING)
            return take(h, v);
        bool expired = uv_hrtime() >= deadline;
        if (expired || !may_wait(h)) {
            expected = WAITING;
            if (!atomic_compare_exchange_strong(&h->slot, &expected, 0))
                return take(h, expected); /* an item came meanwhile */
            if (expired) {
                unsigned half = wait_us / 2u;
                atomic_store(&h->wait_us, half < AWS__HANDOFF_WAIT_MIN_US ? 0u : half);
            }
            return NULL;
        }
        /* Let whatever else is runnable on this processor go first (the
         * scheduler skips this thread once per call, no more). */
        sched_yield();
    }
}

void aws__handoff_queued(aws__handoff_t *h)
{
    atomic_fetch_add(&h->queued, 1);
}

void aws__handoff_dequeued(aws__handoff_t *h)
{
    atomic_fetch_sub(&h->queued, 1);
}

void aws__handoff_begin(aws__handoff_t *h)
{
    atomic_fetch_add(&h->running, 1);
}

void aws__handoff_end(aws__handoff_t *h)
{
    atomic_fetch_sub(&h->running, 1);
}
