/* test_arxiv_support.h - the mock arXiv server and helpers shared by the
 * fetch loop's tests (test_arxiv_fetch.c: what answers become;
 * test_arxiv_retry.c: failures, pacing and stopping).
 *
 * The group setup start_mock starts tests/integration/mock_arxiv.py on
 * 127.0.0.1 port 0 and reads its "ready port=N" line; each test scripts the
 * server's next answers (mock_script), runs aws_arxiv_fetch, and checks both
 * what the caller got (collect) and what the server saw (mock_stats: the
 * number of requests, their arrival times, the client's port and
 * User-Agent).  Intervals are tens of milliseconds so that the suites stay
 * fast; time is only ever checked as a lower bound.
 */
#ifndef TEST_ARXIV_SUPPORT_H
#define TEST_ARXIV_SUPPORT_H

#include <signal.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "arxiv.h"
#include "arxiv_cache.h"

typedef struct fixture {
    pid_t pid;
    int port;
    char url[128];
    char cache[64];          /* a fresh cache folder for each test */
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
    volatile sig_atomic_t *stop_after_first; /* set once a paper arrives */
} got_t;

/* Three ids in different forms; sorted, they are 2310.10638, 2310.15777,
 * 2401.13160. */
extern const char *const three[3];

/* An aws_arxiv_meta_fn recording each paper into the got_t CTX. */
int collect(const aws_paper_meta_t *m, void *ctx);
const seen_t *find_paper(const got_t *g, const char *id);

/* Sets the mock's script (comma-separated steps, see mock_arxiv.py) and
 * forgets the requests seen so far. */
void mock_script(const fixture_t *fx, const char *script);
/* The mock's record of API requests since the last reset; json_decref it. */
json_t *mock_stats(const fixture_t *fx);
size_t stat_requests(json_t *stats);
double stat_arrival(json_t *stats, size_t i);   /* monotonic seconds */
const char *stat_query(json_t *stats, size_t i);

/* Runs aws_arxiv_fetch over the N ids of IDS into GOT (emptied first) and
 * R, which must return 0. */
void fetch_ok(const char *const *ids, size_t n, const aws_arxiv_opts_t *o, got_t *got,
              aws_arxiv_report_t *r);
/* Sets the mock's SCRIPT, then runs fetch_ok over the first N ids of
 * THREE with quick_opts: the opening of most fetch tests. */
void fetch_scripted(const fixture_t *fx, const char *script, size_t n, got_t *got,
                    aws_arxiv_report_t *r);
/* Fails the test unless the mock saw exactly N API requests since the
 * last reset. */
void expect_requests(const fixture_t *fx, size_t n);

/* Whether a message of R contains PART; expect_message fails the test,
 * printing every message, when none does. */
int has_message(const aws_arxiv_report_t *r, const char *part);
void expect_message(const aws_arxiv_report_t *r, const char *part);

/* Group setup and teardown: the mock server. */
int start_mock(void **state);
int stop_mock(void **state);
/* Per-test setup and teardown: the cache folder (and the interval
 * variable a test may have set). */
int make_cache(void **state);
int drop_cache(void **state);
void remove_tree(const char *path);

/* Options for the mock: its URL, the test's cache, batches of 2, a 50 ms
 * interval, a 3 s time-out and 2 retries. */
aws_arxiv_opts_t quick_opts(const fixture_t *fx);

#endif /* TEST_ARXIV_SUPPORT_H */
