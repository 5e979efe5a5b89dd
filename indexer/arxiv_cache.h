/* arxiv_cache.h - one file per paper of arXiv metadata, on disk.
 *
 * The cache folder (SPEC.md: --cache, AWSEARCH_CACHE) holds arxiv/ID.json
 * for each paper fetched, "/" in old-style ids written as "_"
 * (hep-th/9901001 -> arxiv/hep-th_9901001.json).  A record is a JSON
 * object: format (1), id, fetched_at (UTC, ISO 8601), title, authors,
 * abstract, categories, published (or null), version; or, for an id arXiv
 * had no record of, just format, id, fetched_at and "missing": true, so
 * that the next runs do not ask again at once.  Records are written
 * to a temporary file in the same folder and renamed into place, so a
 * reader never sees half a record; one that fails to load is reported as
 * corrupt and the paper is fetched again.
 */
#ifndef AWS_ARXIV_CACHE_H
#define AWS_ARXIV_CACHE_H

#include <stddef.h>
#include <time.h>

#include "papermeta.h"

/* The record file for the arXiv id ID under DIR, malloc'd; NULL when ID is
 * not a normalised arXiv id or out of memory. */
char *aws_arxiv_cache_path(const char *dir, const char *id);

typedef enum aws_cache_status {
    AWS_CACHE_HIT = 0,     /* *OUT holds the record */
    AWS_CACHE_ABSENT,      /* no record for this id */
    AWS_CACHE_MISSING,     /* arXiv had no record of ID at *FETCHED_AT */
    AWS_CACHE_CORRUPT,     /* a record that cannot be used; why in ERRBUF */
    AWS_CACHE_NOMEM,
} aws_cache_status_t;

/* Loads the record of ID from DIR into *OUT (zeroed by the caller; freed
 * with aws_paper_meta_clear) and its fetch time into *FETCHED_AT when not
 * NULL.  A corrupt record's reason, naming the file and the line or field,
 * goes to ERRBUF. */
aws_cache_status_t aws_arxiv_cache_load(const char *dir, const char *id,
                                        aws_paper_meta_t *out,
                                        time_t *fetched_at, char *errbuf,
                                        size_t errlen);

/* Writes M's record under DIR (creating DIR/arxiv when missing) atomically,
 * stamped FETCHED_AT.  Returns 0, or -1 with a one-line reason naming the
 * file in ERRBUF. */
int aws_arxiv_cache_store(const char *dir, const aws_paper_meta_t *m,
                          time_t fetched_at, char *errbuf, size_t errlen);

/* Writes a record saying that arXiv had no record of ID at FETCHED_AT.
 * Returns 0, or -1 with a one-line reason in ERRBUF. */
int aws_arxiv_cache_store_missing(const char *dir, const char *id,
                                  time_t fetched_at, char *errbuf,
                                  size_t errlen);

#endif /* AWS_ARXIV_CACHE_H */
