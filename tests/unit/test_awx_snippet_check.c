/* test_awx_snippet_check.c - what every snippet must satisfy, for test_awx_snippet.c.
 *
 * The checks read only awx.h's hit: spans against the snippet's bytes, and
 * the snippet against the abstract it was cut from.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_awx_snippet_check.h"

bool is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Asserts what holds for every hit: spans non-empty, in order, apart,
 * inside the snippet and on UTF-8 boundaries. */
void check_spans(const awx_hit_t *h)
{
    if (h->snippet == NULL) {
        assert_int_equal(h->n_highlights, 0);
        return;
    }
    size_t len = strlen(h->snippet), prev_end = 0;
    for (size_t i = 0; i < h->n_highlights; i++) {
        awx_span_t sp = h->highlights[i];
        if (sp.length == 0 || sp.offset < prev_end || sp.offset + sp.length > len ||
            is_cont((unsigned char)h->snippet[sp.offset]) ||
            is_cont((unsigned char)h->snippet[sp.offset + sp.length]))
            fail_msg("span %zu [%u,%u] is out of place in \"%s\"", i, sp.offset, sp.length,
                     h->snippet);
        prev_end = sp.offset + sp.length;
    }
}

/* Runs Q (snippets on, CHARS long) and returns its only hit in *HIT. */
awx_results_t *one_hit(awx_db_t *db, const char *q, unsigned chars, const awx_hit_t **hit)
{
    awx_query_t query = {.q = q, .limit = 10, .snippets = true, .snippet_chars = chars};
    awx_results_t *r = NULL;
    awx_status_t st = awx_db_search(db, &query, &r);
    if (st != AWX_OK)
        fail_msg("query \"%s\": %s: %s", q, awx_status_to_string(st), awx_db_last_error(db));
    if (awx_results_count(r) != 1)
        fail_msg("query \"%s\": %zu hits, want 1", q, awx_results_count(r));
    *hit = awx_results_hit(r, 0);
    check_spans(*hit);
    return r;
}

/* The highlighted texts of H joined with "|". */
const char *span_texts(const awx_hit_t *h)
{
    static char buf[1024];
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < h->n_highlights; i++) {
        awx_span_t sp = h->highlights[i];
        assert_true(n + sp.length + 2 < sizeof buf);
        if (i)
            buf[n++] = '|';
        memcpy(buf + n, h->snippet + sp.offset, sp.length);
        n += sp.length;
        buf[n] = '\0';
    }
    return buf;
}

/* Asserts that span I of H starts where WORD first occurs in the snippet
 * at or after byte FROM. */
void span_at(const awx_hit_t *h, size_t i, const char *word, size_t from)
{
    assert_true(i < h->n_highlights);
    const char *at = strstr(h->snippet + from, word);
    assert_non_null(at);
    assert_int_equal(h->highlights[i].offset, (uint32_t)(at - h->snippet));
    assert_int_equal(h->highlights[i].length, (uint32_t)strlen(word));
}

/* TEXT with runs of white space (and control bytes) as one space, trimmed:
 * what a snippet's body must be a part of.  Malloc'd. */
char *collapse(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    assert_non_null(out);
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p <= ' ') {
            if (n > 0 && out[n - 1] != ' ')
                out[n++] = ' ';
        } else {
            out[n++] = (char)*p;
        }
    }
    while (n > 0 && out[n - 1] == ' ')
        n--;
    out[n] = '\0';
    return out;
}

/* True when S starts with a CJK character (U+2E80 to U+9FFF, or a Hangul
 * syllable): CJK text has no spaces, so a passage may start at any of its
 * characters. */
bool starts_cjk(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    if ((p[0] & 0xF0) != 0xE0 || !is_cont(p[1]) || !is_cont(p[2]))
        return false;
    unsigned cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF);
}

/* Asserts that H's snippet is a whole-word passage of ABSTRACT (white
 * space collapsed) with an ellipsis exactly where text was cut, and
 * returns whether it starts with one. */
bool check_passage(const char *abstract, const awx_hit_t *h)
{
    const char *snippet = h->snippet;
    char *text = collapse(abstract);
    const char *body = snippet;
    size_t blen = strlen(snippet);
    /* The leading "…" may or may not be followed by a space. */
    bool head = strncmp(body, ELLIPSIS, 3) == 0;
    if (head) {
        size_t skip = body[3] == ' ' ? 4 : 3;
        body += skip;
        blen -= skip;
    }
    bool tail = blen >= 3 && memcmp(body + blen - 3, ELLIPSIS, 3) == 0;
    if (tail)
        blen -= 3;
    char *want = strndup(body, blen);
    assert_non_null(want);
    /* A passage may start or end inside a hyphenated word ("GPT-4") where
     * a match does. */
    size_t body_at = (size_t)(body - snippet);
    bool match_first = h->n_highlights > 0 && h->highlights[0].offset == body_at;
    bool match_last = h->n_highlights > 0 &&
                      h->highlights[h->n_highlights - 1].offset +
                              h->highlights[h->n_highlights - 1].length == body_at + blen;
    /* The body may occur more than once: one occurrence must fit. */
    const char *why = "is no passage";
    for (const char *at = strstr(text, want); at && why; at = strstr(at + 1, want)) {
        size_t end = (size_t)(at - text) + blen;
        unsigned char after = (unsigned char)text[end];
        why = NULL;
        if (at != text && at[-1] != ' ' && !match_first &&
            !(starts_cjk(at) && is_cont((unsigned char)at[-1])))
            why = "starts inside a word";
        else if (head != (at != text))
            why = "has a leading ellipsis where nothing was cut, or lacks one";
        else if (!match_last &&
                 ((after >= 'a' && after <= 'z') || (after >= 'A' && after <= 'Z') ||
                  (after >= '0' && after <= '9') || is_cont(after)))
            why = "ends inside a word";
        else if (tail != (text[end] != '\0'))
            why = "has a trailing ellipsis where nothing was cut, or lacks one";
    }
    if (why) {
        /* The raw text, its white space shown as \t \n \r. */
        char raw[4096];
        size_t n = 0;
        for (const char *p = abstract; *p && n + 3 < sizeof raw; p++) {
            const char *esc = *p == '\t' ? "\\t" : *p == '\n' ? "\\n" : *p == '\r' ? "\\r" : NULL;
            if (esc) {
                memcpy(raw + n, esc, 2);
                n += 2;
            } else {
                raw[n++] = *p;
            }
        }
        raw[n] = '\0';
        fail_msg("snippet \"%s\" %s of the text \"%s\"", snippet, why, raw);
    }
    free(want);
    free(text);
    return head;
}

/* True when S is valid UTF-8 (no overlong forms or surrogates). */
bool valid_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        size_t n = *p < 0x80 ? 1 : *p >= 0xC2 && *p < 0xE0 ? 2 : *p >= 0xE0 && *p < 0xF0 ? 3
                 : *p >= 0xF0 && *p < 0xF5 ? 4 : 0;
        if (n == 0)
            return false;
        for (size_t k = 1; k < n; k++)
            if (!is_cont(p[k]))
                return false;
        if ((n == 3 && ((*p == 0xE0 && p[1] < 0xA0) || (*p == 0xED && p[1] >= 0xA0))) ||
            (n == 4 && ((*p == 0xF0 && p[1] < 0x90) || (*p == 0xF4 && p[1] >= 0x90))))
            return false;
        p += n;
    }
    return true;
}
