/* test_arxiv_fetch.c - what the fetch loop makes of the mock arXiv
 * server's answers: papers in both response shapes, ids arXiv has no
 * record of, error entries, the cache, progress and the caller's callback.
 * The mock and the helpers are in test_arxiv_support.c; failures, pacing
 * and stopping are in test_arxiv_retry.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_arxiv_support.h"

static void test_success(void **state)
{
    fixture_t *fx = *state;
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "", 3, &got, &r);
    assert_int_equal(got.n, 3);
    assert_int_equal(r.fetched, 3);
    assert_int_equal(r.cached, 0);
    assert_int_equal(r.missing, 0);
    assert_int_equal(r.requests, 2);
    assert_int_equal(r.n_messages, 0);
    const seen_t *s = find_paper(&got, "2401.13160");
    assert_non_null(s);
    assert_string_equal(s->title, "SpacTor-T5: Pre-training T5 Models with Span "
                        "Corruption and Replaced Token Detection");
    assert_int_equal(s->n_authors, 9);
    assert_int_equal(s->n_categories, 2);
    assert_string_equal(s->published, "2024-01-24");
    assert_int_equal(s->version, 1);
    assert_non_null(find_paper(&got, "2310.15777"));
    assert_int_equal(find_paper(&got, "2310.10638")->version, 6);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    /* Sorted ids, id_list batches, max_results covering the batch. */
    assert_string_equal(stat_query(st, 0), "id_list=2310.10638,2310.15777&start=0&max_results=2");
    assert_string_equal(stat_query(st, 1), "id_list=2401.13160&start=0&max_results=1");
    /* One connection for both requests, and the User-Agent. */
    json_t *peers = json_object_get(st, "peers");
    assert_int_equal(json_integer_value(json_array_get(peers, 0)),
                     json_integer_value(json_array_get(peers, 1)));
    assert_string_equal(json_string_value(json_array_get(json_object_get(st, "agents"), 0)),
                        AWS_ARXIV_USER_AGENT);
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_older_shape_and_missing(void **state)
{
    fixture_t *fx = *state;
    const char *const ids[] = { "2401.13160", "2201.99999", "hep-th/9901001" };
    const char *scripts[] = { "old", "" };
    for (size_t k = 0; k < 2; k++) {
        mock_script(fx, scripts[k]);
        aws_arxiv_opts_t o = quick_opts(fx);
        o.batch_size = 10;
        got_t got = { .n = 0 };
        aws_arxiv_report_t r;
        fetch_ok(ids, 3, &o, &got, &r);
        assert_int_equal(got.n, 1);
        assert_int_equal(find_paper(&got, "2401.13160")->version, 1);
        assert_int_equal(find_paper(&got, "2401.13160")->n_authors, 9);
        assert_int_equal(r.fetched, 1);
        assert_int_equal(r.missing, 2);
        /* Missing ids are reported, not asked again. */
        assert_int_equal(r.requests, 1);
        expect_message(&r, "arXiv has no record of 2 ids: 2201.99999, hep-th/9901001");
        expect_requests(fx, 1);
        aws_arxiv_report_clear(&r);
        remove_tree(fx->cache);
    }
}

static void test_known_ids_missing(void **state)
{
    fixture_t *fx = *state;
    /* arXiv answering two batches without any of the papers asked for:
     * one message names them all. */
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "missing,missing", 3, &got, &r);
    assert_int_equal(got.n, 0);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.missing, 3);
    assert_int_equal(r.requests, 2);
    assert_int_equal(r.n_messages, 1);
    expect_message(&r, "arXiv has no record of 3 ids: 2310.10638, 2310.15777, 2401.13160");
    aws_arxiv_report_clear(&r);
}

static void test_redirect(void **state)
{
    fixture_t *fx = *state;
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "redirect", 2, &got, &r);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.requests, 1);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    assert_string_equal(stat_query(st, 0), stat_query(st, 1));
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_entries_without_summary(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "no-summary");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    fetch_ok(three, 2, &o, &got, &r);
    assert_int_equal(got.n, 0);
    assert_int_equal(r.missing, 2);
    expect_message(&r, "arXiv response: entry 1 (2310.15777): no <summary>; "
                   "left for the next run");
    /* Sent but unusable is not "no record": nothing remembered. */
    assert_false(has_message(&r, "no record"));
    aws_arxiv_report_clear(&r);
    mock_script(fx, "");
    fetch_ok(three, 2, &o, &got, &r);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.requests, 1);
    aws_arxiv_report_clear(&r);
}

static void test_error_entry(void **state)
{
    fixture_t *fx = *state;
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "error", 3, &got, &r);
    /* The id named by the error is missing; its batch-mate is asked again,
     * in the next batch. */
    expect_message(&r, "arXiv error: incorrect id format for 2310.10638");
    assert_null(find_paper(&got, "2310.10638"));
    assert_non_null(find_paper(&got, "2310.15777"));
    assert_non_null(find_paper(&got, "2401.13160"));
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 2);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    assert_string_equal(stat_query(st, 1),
                        "id_list=2401.13160,2310.15777&start=0&max_results=2");
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_cache(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    fetch_ok(three, 3, &o, &got, &r);
    assert_int_equal(r.fetched, 3);
    aws_arxiv_report_clear(&r);
    /* Everything cached: not one request reaches the server. */
    mock_script(fx, "");
    fetch_ok(three, 3, &o, &got, &r);
    assert_int_equal(got.n, 3);
    assert_int_equal(find_paper(&got, "2401.13160")->n_authors, 9);
    assert_int_equal(r.cached, 3);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.requests, 0);
    expect_requests(fx, 0);
    aws_arxiv_report_clear(&r);
    /* A corrupt record is reported and that paper alone fetched again. */
    char *path = aws_arxiv_cache_path(fx->cache, "2310.15777");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\": 1, \"id\": \"2310.15777\", \"ti", f);
    fclose(f);
    fetch_ok(three, 3, &o, &got, &r);
    assert_int_equal(r.cached, 2);
    assert_int_equal(r.fetched, 1);
    expect_message(&r, path);
    free(path);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 1);
    assert_string_equal(stat_query(st, 0), "id_list=2310.15777&start=0&max_results=1");
    json_decref(st);
    aws_arxiv_report_clear(&r);
    /* --fetch always asks again for everything. */
    mock_script(fx, "");
    o.mode = AWS_FETCH_ALWAYS;
    fetch_ok(three, 3, &o, &got, &r);
    assert_int_equal(r.fetched, 3);
    assert_int_equal(r.cached, 0);
    assert_int_equal(r.requests, 2);
    aws_arxiv_report_clear(&r);
    /* --fetch never: the cache only, and a word about the rest. */
    mock_script(fx, "");
    o.mode = AWS_FETCH_NEVER;
    const char *const four[] = { three[0], three[1], three[2], "2309.04564" };
    fetch_ok(four, 4, &o, &got, &r);
    assert_int_equal(r.cached, 3);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 0);
    expect_message(&r, "1 abstract is not in the cache (--fetch never)");
    expect_requests(fx, 0);
    aws_arxiv_report_clear(&r);
}

static void test_missing_remembered(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    const char *const ids[] = { "2401.13160", "2201.99999" };
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    fetch_ok(ids, 2, &o, &got, &r);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.missing, 1);
    aws_arxiv_report_clear(&r);
    /* The unknown id is remembered: the next run asks nothing at all. */
    mock_script(fx, "");
    fetch_ok(ids, 2, &o, &got, &r);
    assert_int_equal(r.cached, 1);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 0);
    expect_message(&r, "1 id that arXiv had no record of in the last 7 days was "
                   "not asked again");
    expect_requests(fx, 0);
    aws_arxiv_report_clear(&r);
    /* ...unless everything is asked again. */
    o.mode = AWS_FETCH_ALWAYS;
    fetch_ok(ids, 2, &o, &got, &r);
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.missing, 1);
    aws_arxiv_report_clear(&r);
    /* A truncated answer proves nothing: the id stays unremembered. */
    remove_tree(fx->cache);
    mock_script(fx, "truncated");
    o.mode = AWS_FETCH_AUTO;
    fetch_ok(ids, 2, &o, &got, &r);
    aws_arxiv_report_clear(&r);
    char *path = aws_arxiv_cache_path(fx->cache, "2201.99999");
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
}

/* Runs a fetch of THREE with progress PROGRESS and returns what it wrote on
 * stderr (malloc'd). */
static char *stderr_of_fetch(fixture_t *fx, int progress)
{
    char path[] = "/tmp/aws-fetch-stderr-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);
    aws_arxiv_opts_t o = quick_opts(fx);
    o.progress = progress;
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    int rc = aws_arxiv_fetch(three, 3, &o, collect, &got, &r);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    assert_int_equal(rc, 0);
    assert_int_equal(r.fetched, 3);
    aws_arxiv_report_clear(&r);
    char *text = calloc(1, 4096);
    assert_non_null(text);
    assert_true(pread(fd, text, 4095, 0) >= 0);
    close(fd);
    unlink(path);
    return text;
}

static void test_progress(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    char *text = stderr_of_fetch(fx, 1);
    /* Redrawn in place, fetched/total with a rate and time left, and the
     * line cleared at the end for awindex's summary. */
    assert_non_null(strstr(text, "\r\033[KarXiv: 0/3 abstracts fetched, 0.0/s, ? left"));
    assert_non_null(strstr(text, "\r\033[KarXiv: 2/3 abstracts fetched, "));
    assert_non_null(strstr(text, "\r\033[KarXiv: 3/3 abstracts fetched, "));
    assert_non_null(strstr(text, "/s, 0:00 left"));
    assert_null(strchr(text, '\n'));
    size_t len = strlen(text);
    assert_true(len > 4 && strcmp(text + len - 4, "\r\033[K") == 0);
    free(text);
    /* Without progress, nothing at all. */
    remove_tree(fx->cache);
    text = stderr_of_fetch(fx, 0);
    assert_string_equal(text, "");
    free(text);
}

static void test_not_arxiv_ids(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    const char *const ids[] = { "openai/gpt-2", "2401.13160", "2401.13160v2" };
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    fetch_ok(ids, 3, &o, &got, &r);
    /* The duplicate is asked once; the stranger is reported. */
    assert_int_equal(got.n, 1);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 1);
    expect_message(&r, "openai/gpt-2: not an arXiv id");
    aws_arxiv_report_clear(&r);
    /* No ids: nothing to do, nothing asked. */
    fetch_ok(ids, 0, &o, &got, &r);
    assert_int_equal(r.requests, 0);
    assert_int_equal(r.missing, 0);
    assert_int_equal(r.n_messages, 0);
    aws_arxiv_report_clear(&r);
}

static int refuse(const aws_paper_meta_t *m, void *ctx)
{
    (void)m;
    (*(int *)ctx)++;
    return -1;
}

static void test_caller_refuses(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    int calls = 0;
    aws_arxiv_report_t r;
    /* A callback failing (out of memory, say) ends the run at once. */
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, refuse, &calls, &r), -1);
    assert_int_equal(calls, 1);
    assert_int_equal(r.requests, 1);
    aws_arxiv_report_clear(&r);
    /* The same from the cache, filled by a run that accepted everything. */
    got_t got = { .n = 0 };
    fetch_ok(three, 3, &o, &got, &r);
    aws_arxiv_report_clear(&r);
    calls = 0;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, refuse, &calls, &r), -1);
    assert_int_equal(calls, 1);
    assert_int_equal(r.requests, 0);
    aws_arxiv_report_clear(&r);
}

int main(void)
{
    /* The mock is on loopback: no proxy from the environment may stand in
     * between (curl honours no_proxy). */
    setenv("no_proxy", "127.0.0.1,localhost", 1);
#define T(fn) cmocka_unit_test_setup_teardown(fn, make_cache, drop_cache)
    const struct CMUnitTest tests[] = {
        T(test_success),
        T(test_older_shape_and_missing),
        T(test_known_ids_missing),
        T(test_redirect),
        T(test_entries_without_summary),
        T(test_error_entry),
        T(test_cache),
        T(test_missing_remembered),
        T(test_progress),
        T(test_not_arxiv_ids),
        T(test_caller_refuses),
    };
#undef T
    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
