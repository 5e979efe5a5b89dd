/* sync.c - write parsed lists into the Xapian database, incrementally or afresh.
 *
 * The database's ids and digests are read once into a sorted array (the
 * "known" set); each entry is then looked up by binary search, so a run
 * costs one pack and one digest per entry plus the writes that are really
 * needed.  Documents are written in list order, which keeps Xapian's
 * document ids (and so its tie-breaking) in the order of the lists.
 */
#include "sync.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "awx.h"
#include "paths.h"
#include "strfmt.h"
#include "shards.h"

/* Below this many entries per process, a sharded rebuild is not worth its
 * merge. */
#define MIN_ENTRIES_PER_JOB 2000

/* One document already in the database. */
typedef struct known {
    char *id;
    char *digest;          /* NULL when stored without one */
    bool seen;             /* some entry of this run has this id */
} known_t;

typedef struct known_set {
    known_t *v;
    size_t n;
    size_t cap;
    bool nomem;
} known_set_t;

static void known_free(known_set_t *ks)
{
    for (size_t i = 0; i < ks->n; i++) {
        free(ks->v[i].id);
        free(ks->v[i].digest);
    }
    free(ks->v);
    memset(ks, 0, sizeof *ks);
}

static int known_collect(const char *id, const char *digest, void *ctx)
{
    known_set_t *ks = ctx;

    if (ks->n == ks->cap) {
        size_t cap = ks->cap ? ks->cap * 2 : 1024;
        known_t *v = realloc(ks->v, cap * sizeof *v);
        if (v == NULL) {
            ks->nomem = true;
            return 1;
        }
        ks->v = v;
        ks->cap = cap;
    }
    known_t *k = &ks->v[ks->n];
    k->id = strdup(id);
    k->digest = digest != NULL ? strdup(digest) : NULL;
    k->seen = false;
    if (k->id == NULL || (digest != NULL && k->digest == NULL)) {
        free(k->id);
        free(k->digest);
        ks->nomem = true;
        return 1;
    }
    ks->n++;
    return 0;
}

static int known_cmp(const void *a, const void *b)
{
    return strcmp(((const known_t *)a)->id, ((const known_t *)b)->id);
}

static known_t *known_find(known_set_t *ks, const char *id)
{
    known_t key = {.id = (char *)id};

    if (ks->n == 0)
        return NULL;
    return bsearch(&key, ks->v, ks->n, sizeof *ks->v, known_cmp);
}

/* Reports the failure of WHAT on DB and returns AWS_SYNC_DB_ERROR (or
 * NOMEM when that is what the shim says). */
static aws_sync_status_t db_error(awx_db_t *db, awx_status_t st, const char *what,
                                  const char *path, char **errmsg)
{
    const char *detail = db != NULL ? awx_db_last_error(db) : "";

    if (detail[0] == '\0')
        detail = awx_status_to_string(st);
    aws_errmsg_set(errmsg, "%s: %s: %s", path, what, detail);
    return st == AWX_ERR_NOMEM ? AWS_SYNC_NOMEM : AWS_SYNC_DB_ERROR;
}

/* Reads every id and digest of the database DB into KS, sorted. */
static aws_sync_status_t load_known(awx_db_t *db, const char *path, known_set_t *ks,
                                    char **errmsg)
{
    awx_status_t st = awx_db_foreach_id(db, known_collect, ks);

    if (ks->nomem)
        return AWS_SYNC_NOMEM;
    if (st != AWX_OK)
        return db_error(db, st, "reading the ids", path, errmsg);
    if (ks->n > 0)
        qsort(ks->v, ks->n, sizeof *ks->v, known_cmp);
    return AWS_SYNC_OK;
}

/* The digest of E's stored form without its "source", which only says
 * where the item sits in its list and so must not make a moved item look
 * changed, followed by its hit record, so that a database written before
 * the hit record existed (or with another one) is rewritten by the next
 * incremental run. */
static int entry_digest(aws_entry_t *e, char out[17])
{
    char *saved = e->source;
    char *buf = NULL, *hit = NULL;
    size_t len = 0, hit_len = 0;
    int rc;

    e->source = NULL;
    rc = aws_entry_pack(e, &buf, &len);
    e->source = saved;
    if (rc == 0)
        rc = aws_entry_pack_hit(e, &hit, &hit_len);
    char *both = rc == 0 ? realloc(buf, len + hit_len) : NULL;
    if (both == NULL) {
        free(buf);
        free(hit);
        return -1;
    }
    memcpy(both + len, hit, hit_len);
    aws_entry_digest(both, len + hit_len, out);
    free(both);
    free(hit);
    return 0;
}

static awx_kind_t doc_kind(aws_entry_kind_t kind)
{
    switch (kind) {
    case AWS_ENTRY_REPO:
        return AWX_KIND_REPO;
    case AWS_ENTRY_LINK:
        return AWX_KIND_LINK;
    case AWS_ENTRY_PAPER:
    default:
        return AWX_KIND_PAPER;
    }
}

awx_status_t aws__sync_put(awx_db_t *db, const aws_entry_t *e, const char *digest,
                           bool *nomem)
{
    char *buf = NULL, *hit = NULL;
    size_t len = 0, hit_len = 0;
    awx_status_t st;

    if (aws_entry_pack(e, &buf, &len) != 0 || aws_entry_pack_hit(e, &hit, &hit_len) != 0) {
        free(buf);
        *nomem = true;
        return AWX_ERR_NOMEM;
    }
    awx_doc_t doc = {
        .id = e->id,
        .kind = doc_kind(e->kind),
        .title = e->title != NULL ? e->title : "",
        .authors = (const char *const *)e->authors.v,
        .n_authors = e->authors.n,
        .abstract = e->abstract,
        .sections = (const char *const *)e->sections.v,
        .n_sections = e->sections.n,
        .subsections = (const char *const *)e->subsections.v,
        .n_subsections = e->subsections.n,
        .categories = (const char *const *)e->categories.v,
        .n_categories = e->categories.n,
        .year = e->year,
        .citations = e->citations,
        .has_code = e->has_code,
        .data = buf,
        .data_len = len,
        .digest = digest,
        .hit_data = hit,
        .hit_data_len = hit_len,
    };
    st = awx_db_put(db, &doc);
    free(buf);
    free(hit);
    return st;
}

static bool stopped(const aws_sync_opts_t *opts)
{
    return opts->stop != NULL && *opts->stop != 0;
}

/* Puts every entry of LIST that is new or changed (every entry when
 * REBUILD) into DB, and counts.  With DB NULL it only counts and keeps each
 * entry's digest in DIGESTS (for the sharded rebuild). */
static aws_sync_status_t write_entries(awx_db_t *db, aws_list_t *list, known_set_t *ks,
                                       const aws_sync_opts_t *opts, const char *path,
                                       aws_report_t *report, char (*digests)[17],
                                       char **errmsg)
{
    aws_progress_t *progress = db != NULL ? opts->progress : NULL;

    if (progress != NULL)
        aws_progress_start(progress, "writing", list->n_entries);
    for (size_t i = 0; i < list->n_entries; i++) {
        aws_entry_t *e = list->entries[i];
        char digest[17];
        bool nomem = false;

        if (stopped(opts))
            return AWS_SYNC_STOPPED;
        if (entry_digest(e, digest) != 0)
            return AWS_SYNC_NOMEM;
        if (digests != NULL)
            memcpy(digests[i], digest, sizeof digest);
        known_t *k = known_find(ks, e->id);
        bool write = true;
        if (k != NULL)
            k->seen = true;
        if (k != NULL && k->digest != NULL && strcmp(k->digest, digest) == 0) {
            report->unchanged++;
            write = opts->rebuild;
        } else if (k != NULL) {
            report->updated++;
        } else {
            report->added++;
        }
        if (write && db != NULL) {
            awx_status_t st = aws__sync_put(db, e, digest, &nomem);
            if (nomem)
                return AWS_SYNC_NOMEM;
            if (st != AWX_OK) {
                char what[256];
                snprintf(what, sizeof what, "writing %.200s", e->id);
                return db_error(db, st, what, path, errmsg);
            }
        }
        if (progress != NULL)
            aws_progress_update(progress, i + 1);
    }

    for (size_t i = 0; i < ks->n; i++) {
        if (ks->v[i].seen)
            continue;
        if (stopped(opts))
            return AWS_SYNC_STOPPED;
        /* A rebuilt database never held the vanished ids: they are only
         * counted. */
        if (!opts->rebuild && db != NULL) {
            awx_status_t st = awx_db_delete(db, ks->v[i].id);
            if (st != AWX_OK && st != AWX_ERR_NOT_FOUND) {
                char what[256];
                snprintf(what, sizeof what, "deleting %.200s", ks->v[i].id);
                return db_error(db, st, what, path, errmsg);
            }
        }
        report->deleted++;
    }
    if (progress != NULL)
        aws_progress_finish(progress);
    return AWS_SYNC_OK;
}

/* Records when and from what the database was made, and counts it. */
static aws_sync_status_t finish_metadata(awx_db_t *db, const aws_sync_opts_t *opts,
                                         const char *path, aws_report_t *report,
                                         char **errmsg)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    awx_status_t st;
    awx_counts_t counts;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    st = awx_db_set_metadata(db, "indexed_at", stamp);
    if (st == AWX_OK && opts->lists_metadata != NULL)
        st = awx_db_set_metadata(db, "lists", opts->lists_metadata);
    if (st != AWX_OK)
        return db_error(db, st, "writing metadata", path, errmsg);
    /* The synonym table goes in with the documents, in the same commit,
     * so a reader never sees the new documents with the old table. */
    if (opts->synonyms != NULL && (st = aws_synonyms_store(opts->synonyms, db)) != AWX_OK)
        return db_error(db, st, "writing the synonyms", path, errmsg);
    st = awx_db_counts(db, &counts);
    if (st != AWX_OK)
        return db_error(db, st, "counting documents", path, errmsg);
    report->documents = (size_t)counts.documents;
    return AWS_SYNC_OK;
}

/* Commits DB, showing it on the progress line: with a large transaction
 * this is where Xapian writes most of the data. */
static aws_sync_status_t commit(awx_db_t *db, const aws_sync_opts_t *opts,
                                const char *path, char **errmsg)
{
    awx_status_t st;

    if (opts->progress != NULL)
        aws_progress_start(opts->progress, "committing", 0);
    st = awx_db_commit(db);
    if (opts->progress != NULL)
        aws_progress_finish(opts->progress);
    return st == AWX_OK ? AWS_SYNC_OK : db_error(db, st, "committing", path, errmsg);
}

/* Creates the folder that will hold PATH. */
static aws_sync_status_t make_parent(const char *path, char **errmsg)
{
    char *copy = strdup(path);
    char *slash;
    aws_sync_status_t rc = AWS_SYNC_OK;

    if (copy == NULL)
        return AWS_SYNC_NOMEM;
    slash = strrchr(copy, '/');
    if (slash != NULL && slash != copy) {
        *slash = '\0';
        if (aws_mkdir_p(copy, 0755) != 0) {
            aws_errmsg_set(errmsg, "%s: cannot create the folder: %s", copy, strerror(errno));
            rc = AWS_SYNC_DB_ERROR;
        }
    }
    free(copy);
    return rc;
}

static aws_sync_status_t sync_incremental(aws_list_t *list, const aws_sync_opts_t *opts,
                                          aws_report_t *report, char **errmsg)
{
    const char *path = opts->db_path;
    known_set_t ks = {0};
    awx_db_t *db = NULL;
    awx_status_t st;
    aws_sync_status_t rc = make_parent(path, errmsg);

    if (rc != AWS_SYNC_OK)
        return rc;
    st = awx_db_open(path, AWX_OPEN_WRITE, opts->lock_wait_ms, &db, errmsg);
    if (st != AWX_OK) {
        if (*errmsg == NULL)
            aws_errmsg_set(errmsg, "%s: %s", path, awx_status_to_string(st));
        return st == AWX_ERR_NOMEM ? AWS_SYNC_NOMEM : AWS_SYNC_DB_ERROR;
    }
    rc = load_known(db, path, &ks, errmsg);
    if (rc == AWS_SYNC_OK && (st = awx_db_begin(db)) != AWX_OK)
        rc = db_error(db, st, "starting a transaction", path, errmsg);
    if (rc == AWS_SYNC_OK)
        rc = write_entries(db, list, &ks, opts, path, report, NULL, errmsg);
    if (rc == AWS_SYNC_OK)
        rc = finish_metadata(db, opts, path, report, errmsg);
    if (rc == AWS_SYNC_OK && stopped(opts))
        rc = AWS_SYNC_STOPPED;
    if (rc == AWS_SYNC_OK)
        rc = commit(db, opts, path, errmsg);
    /* Closing a handle with an open transaction cancels it, so every
     * failure above leaves the previous revision as it was. */
    awx_db_close(db);
    known_free(&ks);
    return rc;
}

/* The rebuild's writing in OPTS->jobs processes: digests and counts here,
 * the documents in shards.c. */
static aws_sync_status_t write_sharded(aws_list_t *list, known_set_t *ks,
                                       const aws_sync_opts_t *opts, const char *new_dir,
                                       aws_report_t *report, char **errmsg)
{
    char (*digests)[17] = malloc(list->n_entries * sizeof *digests);
    aws_sync_status_t rc;

    if (digests == NULL)
        return AWS_SYNC_NOMEM;
    rc = write_entries(NULL, list, ks, opts, new_dir, report, digests, errmsg);
    if (rc == AWS_SYNC_OK)
        rc = aws__shards_write(list->entries, (const char (*)[17])digests, list->n_entries,
                               opts->jobs, new_dir, opts, errmsg);
    free(digests);
    return rc;
}

static aws_sync_status_t sync_rebuild(aws_list_t *list, const aws_sync_opts_t *opts,
                                      aws_report_t *report, char **errmsg)
{
    const char *path = opts->db_path;
    known_set_t ks = {0};
    awx_db_t *db = NULL;
    char *new_dir = NULL;
    awx_status_t st;
    aws_sync_status_t rc;

    /* The old database is read only to count what changed; a path that is
     * no database stops the run here, before anything is created. */
    st = awx_db_open(path, AWX_OPEN_READ, 0, &db, errmsg);
    if (st == AWX_OK) {
        rc = load_known(db, path, &ks, errmsg);
        awx_db_close(db);
        db = NULL;
        if (rc != AWS_SYNC_OK)
            goto out;
    } else if (st == AWX_ERR_NO_DATABASE) {
        free(*errmsg);
        *errmsg = NULL;
        if ((rc = make_parent(path, errmsg)) != AWS_SYNC_OK)
            goto out;
    } else {
        if (*errmsg == NULL)
            aws_errmsg_set(errmsg, "%s: %s", path, awx_status_to_string(st));
        rc = st == AWX_ERR_NOMEM ? AWS_SYNC_NOMEM : AWS_SYNC_DB_ERROR;
        goto out;
    }

    st = awx_rebuild_begin(path, &new_dir, errmsg);
    if (st != AWX_OK) {
        if (*errmsg == NULL)
            aws_errmsg_set(errmsg, "%s: %s", path, awx_status_to_string(st));
        rc = AWS_SYNC_DB_ERROR;
        goto out;
    }
    bool sharded = opts->jobs > 1 &&
                   list->n_entries >= MIN_ENTRIES_PER_JOB * (size_t)opts->jobs;
    if (sharded && !aws__shards_available()) {
        sharded = false;
        if (aws_report_warning(report, "xapian-compact is not on $PATH, so --jobs is "
                                       "ignored (it comes with Debian's xapian-tools)") != 0) {
            rc = AWS_SYNC_NOMEM;
            goto abort;
        }
    }
    if (sharded) {
        /* The shards are merged into NEW_DIR, which is then opened to
         * record the metadata as below. */
        if ((rc = write_sharded(list, &ks, opts, new_dir, report, errmsg)) != AWS_SYNC_OK)
            goto abort;
    }
    st = awx_db_open(new_dir, AWX_OPEN_WRITE, 0, &db, errmsg);
    if (st != AWX_OK) {
        if (*errmsg == NULL)
            aws_errmsg_set(errmsg, "%s: %s", new_dir, awx_status_to_string(st));
        rc = AWS_SYNC_DB_ERROR;
        goto abort;
    }
    if (!sharded)
        rc = write_entries(db, list, &ks, opts, new_dir, report, NULL, errmsg);
    if (rc == AWS_SYNC_OK)
        rc = finish_metadata(db, opts, new_dir, report, errmsg);
    if (rc == AWS_SYNC_OK)
        rc = commit(db, opts, new_dir, errmsg);
    awx_db_close(db);
    if (rc == AWS_SYNC_OK && stopped(opts))
        rc = AWS_SYNC_STOPPED;
    if (rc != AWS_SYNC_OK)
        goto abort;
    st = awx_rebuild_finish(path, new_dir, errmsg);
    if (st != AWX_OK) {
        if (*errmsg == NULL)
            aws_errmsg_set(errmsg, "%s: %s", path, awx_status_to_string(st));
        rc = AWS_SYNC_DB_ERROR;
        goto abort;
    }
    goto out;

abort:
    awx_rebuild_abort(new_dir);
out:
    free(new_dir);
    known_free(&ks);
    return rc;
}

aws_sync_status_t aws_sync_run(aws_list_t *list, const aws_sync_opts_t *opts,
                               aws_report_t *report, char **errmsg)
{
    *errmsg = NULL;
    if (opts->rebuild)
        return sync_rebuild(list, opts, report, errmsg);
    return sync_incremental(list, opts, report, errmsg);
}
