/* shards.h - what sync.c and shards.c share (private to the indexer).
 *
 * A rebuild with --jobs N writes the entries in N processes, each into a
 * shard database of its own, and merges the shards with xapian-compact
 * (Xapian's own tool: the shim has no merge), so that indexing uses every
 * core.  Incremental runs stay in one process: they change the live
 * database in one transaction.
 */
#ifndef AWS_SHARDS_H
#define AWS_SHARDS_H

#include <stdbool.h>
#include <stddef.h>

#include "awx.h"
#include "sync.h"

/* Packs E and puts it into DB with DIGEST (sync.c).  *NOMEM is set when
 * packing ran out of memory. */
awx_status_t aws__sync_put(awx_db_t *db, const aws_entry_t *e, const char *digest,
                           bool *nomem);

/* Whether xapian-compact can be run (it is looked up on $PATH). */
bool aws__shards_available(void);

/* Writes the N entries ENTRIES, with their digests DIGESTS, into the empty
 * database folder DEST using JOBS processes, then merges the shards into
 * DEST.  The shards live in DEST + ".shards", removed afterwards whatever
 * happens.  A stop request (OPTS->stop) ends the children and gives
 * AWS_SYNC_STOPPED.  On failure *ERRMSG is a malloc'd message. */
aws_sync_status_t aws__shards_write(aws_entry_t *const *entries,
                                    const char (*digests)[17], size_t n,
                                    unsigned jobs, const char *dest,
                                    const aws_sync_opts_t *opts, char **errmsg);

#endif /* AWS_SHARDS_H */
