/* arxiv.h - fetch paper metadata from the arXiv API, with an on-disk cache.
 *
 * libcurl against the query API (id_list batches, one connection reused,
 * a minimum interval between requests, per-request timeout, retries with
 * exponential backoff honouring Retry-After), Atom parsed with libxml2, one
 * cache record per paper.  See issue 5 and SPEC.md (--fetch, --arxiv-url,
 * --cache).
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
    unsigned interval_ms;     /* between requests; 0: 3000 (AWSEARCH_ARXIV_INTERVAL_MS overrides) */
    unsigned timeout_ms;      /* per request; 0: 30000 */
    unsigned max_retries;     /* 0: 4 */
    int progress;             /* 1: draw progress on stderr */
    volatile sig_atomic_t *stop; /* set by a signal handler: stop after the current request */
} aws_arxiv_opts_t;

typedef struct aws_arxiv_report {
    size_t fetched;           /* papers fetched from the API in this run */
    size_t cached;            /* papers taken from the cache */
    size_t missing;           /* papers still without metadata */
    size_t requests;          /* HTTP requests made */
    char **messages;          /* one-line warnings, malloc'd */
    size_t n_messages;
} aws_arxiv_report_t;

void aws_arxiv_report_clear(aws_arxiv_report_t *r);

/* Looks up metadata for the N_IDS arXiv ids in IDS and calls
 * FN(META, CTX) for each paper found (from the cache or the network).
 * Returns 0 (missing papers and network trouble are in REPORT), or -1 when
 * out of memory. */
typedef int (*aws_arxiv_meta_fn)(const aws_paper_meta_t *meta, void *ctx);
int aws_arxiv_fetch(const char *const *ids, size_t n_ids,
                    const aws_arxiv_opts_t *opts, aws_arxiv_meta_fn fn,
                    void *ctx, aws_arxiv_report_t *report);

#endif /* AWS_ARXIV_H */
