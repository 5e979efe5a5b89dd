/* test_daemon_worker.c - the daemon's request answering over a real database.
 *
 * aws_workers_answer is what a pool thread runs for every request: find the
 * thread's handle, bring it up to date, run the method, encode the reply.
 * These cases call it on the test's own thread (no sockets, no loop) over a
 * small Xapian database written through the shim, and check the encoded
 * responses: `unavailable` before the database exists, results once it
 * does, a commit and a rebuild picked up without any signal, and the
 * request errors (query_syntax, not_found) as SPEC.md names them.
 */
/* nftw is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <msgpack.h>

#include "awx.h"
#include "log.h"
#include "proto.h"
#include "worker.h"

typedef struct fixture {
    char dir[64];
    char db[96];
    aws_log_t log;
    aws_workers_t *w;
    msgpack_sbuffer out;
    msgpack_unpacked reply;
} fixture_t;

/* One test document: its stored form is packed as the indexer packs it. */
typedef struct doc_spec {
    const char *id;
    awx_kind_t kind;
    const char *title;
    const char *author;
    const char *abstract;
    const char *section;
    int year;
} doc_spec_t;

static const doc_spec_t docs[] = {
    {"2401.04088", AWX_KIND_PAPER, "Mixtral of Experts", "Albert Q. Jiang",
     "A sparse mixture of experts language model.", "MoE", 2024},
    {"2001.08361", AWX_KIND_PAPER, "Scaling Laws for Neural Language Models",
     "Jared Kaplan", "Empirical scaling laws for language models.", "Scaling",
     2020},
    {"huggingface/trl", AWX_KIND_REPO, "huggingface/trl", NULL,
     "Train transformer language models with reinforcement learning.",
     "Alignment", 0},
};
static const doc_spec_t late_doc = {
    "2305.18290", AWX_KIND_PAPER, "Direct Preference Optimization",
    "Rafael Rafailov", "Preference optimization without a reward model.",
    "Alignment", 2023};

static void pack_str(msgpack_packer *pk, const char *s)
{
    if (s == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

static void pack_strs(msgpack_packer *pk, const char *s)
{
    msgpack_pack_array(pk, s != NULL);
    if (s != NULL)
        pack_str(pk, s);
}

static void put_doc(awx_db_t *db, const doc_spec_t *d)
{
    char url[128];
    if (d->kind == AWX_KIND_PAPER)
        snprintf(url, sizeof url, "https://arxiv.org/abs/%s", d->id);
    else
        snprintf(url, sizeof url, "https://github.com/%s", d->id);
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 12);
    pack_str(&pk, "id");
    pack_str(&pk, d->id);
    pack_str(&pk, "kind");
    pack_str(&pk, awx_kind_name(d->kind));
    pack_str(&pk, "title");
    pack_str(&pk, d->title);
    pack_str(&pk, "authors");
    pack_strs(&pk, d->author);
    pack_str(&pk, "abstract");
    pack_str(&pk, d->abstract);
    pack_str(&pk, "section");
    pack_str(&pk, d->section);
    pack_str(&pk, "sections");
    pack_strs(&pk, d->section);
    pack_str(&pk, "year");
    if (d->year != 0)
        msgpack_pack_int(&pk, d->year);
    else
        msgpack_pack_nil(&pk);
    pack_str(&pk, "citations");
    msgpack_pack_nil(&pk);
    pack_str(&pk, "url");
    pack_str(&pk, url);
    pack_str(&pk, "links");
    msgpack_pack_array(&pk, 0);
    pack_str(&pk, "categories");
    pack_strs(&pk, d->kind == AWX_KIND_PAPER ? "cs.CL" : NULL);

    const char *authors[1] = {d->author};
    const char *sections[1] = {d->section};
    awx_doc_t doc = {
        .id = d->id, .kind = d->kind, .title = d->title,
        .authors = authors, .n_authors = d->author != NULL,
        .abstract = d->abstract, .sections = sections, .n_sections = 1,
        .year = d->year, .citations = -1,
        .data = sb.data, .data_len = sb.size,
    };
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    msgpack_sbuffer_destroy(&sb);
}

/* Writes DOCS (and LATE when asked) into a database at PATH. */
static void build(const char *path, bool with_late)
{
    awx_db_t *db = NULL;
    assert_int_equal(awx_db_open(path, AWX_OPEN_WRITE, 1000, &db, NULL), AWX_OK);
    for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
        put_doc(db, &docs[i]);
    if (with_late)
        put_doc(db, &late_doc);
    assert_int_equal(awx_db_set_metadata(db, "indexed_at", "2026-01-02T03:04:05Z"),
                     AWX_OK);
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/awdw-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/db", f->dir);
    /* Errors only: the retry path logs on purpose. */
    f->log.level = AWS_LOG_ERROR;
    f->log.fd = 2;
    f->w = aws_workers_new(f->db, 64, &f->log);
    msgpack_sbuffer_init(&f->out);
    msgpack_unpacked_init(&f->reply);
    *state = f;
    return f->w != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    aws_workers_free(f->w);
    msgpack_unpacked_destroy(&f->reply);
    msgpack_sbuffer_destroy(&f->out);
    nftw(f->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(f);
    return 0;
}

/* Answers REQ and checks the reply's envelope; returns the error map (NULL
 * on success) and sets *RESULT. */
static const msgpack_object *answer(fixture_t *f, aws_request_t *req,
                                    const msgpack_object **result)
{
    static uint32_t next_msgid = 100;
    uint32_t msgid = next_msgid++;
    req->msgid = msgid;
    msgpack_sbuffer_clear(&f->out);
    aws_workers_answer(f->w, req, &f->out);
    aws_request_free(req);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&f->reply, f->out.data, f->out.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, f->out.size);
    const msgpack_object *o = &f->reply.data;
    assert_int_equal(o->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(o->via.array.size, 4);
    assert_int_equal(o->via.array.ptr[0].via.u64, 1);
    assert_int_equal(o->via.array.ptr[1].via.u64, msgid);
    const msgpack_object *err = &o->via.array.ptr[2];
    *result = &o->via.array.ptr[3];
    if (err->type == MSGPACK_OBJECT_NIL)
        return NULL;
    assert_int_equal((*result)->type, MSGPACK_OBJECT_NIL);
    return err;
}

static aws_request_t search(const char *q)
{
    aws_request_t req;
    aws_request_init(&req, AWS_METHOD_SEARCH);
    req.q = strdup(q);
    return req;
}

static aws_request_t by_id(aws_method_t m, const char *id)
{
    aws_request_t req;
    aws_request_init(&req, m);
    req.id = strdup(id);
    return req;
}

static uint64_t error_code(const msgpack_object *err)
{
    assert_non_null(err);
    const msgpack_object *code = aws_obj_get(err, "code");
    assert_non_null(code);
    return code->via.u64;
}

static bool str_is(const msgpack_object *o, const char *s)
{
    return o != NULL && o->type == MSGPACK_OBJECT_STR &&
           o->via.str.size == strlen(s) && memcmp(o->via.str.ptr, s, strlen(s)) == 0;
}

/* Whether the search result RES has a hit with id ID. */
static bool has_hit(const msgpack_object *res, const char *id)
{
    const msgpack_object *hits = aws_obj_get(res, "hits");
    assert_non_null(hits);
    for (uint32_t i = 0; i < hits->via.array.size; i++)
        if (str_is(aws_obj_get(&hits->via.array.ptr[i], "id"), id))
            return true;
    return false;
}

static void test_unavailable_then_built(void **state)
{
    fixture_t *f = *state;
    const msgpack_object *res;
    aws_request_t req = search("mixture");
    const msgpack_object *err = answer(f, &req, &res);
    assert_int_equal(error_code(err), AWS_RPC_UNAVAILABLE);
    const msgpack_object *msg = aws_obj_get(err, "message");
    assert_non_null(msg);
    assert_int_equal(msg->type, MSGPACK_OBJECT_STR);
    char text[512];
    snprintf(text, sizeof text, "%.*s", (int)msg->via.str.size, msg->via.str.ptr);
    assert_non_null(strstr(text, "awindex"));

    /* ping needs no database. */
    aws_request_init(&req, AWS_METHOD_PING);
    assert_null(answer(f, &req, &res));
    assert_true(str_is(res, "pong"));

    /* The database appears: the next request finds it, no signal needed. */
    build(f->db, false);
    req = search("mixture");
    assert_null(answer(f, &req, &res));
    assert_true(has_hit(res, "2401.04088"));
    assert_false(has_hit(res, "2001.08361"));
}

static void test_commit_picked_up(void **state)
{
    fixture_t *f = *state;
    const msgpack_object *res;
    aws_request_t req = search("preference");
    assert_null(answer(f, &req, &res));
    assert_false(has_hit(res, "2305.18290"));

    /* A writer commits while this thread's handle is open. */
    awx_db_t *db = NULL;
    assert_int_equal(awx_db_open(f->db, AWX_OPEN_WRITE, 1000, &db, NULL), AWX_OK);
    put_doc(db, &late_doc);
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);

    req = search("preference");
    assert_null(answer(f, &req, &res));
    assert_true(has_hit(res, "2305.18290"));
}

static void test_rebuild_picked_up(void **state)
{
    fixture_t *f = *state;
    const msgpack_object *res;
    aws_request_t req = search("preference");
    assert_null(answer(f, &req, &res));
    assert_true(has_hit(res, "2305.18290"));

    /* A rebuild without the late document is swapped in atomically. */
    char *new_dir = NULL;
    assert_int_equal(awx_rebuild_begin(f->db, &new_dir, NULL), AWX_OK);
    build(new_dir, false);
    assert_int_equal(awx_rebuild_finish(f->db, new_dir, NULL), AWX_OK);
    free(new_dir);

    req = search("preference");
    assert_null(answer(f, &req, &res));
    assert_false(has_hit(res, "2305.18290"));
    req = search("mixture");
    assert_null(answer(f, &req, &res));
    assert_true(has_hit(res, "2401.04088"));

    /* SIGHUP's path: every handle reopened from scratch. */
    aws_workers_invalidate(f->w);
    req = search("scaling");
    assert_null(answer(f, &req, &res));
    assert_true(has_hit(res, "2001.08361"));
}

static void test_get_cite_stats(void **state)
{
    fixture_t *f = *state;
    const msgpack_object *res;

    /* Ids are normalised: a versioned arXiv URL finds the paper. */
    aws_request_t req = by_id(AWS_METHOD_GET, "https://arxiv.org/abs/2401.04088v2");
    assert_null(answer(f, &req, &res));
    assert_true(str_is(aws_obj_get(res, "id"), "2401.04088"));
    assert_true(str_is(aws_obj_get(res, "abstract"),
                       "A sparse mixture of experts language model."));

    req = by_id(AWS_METHOD_GET, "HuggingFace/TRL");
    assert_null(answer(f, &req, &res));
    assert_true(str_is(aws_obj_get(res, "kind"), "repo"));

    req = by_id(AWS_METHOD_CITE, "2401.04088");
    assert_null(answer(f, &req, &res));
    assert_true(str_is(aws_obj_get(res, "key"), "jiang2024mixtral"));

    aws_request_init(&req, AWS_METHOD_STATS);
    assert_null(answer(f, &req, &res));
    const msgpack_object *n = aws_obj_get(res, "documents");
    assert_non_null(n);
    assert_int_equal(n->via.u64, 3);
    assert_true(str_is(aws_obj_get(res, "db_path"), f->db));
    assert_true(str_is(aws_obj_get(res, "indexed_at"), "2026-01-02T03:04:05Z"));
}

static void test_request_errors(void **state)
{
    fixture_t *f = *state;
    const msgpack_object *res;
    aws_request_t req = search("mixture AND");
    assert_int_equal(error_code(answer(f, &req, &res)), AWS_RPC_QUERY_SYNTAX);

    static const aws_method_t by_id_methods[] = {AWS_METHOD_GET, AWS_METHOD_CITE,
                                                 AWS_METHOD_RELATED};
    for (size_t i = 0; i < 3; i++) {
        req = by_id(by_id_methods[i], "0000.00000");
        assert_int_equal(error_code(answer(f, &req, &res)), AWS_RPC_NOT_FOUND);
    }

    /* Completions must extend the prefix. */
    aws_request_init(&req, AWS_METHOD_SUGGEST);
    req.prefix = strdup("mix");
    assert_null(answer(f, &req, &res));
    const msgpack_object *c = aws_obj_get(res, "completions");
    assert_non_null(c);
    assert_true(c->via.array.size > 0);
    for (uint32_t i = 0; i < c->via.array.size; i++)
        assert_true(strncasecmp(c->via.array.ptr[i].via.str.ptr, "mix", 3) == 0);
}

int main(void)
{
    /* The cases share one database and run in order: it is built by the
     * first, changed by the next two. */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unavailable_then_built),
        cmocka_unit_test(test_commit_picked_up),
        cmocka_unit_test(test_rebuild_picked_up),
        cmocka_unit_test(test_get_cite_stats),
        cmocka_unit_test(test_request_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
