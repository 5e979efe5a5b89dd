/* test_awx_rebuild.c - atomic rebuilds through a stub file, and reading with xapian-delve.
 *
 * Each test starts from an empty temporary folder holding the database
 * path "db"; the rebuilt folders appear beside it as "db.<stamp>-<pid>".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test_awx_common.h"

/* Writes the corpus entries FROM..TO-1 into the database at PATH. */
static void fill(const char *path, size_t from, size_t to)
{
    awx_db_t *db = open_ok(path, AWX_OPEN_WRITE);
    for (size_t i = from; i < to; i++) {
        awx_doc_t doc;
        corpus_doc(&corpus[i], NULL, &doc);
        assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    }
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);
}

static bool has_doc(awx_db_t *db, const char *id)
{
    void *data = NULL;
    size_t len = 0;
    awx_status_t st = awx_db_get(db, id, &data, &len);
    free(data);
    assert_true(st == AWX_OK || st == AWX_ERR_NOT_FOUND);
    return st == AWX_OK;
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

static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Rebuilds PATH with corpus entries FROM..TO-1. */
static void rebuild(const char *path, size_t from, size_t to)
{
    char *nd = NULL, *err = NULL;
    assert_int_equal(awx_rebuild_begin(path, &nd, &err), AWX_OK);
    assert_null(err);
    assert_non_null(nd);
    fill(nd, from, to);
    if (awx_rebuild_finish(path, nd, &err) != AWX_OK)
        fail_msg("rebuild finish: %s", err);
    assert_true(exists(nd));
    free(nd);
}

static void test_rebuild_swaps_atomically(void **state)
{
    awx_fixture_t *f = *state;
    fill(f->path, 0, 2);
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[0].id));

    /* From a plain database folder to a stub. */
    rebuild(f->path, 2, 4);
    assert_true(is_regular_file(f->path));
    assert_int_equal(entries_in(f->dir), 2);
    /* The reader still has the old database until it reopens. */
    assert_true(has_doc(r, corpus[0].id));
    bool changed = false;
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_true(changed);
    assert_false(has_doc(r, corpus[0].id));
    assert_true(has_doc(r, corpus[2].id));

    /* From a stub to a stub: the previous folder is removed. */
    rebuild(f->path, 4, 6);
    assert_int_equal(entries_in(f->dir), 2);
    assert_true(has_doc(r, corpus[2].id));
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_true(changed);
    assert_false(has_doc(r, corpus[2].id));
    assert_true(has_doc(r, corpus[4].id));
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_false(changed);

    /* Incremental runs write through the stub. */
    fill(f->path, 6, 7);
    assert_int_equal(awx_db_reopen(r, &changed), AWX_OK);
    assert_true(changed);
    assert_true(has_doc(r, corpus[6].id));
    assert_true(has_doc(r, corpus[4].id));
    awx_db_close(r);

    /* A fresh path can be rebuilt straight away. */
    char fresh[4200];
    snprintf(fresh, sizeof fresh, "%s/sub/db2", f->dir);
    rebuild(fresh, 0, 1);
    r = open_ok(fresh, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[0].id));
    awx_db_close(r);
}

static void test_rebuild_abort(void **state)
{
    awx_fixture_t *f = *state;
    fill(f->path, 0, 2);
    char *nd = NULL, *err = NULL;
    assert_int_equal(awx_rebuild_begin(f->path, &nd, &err), AWX_OK);
    fill(nd, 2, 4);
    awx_rebuild_abort(nd);
    assert_false(exists(nd));
    free(nd);
    assert_int_equal(entries_in(f->dir), 1);
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[0].id));
    assert_false(has_doc(r, corpus[2].id));
    awx_db_close(r);

    /* Finish refuses what is not a rebuilt folder beside the path. */
    assert_int_equal(awx_rebuild_finish(f->path, f->dir, &err), AWX_ERR_INVALID);
    assert_non_null(err);
    free(err);
    awx_rebuild_abort(NULL);
}

/* A rebuild killed half-way leaves the live database whole, and the next
 * rebuild clears what it left behind. */
static void test_rebuild_killed(void **state)
{
    awx_fixture_t *f = *state;
    fill(f->path, 0, 2);
    rebuild(f->path, 0, 3);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *nd = NULL;
        if (awx_rebuild_begin(f->path, &nd, NULL) != AWX_OK)
            _exit(1);
        awx_db_t *w = NULL;
        if (awx_db_open(nd, AWX_OPEN_WRITE, 0, &w, NULL) != AWX_OK)
            _exit(1);
        awx_doc_t doc;
        corpus_doc(&corpus[5], NULL, &doc);
        awx_db_put(w, &doc);
        awx_db_commit(w);
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(entries_in(f->dir), 3);
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[2].id));
    assert_false(has_doc(r, corpus[5].id));
    awx_db_close(r);

    /* A temporary stub of a dead rebuild goes; a folder named like a
     * leftover but holding other files stays. */
    pid_t dead = fork();
    assert_true(dead >= 0);
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, &status, 0), dead);
    char odd[4200], keep[4300], tmp_stub[4200];
    snprintf(odd, sizeof odd, "%s/db.19990101T000000-%ld", f->dir, (long)dead);
    assert_int_equal(mkdir(odd, 0700), 0);
    snprintf(keep, sizeof keep, "%s/keep.txt", odd);
    FILE *fp = fopen(keep, "w");
    assert_non_null(fp);
    fclose(fp);
    snprintf(tmp_stub, sizeof tmp_stub, "%s/.db.stub-19990101T000000-%ld", f->dir, (long)dead);
    fp = fopen(tmp_stub, "w");
    assert_non_null(fp);
    fputs("auto db.19990101T000000-1\n", fp);
    fclose(fp);
    rebuild(f->path, 3, 4);
    assert_int_equal(entries_in(f->dir), 3);
    assert_true(exists(keep));
    assert_false(exists(tmp_stub));
}

/* A sharded rebuild (awindex --rebuild -j2) killed with SIGKILL leaves
 * "db.<stamp>-<pid>.shards" holding shard databases; the next rebuild
 * removes it, but keeps one holding other files. */
static void test_rebuild_killed_shards(void **state)
{
    awx_fixture_t *f = *state;
    int status = 0;
    pid_t dead = fork();
    assert_true(dead >= 0);
    if (dead == 0)
        _exit(0);
    assert_int_equal(waitpid(dead, &status, 0), dead);
    fill(f->path, 0, 2);
    rebuild(f->path, 0, 3);

    char shards[4200], shard0[4300], shard1[4300], odd[4200], keep[4300];
    snprintf(shards, sizeof shards, "%s/db.19990101T000000-%ld.shards", f->dir, (long)dead);
    assert_int_equal(mkdir(shards, 0700), 0);
    snprintf(shard0, sizeof shard0, "%s/0", shards);
    fill(shard0, 0, 2);
    snprintf(shard1, sizeof shard1, "%s/1", shards);
    assert_int_equal(mkdir(shard1, 0700), 0);
    snprintf(odd, sizeof odd, "%s/db.19990102T000000-%ld.shards", f->dir, (long)dead);
    assert_int_equal(mkdir(odd, 0700), 0);
    snprintf(keep, sizeof keep, "%s/keep.txt", odd);
    FILE *fp = fopen(keep, "w");
    assert_non_null(fp);
    fclose(fp);
    assert_int_equal(entries_in(f->dir), 4);

    /* A database of the user's own, named like the path and ending in a
     * number that is no running process, is not a leftover. */
    char backup[4200];
    snprintf(backup, sizeof backup, "%s/db.backup-%ld", f->dir, (long)dead);
    fill(backup, 0, 1);

    rebuild(f->path, 3, 4);
    assert_false(exists(shards));
    assert_true(exists(keep));
    assert_true(exists(backup));
    assert_int_equal(entries_in(f->dir), 4);
}

/* A stub the user wrote by hand naming a database of theirs: the rebuild
 * replaces the stub but leaves that database alone. */
static void test_rebuild_keeps_user_target(void **state)
{
    awx_fixture_t *f = *state;
    char mine[4200];
    snprintf(mine, sizeof mine, "%s/db.production", f->dir);
    fill(mine, 0, 2);
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    fputs("auto db.production\n", fp);
    fclose(fp);

    rebuild(f->path, 2, 4);
    assert_true(exists(mine));
    awx_db_t *r = open_ok(mine, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[0].id));
    awx_db_close(r);
    r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[3].id));
    assert_false(has_doc(r, corpus[0].id));
    awx_db_close(r);
}

/* An incremental writer holding the live database: the rebuild is not
 * swapped in under it (its folder would go, and its commit with it); once
 * it is done, a rebuild goes through and keeps nothing of the old. */
static void test_rebuild_waits_for_writer(void **state)
{
    awx_fixture_t *f = *state;
    fill(f->path, 0, 2);
    rebuild(f->path, 0, 3);

    awx_db_t *w = open_ok(f->path, AWX_OPEN_WRITE);
    char *nd = NULL, *err = NULL;
    assert_int_equal(awx_rebuild_begin(f->path, &nd, &err), AWX_OK);
    fill(nd, 3, 4);
    assert_int_equal(awx_rebuild_finish(f->path, nd, &err), AWX_ERR_LOCKED);
    assert_non_null(err);
    assert_non_null(strstr(err, "another process is writing"));
    free(err);
    err = NULL;
    awx_rebuild_abort(nd);
    free(nd);

    awx_doc_t doc;
    corpus_doc(&corpus[5], NULL, &doc);
    assert_int_equal(awx_db_put(w, &doc), AWX_OK);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    awx_db_close(w);
    awx_db_t *r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[5].id));
    assert_true(has_doc(r, corpus[2].id));
    awx_db_close(r);

    rebuild(f->path, 3, 4);
    r = open_ok(f->path, AWX_OPEN_READ);
    assert_true(has_doc(r, corpus[3].id));
    assert_false(has_doc(r, corpus[5].id));
    awx_db_close(r);
}

/* Readers on their own threads and handles, as the daemon runs them,
 * never fail and never see an empty or half-built database while the
 * database is rebuilt again and again. */
typedef struct reader {
    const char *path;
    atomic_int *stop;
    int queries;
    int failures;
    char error[256];
} reader_t;

static void *reader_main(void *arg)
{
    reader_t *rd = arg;
    awx_db_t *db = NULL;
    if (awx_db_open(rd->path, AWX_OPEN_READ, 0, &db, NULL) != AWX_OK) {
        rd->failures++;
        return NULL;
    }
    while (!atomic_load(rd->stop) || rd->queries < 20) {
        awx_query_t q = {.q = "language", .limit = 10, .snippets = true};
        awx_results_t *r = NULL;
        awx_status_t st = awx_db_reopen(db, NULL);
        if (st == AWX_OK)
            st = awx_db_search(db, &q, &r);
        if (st != AWX_OK || awx_results_count(r) == 0) {
            if (rd->failures++ == 0)
                snprintf(rd->error, sizeof rd->error, "%s: %s", awx_status_to_string(st),
                         awx_db_last_error(db));
        }
        awx_results_free(r);
        rd->queries++;
    }
    awx_db_close(db);
    return NULL;
}

static void test_readers_during_rebuilds(void **state)
{
    awx_fixture_t *f = *state;
    corpus_build(f->path);
    atomic_int stop = 0;
    reader_t readers[2];
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        readers[i] = (reader_t){.path = f->path, .stop = &stop};
        assert_int_equal(pthread_create(&threads[i], NULL, reader_main, &readers[i]), 0);
    }
    /* Many rebuilds within one second, each name new. */
    for (int i = 0; i < 8; i++)
        rebuild(f->path, 0, corpus_len);
    atomic_store(&stop, 1);
    /* Join both before judging: a failed check must not leave a thread
     * running on this frame. */
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_join(threads[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        if (readers[i].failures)
            fail_msg("reader %d: %d of %d queries failed, first: %s", i, readers[i].failures,
                     readers[i].queries, readers[i].error);
        assert_true(readers[i].queries >= 20);
    }
    assert_int_equal(entries_in(f->dir), 2);
}

/* Debian's xapian-delve, which we did not write, reads what the shim
 * wrote, through the stub file too. */
static void test_xapian_delve_reads_it(void **state)
{
    awx_fixture_t *f = *state;
    corpus_build(f->path);
    for (int pass = 0; pass < 2; pass++) {
        char cmd[4300];
        snprintf(cmd, sizeof cmd, "xapian-delve '%s' 2>&1", f->path);
        FILE *p = popen(cmd, "r");
        assert_non_null(p);
        char line[512];
        long docs = -1;
        while (fgets(line, sizeof line, p))
            if (sscanf(line, "number of documents = %ld", &docs) == 1)
                break;
        while (fgets(line, sizeof line, p)) {
        }
        assert_int_equal(pclose(p), 0);
        assert_int_equal(docs, (long)corpus_len);

        snprintf(cmd, sizeof cmd, "xapian-delve -1 -t Q2401.04088 '%s' 2>&1", f->path);
        p = popen(cmd, "r");
        assert_non_null(p);
        bool posting = false;
        while (fgets(line, sizeof line, p))
            posting = posting || strcmp(line, "1\n") == 0;
        assert_int_equal(pclose(p), 0);
        assert_true(posting);
        rebuild(f->path, 0, corpus_len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_rebuild_swaps_atomically, fixture_reset),
        cmocka_unit_test_setup(test_rebuild_abort, fixture_reset),
        cmocka_unit_test_setup(test_rebuild_killed, fixture_reset),
        cmocka_unit_test_setup(test_rebuild_killed_shards, fixture_reset),
        cmocka_unit_test_setup(test_rebuild_keeps_user_target, fixture_reset),
        cmocka_unit_test_setup(test_rebuild_waits_for_writer, fixture_reset),
        cmocka_unit_test_setup(test_readers_during_rebuilds, fixture_reset),
        cmocka_unit_test_setup(test_xapian_delve_reads_it, fixture_reset),
    };
    return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
