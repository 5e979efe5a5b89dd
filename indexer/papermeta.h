/* papermeta.h - paper metadata from outside the list, and merging it in.
 *
 * Two sources fill it: JSON-lines files (awindex --abstracts; both the shape
 * of shared/data/arxiv-abstracts.jsonl and arXiv's metadata-snapshot shape,
 * "abstract" or "summary") and the arXiv API (arxiv.h).  The list stays
 * authoritative for title and sections; the metadata brings the abstract,
 * the full author list (lists stop at ten), categories and the published
 * date.
 */
#ifndef AWS_PAPERMETA_H
#define AWS_PAPERMETA_H

#include <stdio.h>

#include "entry.h"

typedef struct aws_paper_meta {
    char *id;              /* normalised arXiv id, no version */
    char *title;
    aws_strv_t authors;
    char *abstract;        /* white space normalised */
    aws_strv_t categories;
    char *published;       /* YYYY-MM-DD, or NULL */
    int version;           /* latest version seen, 0: unknown */
    int incomplete;        /* the source marked the abstract incomplete */
} aws_paper_meta_t;

void aws_paper_meta_clear(aws_paper_meta_t *m);

/* Copies what M knows into the paper entry E: the abstract, the author list
 * when M's is longer, categories, published date and the year from it when
 * E has none.  Title and sections are left alone.  Returns 0, or -1 when out
 * of memory. */
int aws_entry_apply_meta(aws_entry_t *e, const aws_paper_meta_t *m);

/* Parses one JSON object (LEN bytes of LINE) into *OUT.  Returns 0, or -1
 * with a one-line reason in ERRBUF (no file or line: the caller adds them). */
int aws_paper_meta_from_json(const char *line, size_t len, aws_paper_meta_t *out,
                             char *errbuf, size_t errlen);

/* What "-" is called in messages, by the reader and by awindex. */
#define AWS_STDIN_NAME "standard input"

/* Reads the JSON-lines file PATH (one object per line, as
 * aws_paper_meta_from_json takes them; blank lines are skipped; gzip'd or
 * plain, "-" for standard input, named AWS_STDIN_NAME in problems) and calls
 * FN(META, CTX) for every good record; META lives only during the call.  A
 * malformed record is skipped and PROBLEM(MESSAGE, CTX) is called with
 * "PATH:LINE: why".  A non-zero return from FN (make it positive, to tell
 * it from the errors) stops the walk and is returned.  Returns 0, -1 when
 * out of memory, -2 when PATH cannot be read (errno is set), or -3 when it
 * is no JSON lines at all (compressed otherwise than with gzip, binary, a
 * corrupt gzip stream), with the one-line reason in WHY (WHYLEN bytes; may
 * be NULL). */
typedef int (*aws_paper_meta_fn)(const aws_paper_meta_t *meta, void *ctx);
typedef void (*aws_paper_meta_problem_fn)(const char *message, void *ctx);
int aws_paper_meta_load(const char *path, aws_paper_meta_fn fn,
                        aws_paper_meta_problem_fn problem, void *ctx, char *why,
                        size_t whylen);

/* aws_paper_meta_load without the reason. */
int aws_paper_meta_load_file(const char *path, aws_paper_meta_fn fn,
                             aws_paper_meta_problem_fn problem, void *ctx);

#endif /* AWS_PAPERMETA_H */
