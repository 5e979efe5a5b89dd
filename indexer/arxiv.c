/* arxiv.c - look up paper metadata: from the on-disk cache, else queued
 * for the arXiv API.
 *
 * The ids are normalised and de-duplicated, the cache answers what it can
 * (including "arXiv had no record of this id" for a week), and the rest are
 * queued for arxiv_batch.c, which fetches them in id_list batches.  This
 * half owns the report's counts and the ids' strings.
 */
#include "arxiv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arxiv_cache.h"
#include "arxiv_fetcher.h"
#include "strfmt.h"
#include "ids.h"

#define DEFAULT_BATCH 50
#define DEFAULT_TIMEOUT_MS 30000
#define DEFAULT_RETRIES 4
/* An id arXiv had no record of is not asked again for this long. */
#define MISSING_TTL_S (7 * 24 * 3600)

void aws_arxiv_report_clear(aws_arxiv_report_t *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_messages; i++)
        free(r->messages[i]);
    free(r->messages);
    memset(r, 0, sizeof *r);
}

int aws__arxiv_say(aws_arxiv_report_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = aws_vstrfmt(fmt, ap);
    va_end(ap);
    char **nm = msg != NULL ? realloc(r->messages, (r->n_messages + 1) * sizeof *nm)
                            : NULL;
    if (nm == NULL) {
        free(msg);
        return -1;
    }
    r->messages = nm;
    r->messages[r->n_messages++] = msg;
    return 0;
}

int aws__arxiv_queue(aws__arxiv_fetcher_t *f, char *id, int requeued)
{
    if (f->n_queue == f->cap_queue) {
        size_t cap = f->cap_queue ? f->cap_queue * 2 : 64;
        aws__arxiv_item_t *nq = realloc(f->queue, cap * sizeof *nq);
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

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the interval, timeout, retries and batch size from OPTS and the
 * environment. */
static int settle_options(aws__arxiv_fetcher_t *f)
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
            return aws__arxiv_say(f->report, "%s=%s: not a number of milliseconds; using %u",
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
            rc = aws__arxiv_say(report, "%s: not an arXiv id; no abstract fetched", ids[i]);
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
static int consult_cache(aws__arxiv_fetcher_t *f, char **norm, size_t n)
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
                rc = aws__arxiv_say(f->report, "%s; fetching it again", err);
            if (rc == 0 && (rc = aws__arxiv_queue(f, norm[i], 0)) == 0)
                norm[i] = NULL;
        }
    }
    if (rc == 0 && n_unknown > 0)
        rc = aws__arxiv_say(f->report, "%zu id%s that arXiv had no record of in the last "
                            "%d days %s not asked again (--fetch always asks)", n_unknown,
                            n_unknown == 1 ? "" : "s", MISSING_TTL_S / 86400,
                            n_unknown == 1 ? "was" : "were");
    return rc;
}

int aws_arxiv_fetch(const char *const *ids, size_t n_ids,
                    const aws_arxiv_opts_t *opts, aws_arxiv_meta_fn fn,
                    void *ctx, aws_arxiv_report_t *report)
{
    aws__arxiv_fetcher_t f;
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
        rc = aws__arxiv_say(report, "%zu abstract%s not in the cache (--fetch never); "
                            "run awindex --fetch auto to fetch them", f.n_queue,
                            f.n_queue == 1 ? " is" : "s are");
    else if (rc == 0 && f.n_queue > 0)
        rc = aws__arxiv_fetch_all(&f);
    report->missing = n_bad + n_norm - report->fetched - report->cached;
    for (size_t i = 0; norm != NULL && i < n_norm; i++)
        free(norm[i]);
    free(norm);
    for (size_t i = 0; i < f.n_queue; i++)
        free(f.queue[i].id);
    free(f.queue);
    return rc < 0 ? -1 : 0;
}
