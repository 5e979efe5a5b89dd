/* test_arxiv_fetch.c - the fetch loop against the mock arXiv server.
 *
 * The group setup starts tests/integration/mock_arxiv.py on 127.0.0.1 port 0
 * and reads its "ready port=N" line; each test scripts the server's next
 * answers (/_mock/reset?script=...), runs aws_arxiv_fetch, and checks both
 * what the caller got and what the server saw (/_mock/stats: the number of
 * requests, their arrival times, the client's port and User-Agent).
 * Intervals are tens of milliseconds so that the suite stays fast.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <jansson.h>

#include "arxiv.h"
#include "arxiv_cache.h"

typedef struct fixture {
    pid_t pid;
    int port;
    char url[128];
    char cache[64];
} fixture_t;

/* What the callback saw, per paper. */
typedef struct seen {
    char id[64];
    char title[256];
    size_t n_authors;
    size_t n_categories;
    char published[16];
    int version;
} seen_t;

typedef struct got {
    seen_t papers[64];
    size_t n;
    volatile sig_atomic_t *stop_after_first;
} got_t;

static int collect(const aws_paper_meta_t *m, void *ctx)
{
    got_t *g = ctx;
    assert_true(g->n < 64);
    seen_t *s = &g->papers[g->n++];
    snprintf(s->id, sizeof s->id, "%s", m->id);
    snprintf(s->title, sizeof s->title, "%s", m->title);
    s->n_authors = m->authors.n;
    s->n_categories = m->categories.n;
    snprintf(s->published, sizeof s->published, "%s", m->published ? m->published : "");
    s->version = m->version;
    if (g->stop_after_first != NULL)
        *g->stop_after_first = 1;
    return 0;
}

static const seen_t *find(const got_t *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (strcmp(g->papers[i].id, id) == 0)
            return &g->papers[i];
    return NULL;
}

static size_t on_data(char *data, size_t size, size_t nmemb, void *userp)
{
    char **buf = userp;
    size_t old = *buf ? strlen(*buf) : 0, n = size * nmemb;
    char *nb = realloc(*buf, old + n + 1);
    assert_non_null(nb);
    memcpy(nb + old, data, n);
    nb[old + n] = '\0';
    *buf = nb;
    return n;
}

/* GETs a control URL of the mock and returns the body. */
static char *control(const fixture_t *fx, const char *path)
{
    char url[512];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", fx->port, path);
    CURL *c = curl_easy_init();
    assert_non_null(c);
    char *body = NULL;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_cleanup(c);
    assert_non_null(body);
    return body;
}

static void mock_script(const fixture_t *fx, const char *script)
{
    char path[256];
    snprintf(path, sizeof path, "/_mock/reset?script=%s", script);
    free(control(fx, path));
}

/* The server's record of API requests since the last reset. */
static json_t *mock_stats(const fixture_t *fx)
{
    char *body = control(fx, "/_mock/stats");
    json_error_t err;
    json_t *stats = json_loads(body, 0, &err);
    free(body);
    assert_non_null(stats);
    return stats;
}

static size_t stat_requests(json_t *stats)
{
    return (size_t)json_integer_value(json_object_get(stats, "requests"));
}

static double stat_arrival(json_t *stats, size_t i)
{
    return json_real_value(json_array_get(json_object_get(stats, "arrivals"), i));
}

static const char *stat_query(json_t *stats, size_t i)
{
    return json_string_value(json_array_get(json_object_get(stats, "queries"), i));
}

static int has_message(const aws_arxiv_report_t *r, const char *part)
{
    for (size_t i = 0; i < r->n_messages; i++)
        if (strstr(r->messages[i], part) != NULL)
            return 1;
    return 0;
}

static void expect_message(const aws_arxiv_report_t *r, const char *part)
{
    if (has_message(r, part))
        return;
    for (size_t i = 0; i < r->n_messages; i++)
        print_error("message: %s\n", r->messages[i]);
    fail_msg("no message contains \"%s\"", part);
}

static int start_mock(void **state)
{
    const char *src = getenv("AWS_SOURCE_DIR");
    const char *data = getenv("AWS_SHARED_DATA");
    if (src == NULL || data == NULL)
        return -1;
    fixture_t *fx = calloc(1, sizeof *fx);
    int fds[2];
    if (fx == NULL || pipe(fds) != 0)
        return -1;
    char script[4096], jsonl[4096];
    snprintf(script, sizeof script, "%s/tests/integration/mock_arxiv.py", src);
    snprintf(jsonl, sizeof jsonl, "%s/arxiv-abstracts.jsonl", data);
    fx->pid = fork();
    if (fx->pid < 0)
        return -1;
    if (fx->pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execlp("python3", "python3", script, "--data", jsonl, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    /* The ready line is the only output; reading it waits for readiness. */
    FILE *f = fdopen(fds[0], "r");
    char line[128];
    if (f == NULL || fgets(line, sizeof line, f) == NULL
        || sscanf(line, "mock_arxiv: ready port=%d", &fx->port) != 1) {
        kill(fx->pid, SIGTERM);
        waitpid(fx->pid, NULL, 0);
        return -1;
    }
    fclose(f);
    snprintf(fx->url, sizeof fx->url, "http://127.0.0.1:%d/api/query", fx->port);
    *state = fx;
    return 0;
}

static int stop_mock(void **state)
{
    fixture_t *fx = *state;
    kill(fx->pid, SIGTERM);
    int status;
    waitpid(fx->pid, &status, 0);
    free(fx);
    return 0;
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) {
        unlink(path);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
            remove_tree(sub);
        }
    }
    closedir(d);
    rmdir(path);
}

static int make_cache(void **state)
{
    fixture_t *fx = *state;
    snprintf(fx->cache, sizeof fx->cache, "/tmp/aws-fetch-test-XXXXXX");
    return mkdtemp(fx->cache) != NULL ? 0 : -1;
}

static int drop_cache(void **state)
{
    fixture_t *fx = *state;
    remove_tree(fx->cache);
    unsetenv(AWS_ARXIV_INTERVAL_ENV);
    return 0;
}

static aws_arxiv_opts_t quick_opts(const fixture_t *fx)
{
    aws_arxiv_opts_t o;
    memset(&o, 0, sizeof o);
    o.url = fx->url;
    o.cache_dir = fx->cache;
    o.mode = AWS_FETCH_AUTO;
    o.batch_size = 2;
    o.interval_ms = 50;
    o.timeout_ms = 3000;
    o.max_retries = 2;
    return o;
}

static const char *const three[] = { "2401.13160", "https://arxiv.org/abs/2310.15777v2",
                                     "2310.10638" };

static void test_success(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(got.n, 3);
    assert_int_equal(r.fetched, 3);
    assert_int_equal(r.cached, 0);
    assert_int_equal(r.missing, 0);
    assert_int_equal(r.requests, 2);
    assert_int_equal(r.n_messages, 0);
    const seen_t *s = find(&got, "2401.13160");
    assert_non_null(s);
    assert_string_equal(s->title, "SpacTor-T5: Pre-training T5 Models with Span "
                        "Corruption and Replaced Token Detection");
    assert_int_equal(s->n_authors, 9);
    assert_int_equal(s->n_categories, 2);
    assert_string_equal(s->published, "2024-01-24");
    assert_int_equal(s->version, 1);
    assert_non_null(find(&got, "2310.15777"));
    assert_int_equal(find(&got, "2310.10638")->version, 6);
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
        assert_int_equal(aws_arxiv_fetch(ids, 3, &o, collect, &got, &r), 0);
        assert_int_equal(got.n, 1);
        assert_int_equal(find(&got, "2401.13160")->version, 1);
        assert_int_equal(find(&got, "2401.13160")->n_authors, 9);
        assert_int_equal(r.fetched, 1);
        assert_int_equal(r.missing, 2);
        /* Missing ids are reported, not asked again. */
        assert_int_equal(r.requests, 1);
        expect_message(&r, "arXiv has no record of 2 ids: 2201.99999, hep-th/9901001");
        json_t *st = mock_stats(fx);
        assert_int_equal(stat_requests(st), 1);
        json_decref(st);
        aws_arxiv_report_clear(&r);
        remove_tree(fx->cache);
    }
}

static void test_known_ids_missing(void **state)
{
    fixture_t *fx = *state;
    /* arXiv answering two batches without any of the papers asked for:
     * one message names them all. */
    mock_script(fx, "missing,missing");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
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
    mock_script(fx, "redirect");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.requests, 1);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    assert_string_equal(stat_query(st, 0), stat_query(st, 1));
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_503_then_success(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "503");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.missing, 0);
    assert_int_equal(r.requests, 2);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    /* The retry waited the backoff: twice the interval. */
    assert_true(stat_arrival(st, 1) - stat_arrival(st, 0) >= 0.100);
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_retry_after(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "retry-after=1");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 1, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.requests, 2);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    double gap = stat_arrival(st, 1) - stat_arrival(st, 0);
    if (gap < 1.0)
        fail_msg("Retry-After: 1 not honoured: next request after %.3f s", gap);
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_retries_exhausted(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "503,503,503,503");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.missing, 2);
    assert_int_equal(r.requests, 3);
    expect_message(&r, "HTTP 503 after 3 attempts for 2 ids (2310.15777, 2401.13160)");
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 3);
    /* Exponential: two, then four times the interval (lower bounds only,
     * which no scheduling delay can break). */
    assert_true(stat_arrival(st, 1) - stat_arrival(st, 0) >= 0.100);
    assert_true(stat_arrival(st, 2) - stat_arrival(st, 1) >= 0.200);
    json_decref(st);
    aws_arxiv_report_clear(&r);
}

static void test_slow_response(void **state)
{
    fixture_t *fx = *state;
    /* Slower than the timeout twice: retried, then reported. */
    mock_script(fx, "slow=2000,slow=2000");
    aws_arxiv_opts_t o = quick_opts(fx);
    o.timeout_ms = 600;
    o.max_retries = 1;
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 1, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 2);
    expect_message(&r, "after 2 attempts for 1 id (2401.13160)");
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 2);
    json_decref(st);
    aws_arxiv_report_clear(&r);
    /* Slow once, then answered in time: fetched on the retry. */
    mock_script(fx, "slow=2000");
    got.n = 0;
    assert_int_equal(aws_arxiv_fetch(three, 1, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.requests, 2);
    aws_arxiv_report_clear(&r);
}

static void expect_unreadable(fixture_t *fx, const char *step, const char *why)
{
    mock_script(fx, step);
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    /* The first batch is reported with its ids; the second still comes. */
    assert_int_equal(got.n, 1);
    assert_non_null(find(&got, "2401.13160"));
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.missing, 2);
    assert_int_equal(r.requests, 2);
    expect_message(&r, why);
    expect_message(&r, "for 2 ids (2310.10638, 2310.15777); left for the next run");
    aws_arxiv_report_clear(&r);
    /* Nothing of the bad batch reached the cache. */
    char *path = aws_arxiv_cache_path(fx->cache, "2310.10638");
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
}

static void test_truncated(void **state)
{
    expect_unreadable(*state, "truncated", "unreadable response (line ");
}

static void test_invalid(void **state)
{
    expect_unreadable(*state, "invalid", "unreadable response (line ");
}

static void test_html(void **state)
{
    expect_unreadable(*state, "html", "is not an Atom <feed>");
}

static void test_entries_without_summary(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "no-summary");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 2, &o, collect, &got, &r), 0);
    assert_int_equal(got.n, 0);
    assert_int_equal(r.missing, 2);
    expect_message(&r, "arXiv response: entry 1 (2310.15777): no <summary>; "
                   "left for the next run");
    /* Sent but unusable is not "no record": nothing remembered. */
    assert_false(has_message(&r, "no record"));
    aws_arxiv_report_clear(&r);
    mock_script(fx, "");
    assert_int_equal(aws_arxiv_fetch(three, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.requests, 1);
    aws_arxiv_report_clear(&r);
}

static void test_error_entry(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "error");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    /* The id named by the error is missing; its batch-mate is asked again,
     * in the next batch. */
    expect_message(&r, "arXiv error: incorrect id format for 2310.10638");
    assert_null(find(&got, "2310.10638"));
    assert_non_null(find(&got, "2310.15777"));
    assert_non_null(find(&got, "2401.13160"));
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

static void test_server_down(void **state)
{
    fixture_t *fx = *state;
    /* A port that was just free: connection refused. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &len), 0);
    close(s);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/query", ntohs(sa.sin_port));
    aws_arxiv_opts_t o = quick_opts(fx);
    o.url = url;
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(got.n, 0);
    assert_int_equal(r.missing, 3);
    assert_true(r.offline);
    /* Offline is seen at once: one request, one message saying what to do. */
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.n_messages, 1);
    expect_message(&r, "3 abstracts not fetched; the next awindex run");
    aws_arxiv_report_clear(&r);
}

static void test_cache(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 3);
    aws_arxiv_report_clear(&r);
    /* Everything cached: not one request reaches the server. */
    mock_script(fx, "");
    got.n = 0;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(got.n, 3);
    assert_int_equal(find(&got, "2401.13160")->n_authors, 9);
    assert_int_equal(r.cached, 3);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.requests, 0);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 0);
    json_decref(st);
    aws_arxiv_report_clear(&r);
    /* A corrupt record is reported and that paper alone fetched again. */
    char *path = aws_arxiv_cache_path(fx->cache, "2310.15777");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("{\"format\": 1, \"id\": \"2310.15777\", \"ti", f);
    fclose(f);
    got.n = 0;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(r.cached, 2);
    assert_int_equal(r.fetched, 1);
    expect_message(&r, path);
    free(path);
    st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 1);
    assert_string_equal(stat_query(st, 0), "id_list=2310.15777&start=0&max_results=1");
    json_decref(st);
    aws_arxiv_report_clear(&r);
    /* --fetch always asks again for everything. */
    mock_script(fx, "");
    o.mode = AWS_FETCH_ALWAYS;
    got.n = 0;
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 3);
    assert_int_equal(r.cached, 0);
    assert_int_equal(r.requests, 2);
    aws_arxiv_report_clear(&r);
    /* --fetch never: the cache only, and a word about the rest. */
    mock_script(fx, "");
    o.mode = AWS_FETCH_NEVER;
    const char *const four[] = { three[0], three[1], three[2], "2309.04564" };
    got.n = 0;
    assert_int_equal(aws_arxiv_fetch(four, 4, &o, collect, &got, &r), 0);
    assert_int_equal(r.cached, 3);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 0);
    expect_message(&r, "1 abstract is not in the cache (--fetch never)");
    st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 0);
    json_decref(st);
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
    assert_int_equal(aws_arxiv_fetch(ids, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.missing, 1);
    aws_arxiv_report_clear(&r);
    /* The unknown id is remembered: the next run asks nothing at all. */
    mock_script(fx, "");
    assert_int_equal(aws_arxiv_fetch(ids, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.cached, 1);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 0);
    expect_message(&r, "1 id that arXiv had no record of in the last 7 days was "
                   "not asked again");
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 0);
    json_decref(st);
    aws_arxiv_report_clear(&r);
    /* ...unless everything is asked again. */
    o.mode = AWS_FETCH_ALWAYS;
    assert_int_equal(aws_arxiv_fetch(ids, 2, &o, collect, &got, &r), 0);
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.missing, 1);
    aws_arxiv_report_clear(&r);
    /* A truncated answer proves nothing: the id stays unremembered. */
    remove_tree(fx->cache);
    mock_script(fx, "truncated");
    o.mode = AWS_FETCH_AUTO;
    assert_int_equal(aws_arxiv_fetch(ids, 2, &o, collect, &got, &r), 0);
    aws_arxiv_report_clear(&r);
    char *path = aws_arxiv_cache_path(fx->cache, "2201.99999");
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
}

static void check_gaps(const fixture_t *fx, size_t want, double min_gap)
{
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), want);
    for (size_t i = 1; i < want; i++) {
        double gap = stat_arrival(st, i) - stat_arrival(st, i - 1);
        if (gap < min_gap)
            fail_msg("requests %zu and %zu came %.3f s apart (< %.3f)", i - 1,
                     i, gap, min_gap);
    }
    json_decref(st);
}

static const char *const six[] = { "2401.13160", "2310.15777", "2310.10638",
                                   "2309.04564", "2402.02416", "2402.04333" };

static void test_interval(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    o.interval_ms = 200;
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    assert_int_equal(aws_arxiv_fetch(six, 6, &o, collect, &got, &r), 0);
    assert_int_equal(r.fetched, 6);
    assert_int_equal(r.requests, 3);
    check_gaps(fx, 3, 0.200);
    aws_arxiv_report_clear(&r);
    /* The environment overrides the caller's interval. */
    remove_tree(fx->cache);
    mock_script(fx, "");
    setenv(AWS_ARXIV_INTERVAL_ENV, "150", 1);
    o.interval_ms = 10;
    assert_int_equal(aws_arxiv_fetch(six, 4, &o, collect, &got, &r), 0);
    assert_int_equal(r.requests, 2);
    check_gaps(fx, 2, 0.150);
    aws_arxiv_report_clear(&r);
    setenv(AWS_ARXIV_INTERVAL_ENV, "soon", 1);
    remove_tree(fx->cache);
    assert_int_equal(aws_arxiv_fetch(six, 2, &o, collect, &got, &r), 0);
    expect_message(&r, AWS_ARXIV_INTERVAL_ENV "=soon: not a number");
    aws_arxiv_report_clear(&r);
}

static void test_stop(void **state)
{
    fixture_t *fx = *state;
    mock_script(fx, "");
    aws_arxiv_opts_t o = quick_opts(fx);
    volatile sig_atomic_t stop = 0;
    o.stop = &stop;
    got_t got = { .n = 0, .stop_after_first = &stop };
    aws_arxiv_report_t r;
    /* The flag goes up while the first batch is being handed over: that
     * batch is kept (and cached), nothing more is asked. */
    assert_int_equal(aws_arxiv_fetch(six, 6, &o, collect, &got, &r), 0);
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.missing, 4);
    assert_true(r.interrupted);
    expect_message(&r, "interrupted: 4 abstracts not fetched");
    aws_arxiv_report_clear(&r);
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), 1);
    json_decref(st);
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    char err[512];
    assert_int_equal(aws_arxiv_cache_load(fx->cache, got.papers[0].id, &m, NULL,
                                          err, sizeof err), AWS_CACHE_HIT);
    aws_paper_meta_clear(&m);
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
    assert_int_equal(aws_arxiv_fetch(ids, 3, &o, collect, &got, &r), 0);
    /* The duplicate is asked once; the stranger is reported. */
    assert_int_equal(got.n, 1);
    assert_int_equal(r.fetched, 1);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 1);
    expect_message(&r, "openai/gpt-2: not an arXiv id");
    aws_arxiv_report_clear(&r);
    /* No ids: nothing to do, nothing asked. */
    assert_int_equal(aws_arxiv_fetch(ids, 0, &o, collect, &got, &r), 0);
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
    assert_int_equal(aws_arxiv_fetch(three, 3, &o, collect, &got, &r), 0);
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
        T(test_503_then_success),
        T(test_retry_after),
        T(test_retries_exhausted),
        T(test_slow_response),
        T(test_truncated),
        T(test_invalid),
        T(test_html),
        T(test_entries_without_summary),
        T(test_error_entry),
        T(test_server_down),
        T(test_cache),
        T(test_missing_remembered),
        T(test_interval),
        T(test_stop),
        T(test_progress),
        T(test_not_arxiv_ids),
        T(test_caller_refuses),
    };
#undef T
    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
