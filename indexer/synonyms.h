/* synonyms.h - the synonyms file: groups of equivalent terms, read and stored.
 *
 * The file (data/synonyms.txt, installed beside the bundled list) holds
 * one group per line, members separated by commas, "#" comments; its top
 * comment is the format's documentation.  awindex reads it and writes the
 * groups into the database's synonym table inside the same transaction as
 * the documents, where the shim's query side finds them.
 */
#ifndef AWS_SYNONYMS_H
#define AWS_SYNONYMS_H

#include <stddef.h>

#include "awx.h"
#include "report.h"

typedef struct aws_synonyms aws_synonyms_t;

/* Reads the synonyms file PATH.  A line that is no group (one member, an
 * empty member, an overlong member) is skipped and reported as a
 * problem "PATH:LINE: why" in REPORT.  Returns 0 and a table in *OUT that the
 * caller frees with aws_synonyms_free, or -1 with a malloc'd one-line
 * *ERRMSG (the caller frees it) when PATH cannot be read or memory runs
 * out. */
int aws_synonyms_load(const char *path, aws_report_t *report, aws_synonyms_t **out,
                      char **errmsg);

/* The number of groups in S. */
size_t aws_synonyms_count(const aws_synonyms_t *s);

/* Replaces the synonym table of DB (a writable handle, normally inside
 * the caller's transaction) with the groups of S; S NULL clears it. */
awx_status_t aws_synonyms_store(const aws_synonyms_t *s, awx_db_t *db);

/* Frees S; NULL is allowed. */
void aws_synonyms_free(aws_synonyms_t *s);

#endif /* AWS_SYNONYMS_H */
