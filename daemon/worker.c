/* worker.c - the pool threads' side: one read-only database per thread. */
#include "worker.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "awx.h"
#include "cache.h"
#include "methods.h"

/* One pool thread's handle.  The thread that owns it is the only one to
 * touch DB while the loop runs; the registry only frees it afterwards. */
typedef struct slot {
    awx_db_t *db;        /* NULL until opened, or after a failure */
    unsigned generation; /* the registry's generation when DB was opened */
    struct slot *next;   /* registry list, under the mutex */
} slot_t;

struct aws_workers {
    char *db_path;
    const aws_log_t *log;
    uv_key_t key;        /* slot_t * of the calling thread */
    uv_mutex_t lock;     /* guards SLOTS */
    slot_t *slots;
    atomic_uint generation;
    aws_cache_t *cache;
};

/* The cache's bound in bytes: enough for a few hundred pages of hits. */
#define CACHE_BYTES (8u << 20)

aws_workers_t *aws_workers_new(const char *db_path, unsigned cache, const aws_log_t *log)
{
    aws_workers_t *w = calloc(1, sizeof *w);
    if (w == NULL)
        return NULL;
    w->db_path = strdup(db_path);
    w->log = log;
    atomic_init(&w->generation, 0);
    /* No cache at all with --result-cache 0: not even the key and the lock. */
    w->cache = cache > 0 ? aws_cache_new(cache, CACHE_BYTES) : NULL;
    if (w->db_path == NULL || (cache > 0 && w->cache == NULL) ||
        uv_key_create(&w->key) != 0) {
        aws_cache_free(w->cache);
        free(w->db_path);
        free(w);
        return NULL;
    }
    if (uv_mutex_init(&w->lock) != 0) {
        uv_key_delete(&w->key);
        aws_cache_free(w->cache);
        free(w->db_path);
        free(w);
        return NULL;
    }
    return w;
}

void aws_workers_free(aws_workers_t *w)
{
    if (w == NULL)
        return;
    slot_t *s = w->slots;
    while (s != NULL) {
        slot_t *next = s->next;
        awx_db_close(s->db);
        free(s);
        s = next;
    }
    if (w->cache != NULL) {
        aws_cache_stats_t st;
        aws_cache_stats(w->cache, &st);
        aws_log(w->log, AWS_LOG_DEBUG,
                "answer cache: %llu hits, %llu misses, %zu kept (%zu bytes)", st.hits,
                st.misses, st.entries, st.bytes);
    }
    aws_cache_free(w->cache);
    uv_mutex_destroy(&w->lock);
    uv_key_delete(&w->key);
    free(w->db_path);
    free(w);
}

void aws_workers_invalidate(aws_workers_t *w)
{
    atomic_fetch_add(&w->generation, 1);
    aws_cache_clear(w->cache);
}

/* The calling thread's slot, created and registered on first use. */
static slot_t *thread_slot(aws_workers_t *w)
{
    slot_t *s = uv_key_get(&w->key);
    if (s != NULL)
        return s;
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    uv_mutex_lock(&w->lock);
    s->next = w->slots;
    w->slots = s;
    uv_mutex_unlock(&w->lock);
    uv_key_set(&w->key, s);
    return s;
}

/* Makes S->db a current handle: opened when missing or invalidated,
 * brought up to the newest revision otherwise.  Returns AWX_OK, or the
 * failure with its message in MSG. */
static awx_status_t ready_db(aws_workers_t *w, slot_t *s, bool fresh, char *msg,
                             size_t msglen)
{
    unsigned gen = atomic_load(&w->generation);
    if (s->db != NULL && (fresh || s->generation != gen)) {
        awx_db_close(s->db);
        s->db = NULL;
    }
    if (s->db != NULL) {
        bool changed = false;
        awx_status_t st = awx_db_reopen(s->db, &changed);
        if (st == AWX_OK) {
            if (changed)
                aws_log(w->log, AWS_LOG_DEBUG, "database %s: now at revision %llu",
                        w->db_path, (unsigned long long)awx_db_revision(s->db));
            return AWX_OK;
        }
        /* A handle that cannot follow the index (its files were replaced
         * under it) is dropped and the database opened again. */
        aws_log(w->log, AWS_LOG_DEBUG, "database %s: reopen failed (%s), opening afresh",
                w->db_path, awx_db_last_error(s->db));
        awx_db_close(s->db);
        s->db = NULL;
    }
    char *err = NULL;
    awx_status_t st = awx_db_open(w->db_path, AWX_OPEN_READ, 0, &s->db, &err);
    if (st != AWX_OK) {
        snprintf(msg, msglen, "%s", err != NULL ? err : awx_status_to_string(st));
        free(err);
        s->db = NULL;
        return st;
    }
    s->generation = gen;
    return AWX_OK;
}

/* Packs an error reply; when even that fails OUT is emptied. */
static void pack_error(msgpack_sbuffer *out, size_t start, uint32_t msgid,
                       aws_rpc_code_t code, const char *text)
{
    msgpack_packer pk;
    out->size = start;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    if (aws_rpc_pack_error(&pk, msgid, code, text) != 0)
        out->size = start;
}

void aws_workers_answer(aws_workers_t *w, const aws_request_t *req,
                        msgpack_sbuffer *out)
{
    char msg[512];
    char text[768];
    size_t start = out->size;

    if (!aws_method_needs_db(req->method)) {
        if (aws_method_run(NULL, w->db_path, NULL, req, out, msg, sizeof msg) != AWX_OK)
            pack_error(out, start, req->msgid, AWS_RPC_INTERNAL, msg);
        return;
    }

    slot_t *s = thread_slot(w);
    if (s == NULL) {
        pack_error(out, start, req->msgid, AWS_RPC_INTERNAL, "out of memory");
        return;
    }

    /* Two attempts: a query that meets a modified or replaced database
     * (awindex committed or swapped in a rebuild meanwhile) is retried
     * once on a freshly opened handle, so a running indexer never makes a
     * request fail.  A database that cannot be opened at all is
     * `unavailable`; one that opens but fails the query twice is
     * `internal`. */
    awx_status_t st = AWX_OK;
    bool open_failed = false;
    for (int attempt = 0; attempt < 2; attempt++) {
        st = ready_db(w, s, attempt > 0, msg, sizeof msg);
        open_failed = st != AWX_OK;
        if (st == AWX_ERR_NO_DATABASE) {
            snprintf(text, sizeof text,
                     "no database at %s yet; build one with `awindex --db %s`",
                     w->db_path, w->db_path);
            pack_error(out, start, req->msgid, AWS_RPC_UNAVAILABLE, text);
            return;
        }
        if (st == AWX_OK) {
            st = aws_method_run(s->db, w->db_path, w->cache, req, out, msg, sizeof msg);
            if (st == AWX_OK)
                return;
        }
        aws_log(w->log, attempt == 0 ? AWS_LOG_DEBUG : AWS_LOG_WARN,
                "msgid %u %s: %s (%s)%s", (unsigned)req->msgid,
                aws_method_name(req->method), awx_status_to_string(st), msg,
                attempt == 0 ? "; retrying on a fresh handle" : "");
    }
    if (st == AWX_ERR_NOMEM) {
        pack_error(out, start, req->msgid, AWS_RPC_INTERNAL, "out of memory");
        return;
    }
    if (st == AWX_ERR_NOT_DATABASE) {
        /* A file or folder of something else: rebuilding would be refused
         * too (awindex never overwrites what it did not make). */
        char *tail = strstr(msg, "; left untouched");
        if (tail != NULL)
            *tail = '\0';
        snprintf(text, sizeof text,
                 "%s; awindex will not write there either: give --db a database "
                 "folder, or a path that does not exist yet to build one at",
                 msg);
        pack_error(out, start, req->msgid, AWS_RPC_UNAVAILABLE, text);
        return;
    }
    if (open_failed || st == AWX_ERR_CORRUPT) {
        snprintf(text, sizeof text,
                 "database %s cannot be opened: %s; rebuild it with "
                 "`awindex --rebuild --db %s`",
                 w->db_path, msg, w->db_path);
        pack_error(out, start, req->msgid, AWS_RPC_UNAVAILABLE, text);
        return;
    }
    snprintf(text, sizeof text, "database %s failed: %s", w->db_path, msg);
    pack_error(out, start, req->msgid, AWS_RPC_INTERNAL, text);
}
