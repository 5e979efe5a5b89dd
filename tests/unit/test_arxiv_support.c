/* test_arxiv_support.c - the mock arXiv server and the helpers that the
 * fetch loop's tests share (test_arxiv_fetch.c, test_arxiv_retry.c).
 *
 * See test_arxiv_support.h for what each does.
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "test_arxiv_support.h"

const char *const three[3] = { "2401.13160", "https://arxiv.org/abs/2310.15777v2",
                               "2310.10638" };

int collect(const aws_paper_meta_t *m, void *ctx)
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

const seen_t *find_paper(const got_t *g, const char *id)
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

void mock_script(const fixture_t *fx, const char *script)
{
    char path[256];
    snprintf(path, sizeof path, "/_mock/reset?script=%s", script);
    free(control(fx, path));
}

/* The server's record of API requests since the last reset. */
json_t *mock_stats(const fixture_t *fx)
{
    char *body = control(fx, "/_mock/stats");
    json_error_t err;
    json_t *stats = json_loads(body, 0, &err);
    free(body);
    assert_non_null(stats);
    return stats;
}

size_t stat_requests(json_t *stats)
{
    return (size_t)json_integer_value(json_object_get(stats, "requests"));
}

double stat_arrival(json_t *stats, size_t i)
{
    return json_real_value(json_array_get(json_object_get(stats, "arrivals"), i));
}

const char *stat_query(json_t *stats, size_t i)
{
    return json_string_value(json_array_get(json_object_get(stats, "queries"), i));
}

void fetch_ok(const char *const *ids, size_t n, const aws_arxiv_opts_t *o, got_t *got,
              aws_arxiv_report_t *r)
{
    got->n = 0;
    assert_int_equal(aws_arxiv_fetch(ids, n, o, collect, got, r), 0);
}

void fetch_scripted(const fixture_t *fx, const char *script, size_t n, got_t *got,
                    aws_arxiv_report_t *r)
{
    memset(got, 0, sizeof *got);
    mock_script(fx, script);
    aws_arxiv_opts_t o = quick_opts(fx);
    fetch_ok(three, n, &o, got, r);
}

void expect_requests(const fixture_t *fx, size_t n)
{
    json_t *st = mock_stats(fx);
    assert_int_equal(stat_requests(st), n);
    json_decref(st);
}

int has_message(const aws_arxiv_report_t *r, const char *part)
{
    for (size_t i = 0; i < r->n_messages; i++)
        if (strstr(r->messages[i], part) != NULL)
            return 1;
    return 0;
}

void expect_message(const aws_arxiv_report_t *r, const char *part)
{
    if (has_message(r, part))
        return;
    for (size_t i = 0; i < r->n_messages; i++)
        print_error("message: %s\n", r->messages[i]);
    fail_msg("no message contains \"%s\"", part);
}

int start_mock(void **state)
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

int stop_mock(void **state)
{
    fixture_t *fx = *state;
    if (fx == NULL)
        return 0;
    kill(fx->pid, SIGTERM);
    int status;
    waitpid(fx->pid, &status, 0);
    free(fx);
    return 0;
}

void remove_tree(const char *path)
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

int make_cache(void **state)
{
    fixture_t *fx = *state;
    snprintf(fx->cache, sizeof fx->cache, "/tmp/aws-fetch-test-XXXXXX");
    return mkdtemp(fx->cache) != NULL ? 0 : -1;
}

int drop_cache(void **state)
{
    fixture_t *fx = *state;
    remove_tree(fx->cache);
    unsetenv(AWS_ARXIV_INTERVAL_ENV);
    return 0;
}

aws_arxiv_opts_t quick_opts(const fixture_t *fx)
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
