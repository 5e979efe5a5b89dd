/* sync.h - write parsed lists into the Xapian database, incrementally or afresh.
 *
 * Incremental (the default): every entry's stored form is packed and
 * digested; documents whose digest is unchanged are not rewritten, changed
 * ones are replaced by id, ids gone from the lists are deleted, all inside
 * one transaction, so that an interrupted run (kill -9 included) leaves the
 * previous revision whole.  Rebuild: the entries go into a fresh database
 * beside the live one (awx_rebuild_begin), which is swapped in atomically
 * (awx_rebuild_finish) only once it is complete; with JOBS > 1 it is
 * written in that many processes and merged (shards.c).
 */
#ifndef AWS_SYNC_H
#define AWS_SYNC_H

#include <signal.h>
#include <stdbool.h>

#include "listparse.h"
#include "progress.h"
#include "report.h"
#include "synonyms.h"

typedef enum aws_sync_status {
    AWS_SYNC_OK = 0,
    AWS_SYNC_DB_ERROR,   /* the database could not be opened or written */
    AWS_SYNC_STOPPED,    /* *STOP was set; nothing was committed */
    AWS_SYNC_NOMEM,
} aws_sync_status_t;

typedef struct aws_sync_opts {
    const char *db_path;
    bool rebuild;
    unsigned lock_wait_ms;           /* wait this long for another writer */
    unsigned jobs;                   /* rebuild: processes writing shards; 0, 1: one */
    const char *lists_metadata;      /* the "lists" metadata value */
    volatile sig_atomic_t *stop;     /* set from a signal handler; may be NULL */
    aws_progress_t *progress;        /* may be NULL */
    const aws_synonyms_t *synonyms;  /* replaces the synonym table; NULL: kept */
} aws_sync_opts_t;

/* Writes the entries of LIST into the database OPTS->db_path, counting
 * added/updated/deleted/unchanged and documents into REPORT.  The entries'
 * "source" field is left out of the digest (and so an item that only moved
 * in its list is not rewritten).  On failure *ERRMSG is a malloc'd one-line
 * message the caller frees.  LIST's entries are briefly modified while
 * digesting and restored. */
aws_sync_status_t aws_sync_run(aws_list_t *list, const aws_sync_opts_t *opts,
                               aws_report_t *report, char **errmsg);

#endif /* AWS_SYNC_H */
