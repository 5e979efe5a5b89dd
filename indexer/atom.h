/* atom.h - parse an arXiv API response (Atom XML) into paper metadata.
 *
 * Both response shapes are understood: the older one
 * (shared/data/arxiv-api-example.xml, with rel= links and empty <entry>
 * elements standing for ids that were not found) and the one in use since
 * late 2025 (shared/data/arxiv-api-captured/2025-11_*, where missing ids
 * are simply left out).  arXiv's error entries (an <id> under
 * http://arxiv.org/api/errors) are collected apart from the papers.
 *
 * The parser is libxml2 with network access and entity substitution off;
 * a document with a DOCTYPE is refused outright, since arXiv never sends
 * one and it is the only way to declare entities.
 */
#ifndef AWS_ATOM_H
#define AWS_ATOM_H

#include <stddef.h>

#include "papermeta.h"

/* What one response held.  The feed owns everything in it; free it with
 * aws_atom_feed_clear. */
typedef struct aws_atom_feed {
    aws_paper_meta_t *papers;  /* entries with an arXiv id, a title and a summary */
    size_t n_papers;
    aws_strv_t errors;         /* the text of each arXiv error entry */
    aws_strv_t error_ids;      /* the arXiv ids those errors name, normalised */
    aws_strv_t problems;       /* one line per entry that was dropped, and why */
    aws_strv_t problem_ids;    /* the arXiv ids of those entries, when they had one */
    size_t n_empty;            /* entries with no <id> at all (the older shape's missing ids) */
} aws_atom_feed_t;

/* Parses LEN bytes of BUF into *FEED, which must be zeroed.  Returns 0;
 * -1 when BUF is not an Atom feed (not well-formed, truncated, a DOCTYPE,
 * another root element), with a one-line reason naming the line in ERRBUF
 * and *FEED left empty; or -2 when out of memory. */
int aws_atom_parse(const char *buf, size_t len, aws_atom_feed_t *feed,
                   char *errbuf, size_t errlen);

void aws_atom_feed_clear(aws_atom_feed_t *feed);

/* Copies S[0..LEN) with every run of white space turned into one space and
 * none at either end; NULL when out of memory. */
char *aws_atom_squeeze(const char *s, size_t len);

#endif /* AWS_ATOM_H */
