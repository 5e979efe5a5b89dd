/* test_awx_snippet_check.h - what every snippet must satisfy, for test_awx_snippet.c. */
#ifndef TEST_AWX_SNIPPET_CHECK_H
#define TEST_AWX_SNIPPET_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "awx.h"

#define ELLIPSIS "\xe2\x80\xa6"

/* True for a UTF-8 continuation byte. */
bool is_cont(unsigned char c);

/* Asserts what holds for every hit: spans non-empty, in order, apart,
 * inside the snippet and on UTF-8 boundaries. */
void check_spans(const awx_hit_t *h);

/* Runs Q (snippets on, CHARS long) on DB, asserts that it has exactly one
 * hit and that its spans pass check_spans, and returns the results (the
 * caller frees them) with that hit in *HIT. */
awx_results_t *one_hit(awx_db_t *db, const char *q, unsigned chars, const awx_hit_t **hit);

/* The highlighted texts of H joined with "|" (a static buffer). */
const char *span_texts(const awx_hit_t *h);

/* Asserts that span I of H starts where WORD first occurs in the snippet
 * at or after byte FROM, and is as long as WORD. */
void span_at(const awx_hit_t *h, size_t i, const char *word, size_t from);

/* TEXT with runs of white space (and control bytes) as one space, trimmed
 * (malloc'd). */
char *collapse(const char *text);

/* True when S starts with a CJK character. */
bool starts_cjk(const char *s);

/* Asserts that H's snippet is a whole-word passage of ABSTRACT (white
 * space collapsed) with an ellipsis exactly where text was cut, and
 * returns whether it starts with one. */
bool check_passage(const char *abstract, const awx_hit_t *h);

/* True when S is valid UTF-8 (no overlong forms or surrogates). */
bool valid_utf8(const char *s);

#endif
