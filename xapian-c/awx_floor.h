/* awx_floor.h - the engine's floor for the indexing benchmark (bench only).
 *
 * Feeds texts straight into Xapian's TermGenerator, with none of the
 * shim's prefixes, value slots or spelling data, so bench/bench_index.c can
 * measure how far awindex is from what Xapian itself costs.  Not part of
 * awsearch's programs: only the bench links the static library awx_floor.
 */
#ifndef AWX_FLOOR_H
#define AWX_FLOOR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One document's texts; any of them may be NULL. */
typedef struct awx_floor_doc {
    const char *id;        /* becomes the unique "Q" term */
    const char *title;
    const char *authors;   /* all names, one string */
    const char *abstract;
    const char *sections;  /* all section names, one string */
    const void *data;      /* stored as the document data */
    size_t data_len;
} awx_floor_doc_t;

/* Indexes the N_DOCS documents DOCS into a new database at PATH (which must
 * not exist) with an English stemmer, replacing by id term, and commits.
 * Returns 0, or -1 with a one-line message in ERRBUF; no exception leaves
 * this function. */
int awx_floor_index(const char *path, const awx_floor_doc_t *docs, size_t n_docs,
                    char *errbuf, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* AWX_FLOOR_H */
