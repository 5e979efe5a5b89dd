/* test_sync.c - unit tests of writing parsed lists into a real database.
 *
 * Every test works on a real Xapian database in a fresh mkdtemp folder
 * (the group fixture); nothing is mocked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <msgpack.h>

#include "awx.h"
#include "entry.h"
#include "listparse.h"
#include "report.h"
#include "sync.h"
#include "dbdir.h"

static const char list_v1[] =
    "# T\n"
    "\n"
    "## Section A\n"
    "- [Link one](https://example.org/1)\n"
    "- [**repo**](https://github.com/Owner/Repo) - Owner\n"
    "\n"
    "\t *A description.*\n"
    "- **A paper about things**, `arXiv, 2401.00001`, [arxiv](http://arxiv.org/abs/2401.00001v1),"
    " [pdf](http://arxiv.org/pdf/2401.00001v1.pdf), cication: [**3**](None)\n"
    "\n"
    "\t *Ann Lee, Bo Ma*\n";

/* v1 with the paper's title changed and the link removed. */
static const char list_v2[] =
    "# T\n"
    "\n"
    "## Section A\n"
    "- [**repo**](https://github.com/Owner/Repo) - Owner\n"
    "\n"
    "\t *A description.*\n"
    "- **A paper about other things**, `arXiv, 2401.00001`, [arxiv](http://arxiv.org/abs/2401.00001v1),"
    " [pdf](http://arxiv.org/pdf/2401.00001v1.pdf), cication: [**3**](None)\n"
    "\n"
    "\t *Ann Lee, Bo Ma*\n";

static int setup(void **state)
{
    return aws_dbdir_setup(state, "test_sync");
}

/* Parses TEXT and syncs it into DB; returns the status, REPORT filled. */
static aws_sync_status_t sync_text(const char *db, const char *text, bool rebuild,
                                   volatile sig_atomic_t *stop, aws_report_t *report,
                                   char **errmsg)
{
    aws_list_t list;
    aws_sync_opts_t opts = {
        .db_path = db, .rebuild = rebuild, .lists_metadata = "/x/t.md", .stop = stop,
    };

    aws_list_init(&list);
    assert_int_equal(aws_list_parse(&list, "t.md", text, strlen(text)), 0);
    aws_report_init(report);
    aws_sync_status_t st = aws_sync_run(&list, &opts, report, errmsg);
    aws_list_free(&list);
    return st;
}

static uint64_t doc_count(const char *db)
{
    awx_db_t *h = NULL;
    awx_counts_t c;

    assert_int_equal(awx_db_open(db, AWX_OPEN_READ, 0, &h, NULL), AWX_OK);
    assert_int_equal(awx_db_counts(h, &c), AWX_OK);
    awx_db_close(h);
    return c.documents;
}

static void expect_counts(const aws_report_t *r, size_t added, size_t updated,
                          size_t deleted, size_t unchanged, size_t documents)
{
    if (r->added != added || r->updated != updated || r->deleted != deleted ||
        r->unchanged != unchanged || r->documents != documents)
        fail_msg("got added %zu updated %zu deleted %zu unchanged %zu documents %zu",
                 r->added, r->updated, r->deleted, r->unchanged, r->documents);
}

static void test_incremental(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char *err = NULL;

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 3, 0, 0, 0, 3);
    aws_report_free(&r);

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 0, 0, 3, 3);
    aws_report_free(&r);

    /* Moving every item down two lines changes only "source", which the
     * digest leaves out. */
    char moved[sizeof list_v1 + 2];
    snprintf(moved, sizeof moved, "\n\n%s", list_v1);
    assert_int_equal(sync_text(f->db, moved, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 0, 0, 3, 3);
    aws_report_free(&r);

    assert_int_equal(sync_text(f->db, list_v2, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 1, 1, 1, 2);
    aws_report_free(&r);
    assert_int_equal(doc_count(f->db), 2);

    awx_db_t *h = NULL;
    char *value = NULL;
    assert_int_equal(awx_db_open(f->db, AWX_OPEN_READ, 0, &h, NULL), AWX_OK);
    assert_int_equal(awx_db_get_metadata(h, "lists", &value), AWX_OK);
    assert_string_equal(value, "/x/t.md");
    free(value);
    assert_int_equal(awx_db_get_metadata(h, "indexed_at", &value), AWX_OK);
    assert_int_equal(strlen(value), 20);
    assert_int_equal(value[10], 'T');
    assert_int_equal(value[19], 'Z');
    free(value);
    assert_int_equal(awx_db_get(h, "https://example.org/1", (void **)&value, &(size_t){0}),
                     AWX_ERR_NOT_FOUND);
    awx_db_close(h);
    assert_null(err);
}

/* A stop request (what SIGINT sets) leaves the database as it was. */
static void test_stop(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char *err = NULL;
    volatile sig_atomic_t stop = 2;

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    aws_report_free(&r);
    assert_int_equal(sync_text(f->db, list_v2, false, &stop, &r, &err), AWS_SYNC_STOPPED);
    aws_report_free(&r);
    assert_int_equal(doc_count(f->db), 3);
    assert_int_equal(sync_text(f->db, list_v2, true, &stop, &r, &err), AWS_SYNC_STOPPED);
    aws_report_free(&r);
    assert_int_equal(doc_count(f->db), 3);
    free(err);
}

static void test_rebuild(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char *err = NULL;
    struct stat st;

    /* A rebuild where there was nothing creates the database. */
    char fresh[160];
    snprintf(fresh, sizeof fresh, "%s/new/sub/db", f->dir);
    assert_int_equal(sync_text(fresh, list_v1, true, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 3, 0, 0, 0, 3);
    aws_report_free(&r);

    /* Against an old database it counts what changed, rewriting all. */
    assert_int_equal(sync_text(fresh, list_v2, true, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 1, 1, 1, 2);
    aws_report_free(&r);
    assert_int_equal(doc_count(fresh), 2);
    assert_int_equal(stat(fresh, &st), 0);

    assert_int_equal(sync_text(fresh, list_v2, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 0, 0, 2, 2);
    aws_report_free(&r);
    assert_null(err);
}

static void test_not_a_database(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char folder[160], file[200];
    struct stat before, after;

    snprintf(folder, sizeof folder, "%s/notes", f->dir);
    snprintf(file, sizeof file, "%s/diary.txt", folder);
    assert_int_equal(mkdir(folder, 0755), 0);
    FILE *fp = fopen(file, "w");
    assert_non_null(fp);
    fputs("dear diary\n", fp);
    fclose(fp);
    assert_int_equal(stat(file, &before), 0);

    for (int rebuild = 0; rebuild < 2; rebuild++) {
        char *err = NULL;
        assert_int_equal(sync_text(folder, list_v1, rebuild, NULL, &r, &err),
                         AWS_SYNC_DB_ERROR);
        assert_non_null(err);
        if (strstr(err, folder) == NULL)
            fail_msg("the message does not name the folder: %s", err);
        free(err);
        aws_report_free(&r);
    }
    assert_int_equal(stat(file, &after), 0);
    assert_int_equal(before.st_size, after.st_size);
    assert_int_equal(before.st_mtime, after.st_mtime);
}

/* The value of KEY in the msgpack map M, failing the test when absent. */
static const msgpack_object *map_get(const msgpack_object *m, const char *key)
{
    assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
        const msgpack_object *k = &m->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == strlen(key) &&
            memcmp(k->via.str.ptr, key, k->via.str.size) == 0)
            return &m->via.map.ptr[i].val;
    }
    fail_msg("key %s missing", key);
    return NULL;
}

static void assert_mp_str(const msgpack_object *o, const char *want)
{
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    if (o->via.str.size != strlen(want) || memcmp(o->via.str.ptr, want, o->via.str.size) != 0)
        fail_msg("got \"%.*s\", want \"%s\"", (int)o->via.str.size, o->via.str.ptr, want);
}

/* Runs Q on the database at PATH and unpacks its only hit's data into U;
 * returns the number of keys of that map.  U points into *COPY (a copy of
 * the data), which the caller frees after destroying U. */
static uint32_t hit_map(const char *path, const char *q, msgpack_unpacked *u, char **copy)
{
    awx_db_t *h = NULL;
    awx_results_t *r = NULL;
    awx_query_t query = {.q = q, .limit = 10, .snippets = true};
    assert_int_equal(awx_db_open(path, AWX_OPEN_READ, 0, &h, NULL), AWX_OK);
    assert_int_equal(awx_db_search(h, &query, &r), AWX_OK);
    if (awx_results_count(r) != 1)
        fail_msg("query %s: %zu hits", q, awx_results_count(r));
    const awx_hit_t *hit = awx_results_hit(r, 0);
    size_t off = 0;
    *copy = malloc(hit->data_len);
    assert_non_null(*copy);
    memcpy(*copy, hit->data, hit->data_len);
    msgpack_unpacked_init(u);
    assert_int_equal(msgpack_unpack_next(u, *copy, hit->data_len, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, hit->data_len);
    awx_results_free(r);
    awx_db_close(h);
    assert_int_equal(u->data.type, MSGPACK_OBJECT_MAP);
    return u->data.via.map.size;
}

typedef struct digests {
    char ids[8][128];
    char digests[8][17];
    size_t n;
} digests_t;

static int collect_digest(const char *id, const char *digest, void *ctx)
{
    digests_t *d = ctx;
    assert_true(d->n < 8);
    assert_non_null(digest);
    snprintf(d->ids[d->n], sizeof d->ids[0], "%s", id);
    snprintf(d->digests[d->n], sizeof d->digests[0], "%s", digest);
    d->n++;
    return 0;
}

static void read_digests(const char *path, digests_t *d)
{
    awx_db_t *h = NULL;
    memset(d, 0, sizeof *d);
    assert_int_equal(awx_db_open(path, AWX_OPEN_READ, 0, &h, NULL), AWX_OK);
    assert_int_equal(awx_db_foreach_id(h, collect_digest, d), AWX_OK);
    awx_db_close(h);
}

/* A search hit carries the hit record (8 keys), a get the whole stored
 * form, and syncing the same list again leaves every digest as it was. */
static void test_hit_record(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char *err = NULL;

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    aws_report_free(&r);

    msgpack_unpacked u;
    char *copy;
    assert_int_equal(hit_map(f->db, "things", &u, &copy), 8);
    const msgpack_object *m = &u.data;
    assert_mp_str(map_get(m, "id"), "2401.00001");
    assert_mp_str(map_get(m, "kind"), "paper");
    assert_mp_str(map_get(m, "title"), "A paper about things");
    const msgpack_object *authors = map_get(m, "authors");
    assert_int_equal(authors->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(authors->via.array.size, 2);
    assert_mp_str(&authors->via.array.ptr[0], "Ann Lee");
    assert_mp_str(&authors->via.array.ptr[1], "Bo Ma");
    assert_int_equal(map_get(m, "year")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(map_get(m, "year")->via.u64, 2024);
    assert_mp_str(map_get(m, "section"), "Section A");
    assert_mp_str(map_get(m, "url"), "https://arxiv.org/abs/2401.00001");
    assert_int_equal(map_get(m, "citations")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(map_get(m, "citations")->via.u64, 3);
    msgpack_unpacked_destroy(&u);
    free(copy);

    assert_int_equal(hit_map(f->db, "kind:repo", &u, &copy), 8);
    assert_mp_str(map_get(&u.data, "kind"), "repo");
    assert_int_equal(map_get(&u.data, "year")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(map_get(&u.data, "citations")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    free(copy);

    /* get still returns the whole stored form. */
    awx_db_t *h = NULL;
    void *data = NULL;
    size_t len = 0, off = 0;
    assert_int_equal(awx_db_open(f->db, AWX_OPEN_READ, 0, &h, NULL), AWX_OK);
    assert_int_equal(awx_db_get(h, "2401.00001", &data, &len), AWX_OK);
    awx_db_close(h);
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, data, len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(u.data.via.map.size, 17);
    map_get(&u.data, "abstract");
    msgpack_unpacked_destroy(&u);
    free(data);

    digests_t before, after;
    read_digests(f->db, &before);
    assert_int_equal(before.n, 3);
    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 0, 0, 3, 3);
    aws_report_free(&r);
    read_digests(f->db, &after);
    assert_memory_equal(&before, &after, sizeof before);
    assert_null(err);
}

/* A database written before the hit record existed: documents without
 * one, under a digest of the stored form alone.  The next incremental run
 * sees every digest differ and rewrites them all with their hit records. */
static void test_old_database_rewritten(void **state)
{
    fixture_t *f = *state;
    aws_report_t r;
    char *err = NULL;
    aws_list_t list;

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    aws_report_free(&r);
    digests_t now;
    read_digests(f->db, &now);
    assert_int_equal(now.n, 3);

    aws_list_init(&list);
    assert_int_equal(aws_list_parse(&list, "t.md", list_v1, strlen(list_v1)), 0);
    awx_db_t *h = NULL;
    assert_int_equal(awx_db_open(f->db, AWX_OPEN_WRITE, 0, &h, NULL), AWX_OK);
    for (size_t i = 0; i < now.n; i++) {
        aws_entry_t *e = aws_list_find(&list, now.ids[i]);
        assert_non_null(e);
        char *buf, *saved = e->source, old[17];
        size_t len;
        e->source = NULL;
        assert_int_equal(aws_entry_pack(e, &buf, &len), 0);
        e->source = saved;
        aws_entry_digest(buf, len, old);
        /* The hit record is in today's digest. */
        assert_string_not_equal(old, now.digests[i]);
        static const char *none[1] = {NULL};
        awx_doc_t doc = {
            .id = e->id, .title = e->title, .authors = none, .sections = none,
            .subsections = none, .categories = none, .citations = -1,
            .data = buf, .data_len = len, .digest = old,
        };
        assert_int_equal(awx_db_put(h, &doc), AWX_OK);
        free(buf);
    }
    assert_int_equal(awx_db_commit(h), AWX_OK);
    awx_db_close(h);
    aws_list_free(&list);

    /* Without a hit record a hit carries the whole stored form. */
    msgpack_unpacked u;
    char *copy;
    assert_int_equal(hit_map(f->db, "things", &u, &copy), 17);
    msgpack_unpacked_destroy(&u);
    free(copy);

    assert_int_equal(sync_text(f->db, list_v1, false, NULL, &r, &err), AWS_SYNC_OK);
    expect_counts(&r, 0, 3, 0, 0, 3);
    aws_report_free(&r);
    assert_int_equal(hit_map(f->db, "things", &u, &copy), 8);
    msgpack_unpacked_destroy(&u);
    free(copy);
    digests_t again;
    read_digests(f->db, &again);
    assert_memory_equal(&now, &again, sizeof now);
    assert_null(err);
}

static void test_report_json(void **state)
{
    (void)state;
    aws_report_t r;
    char *buf = NULL;
    size_t len = 0;

    aws_report_init(&r);
    r.db_path = strdup("/db");
    r.added = 4;
    r.abstracts_missing = 2;
    assert_int_equal(aws_report_problem(&r, "t.md:3: why"), 0);
    /* Invalid UTF-8 in a message must not break the JSON. */
    assert_int_equal(aws_report_warning(&r, "bad \xff byte"), 0);
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    assert_int_equal(aws_report_print_json(&r, out), 0);
    fclose(out);

    json_error_t jerr;
    json_t *root = json_loads(buf, 0, &jerr);
    if (root == NULL)
        fail_msg("report JSON does not parse: %s", jerr.text);
    assert_string_equal(json_string_value(json_object_get(root, "db")), "/db");
    assert_int_equal(json_integer_value(json_object_get(root, "added")), 4);
    json_t *abstracts = json_object_get(root, "abstracts");
    assert_int_equal(json_integer_value(json_object_get(abstracts, "missing")), 2);
    assert_string_equal(json_string_value(json_array_get(json_object_get(root, "problems"), 0)),
                        "t.md:3: why");
    assert_string_equal(json_string_value(json_array_get(json_object_get(root, "warnings"), 0)),
                        "bad ? byte");
    json_decref(root);
    free(buf);
    aws_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incremental, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_stop, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_rebuild, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_hit_record, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_old_database_rewritten, setup, aws_dbdir_teardown),
        cmocka_unit_test(test_report_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
