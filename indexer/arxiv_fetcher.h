/* arxiv_fetcher.h - the state one aws_arxiv_fetch run shares between its
 * two halves (private to arxiv.c and arxiv_batch.c).
 *
 * arxiv.c decides what to fetch: it normalises the ids, asks the cache and
 * queues the rest.  arxiv_batch.c fetches the queue from the API in paced,
 * retried batches and hands each paper to the cache and the caller.
 */
#ifndef AWS_ARXIV_FETCHER_H
#define AWS_ARXIV_FETCHER_H

#include <stddef.h>

#include <curl/curl.h>

#include "arxiv.h"
#include "entry.h"

/* One id waiting in the queue. */
typedef struct aws__arxiv_item {
    char *id;            /* owned by the queue */
    int requeued;        /* already sent back once after an error entry */
} aws__arxiv_item_t;

/* Why the body callback stopped taking a response: curl reports both as
 * CURLE_WRITE_ERROR, but only one of them is the server's doing. */
typedef enum aws__body_fail {
    AWS__BODY_OK = 0,
    AWS__BODY_TOO_LARGE, /* the response passed the size limit */
    AWS__BODY_NOMEM,     /* the buffer could not grow */
} aws__body_fail_t;

typedef struct aws__arxiv_fetcher {
    const aws_arxiv_opts_t *opts;
    aws_arxiv_report_t *report;
    aws_arxiv_meta_fn fn;
    void *ctx;
    unsigned interval_ms, timeout_ms, max_retries, batch; /* settled options */
    aws__arxiv_item_t *queue; /* ids to fetch, in order */
    size_t n_queue, cap_queue, head;
    /* The rest belongs to arxiv_batch.c's fetch loop. */
    CURL *curl;
    char *body;          /* the response being received */
    size_t body_len, body_cap;
    aws__body_fail_t body_fail; /* why the last response was refused */
    char curl_err[CURL_ERROR_SIZE];
    double last_end_ms;  /* when the previous request finished; < 0: none yet */
    double start_ms;     /* for the progress line */
    size_t done;         /* queue items settled, for the progress line */
    int cache_failed;    /* a cache write failed (reported once) */
    aws_strv_t unknown;  /* ids arXiv answered without, for one message */
    char offline_why[CURL_ERROR_SIZE + 64];
} aws__arxiv_fetcher_t;

/* Appends a formatted one-line message to the report; -1 when out of memory. */
int aws__arxiv_say(aws_arxiv_report_t *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Appends ID (taking it) to F's queue; 0, or -1 when out of memory (ID is
 * then still the caller's). */
int aws__arxiv_queue(aws__arxiv_fetcher_t *f, char *id, int requeued);

/* Fetches every queued id, handing each paper found to the cache and
 * F->fn; settles the report's flags and messages.  Returns 0, or -1 when
 * out of memory or when F->fn failed. */
int aws__arxiv_fetch_all(aws__arxiv_fetcher_t *f);

#endif /* AWS_ARXIV_FETCHER_H */
