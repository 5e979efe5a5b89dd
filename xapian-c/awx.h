/* awx.h - the C interface to awsearch's Xapian database (the "shim").
 *
 * The indexer and the daemon talk to libxapian only through this header;
 * the client never links it.  Everything behind it is C++, and no C++
 * exception crosses it: every function returns an awx_status_t, and the
 * text of the last error is kept on the handle (awx_db_last_error).
 *
 * Handles are not thread-safe.  A program that searches from several
 * threads opens one read-only awx_db_t per thread.
 *
 * Strings are UTF-8 and NUL-terminated unless a length is given.  Memory
 * returned to the caller says who frees it above each prototype; "owned by
 * X" means it lives until X is freed or the next call on X.
 */
#ifndef AWX_H
#define AWX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum awx_status {
    AWX_OK = 0,
    AWX_ERR_NOMEM,        /* std::bad_alloc */
    AWX_ERR_INVALID,      /* a bad argument from the caller */
    AWX_ERR_QUERY_SYNTAX, /* QueryParserError; the message names the problem */
    AWX_ERR_NOT_FOUND,    /* no document with that id */
    AWX_ERR_NOT_DATABASE, /* the path exists but is no Xapian database */
    AWX_ERR_NO_DATABASE,  /* read-only open of a path that does not exist */
    AWX_ERR_LOCKED,       /* another process holds the write lock */
    AWX_ERR_MODIFIED,     /* DatabaseModifiedError: reopen and retry */
    AWX_ERR_CORRUPT,      /* DatabaseCorruptError */
    AWX_ERR_ENGINE,       /* any other Xapian::Error */
    AWX_ERR_INTERNAL,     /* anything else */
} awx_status_t;

/* A static English description of STATUS; never NULL. */
const char *awx_status_to_string(awx_status_t status);

/* ---------------------------------------------------------------- database */

typedef struct awx_db awx_db_t;

typedef enum awx_open_mode {
    AWX_OPEN_READ,   /* read-only; the database must exist */
    AWX_OPEN_WRITE,  /* writable; created when PATH does not exist yet */
} awx_open_mode_t;

/* Opens the database at PATH.
 *
 * AWX_OPEN_WRITE takes Xapian's write lock; when another writer holds it the
 * call waits up to LOCK_WAIT_MS milliseconds (0: do not wait) and then
 * returns AWX_ERR_LOCKED.  LOCK_WAIT_MS is ignored for reads.  A PATH that
 * exists and is not a Xapian database (a plain file, a folder with other
 * files) gives AWX_ERR_NOT_DATABASE and is not modified.
 *
 * On success *OUT is a handle the caller frees with awx_db_close.  On failure
 * *OUT is NULL and, when ERRMSG is not NULL, *ERRMSG is a malloc'd message
 * naming PATH that the caller frees. */
awx_status_t awx_db_open(const char *path, awx_open_mode_t mode,
                         unsigned lock_wait_ms, awx_db_t **out, char **errmsg);

/* Closes DB, cancelling any open transaction (uncommitted changes are lost).
 * NULL is allowed. */
void awx_db_close(awx_db_t *db);

/* The message of the last failed call on DB ("" when none); owned by DB. */
const char *awx_db_last_error(const awx_db_t *db);

/* Read-only handles: brings DB up to the newest committed revision (also
 * across an atomic stub-file switch made by awindex --rebuild).  *CHANGED,
 * when not NULL, says whether the revision moved.  Writable handles: no-op. */
awx_status_t awx_db_reopen(awx_db_t *db, bool *changed);

/* The committed revision DB currently sees (0 for a new database). */
uint64_t awx_db_revision(awx_db_t *db);

/* What DB currently sees, as a string that changes whenever what a query
 * could find may have changed: the database's UUID (new after a rebuild)
 * and its revision.  Written NUL-terminated into OUT; what a cache of
 * answers keys them with.  Read-only handles only. */
#define AWX_GENERATION_MAX 64
awx_status_t awx_db_generation(awx_db_t *db, char out[AWX_GENERATION_MAX]);

/* Writable handles only.  begin/commit group changes so a reader sees all
 * or none of them; cancel drops everything since begin.  Without begin,
 * changes are flushed by awx_db_commit or by a clean awx_db_close. */
awx_status_t awx_db_begin(awx_db_t *db);
awx_status_t awx_db_commit(awx_db_t *db);
awx_status_t awx_db_cancel(awx_db_t *db);

/* Counts of documents in DB. */
typedef struct awx_counts {
    uint64_t documents;
    uint64_t papers;
    uint64_t repos;
    uint64_t links;
    uint64_t abstracts;  /* papers whose abstract is known */
} awx_counts_t;
awx_status_t awx_db_counts(awx_db_t *db, awx_counts_t *out);

/* Database metadata (string key -> string value), e.g. "indexed_at" (ISO
 * 8601 UTC) and "lists" (newline-separated list paths).  set needs a
 * writable handle; get gives a malloc'd copy the caller frees, or NULL with
 * AWX_ERR_NOT_FOUND when the key is unset. */
awx_status_t awx_db_set_metadata(awx_db_t *db, const char *key, const char *value);
awx_status_t awx_db_get_metadata(awx_db_t *db, const char *key, char **value);

/* ---------------------------------------------------------------- documents */

typedef enum awx_kind {
    AWX_KIND_PAPER = 0,
    AWX_KIND_REPO,
    AWX_KIND_LINK,
} awx_kind_t;

/* The kind's SPEC name: "paper", "repo" or "link". */
const char *awx_kind_name(awx_kind_t kind);

/* What the indexer hands the shim for one entry.  The shim turns the text
 * fields into terms through its prefix table and stores DATA/DATA_LEN (the
 * entry in its stored form, opaque here) as the document data and DIGEST as
 * the value that awx_db_digest returns.  Nothing is kept after the call. */
typedef struct awx_doc {
    const char *id;                 /* unique: arXiv id, owner/name or URL */
    awx_kind_t kind;
    const char *title;
    const char *const *authors;     /* N_AUTHORS names */
    size_t n_authors;
    const char *abstract;           /* NULL when none */
    const char *const *sections;    /* every "##" section the item is under */
    size_t n_sections;
    const char *const *subsections; /* every "###" subsection, may be 0 */
    size_t n_subsections;
    const char *const *categories;  /* arXiv categories, may be 0 */
    size_t n_categories;
    int year;                       /* 0: unknown */
    long citations;                 /* -1: unknown */
    bool has_code;                  /* the item links a repository */
    const void *data;               /* stored form, copied */
    size_t data_len;
    const char *digest;             /* content hash; NULL: none */
    /* What a search hit shows of the entry (opaque too, copied; may be
     * absent).  Kept beside DATA but stored uncompressed, so that a page
     * of hits does not inflate every hit's whole stored form. */
    const void *hit_data;
    size_t hit_data_len;
} awx_doc_t;

/* Adds DOC or replaces the document with the same id (writable handles). */
awx_status_t awx_db_put(awx_db_t *db, const awx_doc_t *doc);

/* Deletes the document with id ID; AWX_ERR_NOT_FOUND when there is none. */
awx_status_t awx_db_delete(awx_db_t *db, const char *id);

/* The stored data of document ID: *DATA is malloc'd, the caller frees it.
 * IDs here and below are exact (as given to awx_db_put); callers turn a
 * user's form (versions, URLs) into one with aws_id_normalise first. */
awx_status_t awx_db_get(awx_db_t *db, const char *id, void **data, size_t *len);

/* The digest stored with document ID, malloc'd (caller frees), or NULL with
 * AWX_OK when the document exists without one. */
awx_status_t awx_db_digest(awx_db_t *db, const char *id, char **digest);

/* Calls FN(ID, DIGEST, CTX) once for every document, in id order; DIGEST may
 * be NULL.  The strings live only during the call.  A non-zero return from FN
 * stops the walk, and awx_db_foreach_id returns AWX_OK. */
typedef int (*awx_id_fn)(const char *id, const char *digest, void *ctx);
awx_status_t awx_db_foreach_id(awx_db_t *db, awx_id_fn fn, void *ctx);

/* ---------------------------------------------------------------- synonyms */

/* The synonym table (awx_synonyms.cc): groups of terms that mean the same
 * ("moe", "mixture of experts"), stored in the database by the indexer and
 * used by awx_db_search, which also searches every other member of a group
 * when a query's plain words spell one member.  Members are one to six
 * words; case, hyphens and English word endings do not matter.
 *
 * Writable handles only.  clear removes every group; add stores the N
 * MEMBERS as one group (N >= 2), both directions.  A member without words
 * or with more than six gives AWX_ERR_INVALID. */
awx_status_t awx_db_clear_synonyms(awx_db_t *db);
awx_status_t awx_db_add_synonyms(awx_db_t *db, const char *const *members, size_t n);

/* ---------------------------------------------------------------- search */

typedef enum awx_sort {
    AWX_SORT_RELEVANCE = 0,
    AWX_SORT_YEAR,       /* newest first, relevance breaks ties */
    AWX_SORT_CITATIONS,  /* most cited first, relevance breaks ties */
} awx_sort_t;

typedef struct awx_query {
    const char *q;           /* the user's query in SPEC.md's language */
    const char *section;     /* exact section filter, or NULL */
    unsigned offset;
    unsigned limit;          /* 0 is allowed: counts and facets only */
    awx_sort_t sort;
    bool snippets;           /* make a snippet per hit */
    bool facets;             /* count sections and years over the matches */
    unsigned snippet_chars;  /* snippet length; 0: a default of 200 */
} awx_query_t;

/* One [offset, length] pair in bytes into a snippet. */
typedef struct awx_span {
    uint32_t offset;
    uint32_t length;
} awx_span_t;

typedef struct awx_hit {
    unsigned docid;
    unsigned rank;           /* 0-based, counting from the query's offset */
    int percent;             /* Xapian's percentage, 0-100 */
    double weight;
    const void *data;        /* HIT_DATA as given to awx_db_put, or DATA
                              * when the document was put without it */
    size_t data_len;
    const char *snippet;     /* plain text, or NULL */
    const awx_span_t *highlights; /* matched terms in SNIPPET */
    size_t n_highlights;
} awx_hit_t;

/* One facet value and its count. */
typedef struct awx_facet {
    const char *value;
    uint64_t count;
} awx_facet_t;

typedef enum awx_facet_kind {
    AWX_FACET_SECTION = 0,
    AWX_FACET_YEAR,
} awx_facet_kind_t;

typedef struct awx_results awx_results_t;

/* Runs QUERY.  On success *OUT holds the results, which the caller frees
 * with awx_results_free; every pointer inside is owned by them.  A query
 * the parser refuses gives AWX_ERR_QUERY_SYNTAX with the parser's message
 * in awx_db_last_error.  An empty query matches every document.
 *
 * The language (Xapian's QueryParser, one prefix table for indexing and
 * parsing, see awx_prefix.cc):
 *   plain words     title (weighted 3x), abstract, sections and authors;
 *                   English stemming; CJK text as n-grams; spelling
 *                   corrections for unknown words (awx_results_corrected)
 *   "a phrase"  AND OR NOT NEAR  +must -mustnot  word*  (100 expansions)
 *   title: abstract: section:    free text in one field
 *   author:Smith  author:"Jean-François Kagy"   unstemmed, any case; a
 *                   filter (it narrows the matches, it adds no weight)
 *   kind:paper|repo|link  has:code  has:abstract  category:cs.CL
 *   id:2401.04088v2  id:https://arxiv.org/abs/2401.04088  id:Owner/Name
 *   year:2024  year:2023..2024  year:..2021  citations:10..
 * Lower-case and/or/not are words.  A query of only -words ("-dpo")
 * matches every document without them.  Common English words (the, of,
 * ...) are dropped from queries except inside phrases.
 *
 * Snippets are cut from the abstract (the title when there is none) around
 * the matches, with the matched words (wildcards' too) as highlights; a
 * query with no words (filters only, or empty) gives the text's start.
 *
 * Plain words that spell a member of a synonym group (see above) also
 * search its other members: "moe" finds "mixture of experts".  A query
 * that is only an arXiv id (with or without version) or an arXiv or GitHub
 * URL finds that entry and nothing else; an arXiv id or URL among other
 * words is the filter id:ID.
 */
awx_status_t awx_db_search(awx_db_t *db, const awx_query_t *query,
                           awx_results_t **out);

size_t awx_results_count(const awx_results_t *r);          /* hits returned */
uint64_t awx_results_total(const awx_results_t *r);        /* estimate */
const awx_hit_t *awx_results_hit(const awx_results_t *r, size_t i);
/* The spelling-corrected query string, or NULL when none was suggested. */
const char *awx_results_corrected(const awx_results_t *r);
/* Facet counts, highest count first (years: newest first). */
size_t awx_results_facet_count(const awx_results_t *r, awx_facet_kind_t kind);
const awx_facet_t *awx_results_facet(const awx_results_t *r,
                                     awx_facet_kind_t kind, size_t i);
void awx_results_free(awx_results_t *r);

/* Relevance feedback: the documents nearest to document ID (TEXT NULL) or to
 * the passage TEXT (ID NULL), never ID itself.  Ranks the expansion terms of
 * the source, mixed with the source's section and authors.  Results as for
 * awx_db_search (snippets per QUERY_OPTS->snippets; q, section, sort and
 * facets in QUERY_OPTS are ignored). */
awx_status_t awx_db_related(awx_db_t *db, const char *id, const char *text,
                            const awx_query_t *query_opts, awx_results_t **out);

/* Up to LIMIT completions for PREFIX (titles and title words that start with
 * it), best first.  *OUT is a malloc'd array of malloc'd strings; free with
 * awx_strings_free(*OUT, *N). */
awx_status_t awx_db_suggest(awx_db_t *db, const char *prefix, unsigned limit,
                            char ***out, size_t *n);
void awx_strings_free(char **strings, size_t n);

/* ---------------------------------------------------------------- rebuild */

/* Atomic rebuild support.  A database path used by awsearch may be a Xapian
 * stub file that names the real database folder beside it.
 *
 * awx_rebuild_begin creates a new, empty database folder next to PATH and
 * returns its path (malloc'd, caller frees) in *NEW_DIR.  The caller fills it
 * through a writable handle and closes that handle.  awx_rebuild_finish then
 * points PATH at NEW_DIR by writing a new stub file and rename(2)-ing it over
 * PATH, so readers see the old database or the new one, never a mix, and
 * finally removes the database PATH pointed to before.  When PATH is a plain
 * database folder from an older run it is moved aside first.
 * awx_rebuild_abort removes NEW_DIR and leaves PATH as it was.
 *
 * The stub reads "auto <name of NEW_DIR>".  A plain folder at PATH is
 * swapped with the stub in one renameat2(RENAME_EXCHANGE) where the
 * kernel allows, so PATH never goes missing.  awx_rebuild_begin also
 * removes the folders of earlier rebuilds whose process died (kill -9).
 * Only folders that hold a Xapian database (or nothing) are ever removed.
 * A writable awx_db_open of a stub PATH writes into the folder it names,
 * so incremental runs work on a rebuilt database; while such a handle is
 * open, awx_rebuild_finish returns AWX_ERR_LOCKED and leaves PATH as it
 * was (the caller then aborts), since the switch would delete the folder
 * under the writer.  Only folders named PATH's name, a dot and a rebuild
 * stamp are ever removed (as leftovers or as the database replaced), so a
 * database that a hand-written stub names stays. */
awx_status_t awx_rebuild_begin(const char *path, char **new_dir, char **errmsg);
awx_status_t awx_rebuild_finish(const char *path, const char *new_dir, char **errmsg);
void awx_rebuild_abort(const char *new_dir);

#ifdef __cplusplus
}
#endif

#endif /* AWX_H */
