/* test_arxiv_cache.c - the per-paper record cache: paths, round trips,
 * corrupt records, and that a reader never sees half a record.
 *
 * Each test gets its own temporary folder (setup/teardown), removed with
 * everything in it afterwards.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "arxiv_cache.h"
#include "atom.h"

static int make_dir(void **state)
{
    char tmpl[] = "/tmp/aws-cache-test-XXXXXX";
    char *dir = mkdtemp(tmpl);
    if (dir == NULL)
        return -1;
    *state = strdup(dir);
    return *state != NULL ? 0 : -1;
}

static int remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d != NULL) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
        closedir(d);
        return rmdir(path);
    }
    return unlink(path);
}

static int drop_dir(void **state)
{
    remove_tree(*state);
    free(*state);
    return 0;
}

static void fill(aws_paper_meta_t *m, const char *id)
{
    memset(m, 0, sizeof *m);
    m->id = strdup(id);
    m->title = strdup("Mixtral of Experts");
    m->abstract = strdup("We introduce Mixtral 8x7B, a Sparse Mixture of "
                         "Experts (SMoE) language model with $\\alpha$ \xc3\xa9.");
    assert_int_equal(aws_strv_push(&m->authors, "Albert Q. Jiang", 15), 0);
    assert_int_equal(aws_strv_push(&m->authors, "Jean-Fran\xc3\xa7ois", 15), 0);
    assert_int_equal(aws_strv_push(&m->categories, "cs.LG", 5), 0);
    m->published = strdup("2024-01-08");
    m->version = 1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_paths(void **state)
{
    (void)state;
    char *p = aws_arxiv_cache_path("/c", "2401.04088");
    assert_string_equal(p, "/c/arxiv/2401.04088.json");
    free(p);
    p = aws_arxiv_cache_path("/c", "hep-th/9901001");
    assert_string_equal(p, "/c/arxiv/hep-th_9901001.json");
    free(p);
    /* Only normalised arXiv ids name a file: nothing can climb out. */
    assert_null(aws_arxiv_cache_path("/c", "../../etc/passwd"));
    assert_null(aws_arxiv_cache_path("/c", "2401.04088v2"));
    assert_null(aws_arxiv_cache_path("/c", ""));
}

static void test_round_trip(void **state)
{
    const char *dir = *state;
    char sub[4096];
    /* The cache folder need not exist yet. */
    snprintf(sub, sizeof sub, "%s/new/cache", dir);
    aws_paper_meta_t m, back;
    fill(&m, "2401.04088");
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_store(sub, &m, 1700000000, err, sizeof err), 0);
    memset(&back, 0, sizeof back);
    time_t when = 0;
    assert_int_equal(aws_arxiv_cache_load(sub, "2401.04088", &back, &when, err,
                                          sizeof err), AWS_CACHE_HIT);
    assert_int_equal(when, 1700000000);
    assert_string_equal(back.id, m.id);
    assert_string_equal(back.title, m.title);
    assert_string_equal(back.abstract, m.abstract);
    assert_int_equal(back.authors.n, 2);
    assert_string_equal(back.authors.v[1], m.authors.v[1]);
    assert_int_equal(back.categories.n, 1);
    assert_string_equal(back.published, "2024-01-08");
    assert_int_equal(back.version, 1);
    aws_paper_meta_clear(&back);
    /* No published date, an old-style id, a rewrite of the same record. */
    free(m.id);
    m.id = strdup("hep-th/9901001");
    free(m.published);
    m.published = NULL;
    assert_int_equal(aws_arxiv_cache_store(sub, &m, 1, err, sizeof err), 0);
    m.version = 3;
    assert_int_equal(aws_arxiv_cache_store(sub, &m, 2, err, sizeof err), 0);
    assert_int_equal(aws_arxiv_cache_load(sub, "hep-th/9901001", &back, &when,
                                          err, sizeof err), AWS_CACHE_HIT);
    assert_null(back.published);
    assert_int_equal(back.version, 3);
    assert_int_equal(when, 2);
    aws_paper_meta_clear(&back);
    aws_paper_meta_clear(&m);
    /* No temporary file is left behind. */
    snprintf(sub, sizeof sub, "%s/new/cache/arxiv", dir);
    DIR *d = opendir(sub);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d)) != NULL)
        files += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(files, 2);
}

static void test_absent(void **state)
{
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_load(*state, "2401.04088", &m, NULL, err,
                                          sizeof err), AWS_CACHE_ABSENT);
    assert_null(m.id);
}

static void expect_corrupt(const char *dir, const char *text, const char *why)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/arxiv/2401.04088.json", dir);
    write_file(path, text);
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_load(dir, "2401.04088", &m, NULL, err,
                                          sizeof err), AWS_CACHE_CORRUPT);
    assert_null(m.id);
    assert_null(m.title);
    if (strstr(err, path) == NULL || strstr(err, why) == NULL)
        fail_msg("reason \"%s\" lacks the file or \"%s\"", err, why);
}

static void test_corrupt(void **state)
{
    const char *dir = *state;
    aws_paper_meta_t m;
    fill(&m, "2401.04088");
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_store(dir, &m, 1, err, sizeof err), 0);
    aws_paper_meta_clear(&m);
    expect_corrupt(dir, "", ":1:0:");
    expect_corrupt(dir, "{\"format\": 1, \"id\": \"2401.04088\", \"tit", ":1:");
    expect_corrupt(dir, "\n\n[1, 2]", "the record");
    const char *good_tail = "\"title\": \"T\", \"abstract\": \"A\", \"authors\": [], "
                            "\"categories\": [], \"published\": null, \"version\": 1}";
    char text[1024];
    snprintf(text, sizeof text, "{\"format\": 1, \"id\": \"2401.04089\", "
             "\"fetched_at\": \"2026-01-01T00:00:00Z\", %s", good_tail);
    expect_corrupt(dir, text, "field id");
    snprintf(text, sizeof text, "{\"format\": 2, \"id\": \"2401.04088\", "
             "\"fetched_at\": \"2026-01-01T00:00:00Z\", %s", good_tail);
    expect_corrupt(dir, text, "field format");
    snprintf(text, sizeof text, "{\"format\": 1, \"id\": \"2401.04088\", "
             "\"fetched_at\": \"yesterday\", %s", good_tail);
    expect_corrupt(dir, text, "field fetched_at");
    expect_corrupt(dir, "{\"format\": 1, \"id\": \"2401.04088\", \"fetched_at\": "
                   "\"2026-01-01T00:00:00Z\", \"title\": \"T\", \"abstract\": \"A\", "
                   "\"authors\": [\"x\", 7], \"categories\": [], \"version\": 1}",
                   "field authors");
    expect_corrupt(dir, "{\"format\": 1, \"id\": \"2401.04088\", \"fetched_at\": "
                   "\"2026-01-01T00:00:00Z\", \"title\": \"\", \"abstract\": \"A\", "
                   "\"authors\": [], \"categories\": [], \"version\": 1}",
                   "field title");
    expect_corrupt(dir, "{\"format\": 1, \"id\": \"2401.04088\", \"fetched_at\": "
                   "\"2026-01-01T00:00:00Z\", \"title\": \"T\", \"abstract\": \"A\", "
                   "\"authors\": [], \"categories\": [], \"published\": \"2024\", "
                   "\"version\": 1}", "field published");
    /* A complete record loads again once rewritten. */
    snprintf(text, sizeof text, "{\"format\": 1, \"id\": \"2401.04088\", "
             "\"fetched_at\": \"2026-01-01T00:00:00Z\", %s", good_tail);
    char path[4096];
    snprintf(path, sizeof path, "%s/arxiv/2401.04088.json", dir);
    write_file(path, text);
    memset(&m, 0, sizeof m);
    assert_int_equal(aws_arxiv_cache_load(dir, "2401.04088", &m, NULL, err,
                                          sizeof err), AWS_CACHE_HIT);
    aws_paper_meta_clear(&m);
    /* A folder where the record should be. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkdir(path, 0700), 0);
    memset(&m, 0, sizeof m);
    assert_int_equal(aws_arxiv_cache_load(dir, "2401.04088", &m, NULL, err,
                                          sizeof err), AWS_CACHE_CORRUPT);
    assert_non_null(strstr(err, "not a record"));
    /* ...which a store cannot replace: reported, nothing left behind. */
    fill(&m, "2401.04088");
    assert_int_equal(aws_arxiv_cache_store(dir, &m, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot write"));
    aws_paper_meta_clear(&m);
}

static void test_missing_record(void **state)
{
    const char *dir = *state;
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_store_missing(dir, "2201.99999", 1234, err,
                                                   sizeof err), 0);
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    time_t when = 0;
    assert_int_equal(aws_arxiv_cache_load(dir, "2201.99999", &m, &when, err,
                                          sizeof err), AWS_CACHE_MISSING);
    assert_int_equal(when, 1234);
    assert_null(m.id);
    /* "missing" must be a boolean. */
    char path[4096];
    snprintf(path, sizeof path, "%s/arxiv/2201.99999.json", dir);
    write_file(path, "{\"format\": 1, \"id\": \"2201.99999\", \"fetched_at\": "
               "\"2026-01-01T00:00:00Z\", \"missing\": \"yes\"}");
    assert_int_equal(aws_arxiv_cache_load(dir, "2201.99999", &m, &when, err,
                                          sizeof err), AWS_CACHE_CORRUPT);
    assert_non_null(strstr(err, "field missing"));
    /* A real record replaces it. */
    fill(&m, "2201.99999");
    assert_int_equal(aws_arxiv_cache_store(dir, &m, 1, err, sizeof err), 0);
    aws_paper_meta_clear(&m);
    assert_int_equal(aws_arxiv_cache_load(dir, "2201.99999", &m, &when, err,
                                          sizeof err), AWS_CACHE_HIT);
    aws_paper_meta_clear(&m);
}

static void test_refuses_incomplete(void **state)
{
    aws_paper_meta_t m;
    fill(&m, "2401.04088");
    free(m.abstract);
    m.abstract = NULL;
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_store(*state, &m, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "2401.04088"));
    aws_paper_meta_clear(&m);
}

/* A writer rewrites one record over and over while this process reads it:
 * every read must find a whole record, never a partial one. */
static void test_atomic(void **state)
{
    const char *dir = *state;
    aws_paper_meta_t m;
    fill(&m, "2401.04088");
    /* A long abstract makes a partial write likely to be seen. */
    size_t big = 128 * 1024;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'x', big);
    text[big] = '\0';
    free(m.abstract);
    m.abstract = text;
    char err[512] = "";
    assert_int_equal(aws_arxiv_cache_store(dir, &m, 1, err, sizeof err), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int i = 0; i < 60; i++)
            if (aws_arxiv_cache_store(dir, &m, 1 + i, err, sizeof err) != 0)
                _exit(1);
        _exit(0);
    }
    /* At least one read even when the writer is done before this process
     * is scheduled again (a loaded machine): the record must be whole then
     * too. */
    int reads = 0;
    int status = 0;
    pid_t done;
    do {
        done = waitpid(pid, &status, WNOHANG);
        aws_paper_meta_t back;
        memset(&back, 0, sizeof back);
        aws_cache_status_t st = aws_arxiv_cache_load(dir, "2401.04088", &back,
                                                     NULL, err, sizeof err);
        if (st != AWS_CACHE_HIT)
            fail_msg("read %d saw %d: %s", reads, (int)st, err);
        assert_int_equal(strlen(back.abstract), big);
        aws_paper_meta_clear(&back);
        reads++;
    } while (done == 0);
    assert_int_equal(done, pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    aws_paper_meta_clear(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paths),
        cmocka_unit_test_setup_teardown(test_round_trip, make_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_absent, make_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_corrupt, make_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_missing_record, make_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_refuses_incomplete, make_dir, drop_dir),
        cmocka_unit_test_setup_teardown(test_atomic, make_dir, drop_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
