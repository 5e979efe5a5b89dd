/* arxiv.h - fetch paper metadata from the arXiv API, with an on-disk cache.
 *
 * libcurl against the query API (id_list batches, one connection reused,
 * a minimum interval between requests, per-request timeout, retries with
 * exponential backoff honouring Retry-After), Atom parsed with libxml2
 * (atom.h), one cache record per paper (arxiv_cache.h).  See issue 5 and
 * SPEC.md (--fetch, --arxiv-url, --cache).
 *
 * What is never retried within a run: ids arXiv has no record of (they are
 * remembered in the cache for a week, so later runs do not ask again), a
 * response that cannot be parsed (reported with the batch's ids, left for
 * the next run), and an unreachable host (connection refused, no DNS: the
 * run goes on without the network and one message says how many abstracts
 * are missing and how to get them).
 */
#ifndef AWS_ARXIV_H
#define AWS_ARXIV_H

#include <signal.h>
#include <stddef.h>

#include "papermeta.h"

typedef enum aws_fetch_mode {
    AWS_FETCH_AUTO = 0,   /* cached, else fetch; offline keeps going */
    AWS_FETCH_ALWAYS,     /* refetch even what is cached */
    AWS_FETCH_NEVER,      /* cache only, no request */
} aws_fetch_mode_t;

typedef struct aws_arxiv_opts {
    const char *url;          /* API endpoint */
    const char *cache_dir;    /* NULL: no cache */
    aws_fetch_mode_t mode;
    unsigned batch_size;      /* ids per request; 0: 50 */
    unsigned interval_ms;     /* from the end of one request to the start of the
                                 next; 0: 3000 (AWSEARCH_ARXIV_INTERVAL_MS overrides) */
    unsigned timeout_ms;      /* per request; 0: 30000 */
    unsigned max_retries;     /* retries of a batch after 5xx, 429 or a time-out;
                                 0: 4 (backoff: 2, 4, 8... times the interval,
                                 or Retry-After when longer) */
    int progress;             /* 1: draw progress on stderr */
    volatile sig_atomic_t *stop; /* set by a signal handler: end the request in
                                    flight (within about a second) and send no
                                    more; what was fetched is kept */
} aws_arxiv_opts_t;

/* The interval defaults and the environment variable that overrides it
 * (tests shorten it; arXiv asks for no more than one request in 3 s). */
#define AWS_ARXIV_INTERVAL_MS 3000
#define AWS_ARXIV_INTERVAL_ENV "AWSEARCH_ARXIV_INTERVAL_MS"
#define AWS_ARXIV_USER_AGENT "awsearch/" AWS_VERSION " (+https://github.com/awsearch)"

typedef struct aws_arxiv_report {
    size_t fetched;           /* papers fetched from the API in this run */
    size_t cached;            /* papers taken from the cache */
    size_t missing;           /* papers still without metadata */
    size_t requests;          /* HTTP requests made */
    int offline;              /* arXiv could not be reached; the rest were left */
    int interrupted;          /* opts->stop was set; the rest were left */
    char **messages;          /* one-line warnings, malloc'd */
    size_t n_messages;
} aws_arxiv_report_t;

/* Frees the messages and zeroes R. */
void aws_arxiv_report_clear(aws_arxiv_report_t *r);

/* Looks up metadata for the N_IDS arXiv ids in IDS (any form
 * aws_arxiv_id_parse takes; duplicates are looked up once) and calls
 * FN(META, CTX) once for each paper found, from the cache or the network.
 * META is only valid during the call.  Every fetched paper is written to
 * the cache before FN sees it, so an interrupted run keeps what it got.
 * REPORT is overwritten (the caller clears it with aws_arxiv_report_clear).
 * Returns 0 (missing papers and network trouble are in REPORT), or -1 when
 * out of memory or when FN returned non-zero. */
typedef int (*aws_arxiv_meta_fn)(const aws_paper_meta_t *meta, void *ctx);
int aws_arxiv_fetch(const char *const *ids, size_t n_ids,
                    const aws_arxiv_opts_t *opts, aws_arxiv_meta_fn fn,
                    void *ctx, aws_arxiv_report_t *report);

#endif /* AWS_ARXIV_H */
