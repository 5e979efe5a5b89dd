/* keep.h - the abstracts the database already holds, for papers this run has none for.
 *
 * An abstract comes from an --abstracts file, the arXiv API or its cache;
 * only the API's are cached, so a plain run after one with --abstracts
 * would find no abstract for those papers and rewrite them without one.
 * Instead each paper still without an abstract after the --abstracts
 * files takes the paper metadata of its document in the database
 * (abstract, full author list, categories, published date), as if read
 * from a file: an abstract, once indexed, stays until a newer one
 * replaces it (from a file, or the API with --fetch always, which
 * awindex.c asks before the database), and an entry that changed in
 * nothing else is not rewritten.  --rebuild does the same from the
 * database it replaces.
 */
#ifndef AWS_KEEP_H
#define AWS_KEEP_H

#include <stddef.h>

#include "listparse.h"
#include "papermeta.h"
#include "sync.h"

/* Fills in the paper metadata of every paper entry of LIST that has no
 * abstract from the stored form of the document of the same id in the
 * database DB_PATH, when that one has an abstract, and counts those in
 * *KEPT.  A database that does not exist yet keeps nothing; one that
 * cannot be opened is left for the writing step to report, which opens it
 * again.  The database is read in one snapshot before the writing step
 * takes the write lock: a writer in between is no harm, since its
 * documents are digested afresh.  Returns AWS_SYNC_OK, AWS_SYNC_NOMEM, or
 * AWS_SYNC_DB_ERROR with a malloc'd one-line *ERRMSG the caller frees. */
aws_sync_status_t aws_keep_abstracts(aws_list_t *list, const char *db_path, size_t *kept,
                                     char **errmsg);

/* Reads the paper metadata of a stored form (docs/stored-form.md) into
 * *OUT, which the caller clears with aws_paper_meta_clear.  Returns 0, 1
 * when BUF is no stored form (not a msgpack map, or fields of the wrong
 * type), or -1 when out of memory. */
int aws_keep_meta_from_stored(const void *buf, size_t len, aws_paper_meta_t *out);

#endif /* AWS_KEEP_H */
