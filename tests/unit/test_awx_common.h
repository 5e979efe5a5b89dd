/* test_awx_common.h - temporary databases and a small corpus for the shim's tests.
 *
 * The corpus is a handful of entries whose every field a test may name:
 * two sections for one paper, a repo, a link, an unknown citation count,
 * CJK text, a hyphenated author, HTML-special characters in an abstract.
 * Each document's data is its id, so a test can tell hits apart without
 * decoding anything.
 */
#ifndef TEST_AWX_COMMON_H
#define TEST_AWX_COMMON_H

#include <stdbool.h>
#include <stddef.h>

#include "awx.h"

typedef struct corpus_entry {
    const char *id;
    awx_kind_t kind;
    const char *title;
    const char *authors[4];
    const char *abstract;
    const char *sections[3];
    int year;
    long citations;
    bool has_code;
    const char *category;
} corpus_entry_t;

extern const corpus_entry_t corpus[];
extern const size_t corpus_len;

/* Fills DOC from E (pointers into E; DIGEST may be NULL). */
void corpus_doc(const corpus_entry_t *e, const char *digest, awx_doc_t *doc);

/* The corpus entry with id ID, or NULL. */
const corpus_entry_t *corpus_find(const char *id);

/* A fresh folder under $TMPDIR (malloc'd path); asserts on failure. */
char *temp_dir(void);

/* rm -rf PATH. */
void remove_tree(const char *path);

/* Creates a database at PATH holding the whole corpus. */
void corpus_build(const char *path);

/* The id (the data) of hit I of R, as a NUL-terminated static copy. */
const char *hit_id(const awx_results_t *r, size_t i);

/* True when any hit of R has id ID. */
bool has_hit(const awx_results_t *r, const char *id);

/* Runs Q with default options on DB, asserting success. */
awx_results_t *run_query(awx_db_t *db, const char *q);

/* The number of hits (limit 100) for Q. */
size_t count_hits(awx_db_t *db, const char *q);

/* A group fixture: a temporary folder DIR, the database path PATH inside
 * it, and (for the corpus fixture) the corpus opened read-only in DB. */
typedef struct awx_fixture {
    char *dir;
    char path[4096];
    awx_db_t *db;
} awx_fixture_t;

/* Group setup: an empty temporary folder, no database open. */
int fixture_group_setup(void **state);
/* Group setup: the corpus built at PATH and opened read-only in DB. */
int fixture_corpus_setup(void **state);
/* Group teardown for both: closes DB, removes DIR. */
int fixture_group_teardown(void **state);
/* Test setup: DIR emptied again, so each test's PATH starts with nothing. */
int fixture_reset(void **state);
/* The corpus fixture's read-only database. */
awx_db_t *fixture_db(void **state);

/* Opens PATH, failing the test with the error text when that fails. */
awx_db_t *open_ok(const char *path, awx_open_mode_t mode);

#endif
