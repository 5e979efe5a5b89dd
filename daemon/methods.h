/* methods.h - the daemon's methods: one validated request in, one response out.
 *
 * Runs on a pool thread with that thread's own read-only database handle
 * (see worker.h), except `ping`, which needs no database and is answered
 * on the loop thread.  The response is encoded whole into a buffer that the
 * loop thread then writes.
 */
#ifndef AWS_DAEMON_METHODS_H
#define AWS_DAEMON_METHODS_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

#include "awx.h"
#include "cache.h"
#include "proto.h"

/* Whether METHOD reads the database (every method but `ping`). */
bool aws_method_needs_db(aws_method_t method);

/* Answers REQ from DB (NULL for methods that need none), appending one whole
 * response ([1, msgid, error, result]) to OUT.  DB_PATH is what `stats`
 * reports.  CACHE (may be NULL) keeps and gives back `search` answers.
 *
 * Returns AWX_OK when OUT holds the response: a result, or an error that
 * belongs to the request (bad_request, query_syntax, not_found, and internal
 * for a damaged stored document).  Any other status means the database
 * itself failed: OUT is as it was on entry, MSG (MSGLEN bytes) holds the
 * shim's message, and the caller decides whether to reopen and retry or to
 * reply `unavailable`/`internal`. */
awx_status_t aws_method_run(awx_db_t *db, const char *db_path, aws_cache_t *cache,
                            const aws_request_t *req, msgpack_sbuffer *out,
                            char *msg, size_t msglen);

#endif /* AWS_DAEMON_METHODS_H */
