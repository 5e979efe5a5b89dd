/* test_arxiv_retry.c - the fetch loop when things go wrong: 503s,
 * Retry-After, time-outs, unreadable answers, the server down, the pacing
 * of requests (measured on the server) and stopping on a signal.  The mock
 * and the helpers are in test_arxiv_support.c.
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
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "test_arxiv_support.h"

static void test_503_then_success(void **state)
{
    fixture_t *fx = *state;
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "503", 2, &got, &r);
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
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "retry-after=1", 1, &got, &r);
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
    got_t got;
    aws_arxiv_report_t r;
    fetch_scripted(fx, "503,503,503,503", 2, &got, &r);
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
    /* Slower than the timeout twice: retried, then reported.  The margins
     * are wide both ways (the slow answer comes 4 times the time-out late,
     * the retry has a whole second) for a loaded CI machine. */
    mock_script(fx, "slow=4000,slow=4000");
    aws_arxiv_opts_t o = quick_opts(fx);
    o.timeout_ms = 1000;
    o.max_retries = 1;
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    fetch_ok(three, 1, &o, &got, &r);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.missing, 1);
    assert_int_equal(r.requests, 2);
    expect_message(&r, "after 2 attempts for 1 id (2401.13160)");
    expect_requests(fx, 2);
    aws_arxiv_report_clear(&r);
    /* Slow once, then answered in time: fetched on the retry. */
    mock_script(fx, "slow=4000");
    fetch_ok(three, 1, &o, &got, &r);
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
    fetch_ok(three, 3, &o, &got, &r);
    /* The first batch is reported with its ids; the second still comes. */
    assert_int_equal(got.n, 1);
    assert_non_null(find_paper(&got, "2401.13160"));
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
    fetch_ok(three, 3, &o, &got, &r);
    assert_int_equal(got.n, 0);
    assert_int_equal(r.missing, 3);
    assert_true(r.offline);
    /* Offline is seen at once: one request, one message saying what to do. */
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.n_messages, 1);
    expect_message(&r, "3 abstracts not fetched; the next awindex run");
    aws_arxiv_report_clear(&r);
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
    fetch_ok(six, 6, &o, &got, &r);
    assert_int_equal(r.fetched, 6);
    assert_int_equal(r.requests, 3);
    check_gaps(fx, 3, 0.200);
    aws_arxiv_report_clear(&r);
    /* The environment overrides the caller's interval. */
    remove_tree(fx->cache);
    mock_script(fx, "");
    setenv(AWS_ARXIV_INTERVAL_ENV, "150", 1);
    o.interval_ms = 10;
    fetch_ok(six, 4, &o, &got, &r);
    assert_int_equal(r.requests, 2);
    check_gaps(fx, 2, 0.150);
    aws_arxiv_report_clear(&r);
    setenv(AWS_ARXIV_INTERVAL_ENV, "soon", 1);
    remove_tree(fx->cache);
    fetch_ok(six, 2, &o, &got, &r);
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
    fetch_ok(six, 6, &o, &got, &r);
    assert_int_equal(r.requests, 1);
    assert_int_equal(r.fetched, 2);
    assert_int_equal(r.missing, 4);
    assert_true(r.interrupted);
    expect_message(&r, "interrupted: 4 abstracts not fetched");
    aws_arxiv_report_clear(&r);
    expect_requests(fx, 1);
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    char err[512];
    assert_int_equal(aws_arxiv_cache_load(fx->cache, got.papers[0].id, &m, NULL,
                                          err, sizeof err), AWS_CACHE_HIT);
    aws_paper_meta_clear(&m);
}

/* The flag a SIGALRM sets in test_stop_during_request, as awindex's
 * SIGINT handler sets its own. */
static volatile sig_atomic_t alarm_stop;

static void on_alarm(int signo)
{
    (void)signo;
    alarm_stop = 1;
}

static void test_stop_during_request(void **state)
{
    fixture_t *fx = *state;
    /* The server sits on the request for 30 s, well inside the time-out: a
     * stop must not wait for it (curl restarts its poll after a signal, so
     * only the progress callback can end the request). */
    mock_script(fx, "slow=30000");
    aws_arxiv_opts_t o = quick_opts(fx);
    o.timeout_ms = 60000;
    alarm_stop = 0;
    o.stop = &alarm_stop;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
    struct itimerval it = { .it_value = { .tv_sec = 0, .tv_usec = 300000 } };
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
    got_t got = { .n = 0 };
    aws_arxiv_report_t r;
    int rc = aws_arxiv_fetch(three, 3, &o, collect, &got, &r);
    /* Disarmed before the old (default: fatal) action comes back. */
    struct itimerval off = { .it_value = { 0, 0 } };
    setitimer(ITIMER_REAL, &off, NULL);
    sigaction(SIGALRM, &old, NULL);
    assert_int_equal(rc, 0);
    /* Had the request run to its end, the first batch would be fetched. */
    assert_int_equal(got.n, 0);
    assert_int_equal(r.fetched, 0);
    assert_int_equal(r.requests, 1);
    assert_true(r.interrupted);
    assert_int_equal(r.n_messages, 1);
    expect_message(&r, "interrupted: 3 abstracts not fetched");
    aws_arxiv_report_clear(&r);
}

int main(void)
{
    /* The mock is on loopback: no proxy from the environment may stand in
     * between (curl honours no_proxy). */
    setenv("no_proxy", "127.0.0.1,localhost", 1);
#define T(fn) cmocka_unit_test_setup_teardown(fn, make_cache, drop_cache)
    const struct CMUnitTest tests[] = {
        T(test_503_then_success),
        T(test_retry_after),
        T(test_retries_exhausted),
        T(test_slow_response),
        T(test_truncated),
        T(test_invalid),
        T(test_html),
        T(test_server_down),
        T(test_interval),
        T(test_stop),
        T(test_stop_during_request),
    };
#undef T
    return cmocka_run_group_tests(tests, start_mock, stop_mock);
}
