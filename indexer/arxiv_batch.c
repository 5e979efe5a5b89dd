/* arxiv_batch.c - fetch the queued ids from the arXiv API in paced,
 * retried id_list batches.
 *
 * One libcurl easy handle serves the whole run (so one kept-alive
 * connection).  Requests are paced: the next starts no sooner than the
 * interval after the previous one finished, which arXiv's "one request
 * every three seconds" asks for and which a server can check.  Failures
 * sort into three kinds: transient (5xx, 429, time-outs, dropped
 * connections: retried with exponential backoff, honouring Retry-After),
 * offline (connection refused, no DNS: nothing more is tried this run) and
 * final (anything else: the batch is reported and left for the next run).
 * Every paper is written to the cache before the caller sees it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arxiv_cache.h"
#include "arxiv_fetcher.h"
#include "atom.h"

/* Larger than any id_list answer; a bigger one is not arXiv. */
#define MAX_RESPONSE_BYTES (64u * 1024 * 1024)
/* A Retry-After longer than this gives up on the batch instead. */
#define MAX_WAIT_MS (10u * 60 * 1000)
/* How many ids a message names before "and N more". */
#define IDS_IN_MESSAGE 50

/* "a, b, c" (at most IDS_IN_MESSAGE of them, then "and N more"), malloc'd.
 * ID(I) gives the I-th of the N ids. */
static char *id_list_text(const void *ids, size_t n,
                          const char *(*id)(const void *ids, size_t i))
{
    size_t cap = 32;
    for (size_t i = 0; i < n && i < IDS_IN_MESSAGE; i++)
        cap += strlen(id(ids, i)) + 2;
    char *s = malloc(cap);
    if (s == NULL)
        return NULL;
    size_t len = 0;
    s[0] = '\0';
    for (size_t i = 0; i < n && i < IDS_IN_MESSAGE; i++)
        len += (size_t)snprintf(s + len, cap - len, "%s%s", i ? ", " : "",
                                id(ids, i));
    if (n > IDS_IN_MESSAGE)
        snprintf(s + len, cap - len, " and %zu more", n - IDS_IN_MESSAGE);
    return s;
}

static const char *item_id(const void *items, size_t i)
{
    return ((aws__arxiv_item_t *const *)items)[i]->id;
}

static const char *strv_id(const void *sv, size_t i)
{
    return ((const aws_strv_t *)sv)->v[i];
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static int stopped(const aws__arxiv_fetcher_t *f)
{
    return f->opts->stop != NULL && *f->opts->stop;
}

/* Sleeps until TARGET (monotonic ms) in short naps so that Ctrl-C is seen
 * at once.  Returns 0, or -1 when asked to stop. */
static int wait_until(const aws__arxiv_fetcher_t *f, double target)
{
    for (;;) {
        if (stopped(f))
            return -1;
        double left = target - now_ms();
        if (left <= 0)
            return 0;
        if (left > 50)
            left = 50;
        struct timespec ts = { 0, (long)(left * 1e6) };
        nanosleep(&ts, NULL);
    }
}

static void draw_progress(const aws__arxiv_fetcher_t *f, int last)
{
    if (!f->opts->progress)
        return;
    if (last) {
        fputs("\r\033[K", stderr);
        return;
    }
    double secs = (now_ms() - f->start_ms) / 1000.0;
    double rate = secs > 0 ? (double)f->report->fetched / secs : 0;
    size_t left = f->n_queue - f->done;
    char eta[32] = "?";
    if (rate > 0) {
        unsigned long s = (unsigned long)((double)left / rate);
        snprintf(eta, sizeof eta, "%lu:%02lu", s / 60, s % 60);
    }
    fprintf(stderr, "\r\033[KarXiv: %zu/%zu abstracts fetched, %.1f/s, %s left",
            f->report->fetched, f->n_queue, rate, eta);
    fflush(stderr);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    aws__arxiv_fetcher_t *f = userp;
    size_t n = size * nmemb;
    if (n > MAX_RESPONSE_BYTES - f->body_len) {
        f->body_fail = AWS__BODY_TOO_LARGE;
        return 0;
    }
    if (f->body_len + n + 1 > f->body_cap) {
        size_t cap = f->body_cap ? f->body_cap : 65536;
        while (cap < f->body_len + n + 1)
            cap *= 2;
        char *nb = realloc(f->body, cap);
        if (nb == NULL) {
            f->body_fail = AWS__BODY_NOMEM;
            return 0;
        }
        f->body = nb;
        f->body_cap = cap;
    }
    memcpy(f->body + f->body_len, data, n);
    f->body_len += n;
    return n;
}

/* libcurl calls this about once a second even while the server is silent,
 * so Ctrl-C ends a request at once instead of after its time-out (a signal
 * alone does not: curl restarts its poll on EINTR). */
static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return stopped(userp);
}

static int setup_curl(aws__arxiv_fetcher_t *f)
{
    if ((f->curl = curl_easy_init()) == NULL)
        return -1;
    CURL *c = f->curl;
    long connect_ms = f->timeout_ms < 10000 ? f->timeout_ms : 10000;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, AWS_ARXIV_USER_AGENT) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)f->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, f) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->curl_err) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, f) != CURLE_OK;
    return bad ? -1 : 0;
}

/* The query URL for the batch: id_list with max_results covering it. */
static char *batch_url(const char *base, aws__arxiv_item_t *const *items, size_t n)
{
    size_t cap = strlen(base) + 64;
    for (size_t i = 0; i < n; i++)
        cap += strlen(items[i]->id) + 1;
    char *url = malloc(cap);
    if (url == NULL)
        return NULL;
    size_t len = (size_t)snprintf(url, cap, "%s%cid_list=", base,
                                  strchr(base, '?') != NULL ? '&' : '?');
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(url + len, cap - len, "%s%s", i ? "," : "",
                                items[i]->id);
    snprintf(url + len, cap - len, "&start=0&max_results=%zu", n);
    return url;
}

/* Writes M's record, or (M NULL) that arXiv has no record of ID. */
static int cache(aws__arxiv_fetcher_t *f, const aws_paper_meta_t *m, const char *id)
{
    if (f->opts->cache_dir == NULL || f->cache_failed)
        return 0;
    char err[512];
    int rc = m != NULL
             ? aws_arxiv_cache_store(f->opts->cache_dir, m, time(NULL), err, sizeof err)
             : aws_arxiv_cache_store_missing(f->opts->cache_dir, id, time(NULL),
                                             err, sizeof err);
    if (rc == 0)
        return 0;
    /* One message is enough: the next record would fail the same way. */
    f->cache_failed = 1;
    return aws__arxiv_say(f->report, "%s; abstracts are not cached in this run", err);
}

/* Hands one fetched paper to the cache and the caller. */
static int deliver(aws__arxiv_fetcher_t *f, const aws_paper_meta_t *m)
{
    if (cache(f, m, NULL) != 0 || f->fn(m, f->ctx) != 0)
        return -1;
    f->report->fetched++;
    return 0;
}

/* Takes a parsed response for the N items of BATCH.  Returns 0 or -1. */
static int take_feed(aws__arxiv_fetcher_t *f, const aws_atom_feed_t *feed,
                     aws__arxiv_item_t **batch, size_t n)
{
    char *got = calloc(n ? n : 1, 1);
    int rc = got != NULL ? 0 : -1;
    for (size_t p = 0; p < feed->n_papers && rc == 0; p++) {
        for (size_t i = 0; i < n; i++) {
            if (!got[i] && strcmp(batch[i]->id, feed->papers[p].id) == 0) {
                got[i] = 1;
                rc = deliver(f, &feed->papers[p]);
                break;
            }
        }
    }
    for (size_t e = 0; e < feed->errors.n && rc == 0; e++)
        rc = aws__arxiv_say(f->report, "arXiv error: %s", feed->errors.v[e]);
    for (size_t e = 0; e < feed->problems.n && rc == 0; e++)
        rc = aws__arxiv_say(f->report, "arXiv response: %s; left for the next run",
                            feed->problems.v[e]);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (got[i])
            continue;
        if (aws_strv_contains(&feed->error_ids, batch[i]->id)) {
            rc = cache(f, NULL, batch[i]->id);
            continue;
        }
        /* An entry arXiv sent but that could not be used: its problem
         * line says so, and the next run asks again. */
        if (aws_strv_contains(&feed->problem_ids, batch[i]->id))
            continue;
        /* arXiv answers a request with one bad id by an error alone: the
         * other ids of that batch are asked again, once, in a later one. */
        if (feed->errors.n > 0 && !batch[i]->requeued) {
            char *id = strdup(batch[i]->id);
            rc = id != NULL && aws__arxiv_queue(f, id, 1) == 0 ? 0 : -1;
            if (rc != 0)
                free(id);
            continue;
        }
        rc = aws_strv_push(&f->unknown, batch[i]->id, strlen(batch[i]->id));
        /* Only a clean answer proves the id unknown. */
        if (rc == 0 && feed->errors.n == 0 && feed->problems.n == 0)
            rc = cache(f, NULL, batch[i]->id);
    }
    free(got);
    return rc;
}

/* Reports the batch as left for the next run, for reason WHY. */
static int give_up(aws__arxiv_fetcher_t *f, aws__arxiv_item_t **batch, size_t n,
                   const char *why)
{
    char *ids = id_list_text(batch, n, item_id);
    int rc = ids != NULL ? aws__arxiv_say(f->report, "arXiv: %s for %zu id%s (%s); left for "
                                          "the next run", why, n, n == 1 ? "" : "s", ids)
                         : -1;
    free(ids);
    return rc;
}

static int is_transient(CURLcode res, long status)
{
    if (res == CURLE_OK)
        return status >= 500 || status == 429;
    return res == CURLE_OPERATION_TIMEDOUT || res == CURLE_RECV_ERROR
           || res == CURLE_SEND_ERROR || res == CURLE_GOT_NOTHING
           || res == CURLE_PARTIAL_FILE || res == CURLE_HTTP2
           || res == CURLE_HTTP2_STREAM;
}

static int is_offline(CURLcode res)
{
    return res == CURLE_COULDNT_CONNECT || res == CURLE_COULDNT_RESOLVE_HOST
           || res == CURLE_COULDNT_RESOLVE_PROXY;
}

/* What went wrong with one request, for messages. */
static void describe(const aws__arxiv_fetcher_t *f, CURLcode res, long status, char *buf,
                     size_t len)
{
    if (res == CURLE_OK)
        snprintf(buf, len, "HTTP %ld", status);
    else if (res == CURLE_WRITE_ERROR && f->body_fail == AWS__BODY_TOO_LARGE)
        snprintf(buf, len, "a response over %u bytes", MAX_RESPONSE_BYTES);
    else
        snprintf(buf, len, "%s", f->curl_err[0] ? f->curl_err
                                                : curl_easy_strerror(res));
}

/* Parses the body received for BATCH.  Returns 0 (taken, or reported as
 * unreadable), 1 when the body is not Atom and STATUS should be reported
 * instead, or -1 when out of memory. */
static int take_body(aws__arxiv_fetcher_t *f, aws__arxiv_item_t **batch, size_t n, long status)
{
    aws_atom_feed_t feed;
    char err[256];
    int rc = aws_atom_parse(f->body ? f->body : "", f->body_len, &feed, err,
                            sizeof err);
    if (rc == -2)
        return -1;
    if (rc == -1) {
        if (status >= 300)
            return 1;
        char why[320];
        snprintf(why, sizeof why, "unreadable response (%s)", err);
        return give_up(f, batch, n, why);
    }
    if (status >= 300 && feed.errors.n == 0) {
        aws_atom_feed_clear(&feed);
        return 1;
    }
    rc = take_feed(f, &feed, batch, n);
    aws_atom_feed_clear(&feed);
    return rc;
}

/* Fetches the N items of BATCH, retrying what is worth retrying.  Returns
 * 0, 1 when the run must end (offline or interrupted), or -1. */
static int fetch_batch(aws__arxiv_fetcher_t *f, aws__arxiv_item_t **batch, size_t n)
{
    char *url = batch_url(f->opts->url, batch, n);
    if (url == NULL || curl_easy_setopt(f->curl, CURLOPT_URL, url) != CURLE_OK) {
        free(url);
        return -1;
    }
    free(url);
    double delay = f->interval_ms;
    for (unsigned attempt = 0;; attempt++) {
        if (f->last_end_ms >= 0 && wait_until(f, f->last_end_ms + delay) != 0)
            return 1;
        f->body_len = 0;
        f->body_fail = AWS__BODY_OK;
        f->curl_err[0] = '\0';
        CURLcode res = curl_easy_perform(f->curl);
        f->last_end_ms = now_ms();
        f->report->requests++;
        if (res == CURLE_ABORTED_BY_CALLBACK)
            return 1;       /* on_progress saw the stop flag */
        if (res == CURLE_WRITE_ERROR && f->body_fail == AWS__BODY_NOMEM)
            return -1;
        long status = 0;
        curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
        char why[CURL_ERROR_SIZE + 64];
        describe(f, res, status, why, sizeof why);
        if (res == CURLE_OK && status >= 200 && status < 500 && status != 429) {
            int rc = take_body(f, batch, n, status);
            if (rc <= 0)
                return rc;
            return give_up(f, batch, n, why);
        }
        if (is_offline(res)) {
            snprintf(f->offline_why, sizeof f->offline_why, "%s", why);
            return 1;
        }
        if (!is_transient(res, status))
            return give_up(f, batch, n, why);
        if (attempt >= f->max_retries) {
            char msg[sizeof why + 64];
            snprintf(msg, sizeof msg, "%s after %u attempts", why, attempt + 1);
            return give_up(f, batch, n, msg);
        }
        /* Exponential backoff from the interval, or longer if asked. */
        delay = (double)f->interval_ms * (double)(2u << (attempt < 10 ? attempt : 10));
        curl_off_t after = 0;
        if (curl_easy_getinfo(f->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK
            && after > 0) {
            if ((double)after * 1000.0 > MAX_WAIT_MS) {
                char msg[sizeof why + 64];
                snprintf(msg, sizeof msg, "%s with Retry-After %ld s",
                         why, (long)after);
                return give_up(f, batch, n, msg);
            }
            if ((double)after * 1000.0 > delay)
                delay = (double)after * 1000.0;
        }
        if (delay > MAX_WAIT_MS)
            delay = MAX_WAIT_MS;
        if (stopped(f))
            return 1;
    }
}

/* The messages that close a run: the ids arXiv did not know, and why the
 * run ended early (RC 1: offline or interrupted).  Returns RC settled to 0
 * or -1. */
static int settle_run(aws__arxiv_fetcher_t *f, int rc)
{
    aws_arxiv_report_t *r = f->report;
    if (rc >= 0 && f->unknown.n > 0) {
        char *ids = id_list_text(&f->unknown, f->unknown.n, strv_id);
        if (ids == NULL
            || aws__arxiv_say(r, "arXiv has no record of %zu id%s: %s", f->unknown.n,
                              f->unknown.n == 1 ? "" : "s", ids) != 0)
            rc = -1;
        free(ids);
    }
    if (rc != 1)
        return rc;
    size_t left = f->n_queue - f->head;
    const char *s = left == 1 ? "" : "s";
    if (f->offline_why[0] != '\0') {
        r->offline = 1;
        return aws__arxiv_say(r, "arXiv unreachable at %s (%s): %zu abstract%s not "
                              "fetched; the next awindex run that reaches arXiv "
                              "fetches them, or load them with --abstracts FILE.jsonl",
                              f->opts->url, f->offline_why, left, s);
    }
    r->interrupted = 1;
    return aws__arxiv_say(r, "interrupted: %zu abstract%s not fetched; the next "
                          "awindex run fetches them", left, s);
}

int aws__arxiv_fetch_all(aws__arxiv_fetcher_t *f)
{
    int rc = setup_curl(f);
    f->start_ms = now_ms();
    f->last_end_ms = -1;
    /* The batch points at copies of the queue's items, since take_feed may
     * grow (and so move) the queue; the strings stay the queue's. */
    aws__arxiv_item_t **batch = malloc(f->batch * sizeof *batch);
    aws__arxiv_item_t *copies = malloc(f->batch * sizeof *copies);
    if (batch == NULL || copies == NULL)
        rc = -1;
    if (rc == 0)
        draw_progress(f, 0);
    while (rc == 0 && f->head < f->n_queue) {
        size_t n = 0;
        while (n < f->batch && f->head + n < f->n_queue) {
            copies[n] = f->queue[f->head + n];
            batch[n] = &copies[n];
            n++;
        }
        rc = fetch_batch(f, batch, n);
        if (rc == 0) {
            f->head += n;
            f->done += n;
            draw_progress(f, 0);
        }
    }
    free(batch);
    free(copies);
    draw_progress(f, 1);
    rc = settle_run(f, rc);
    /* The transfer state is this file's: none of it outlives the run. */
    curl_easy_cleanup(f->curl);
    f->curl = NULL;
    free(f->body);
    f->body = NULL;
    f->body_len = f->body_cap = 0;
    aws_strv_free(&f->unknown);
    return rc;
}
