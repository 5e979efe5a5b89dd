/* report.h - what one awindex run did, for people (stderr) and scripts (--json).
 *
 * The report owns copies of every string put into it; aws_report_free
 * releases them.  Counting is done by the parts that do the work (sync.c
 * for documents, awindex.c for abstracts); this module only collects and
 * prints.
 */
#ifndef AWS_REPORT_H
#define AWS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "entry.h"

typedef struct aws_report {
    char *db_path;            /* the database written */
    aws_strv_t lists;         /* the list files read, as named */
    bool rebuild;             /* --rebuild */

    size_t items;             /* "- " items seen in the lists */
    size_t duplicates;        /* items merged into an earlier entry */
    size_t skipped;           /* items dropped as unparseable */
    size_t documents;         /* documents in the database after the run */

    size_t added;             /* ids new to the database */
    size_t updated;           /* ids whose stored form changed */
    size_t deleted;           /* ids gone from every list */
    size_t unchanged;         /* ids left alone (rewritten anyway by --rebuild) */

    size_t papers;            /* paper entries */
    size_t abstracts_files;   /* papers that got an abstract from --abstracts */
    size_t abstracts_fetched; /* from the arXiv API in this run */
    size_t abstracts_cached;  /* from the abstract cache */
    size_t abstracts_kept;    /* kept from the database (keep.h) */
    size_t abstracts_missing; /* papers still without an abstract */

    aws_strv_t problems;      /* "FILE:LINE: why", in the order found */
    aws_strv_t warnings;      /* other one-line warnings (offline, ...) */
    double seconds;           /* wall time of the run */
} aws_report_t;

void aws_report_init(aws_report_t *r);
void aws_report_free(aws_report_t *r);

/* Add a copy of MESSAGE; 0, or -1 when out of memory. */
int aws_report_problem(aws_report_t *r, const char *message);
int aws_report_warning(aws_report_t *r, const char *message);

/* How many problems of one file the text report shows. */
#define AWS_REPORT_PROBLEMS_SHOWN 20

/* The human summary: the problems (at most AWS_REPORT_PROBLEMS_SHOWN a
 * file, then "FILE: N more unparseable lines not shown"), every warning,
 * then the count lines. */
void aws_report_print_text(const aws_report_t *r, FILE *out);

/* One JSON object (see --help) and a newline.  0, or -1 on failure. */
int aws_report_print_json(const aws_report_t *r, FILE *out);

#endif /* AWS_REPORT_H */
