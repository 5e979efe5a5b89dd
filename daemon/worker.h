/* worker.h - the pool threads' side: one read-only database per thread.
 *
 * Xapian handles are not shared across threads, so every libuv pool thread
 * opens its own awx_db_t the first time it answers a request and keeps it in
 * thread-local storage (uv_key_t).  Every handle is also recorded in a
 * registry under a mutex, so that the loop thread can close them all once
 * the loop has ended and no pool thread runs our code any more.
 *
 * Before each request the thread brings its handle up to the newest
 * committed revision (awx_db_reopen, which also follows awindex --rebuild's
 * stub-file switch), so a changed index is picked up without a signal.
 * SIGHUP bumps a generation counter: each thread then reopens from scratch.
 */
#ifndef AWS_DAEMON_WORKER_H
#define AWS_DAEMON_WORKER_H

#include <msgpack.h>

#include "log.h"
#include "proto.h"

typedef struct aws_workers aws_workers_t;

/* A registry for the database at DB_PATH (copied), with a cache of the
 * answers to the last CACHE searches shared by all threads (cache.h; 0:
 * none).  LOG must outlive it.  Returns NULL when out of memory. */
aws_workers_t *aws_workers_new(const char *db_path, unsigned cache, const aws_log_t *log);

/* Closes every thread's handle and frees W.  Call only when no pool thread
 * can be inside aws_workers_answer (after the loop has ended). */
void aws_workers_free(aws_workers_t *w);

/* Makes every thread reopen its handle from scratch before its next
 * request (SIGHUP).  Safe from any thread. */
void aws_workers_invalidate(aws_workers_t *w);

/* Answers REQ on the calling pool thread, appending one whole response to
 * OUT: a result, or an error reply (`unavailable` when there is no database
 * yet, `internal` when it fails twice).  Never fails silently: when even the
 * error cannot be encoded OUT is left empty and the caller closes the
 * connection. */
void aws_workers_answer(aws_workers_t *w, const aws_request_t *req,
                        msgpack_sbuffer *out);

#endif /* AWS_DAEMON_WORKER_H */
