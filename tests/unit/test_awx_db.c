/* test_awx_db.c - the shim's database handle: documents, transactions, errors.
 *
 * Every test makes its own temporary folder (the group fixture only holds
 * the folder that they all live under), so each starts from nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_awx_common.h"

static void put_entry(awx_db_t *db, size_t i, const char *digest)
{
    awx_doc_t doc;
    corpus_doc(&corpus[i], digest, &doc);
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
}

static void put_data(awx_db_t *db, const char *id, const char *data)
{
    awx_doc_t doc;
    corpus_doc(&corpus[0], NULL, &doc);
    doc.id = id;
    doc.data = data;
    doc.data_len = strlen(data);
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
}

static char *get_string(awx_db_t *db, const char *id)
{
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(awx_db_get(db, id, &data, &len), AWX_OK);
    char *s = malloc(len + 1);
    assert_non_null(s);
    memcpy(s, data, len);
    s[len] = '\0';
    free(data);
    return s;
}

static void assert_data(awx_db_t *db, const char *id, const char *want)
{
    char *s = get_string(db, id);
    assert_string_equal(s, want);
    free(s);
}

static void test_status_names(void **state)
{
    (void)state;
    for (int s = AWX_OK; s <= AWX_ERR_INTERNAL; s++)
        assert_true(strlen(awx_status_to_string((awx_status_t)s)) > 0);
    assert_string_equal(awx_status_to_string(AWX_ERR_LOCKED), "database locked by another writer");
    assert_string_equal(awx_kind_name(AWX_KIND_REPO), "repo");
}

static void test_put_get_replace_delete(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    put_entry(db, 0, "d0");
    put_entry(db, 1, NULL);
    assert_data(db, corpus[0].id, corpus[0].id);

    char *digest = NULL;
    assert_int_equal(awx_db_digest(db, corpus[0].id, &digest), AWX_OK);
    assert_string_equal(digest, "d0");
    free(digest);
    assert_int_equal(awx_db_digest(db, corpus[1].id, &digest), AWX_OK);
    assert_null(digest);

    /* Replacing by id keeps one document. */
    put_data(db, corpus[0].id, "second version");
    assert_data(db, corpus[0].id, "second version");
    awx_counts_t c;
    assert_int_equal(awx_db_counts(db, &c), AWX_OK);
    assert_int_equal(c.documents, 2);

    assert_int_equal(awx_db_delete(db, corpus[0].id), AWX_OK);
    void *data = (void *)1;
    size_t len = 7;
    assert_int_equal(awx_db_get(db, corpus[0].id, &data, &len), AWX_ERR_NOT_FOUND);
    assert_null(data);
    assert_int_equal(len, 0);
    assert_non_null(strstr(awx_db_last_error(db), corpus[0].id));
    assert_int_equal(awx_db_delete(db, corpus[0].id), AWX_ERR_NOT_FOUND);
    assert_int_equal(awx_db_digest(db, "nope", &digest), AWX_ERR_NOT_FOUND);
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);

    /* Committed: a reader sees the result. */
    db = open_ok(f->path, AWX_OPEN_READ);
    assert_int_equal(awx_db_counts(db, &c), AWX_OK);
    assert_int_equal(c.documents, 1);
    assert_data(db, corpus[1].id, corpus[1].id);
    /* A read-only handle refuses writes. */
    assert_int_equal(awx_db_delete(db, corpus[1].id), AWX_ERR_INVALID);
    assert_int_equal(awx_db_begin(db), AWX_ERR_INVALID);
    awx_db_close(db);
}

static void test_long_id(void **state)
{
    awx_fixture_t *f = *state;
    char a[600], b[600];
    memset(a, 'a', sizeof a - 2);
    a[sizeof a - 2] = 'x';
    a[sizeof a - 1] = '\0';
    memcpy(b, a, sizeof a);
    b[sizeof b - 2] = 'y';
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    put_data(db, a, "A");
    put_data(db, b, "B");
    assert_data(db, a, "A");
    assert_data(db, b, "B");
    awx_db_close(db);
}

static void test_bad_documents(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    awx_doc_t doc;
    corpus_doc(&corpus[0], NULL, &doc);
    doc.id = "";
    assert_int_equal(awx_db_put(db, &doc), AWX_ERR_INVALID);
    assert_non_null(strstr(awx_db_last_error(db), "id"));
    corpus_doc(&corpus[0], NULL, &doc);
    doc.kind = (awx_kind_t)9;
    assert_int_equal(awx_db_put(db, &doc), AWX_ERR_INVALID);
    assert_non_null(strstr(awx_db_last_error(db), "kind"));
    corpus_doc(&corpus[0], NULL, &doc);
    doc.title = NULL;
    assert_int_equal(awx_db_put(db, &doc), AWX_ERR_INVALID);
    assert_int_equal(awx_db_put(db, NULL), AWX_ERR_INVALID);
    awx_db_close(db);
}

typedef struct walk {
    char ids[16][64];
    char digests[16][16];
    size_t n;
    size_t stop_after;
} walk_t;

static int walk_fn(const char *id, const char *digest, void *ctx)
{
    walk_t *w = ctx;
    snprintf(w->ids[w->n], sizeof w->ids[0], "%s", id);
    snprintf(w->digests[w->n], sizeof w->digests[0], "%s", digest ? digest : "(null)");
    w->n++;
    return w->n == w->stop_after;
}

static void test_foreach_id(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    put_entry(db, 2, "c");
    put_entry(db, 0, "a");
    put_entry(db, 5, NULL);
    walk_t w = {.stop_after = 100};
    assert_int_equal(awx_db_foreach_id(db, walk_fn, &w), AWX_OK);
    assert_int_equal(w.n, 3);
    assert_string_equal(w.ids[0], "2203.02155");
    assert_string_equal(w.digests[0], "c");
    assert_string_equal(w.ids[1], "2401.04088");
    assert_string_equal(w.digests[1], "a");
    assert_string_equal(w.ids[2], "huggingface/trl");
    assert_string_equal(w.digests[2], "(null)");
    walk_t w2 = {.stop_after = 1};
    assert_int_equal(awx_db_foreach_id(db, walk_fn, &w2), AWX_OK);
    assert_int_equal(w2.n, 1);
    awx_db_close(db);
}

/* A reader's counts and generation follow the writer's commits: both are
 * kept per revision, so a stale copy would show here. */
static void test_counts_and_generation_follow_commits(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *w = open_ok(f->path, AWX_OPEN_WRITE);
    put_entry(w, 0, NULL);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    char gen[AWX_GENERATION_MAX];
    /* A writable handle sees uncommitted changes: it has no generation. */
    assert_int_equal(awx_db_generation(w, gen), AWX_ERR_INVALID);
    assert_string_equal(gen, "");

    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    awx_counts_t c;
    char before[AWX_GENERATION_MAX];
    assert_int_equal(awx_db_counts(r, &c), AWX_OK);
    assert_int_equal(c.documents, 1);
    assert_int_equal(awx_db_generation(r, before), AWX_OK);
    assert_true(strlen(before) > 2);
    /* Asked again without a change: the same answers. */
    assert_int_equal(awx_db_counts(r, &c), AWX_OK);
    assert_int_equal(c.documents, 1);
    assert_int_equal(awx_db_generation(r, gen), AWX_OK);
    assert_string_equal(gen, before);

    put_entry(w, 1, NULL);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    bool changed = false;
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_true(changed);
    assert_int_equal(awx_db_counts(r, &c), AWX_OK);
    assert_int_equal(c.documents, 2);
    assert_int_equal(awx_db_generation(r, gen), AWX_OK);
    assert_string_not_equal(gen, before);

    assert_int_equal(awx_db_generation(NULL, gen), AWX_ERR_INVALID);
    assert_int_equal(awx_db_generation(r, NULL), AWX_ERR_INVALID);
    awx_db_close(r);
    awx_db_close(w);
}

static void test_counts_and_metadata(void **state)
{
    awx_fixture_t *f = *state;
    corpus_build(f->path);
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    awx_counts_t c;
    assert_int_equal(awx_db_counts(db, &c), AWX_OK);
    assert_int_equal(c.documents, corpus_len);
    assert_int_equal(c.papers, 7);
    assert_int_equal(c.repos, 1);
    assert_int_equal(c.links, 1);
    /* Every paper has one; the repo's description is no paper abstract. */
    assert_int_equal(c.abstracts, 7);

    char *v = (char *)1;
    assert_int_equal(awx_db_get_metadata(db, "indexed_at", &v), AWX_ERR_NOT_FOUND);
    assert_null(v);
    assert_int_equal(awx_db_set_metadata(db, "indexed_at", "2026-01-01T00:00:00Z"), AWX_OK);
    assert_int_equal(awx_db_set_metadata(db, "lists", "a.md\nb.md"), AWX_OK);
    assert_int_equal(awx_db_set_metadata(db, "", "x"), AWX_ERR_INVALID);
    awx_db_close(db);

    db = open_ok(f->path, AWX_OPEN_READ);
    assert_int_equal(awx_db_get_metadata(db, "lists", &v), AWX_OK);
    assert_string_equal(v, "a.md\nb.md");
    free(v);
    assert_int_equal(awx_db_set_metadata(db, "lists", "x"), AWX_ERR_INVALID);
    assert_true(awx_db_revision(db) > 0);
    awx_db_close(db);
}

static void test_transactions(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *w = open_ok(f->path, AWX_OPEN_WRITE);
    put_entry(w, 0, NULL);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    uint64_t rev = awx_db_revision(r);

    /* Cancelled: nothing of it remains. */
    assert_int_equal(awx_db_begin(w), AWX_OK);
    assert_int_equal(awx_db_begin(w), AWX_ERR_INVALID);
    put_entry(w, 1, NULL);
    assert_int_equal(awx_db_cancel(w), AWX_OK);
    assert_int_equal(awx_db_cancel(w), AWX_ERR_INVALID);
    void *data;
    size_t len;
    assert_int_equal(awx_db_get(w, corpus[1].id, &data, &len), AWX_ERR_NOT_FOUND);

    /* Committed: a reader sees all of it after reopening, and not before. */
    assert_int_equal(awx_db_begin(w), AWX_OK);
    put_entry(w, 1, NULL);
    put_entry(w, 2, NULL);
    bool changed = true;
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_false(changed);
    assert_int_equal(awx_db_get(r, corpus[1].id, &data, &len), AWX_ERR_NOT_FOUND);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_true(changed);
    assert_true(awx_db_revision(r) > rev);
    assert_data(r, corpus[1].id, corpus[1].id);
    assert_data(r, corpus[2].id, corpus[2].id);

    /* An open transaction dies with its handle. */
    assert_int_equal(awx_db_begin(w), AWX_OK);
    put_entry(w, 3, NULL);
    awx_db_close(w);
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_int_equal(awx_db_get(r, corpus[3].id, &data, &len), AWX_ERR_NOT_FOUND);
    awx_db_close(r);
}

static void test_missing_database(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *db = (awx_db_t *)1;
    char *err = NULL;
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_READ, 0, &db, &err), AWX_ERR_NO_DATABASE);
    assert_null(db);
    assert_non_null(err);
    assert_non_null(strstr(err, f->path));
    free(err);
    struct stat st;
    assert_int_equal(stat(f->path, &st), -1);
    /* Writable opens create it, folders above included. */
    char deep[4200];
    snprintf(deep, sizeof deep, "%s/a/b/db", f->dir);
    db = open_ok(deep, AWX_OPEN_WRITE);
    awx_db_close(db);
    db = open_ok(deep, AWX_OPEN_READ);
    awx_db_close(db);
    assert_int_equal(awx_db_open(NULL, AWX_OPEN_READ, 0, &db, &err), AWX_ERR_INVALID);
    free(err);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void assert_file(const char *path, const char *want)
{
    char buf[256] = "";
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    assert_string_equal(buf, want);
}

static size_t entries_in(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | wc -l", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = 0;
    assert_int_equal(fscanf(p, "%zu", &n), 1);
    pclose(p);
    return n;
}

static void test_not_a_database(void **state)
{
    awx_fixture_t *f = *state;
    /* A folder with someone's files in it. */
    assert_int_equal(mkdir(f->path, 0700), 0);
    char notes[4200];
    snprintf(notes, sizeof notes, "%s/notes.txt", f->path);
    write_file(notes, "keep me\n");
    for (int mode = AWX_OPEN_READ; mode <= AWX_OPEN_WRITE; mode++) {
        awx_db_t *db = NULL;
        char *err = NULL;
        assert_int_equal(awx_db_open(f->path, (awx_open_mode_t)mode, 0, &db, &err),
                         AWX_ERR_NOT_DATABASE);
        assert_null(db);
        assert_non_null(strstr(err, f->path));
        assert_non_null(strstr(err, "not a Xapian database"));
        free(err);
    }
    char *nd = NULL, *err = NULL;
    assert_int_equal(awx_rebuild_begin(f->path, &nd, &err), AWX_ERR_NOT_DATABASE);
    assert_null(nd);
    free(err);
    assert_int_equal(entries_in(f->path), 1);
    assert_file(notes, "keep me\n");
    assert_int_equal(entries_in(f->dir), 1);

    /* A plain file that is not a stub. */
    remove_tree(f->path);
    write_file(f->path, "auto-generated notes, not a stub\n");
    awx_db_t *db = NULL;
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_WRITE, 0, &db, &err), AWX_ERR_NOT_DATABASE);
    free(err);
    assert_file(f->path, "auto-generated notes, not a stub\n");
    unlink(f->path);
    write_file(f->path, "");
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_WRITE, 0, &db, &err), AWX_ERR_NOT_DATABASE);
    free(err);
    assert_int_equal(entries_in(f->dir), 1);
}

/* A wildcard expands to the 100 most frequent words it matches, never to
 * an error, however many words there are. */
static void test_wildcard_bound(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *db = open_ok(f->path, AWX_OPEN_WRITE);
    for (int i = 0; i < 150; i++) {
        char id[16], title[32];
        snprintf(id, sizeof id, "w%03d", i);
        snprintf(title, sizeof title, "zeta%03d", i);
        awx_doc_t doc;
        corpus_doc(&corpus[6], NULL, &doc);
        doc.id = id;
        doc.title = title;
        assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    }
    awx_query_t q = {.q = "zeta*", .limit = 1000};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 100);
    awx_results_free(r);
    awx_db_close(db);
}

static long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000;
}

static void test_second_writer(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_t *first = open_ok(f->path, AWX_OPEN_WRITE);
    awx_db_t *second = NULL;
    char *err = NULL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_WRITE, 150, &second, &err), AWX_ERR_LOCKED);
    assert_true(elapsed_ms(&t0) >= 150);
    assert_null(second);
    assert_non_null(strstr(err, f->path));
    assert_non_null(strstr(err, "another process is writing"));
    free(err);
    /* Readers are never blocked by the writer. */
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    awx_db_close(r);
    awx_db_close(first);

    /* A writer in another process: the second one waits for it. */
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ready[0]);
        awx_db_t *w = NULL;
        if (awx_db_open(f->path, AWX_OPEN_WRITE, 0, &w, NULL) != AWX_OK)
            _exit(1);
        if (write(ready[1], "x", 1) != 1)
            _exit(1);
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        awx_db_close(w);
        _exit(0);
    }
    close(ready[1]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_WRITE, 0, &second, &err), AWX_ERR_LOCKED);
    free(err);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(awx_db_open(f->path, AWX_OPEN_WRITE, 10000, &second, &err), AWX_OK);
    assert_true(elapsed_ms(&t0) < 5000);
    awx_db_close(second);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_status_names, fixture_reset),
        cmocka_unit_test_setup(test_put_get_replace_delete, fixture_reset),
        cmocka_unit_test_setup(test_long_id, fixture_reset),
        cmocka_unit_test_setup(test_bad_documents, fixture_reset),
        cmocka_unit_test_setup(test_foreach_id, fixture_reset),
        cmocka_unit_test_setup(test_counts_and_metadata, fixture_reset),
        cmocka_unit_test_setup(test_counts_and_generation_follow_commits, fixture_reset),
        cmocka_unit_test_setup(test_transactions, fixture_reset),
        cmocka_unit_test_setup(test_missing_database, fixture_reset),
        cmocka_unit_test_setup(test_not_a_database, fixture_reset),
        cmocka_unit_test_setup(test_wildcard_bound, fixture_reset),
        cmocka_unit_test_setup(test_second_writer, fixture_reset),
    };
    return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
