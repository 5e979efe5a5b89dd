/* handoff.h - a pool thread that has just answered waits briefly for the next request.
 *
 * A request that finds every pool thread asleep costs a futex wake-up and
 * a thread whose caches went cold (40 to 80 us of a 250 us search on the
 * bundled list, on the 2-core machines we measure on).  A client that asks one thing after another sends its next
 * request tens of microseconds after its reply, so the pool thread that
 * sent the reply stays awake a little, yielding between looks, and the
 * loop thread hands the request to it directly instead of queueing it in
 * libuv's pool.  The work still runs on a libuv pool thread, inside the
 * work callback that answered before.
 *
 * Waiting costs a core, so it is done only where it pays:
 * - only while a processor is free for it: the waiter and the loop thread
 *   need one each and every job running elsewhere one more, so a thread
 *   waits only while at most SPARE (processors - 2) other jobs run: none
 *   on 2 processors, and it never waits on 1;
 * - never while work is queued in the pool (it would wait for the waiter);
 * - for as long as recent clients took to come back: the wait starts at
 *   AWS__HANDOFF_WAIT_MAX_US, halves each time it runs out for nothing
 *   (down to none at all), and grows back to fit when a request comes
 *   within AWS__HANDOFF_WAIT_MAX_US of a reply but after the wait ended.
 *   A client that pauses between requests (a person at an editor) so costs
 *   a few waits in all, not one per request.
 *
 * One thread waits at a time.  The counts are per server, while libuv's
 * pool is per process: a process serving two servers would let one's
 * waiter hold up the other's queued work (awsearchd runs one).
 */
#ifndef AWS_DAEMON_HANDOFF_H
#define AWS_DAEMON_HANDOFF_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The longest wait, and the shortest one worth starting, in us. */
#define AWS__HANDOFF_WAIT_MAX_US 100u
#define AWS__HANDOFF_WAIT_MIN_US 16u

typedef struct aws__handoff {
    /* 0: nobody waits; 1: a pool thread waits; anything else: the item
     * handed to the waiting thread. */
    _Atomic uintptr_t slot;
    atomic_uint queued;           /* in libuv's pool, not started yet */
    atomic_uint running;          /* being answered by pool threads */
    atomic_uint wait_us;          /* the wait now, 0 or MIN to MAX */
    _Atomic uint64_t idle_since;  /* uv_hrtime() when the last thread began
                                   * waiting, or would have */
    atomic_ullong handed;         /* items handed over, for the log */
    int spare;                    /* processors - 2 (see above) */
} aws__handoff_t;

/* Sets H up for a machine of PROCESSORS usable processors. */
void aws__handoff_init(aws__handoff_t *h, unsigned processors);

/* Loop thread: gives ITEM (neither NULL nor 1) to a waiting pool thread.
 * True when one took it (it will run it); false when none waits, and ITEM
 * must be queued. */
bool aws__handoff_give(aws__handoff_t *h, void *item);

/* Pool thread, having answered: waits for an item as long as H's wait is;
 * returns it, or NULL when none came or this thread may not wait now. */
void *aws__handoff_wait(aws__handoff_t *h);

/* The counts the waits depend on.  Loop thread: an item goes to libuv's
 * pool (before uv_queue_work), or leaves it unrun (queueing failed, or it
 * was cancelled).  Pool thread: an item from the pool starts; any item
 * starts or stops being answered. */
void aws__handoff_queued(aws__handoff_t *h);
void aws__handoff_dequeued(aws__handoff_t *h);
void aws__handoff_begin(aws__handoff_t *h);
void aws__handoff_end(aws__handoff_t *h);

#endif /* AWS_DAEMON_HANDOFF_H */
