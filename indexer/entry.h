/* entry.h - one list item as awsearch indexes it, and its stored form.
 *
 * An entry owns every string and array in it (all malloc'd); free it with
 * aws_entry_free.  The stored form is a msgpack map with SPEC.md's field
 * names, written into the Xapian document data so that the daemon can serve
 * `get` and build hits without knowing this struct.
 */
#ifndef AWS_ENTRY_H
#define AWS_ENTRY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum aws_entry_kind {
    AWS_ENTRY_PAPER = 0,
    AWS_ENTRY_REPO,
    AWS_ENTRY_LINK,
} aws_entry_kind_t;

/* A growable array of owned strings. */
typedef struct aws_strv {
    char **v;
    size_t n;
    size_t cap;
} aws_strv_t;

/* Appends a copy of S (LEN bytes) to SV; returns 0, or -1 when out of memory. */
int aws_strv_push(aws_strv_t *sv, const char *s, size_t len);
/* Appends a copy of S only when SV does not hold an equal string yet. */
int aws_strv_push_unique(aws_strv_t *sv, const char *s);
bool aws_strv_contains(const aws_strv_t *sv, const char *s);
void aws_strv_free(aws_strv_t *sv);

typedef struct aws_entry {
    char *id;                /* arXiv id without version, owner/name, or URL */
    aws_entry_kind_t kind;
    char *title;             /* one line, hard wraps joined with a space */
    aws_strv_t authors;
    char *abstract;          /* papers: from arXiv; else the description; may be NULL */
    aws_strv_t sections;     /* every "##" heading the item appears under */
    aws_strv_t subsections;  /* parallel to sections: the "###" heading of
                              * that listing, "" when it had none (the
                              * stored form drops the "" ones) */
    aws_strv_t categories;   /* arXiv categories, when known */
    int year;                /* 0: unknown */
    long citations;          /* -1: unknown */
    char *url;               /* canonical URL */
    aws_strv_t links;        /* every other URL on the item */
    bool has_code;           /* the item links a GitHub repository */
    char *published;         /* arXiv published date (YYYY-MM-DD), or NULL */
    char *source;            /* "FILE:LINE" where the item was first seen */
} aws_entry_t;

/* Frees everything E owns and zeroes it; E itself is not freed. */
void aws_entry_clear(aws_entry_t *e);
/* aws_entry_clear, then free(E).  NULL is allowed. */
void aws_entry_free(aws_entry_t *e);

const char *aws_entry_kind_name(aws_entry_kind_t kind);

/* Merges a second listing SRC of the same id into DST: sections,
 * subsections and links are added when new; empty fields of DST are taken
 * from SRC.  Returns 0, or -1 when out of memory. */
int aws_entry_merge(aws_entry_t *dst, const aws_entry_t *src);

/* Encodes E in its stored form (a msgpack map; see docs/stored-form.md).
 * *BUF is malloc'd and the caller frees it.  Returns 0, or -1 when out of
 * memory. */
int aws_entry_pack(const aws_entry_t *e, char **buf, size_t *len);

/* Encodes the hit record of E: the map of docs/stored-form.md's keys
 * that a search hit shows (id, kind, title, authors, year, section, url,
 * citations), stored beside the stored form so that a page of hits reads
 * only these.  Same ownership and return as aws_entry_pack. */
int aws_entry_pack_hit(const aws_entry_t *e, char **buf, size_t *len);

/* A stable 16-hex-digit hash of the stored form, used to skip unchanged
 * documents in incremental runs.  OUT must hold 17 bytes. */
void aws_entry_digest(const char *buf, size_t len, char out[17]);

#endif /* AWS_ENTRY_H */
