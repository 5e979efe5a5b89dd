/* arxiv.c - fetch paper metadata from the arXiv API, with an on-disk cache.
 *
 * The ids are normalised and de-duplicated, the cache answers what it can,
 * and the rest go to the API in id_list batches over one libcurl easy handle
 * (so one kept-alive connection).  Requests are paced: the next starts no
 * sooner than the interval after the previous one finished, which arXiv's
 * "one request every three seconds" asks for and which a server can check.
 * Failures sort into three kinds: transient (5xx, 429, time-outs, dropped
 * connections: retried with exponential backoff, honouring Retry-After),
 * offline (connection refused, no DNS: nothing more is tried this run) and
 * final (anything else: the batch is reported and left for the next run).
 */
#include "arxiv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "arxiv_cache.h"
#include "atom.h"
#include "ids.h"

#define DEFAULT_BATCH 50
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 4
/* Larger than any id_list answer; a bigger one is not arXiv. */
#define MAX_RESPONSE_BYTES (64u * 1024 * 1024)
/* A Retry-After longer than this gives up on the batch instead. */
#define MAX_WAIT_MS (10u * 60 * 1000)
/* An id arXiv had no record of is not asked again for this long. */
#define MISSING_TTL_S (7 * 24 * 3600)
/* How many ids a message names before "and N more". */
#define IDS_IN_MESSAGE 50

typedef struct item {
    char *id;
    int requeued;        /* already sent back once after an error entry */
} item_t;

typedef struct fetcher {
    const aws_arxiv_opts_t *opts;
    aws_arxiv_report_t *report;
    aws_arxiv_meta_fn fn;
    void *ctx;
    unsigned interval_ms, timeout_ms, max_retries, batch;
    CURL *curl;
    char *body;          /* the response being received */
    size_t body_len, body_cap;
    char curl_err[CURL_ERROR_SIZE];
    item_t *queue;       /* ids to fetch; the fetch loop owns their strings */
    size_t n_queue, cap_queue, head;
    double last_end_ms;  /* when the previous request finished; < 0: none yet */
    double start_ms;     /* for the progress line */
    size_t done;         /* queue items settled, for the progress line */
    int cache_failed;    /* a cache write failed (reported once) */
    aws_strv_t unknown;  /* ids arXiv answered without, for one message */
    char offline_why[CURL_ERROR_SIZE + 64];
} fetcher_t;

void aws_arxiv_report_clear(aws_arxiv_report_t *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_messages; i++)
        free(r->messages[i]);
    free(r->messages);
    memset(r, 0, sizeof *r);
}

/* Appends a formatted one-line message to the report; -1 when out of memory. */
static int say(aws_arxiv_report_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0)
        return -1;
    char *msg = malloc((size_t)len + 1);
    char **nm = msg != NULL ? realloc(r->messages, (r->n_messages + 1) * sizeof *nm)
                            : NULL;
    if (nm == NULL) {
        free(msg);
        return -1;
    }
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    va_end(ap);
    r->messages = nm;
    r->messages[r->n_messages++] = msg;
    return 0;
}

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
    return ((item_t *const *)items)[i]->id;
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

static int stopped(const fetcher_t *f)
{
    return f->opts->stop != NULL && *f->opts->stop;
}

/* Sleeps until TARGET (monotonic ms) in short naps so that Ctrl-C is seen
 * at once.  Returns 0, or -1 when asked to stop. */
static int wait_until(const fetcher_t *f, double target)
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

static void draw_progress(const fetcher_t *f, int last)
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
    fetcher_t *f = userp;
    size_t n = size * nmemb;
    if (n > MAX_RESPONSE_BYTES - f->body_len)
        return 0;
    if (f->body_len + n + 1 > f->body_cap) {
        size_t cap = f->body_cap ? f->body_cap : 65536;
        while (cap < f->body_len + n + 1)
            cap *= 2;
        char *nb = realloc(f->body, cap);
        if (nb == NULL)
            return 0;
        f->body = nb;
        f->body_cap = cap;
    }
    memcpy(f->body + f->body_len, data, n);
    f->body_len += n;
    return n;
}

static int setup_curl(fetcher_t *f)
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
    return bad ? -1 : 0;
}

/* The query URL for the batch: id_list with max_results covering it. */
static char *batch_url(const char *base, item_t *const *items, size_t n)
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

static int push_item(fetcher_t *f, char *id, int requeued)
{
    if (f->n_queue == f->cap_queue) {
        size_t cap = f->cap_queue ? f->cap_queue * 2 : 64;
        item_t *nq = realloc(f->queue, cap * sizeof *nq);
        if (nq == NULL)
            return -1;
        f->queue = nq;
        f->cap_queue = cap;
    }
    f->queue[f->n_queue].id = id;
    f->queue[f->n_queue].requeued = requeued;
    f->n_queue++;
    return 0;
}

/* Writes M's record, or (M NULL) that arXiv has no record of ID. */
static int cache(fetcher_t *f, const aws_paper_meta_t *m, const char *id)
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
    return say(f->report, "%s; abstracts are not cached in this run", err);
}

/* Hands one fetched paper to the cache and the caller. */
static int deliver(fetcher_t *f, const aws_paper_meta_t *m)
{
    if (cache(f, m, NULL) != 0 || f->fn(m, f->ctx) != 0)
        return -1;
    f->report->fetched++;
    return 0;
}

/* Takes a parsed response for the N items of BATCH.  Returns 0 or -1. */
static int take_feed(fetcher_t *f, const aws_atom_feed_t *feed,
                     item_t **batch, size_t n)
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
        rc = say(f->report, "arXiv error: %s", feed->errors.v[e]);
    for (size_t e = 0; e < feed->problems.n && rc == 0; e++)
        rc = say(f->report, "arXiv response: %s; left for the next run",
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
            rc = id != NULL && push_item(f, id, 1) == 0 ? 0 : -1;
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
static int give_up(fetcher_t *f, item_t **batch, size_t n, const char *why)
{
    char *ids = id_list_text(batch, n, item_id);
    int rc = ids != NULL ? say(f->report, "arXiv: %s for %zu id%s (%s); left "
                               "for the next run", why, n, n == 1 ? "" : "s",
                               ids)
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
static void describe(const fetcher_t *f, CURLcode res, long status, char *buf,
                     size_t len)
{
    if (res == CURLE_OK)
        snprintf(buf, len, "HTTP %ld", status);
    else if (res == CURLE_WRITE_ERROR && f->body_len + 65536 > MAX_RESPONSE_BYTES)
        snprintf(buf, len, "a response over %u bytes", MAX_RESPONSE_BYTES);
    else
        snprintf(buf, len, "%s", f->curl_err[0] ? f->curl_err
                                                : curl_easy_strerror(res));
}

/* Parses the body received for BATCH.  Returns 0 (taken, or reported as
 * unreadable), 1 when the body is not Atom and STATUS should be reported
 * instead, or -1 when out of memory. */
static int take_body(fetcher_t *f, item_t **batch, size_t n, long status)
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
static int fetch_batch(fetcher_t *f, item_t **batch, size_t n)
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
        f->curl_err[0] = '\0';
        CURLcode res = curl_easy_perform(f->curl);
        f->last_end_ms = now_ms();
        f->report->requests++;
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

/* Fetches every queued id; settles the report's flags and messages. */
static int fetch_all(fetcher_t *f)
{
    if (setup_curl(f) != 0)
        return -1;
    f->start_ms = now_ms();
    f->last_end_ms = -1;
    /* The batch points at copies of the queue's items, since take_feed may
     * grow (and so move) the queue; the strings stay the queue's. */
    item_t **batch = malloc(f->batch * sizeof *batch);
    item_t *copies = malloc(f->batch * sizeof *copies);
    int rc = batch != NULL && copies != NULL ? 0 : -1;
    draw_progress(f, 0);
    while (f->head < f->n_queue && rc == 0) {
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
    if (rc >= 0 && f->unknown.n > 0) {
        char *ids = id_list_text(&f->unknown, f->unknown.n, strv_id);
        int r = ids != NULL ? say(f->report, "arXiv has no record of %zu id%s: %s",
                                  f->unknown.n, f->unknown.n == 1 ? "" : "s", ids)
                            : -1;
        free(ids);
        if (r != 0)
            rc = -1;
    }
    size_t left = f->n_queue - f->head;
    if (rc == 1 && f->offline_why[0] != '\0') {
        f->report->offline = 1;
        rc = say(f->report, "arXiv unreachable at %s (%s): %zu abstract%s not "
                 "fetched; the next awindex run that reaches arXiv fetches "
                 "them, or load them with --abstracts FILE.jsonl",
                 f->opts->url, f->offline_why, left, left == 1 ? "" : "s");
    } else if (rc == 1) {
        f->report->interrupted = 1;
        rc = say(f->report, "interrupted: %zu abstract%s not fetched; the next "
                 "awindex run fetches them", left, left == 1 ? "" : "s");
    }
    curl_easy_cleanup(f->curl);
    f->curl = NULL;
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the interval, timeout, retries and batch size from OPTS and the
 * environment. */
static int settle_options(fetcher_t *f)
{
    const aws_arxiv_opts_t *o = f->opts;
    f->interval_ms = o->interval_ms ? o->interval_ms : AWS_ARXIV_INTERVAL_MS;
    f->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    f->max_retries = o->max_retries ? o->max_retries : DEFAULT_RETRIES;
    f->batch = o->batch_size ? o->batch_size : DEFAULT_BATCH;
    if (f->batch > 1000)
        f->batch = 1000;
    const char *env = getenv(AWS_ARXIV_INTERVAL_ENV);
    if (env != NULL && env[0] != '\0') {
        char *end;
        errno = 0;
        unsigned long v = strtoul(env, &end, 10);
        if (errno != 0 || *end != '\0' || env[0] == '-' || v > 3600000)
            return say(f->report, "%s=%s: not a number of milliseconds; using %u",
                       AWS_ARXIV_INTERVAL_ENV, env, f->interval_ms);
        f->interval_ms = (unsigned)v;
    }
    return 0;
}

/* Normalises IDS into a sorted array without duplicates (*N_NORM of them;
 * the caller frees each and the array), reporting those that are not arXiv
 * ids (*N_BAD).  Returns 0, or -1 when out of memory. */
static int normalise_ids(const char *const *ids, size_t n_ids,
                         aws_arxiv_report_t *report, char ***out,
                         size_t *n_norm, size_t *n_bad)
{
    char **norm = calloc(n_ids ? n_ids : 1, sizeof *norm);
    if (norm == NULL)
        return -1;
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < n_ids && rc == 0; i++) {
        char id[AWS_ID_MAX];
        if (aws_arxiv_id_parse(ids[i], strlen(ids[i]), id) != 0) {
            (*n_bad)++;
            rc = say(report, "%s: not an arXiv id; no abstract fetched", ids[i]);
        } else if ((norm[n] = strdup(id)) == NULL) {
            rc = -1;
        } else {
            n++;
        }
    }
    qsort(norm, n, sizeof *norm, cmp_str);
    size_t n_unique = 0;
    for (size_t i = 0; i < n; i++) {
        if (n_unique > 0 && strcmp(norm[n_unique - 1], norm[i]) == 0)
            free(norm[i]);
        else
            norm[n_unique++] = norm[i];
    }
    *out = norm;
    *n_norm = n_unique;
    return rc;
}

/* Hands over what the cache holds for the N ids of NORM and queues the rest
 * (taking their strings out of NORM).  Returns 0, or -1. */
static int consult_cache(fetcher_t *f, char **norm, size_t n)
{
    const aws_arxiv_opts_t *opts = f->opts;
    size_t n_unknown = 0;
    time_t now = time(NULL);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        aws_cache_status_t st = AWS_CACHE_ABSENT;
        aws_paper_meta_t m;
        memset(&m, 0, sizeof m);
        char err[512];
        time_t when = 0;
        if (opts->cache_dir != NULL && opts->mode != AWS_FETCH_ALWAYS)
            st = aws_arxiv_cache_load(opts->cache_dir, norm[i], &m, &when, err,
                                      sizeof err);
        if (st == AWS_CACHE_MISSING && now - when < MISSING_TTL_S && now >= when) {
            n_unknown++;
        } else if (st == AWS_CACHE_HIT) {
            rc = f->fn(&m, f->ctx) == 0 ? 0 : -1;
            f->report->cached += rc == 0;
            aws_paper_meta_clear(&m);
        } else if (st == AWS_CACHE_NOMEM) {
            rc = -1;
        } else {
            if (st == AWS_CACHE_CORRUPT)
                rc = say(f->report, "%s; fetching it again", err);
            if (rc == 0 && (rc = push_item(f, norm[i], 0)) == 0)
                norm[i] = NULL;
        }
    }
    if (rc == 0 && n_unknown > 0)
        rc = say(f->report, "%zu id%s that arXiv had no record of in the last %d "
                 "days %s not asked again (--fetch always asks)", n_unknown,
                 n_unknown == 1 ? "" : "s", MISSING_TTL_S / 86400,
                 n_unknown == 1 ? "was" : "were");
    return rc;
}

int aws_arxiv_fetch(const char *const *ids, size_t n_ids,
                    const aws_arxiv_opts_t *opts, aws_arxiv_meta_fn fn,
                    void *ctx, aws_arxiv_report_t *report)
{
    fetcher_t f;
    memset(&f, 0, sizeof f);
    memset(report, 0, sizeof *report);
    f.opts = opts;
    f.report = report;
    f.fn = fn;
    f.ctx = ctx;
    char **norm = NULL;
    size_t n_norm = 0, n_bad = 0;
    int rc = settle_options(&f);
    if (rc == 0)
        rc = normalise_ids(ids, n_ids, report, &norm, &n_norm, &n_bad);
    if (rc == 0)
        rc = consult_cache(&f, norm, n_norm);
    if (rc == 0 && f.n_queue > 0 && opts->mode == AWS_FETCH_NEVER)
        rc = say(report, "%zu abstract%s not in the cache (--fetch never); "
                 "run awindex --fetch auto to fetch them", f.n_queue,
                 f.n_queue == 1 ? " is" : "s are");
    else if (rc == 0 && f.n_queue > 0)
        rc = fetch_all(&f);
    report->missing = n_bad + n_norm - report->fetched - report->cached;
    for (size_t i = 0; norm != NULL && i < n_norm; i++)
        free(norm[i]);
    free(norm);
    for (size_t i = 0; i < f.n_queue; i++)
        free(f.queue[i].id);
    free(f.queue);
    aws_strv_free(&f.unknown);
    free(f.body);
    if (f.curl != NULL)
        curl_easy_cleanup(f.curl);
    return rc < 0 ? -1 : 0;
}
