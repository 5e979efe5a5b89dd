/* methods.c - the daemon's methods: one validated request in, one response out. */
#include "methods.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uv.h>

#include "bibtex.h"
#include "hit.h"
#include "ids.h"
#include "stored.h"

/* What one method call needs; OUT is rewound to START when it fails. */
typedef struct call {
    awx_db_t *db;
    const char *db_path;
    aws_cache_t *cache;
    const aws_request_t *req;
    msgpack_sbuffer *out;
    msgpack_packer pk;
    size_t start;
    char *msg;
    size_t msglen;
} call_t;

bool aws_method_needs_db(aws_method_t method)
{
    return method != AWS_METHOD_PING;
}

/* Replaces whatever the call packed so far by an error response that
 * belongs to the request.  Returns AWX_OK: the response is complete. */
static awx_status_t reply_error(call_t *c, aws_rpc_code_t code, const char *fmt,
                                ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static awx_status_t reply_error(call_t *c, aws_rpc_code_t code, const char *fmt,
                                ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    c->out->size = c->start;
    if (aws_rpc_pack_error(&c->pk, c->req->msgid, code, text) != 0)
        return AWX_ERR_NOMEM;
    return AWX_OK;
}

/* Reports a database failure to the caller, leaving OUT as it was. */
static awx_status_t db_failed(call_t *c, awx_status_t st)
{
    c->out->size = c->start;
    snprintf(c->msg, c->msglen, "%s", c->db != NULL ? awx_db_last_error(c->db)
                                                    : awx_status_to_string(st));
    if (c->msg[0] == '\0')
        snprintf(c->msg, c->msglen, "%s", awx_status_to_string(st));
    return st;
}

/* Maps a failed shim call: errors about the request become its reply,
 * anything else is a database failure for the worker to handle. */
static awx_status_t shim_failed(call_t *c, awx_status_t st, const char *what)
{
    switch (st) {
    case AWX_ERR_QUERY_SYNTAX:
        return reply_error(c, AWS_RPC_QUERY_SYNTAX, "%s",
                           awx_db_last_error(c->db));
    case AWX_ERR_INVALID:
        return reply_error(c, AWS_RPC_BAD_REQUEST, "%s: %s", what,
                           awx_db_last_error(c->db));
    case AWX_ERR_NOMEM:
        return reply_error(c, AWS_RPC_INTERNAL, "%s: out of memory", what);
    default:
        return db_failed(c, st);
    }
}

static awx_status_t packed(call_t *c, int rc)
{
    if (rc != 0)
        return reply_error(c, AWS_RPC_INTERNAL, "out of memory encoding the reply");
    return AWX_OK;
}

/* Normalises the request's id into OUT; on failure the reply is packed
 * and false returned. */
static bool normalise_id(call_t *c, char out[AWS_ID_MAX], awx_status_t *st)
{
    if (c->req->id == NULL) {
        *st = reply_error(c, AWS_RPC_BAD_REQUEST, "%s: missing argument `id`",
                          aws_method_name(c->req->method));
        return false;
    }
    if (aws_id_normalise(c->req->id, out) != 0) {
        *st = reply_error(c, AWS_RPC_BAD_REQUEST,
                          "%s: `id` is longer than %d bytes",
                          aws_method_name(c->req->method), AWS_ID_MAX - 1);
        return false;
    }
    return true;
}

static int pack_hits(call_t *c, awx_results_t *res)
{
    size_t n = awx_results_count(res);
    int rc = msgpack_pack_array(&c->pk, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const awx_hit_t *hit = awx_results_hit(res, i);
        rc = aws_hit_pack(&c->pk, hit);
        if (rc == -1) {
            reply_error(c, AWS_RPC_INTERNAL,
                        "document %u has a damaged stored form", hit->docid);
            return -1;
        }
    }
    return rc == 0 ? 0 : -2;
}

static int pack_facet(call_t *c, awx_results_t *res, awx_facet_kind_t kind)
{
    size_t n = awx_results_facet_count(res, kind);
    int rc = msgpack_pack_map(&c->pk, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const awx_facet_t *f = awx_results_facet(res, kind, i);
        rc = aws_rpc_pack_str(&c->pk, f->value);
        if (rc == 0)
            rc = msgpack_pack_uint64(&c->pk, f->count);
    }
    return rc;
}

/* The cache key of a search: every argument that shapes its answer, as
 * one msgpack array (so no two requests can run together).  Appended to
 * KEY; nonzero when out of memory. */
static int search_key(const aws_request_t *req, msgpack_sbuffer *key)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, key, msgpack_sbuffer_write);
    int rc = msgpack_pack_array(&pk, 7);
    rc |= aws_rpc_pack_str(&pk, req->q != NULL ? req->q : "");
    rc |= aws_rpc_pack_str(&pk, req->section);
    rc |= msgpack_pack_unsigned_int(&pk, req->offset);
    rc |= msgpack_pack_unsigned_int(&pk, req->limit);
    rc |= msgpack_pack_int(&pk, (int)req->sort);
    rc |= req->snippets ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    rc |= req->facets ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk);
    return rc;
}

/* The head of a search result up to and including `took_us`.  What follows
 * (corrected, hits, facets) is what the cache keeps, after TOTAL. */
static int pack_search_head(call_t *c, uint64_t total, uint64_t took_us)
{
    int rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = msgpack_pack_map(&c->pk, c->req->facets ? 5 : 4);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "total");
    if (rc == 0)
        rc = msgpack_pack_uint64(&c->pk, total);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "took_us");
    if (rc == 0)
        rc = msgpack_pack_uint64(&c->pk, took_us);
    return rc;
}

/* Answers the search from the cache when it holds it for the database as
 * this handle sees it: the stored total and rest of the result, with this
 * lookup's own took_us.  GEN receives the generation either way. */
static bool search_cached(call_t *c, const msgpack_sbuffer *key, uint64_t t0,
                          char gen[AWX_GENERATION_MAX])
{
    if (c->cache == NULL || awx_db_generation(c->db, gen) != AWX_OK)
        return false;
    msgpack_sbuffer val;
    msgpack_sbuffer_init(&val);
    bool hit = aws_cache_get(c->cache, gen, key->data, key->size, &val) &&
               val.size >= sizeof(uint64_t);
    if (hit) {
        uint64_t total;
        memcpy(&total, val.data, sizeof total);
        uint64_t took_us = (uv_hrtime() - t0) / 1000;
        hit = pack_search_head(c, total, took_us) == 0 &&
              msgpack_sbuffer_write(c->out, val.data + sizeof total,
                                    val.size - sizeof total) == 0;
        if (!hit)
            c->out->size = c->start;
    }
    msgpack_sbuffer_destroy(&val);
    return hit;
}

/* Keeps the answer just packed into C's output from TAIL on, with TOTAL. */
static void search_keep(call_t *c, const msgpack_sbuffer *key, const char *gen,
                        uint64_t total, size_t tail)
{
    size_t len = sizeof total + (c->out->size - tail);
    char *val = malloc(len);
    if (val == NULL)
        return; /* only a lost chance to answer faster */
    memcpy(val, &total, sizeof total);
    memcpy(val + sizeof total, c->out->data + tail, c->out->size - tail);
    aws_cache_put(c->cache, gen, key->data, key->size, val, len);
    free(val);
}

static awx_status_t search_run(call_t *c, uint64_t t0, const msgpack_sbuffer *key,
                               const char *gen);

static awx_status_t run_search(call_t *c)
{
    const aws_request_t *req = c->req;
    uint64_t t0 = uv_hrtime();
    char gen[AWX_GENERATION_MAX] = "";
    msgpack_sbuffer key;
    msgpack_sbuffer_init(&key);
    bool keyed = c->cache != NULL && search_key(req, &key) == 0;
    if (keyed && search_cached(c, &key, t0, gen)) {
        msgpack_sbuffer_destroy(&key);
        return AWX_OK;
    }
    awx_status_t st = search_run(c, t0, keyed && gen[0] != '\0' ? &key : NULL, gen);
    msgpack_sbuffer_destroy(&key);
    return st;
}

/* Runs the search itself; with KEY, keeps a successful answer under it. */
static awx_status_t search_run(call_t *c, uint64_t t0, const msgpack_sbuffer *key,
                               const char *gen)
{
    const aws_request_t *req = c->req;
    awx_query_t q = {
        .q = req->q != NULL ? req->q : "",
        .section = req->section,
        .offset = req->offset,
        .limit = req->limit,
        .sort = req->sort == AWS_SORT_YEAR        ? AWX_SORT_YEAR
                : req->sort == AWS_SORT_CITATIONS ? AWX_SORT_CITATIONS
                                                  : AWX_SORT_RELEVANCE,
        .snippets = req->snippets,
        .facets = req->facets,
        .snippet_chars = 0,
    };
    awx_results_t *res = NULL;
    awx_status_t st = awx_db_search(c->db, &q, &res);
    if (st != AWX_OK)
        return shim_failed(c, st, "search");
    uint64_t took_us = (uv_hrtime() - t0) / 1000;

    uint64_t total = awx_results_total(res);
    int rc = pack_search_head(c, total, took_us);
    size_t tail = c->out->size;
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "corrected");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, awx_results_corrected(res));
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "hits");
    if (rc == 0)
        rc = pack_hits(c, res);
    if (rc == -1) {
        awx_results_free(res);
        return AWX_OK; /* the internal error is already the reply */
    }
    if (rc == 0 && req->facets) {
        rc = aws_rpc_pack_key(&c->pk, "facets");
        if (rc == 0)
            rc = msgpack_pack_map(&c->pk, 2);
        if (rc == 0)
            rc = aws_rpc_pack_key(&c->pk, "section");
        if (rc == 0)
            rc = pack_facet(c, res, AWX_FACET_SECTION);
        if (rc == 0)
            rc = aws_rpc_pack_key(&c->pk, "year");
        if (rc == 0)
            rc = pack_facet(c, res, AWX_FACET_YEAR);
    }
    awx_results_free(res);
    if (rc == 0 && key != NULL)
        search_keep(c, key, gen, total, tail);
    return packed(c, rc);
}

static awx_status_t run_related(call_t *c)
{
    const aws_request_t *req = c->req;
    char id[AWS_ID_MAX] = ""; /* stays empty for a related-by-text request */
    awx_status_t st;
    if (req->id == NULL && req->text == NULL)
        return reply_error(c, AWS_RPC_BAD_REQUEST,
                           "related: give `id` or `text`");
    if (req->id != NULL && req->text != NULL)
        return reply_error(c, AWS_RPC_BAD_REQUEST,
                           "related: give `id` or `text`, not both");
    if (req->id != NULL && !normalise_id(c, id, &st))
        return st;

    awx_query_t opts = {.limit = req->limit, .snippets = true};
    uint64_t t0 = uv_hrtime();
    awx_results_t *res = NULL;
    st = awx_db_related(c->db, req->id != NULL ? id : NULL,
                        req->id != NULL ? NULL : req->text, &opts, &res);
    if (st == AWX_ERR_NOT_FOUND)
        return reply_error(c, AWS_RPC_NOT_FOUND, "related: no entry with id \"%s\"",
                           id);
    if (st != AWX_OK)
        return shim_failed(c, st, "related");
    uint64_t took_us = (uv_hrtime() - t0) / 1000;

    int rc = aws_rpc_pack_result_head(&c->pk, req->msgid);
    if (rc == 0)
        rc = msgpack_pack_map(&c->pk, 2);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "took_us");
    if (rc == 0)
        rc = msgpack_pack_uint64(&c->pk, took_us);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "hits");
    if (rc == 0)
        rc = pack_hits(c, res);
    awx_results_free(res);
    if (rc == -1)
        return AWX_OK;
    return packed(c, rc);
}

/* Fetches and unpacks the stored entry of the request's id.  Returns true
 * with ENTRY filled and *DATA holding the bytes its strings point into (the
 * caller destroys ENTRY, then frees *DATA), or false with the reply or the
 * database failure in *ST. */
static bool fetch_entry(call_t *c, msgpack_unpacked *entry, void **datap,
                        awx_status_t *st)
{
    char id[AWS_ID_MAX];
    if (!normalise_id(c, id, st))
        return false;
    void *data = NULL;
    size_t len = 0;
    awx_status_t s = awx_db_get(c->db, id, &data, &len);
    if (s == AWX_ERR_NOT_FOUND) {
        *st = reply_error(c, AWS_RPC_NOT_FOUND, "%s: no entry with id \"%s\"",
                          aws_method_name(c->req->method), id);
        return false;
    }
    if (s != AWX_OK) {
        *st = shim_failed(c, s, aws_method_name(c->req->method));
        return false;
    }
    /* msgpack_unpack_next does not copy strings: they point into DATA,
     * which must outlive ENTRY. */
    if (aws_stored_unpack(data, len, entry) != 0) {
        msgpack_unpacked_destroy(entry);
        free(data);
        *st = reply_error(c, AWS_RPC_INTERNAL,
                          "%s: the stored form of \"%s\" is damaged",
                          aws_method_name(c->req->method), id);
        return false;
    }
    *datap = data;
    return true;
}

static awx_status_t run_get(call_t *c)
{
    msgpack_unpacked entry;
    void *data;
    awx_status_t st;
    if (!fetch_entry(c, &entry, &data, &st))
        return st;
    int rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = msgpack_pack_object(&c->pk, entry.data);
    msgpack_unpacked_destroy(&entry);
    free(data);
    return packed(c, rc);
}

static awx_status_t run_cite(call_t *c)
{
    if (c->req->style != NULL && strcmp(c->req->style, "bibtex") != 0)
        return reply_error(c, AWS_RPC_BAD_REQUEST,
                           "cite: unknown style \"%s\" (known: bibtex)",
                           c->req->style);
    msgpack_unpacked entry;
    void *data;
    awx_status_t st;
    if (!fetch_entry(c, &entry, &data, &st))
        return st;
    char *key = NULL, *text = NULL;
    int rc = aws_bibtex_format(&entry.data, &key, &text);
    msgpack_unpacked_destroy(&entry);
    free(data);
    if (rc != 0)
        return reply_error(c, AWS_RPC_INTERNAL, "cite: out of memory");
    rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = msgpack_pack_map(&c->pk, 2);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "key");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, key);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "text");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, text);
    free(key);
    free(text);
    return packed(c, rc);
}

/* Whether S extends PREFIX, ignoring ASCII case. */
static bool extends(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

static awx_status_t run_suggest(call_t *c)
{
    /* A completion replaces what the user typed, so it must start with
     * the prefix; the shim also offers titles that merely contain a word
     * starting with it.  Asking for more than the limit leaves enough
     * after those are dropped. */
    const char *prefix = c->req->prefix != NULL ? c->req->prefix : "";
    unsigned limit = c->req->limit;
    unsigned ask = limit > AWS_RPC_MAX_LIMIT / 4 ? AWS_RPC_MAX_LIMIT : limit * 4;
    char **words = NULL;
    size_t n = 0;
    awx_status_t st = awx_db_suggest(c->db, prefix, ask, &words, &n);
    if (st != AWX_OK)
        return shim_failed(c, st, "suggest");
    size_t keep = 0;
    for (size_t i = 0; i < n && keep < limit; i++)
        keep += extends(words[i], prefix);

    int rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = msgpack_pack_map(&c->pk, 1);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "completions");
    if (rc == 0)
        rc = msgpack_pack_array(&c->pk, keep);
    for (size_t i = 0, packed_n = 0; rc == 0 && i < n && packed_n < keep; i++) {
        if (!extends(words[i], prefix))
            continue;
        rc = aws_rpc_pack_str(&c->pk, words[i]);
        packed_n++;
    }
    awx_strings_free(words, n);
    return packed(c, rc);
}

static awx_status_t run_stats(call_t *c)
{
    awx_counts_t counts;
    awx_status_t st = awx_db_counts(c->db, &counts);
    if (st != AWX_OK)
        return shim_failed(c, st, "stats");
    char *indexed_at = NULL;
    st = awx_db_get_metadata(c->db, "indexed_at", &indexed_at);
    if (st != AWX_OK && st != AWX_ERR_NOT_FOUND)
        return shim_failed(c, st, "stats");

    static const char *const keys[] = {"documents", "papers", "repos", "links",
                                       "abstracts"};
    const uint64_t values[] = {counts.documents, counts.papers, counts.repos,
                               counts.links, counts.abstracts};
    int rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = msgpack_pack_map(&c->pk, 8);
    for (size_t i = 0; rc == 0 && i < 5; i++) {
        rc = aws_rpc_pack_key(&c->pk, keys[i]);
        if (rc == 0)
            rc = msgpack_pack_uint64(&c->pk, values[i]);
    }
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "db_path");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, c->db_path);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "indexed_at");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, indexed_at);
    if (rc == 0)
        rc = aws_rpc_pack_key(&c->pk, "version");
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, AWS_VERSION);
    free(indexed_at);
    return packed(c, rc);
}

static awx_status_t run_ping(call_t *c)
{
    int rc = aws_rpc_pack_result_head(&c->pk, c->req->msgid);
    if (rc == 0)
        rc = aws_rpc_pack_str(&c->pk, "pong");
    return packed(c, rc);
}

awx_status_t aws_method_run(awx_db_t *db, const char *db_path, aws_cache_t *cache,
                            const aws_request_t *req, msgpack_sbuffer *out,
                            char *msg, size_t msglen)
{
    call_t c = {
        .db = db,
        .db_path = db_path,
        .cache = cache,
        .req = req,
        .out = out,
        .start = out->size,
        .msg = msg,
        .msglen = msglen,
    };
    msgpack_packer_init(&c.pk, out, msgpack_sbuffer_write);
    msg[0] = '\0';

    switch (req->method) {
    case AWS_METHOD_SEARCH:
        return run_search(&c);
    case AWS_METHOD_RELATED:
        return run_related(&c);
    case AWS_METHOD_GET:
        return run_get(&c);
    case AWS_METHOD_CITE:
        return run_cite(&c);
    case AWS_METHOD_SUGGEST:
        return run_suggest(&c);
    case AWS_METHOD_STATS:
        return run_stats(&c);
    case AWS_METHOD_PING:
        return run_ping(&c);
    default:
        return reply_error(&c, AWS_RPC_UNKNOWN_METHOD, "unknown method");
    }
}
