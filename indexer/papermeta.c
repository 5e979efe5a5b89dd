/* papermeta.c - paper metadata from JSON lines, and merging it into entries.
 *
 * Two record shapes are read: the one of shared/data/arxiv-abstracts.jsonl
 * ("abstract", "published", "authors" as a list, "categories" as a list) and
 * arXiv's metadata snapshot ("abstract" or "summary", "update_date",
 * "authors" as one string "A, B and C", "categories" as one space-separated
 * string, "versions").  Unknown keys are ignored.  jansson does the parsing;
 * this file only checks types and normalises.
 */
#include "papermeta.h"

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ids.h"

void aws_paper_meta_clear(aws_paper_meta_t *m)
{
    if (m == NULL)
        return;
    free(m->id);
    free(m->title);
    aws_strv_free(&m->authors);
    free(m->abstract);
    aws_strv_free(&m->categories);
    free(m->published);
    memset(m, 0, sizeof *m);
}

/* Copies S[0..LEN) with every run of white space turned into one space and
 * none at either end; NULL when out of memory. */
static char *squeeze_space(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t n = 0;
    int pending = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v') {
            pending = n > 0;
            continue;
        }
        if (pending)
            out[n++] = ' ';
        pending = 0;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return out;
}

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errbuf == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
}

/* Pushes the trimmed S[0..LEN) onto SV unless it is empty. */
static int push_trimmed(aws_strv_t *sv, const char *s, size_t len)
{
    while (len > 0 && isspace((unsigned char)s[0])) {
        s++;
        len--;
    }
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    if (len == 0)
        return 0;
    char *clean = squeeze_space(s, len);
    if (clean == NULL)
        return -1;
    int rc = aws_strv_push(sv, clean, strlen(clean));
    free(clean);
    return rc;
}

/* Splits the snapshot's author string "A, B and C" (also "A, B, and C" and
 * "A and B") into names. */
static int split_authors(aws_strv_t *sv, const char *s)
{
    const char *p = s;

    while (*p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *end = p + len;
        const char *q = p;

        /* Inside one comma-separated piece, " and " separates the last two
         * names. */
        for (;;) {
            const char *and = NULL;
            for (const char *t = q; t + 5 <= end; t++) {
                if (memcmp(t, " and ", 5) == 0) {
                    and = t;
                    break;
                }
            }
            if (and == NULL)
                break;
            if (push_trimmed(sv, q, (size_t)(and - q)) != 0)
                return -1;
            q = and + 5;
        }
        /* A piece that starts with "and " follows an Oxford comma. */
        while (*q == ' ')
            q++;
        if ((size_t)(end - q) > 4 && memcmp(q, "and ", 4) == 0)
            q += 4;
        if (push_trimmed(sv, q, (size_t)(end - q)) != 0)
            return -1;
        p = comma != NULL ? comma + 1 : end;
    }
    return 0;
}

/* Splits S on white space into SV (the snapshot's categories). */
static int split_words(aws_strv_t *sv, const char *s)
{
    const char *p = s;

    while (*p != '\0') {
        while (*p != '\0' && isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p != '\0' && !isspace((unsigned char)*p))
            p++;
        if (p > start && aws_strv_push(sv, start, (size_t)(p - start)) != 0)
            return -1;
    }
    return 0;
}

/* Reads a list of strings or one string from KEY of OBJ into SV, with
 * SPLIT for the string form.  1: absent or null, 0: read, -1: out of
 * memory, -2: wrong type (reason in ERRBUF). */
static int read_string_list(json_t *obj, const char *key, aws_strv_t *sv,
                            int (*split)(aws_strv_t *, const char *),
                            char *errbuf, size_t errlen)
{
    json_t *v = json_object_get(obj, key);
    size_t i;
    json_t *item;

    if (v == NULL || json_is_null(v))
        return 1;
    if (json_is_string(v))
        return split(sv, json_string_value(v)) == 0 ? 0 : -1;
    if (!json_is_array(v)) {
        set_err(errbuf, errlen, "field \"%s\": expected a list of strings or a string",
                key);
        return -2;
    }
    json_array_foreach(v, i, item) {
        if (!json_is_string(item)) {
            set_err(errbuf, errlen, "field \"%s\": item %zu is not a string", key, i);
            return -2;
        }
        if (push_trimmed(sv, json_string_value(item), json_string_length(item)) != 0)
            return -1;
    }
    return 0;
}

/* Reads an optional string field.  *OUT is set (malloc'd, white space
 * squeezed) or left NULL.  0: fine, -1: out of memory, -2: wrong type. */
static int read_string(json_t *obj, const char *key, char **out, char *errbuf,
                       size_t errlen)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        set_err(errbuf, errlen, "field \"%s\": expected a string", key);
        return -2;
    }
    *out = squeeze_space(json_string_value(v), json_string_length(v));
    return *out == NULL ? -1 : 0;
}

/* Takes a date that starts YYYY-MM-DD from KEY; anything else is ignored,
 * since a date is a nicety and must not cost the record its abstract. */
static int read_date(json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);
    const char *s;

    if (*out != NULL || v == NULL || !json_is_string(v))
        return 0;
    s = json_string_value(v);
    if (json_string_length(v) < 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        int want_dash = i == 4 || i == 7;
        if (want_dash ? s[i] != '-' : !isdigit((unsigned char)s[i]))
            return 0;
    }
    *out = malloc(11);
    if (*out == NULL)
        return -1;
    memcpy(*out, s, 10);
    (*out)[10] = '\0';
    return 0;
}

/* The highest "vN" in the snapshot's "versions" list, or in the id. */
static int read_version(json_t *obj, const char *raw_id)
{
    json_t *versions = json_object_get(obj, "versions");
    const char *v;
    int best = 0;

    if (json_is_array(versions)) {
        size_t i;
        json_t *item;
        json_array_foreach(versions, i, item) {
            json_t *name = json_is_object(item) ? json_object_get(item, "version") : item;
            if (json_is_string(name)) {
                v = json_string_value(name);
                if (v[0] == 'v' && atoi(v + 1) > best)
                    best = atoi(v + 1);
            }
        }
    }
    v = strrchr(raw_id, 'v');
    if (best == 0 && v != NULL && v > raw_id && isdigit((unsigned char)v[-1]) &&
        isdigit((unsigned char)v[1]))
        best = atoi(v + 1);
    return best;
}

static int fill_meta(json_t *obj, aws_paper_meta_t *out, char *errbuf, size_t errlen)
{
    json_t *id = json_object_get(obj, "id");
    char norm[AWS_ID_MAX];
    int rc;

    if (id == NULL) {
        set_err(errbuf, errlen, "field \"id\" is missing");
        return -2;
    }
    if (!json_is_string(id)) {
        set_err(errbuf, errlen, "field \"id\": expected a string");
        return -2;
    }
    if (aws_arxiv_id_parse(json_string_value(id), json_string_length(id), norm) != 0) {
        set_err(errbuf, errlen, "field \"id\": \"%.60s\" is not an arXiv id",
                json_string_value(id));
        return -2;
    }
    out->id = strdup(norm);
    if (out->id == NULL)
        return -1;
    out->version = read_version(obj, json_string_value(id));

    if ((rc = read_string(obj, "title", &out->title, errbuf, errlen)) != 0)
        return rc;
    if ((rc = read_string(obj, "abstract", &out->abstract, errbuf, errlen)) != 0)
        return rc;
    if (out->abstract == NULL &&
        (rc = read_string(obj, "summary", &out->abstract, errbuf, errlen)) != 0)
        return rc;
    if (out->abstract != NULL && out->abstract[0] == '\0') {
        free(out->abstract);
        out->abstract = NULL;
    }
    rc = read_string_list(obj, "authors", &out->authors, split_authors, errbuf, errlen);
    if (rc < 0)
        return rc;
    rc = read_string_list(obj, "categories", &out->categories, split_words, errbuf,
                          errlen);
    if (rc < 0)
        return rc;
    if (read_date(obj, "published", &out->published) != 0 ||
        read_date(obj, "update_date", &out->published) != 0)
        return -1;
    out->incomplete = json_is_true(json_object_get(obj, "incomplete"));
    return 0;
}

int aws_paper_meta_from_json(const char *line, size_t len, aws_paper_meta_t *out,
                             char *errbuf, size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(out, 0, sizeof *out);
    root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        set_err(errbuf, errlen, "invalid JSON at byte %d: %s", jerr.position, jerr.text);
        return -1;
    }
    if (!json_is_object(root)) {
        set_err(errbuf, errlen, "expected a JSON object");
        json_decref(root);
        return -1;
    }
    rc = fill_meta(root, out, errbuf, errlen);
    json_decref(root);
    if (rc != 0) {
        if (rc == -1)
            set_err(errbuf, errlen, "out of memory");
        aws_paper_meta_clear(out);
        return -1;
    }
    return 0;
}

static int replace_string(char **dst, const char *src)
{
    char *copy = strdup(src);

    if (copy == NULL)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

static int copy_strv(aws_strv_t *dst, const aws_strv_t *src)
{
    aws_strv_t fresh = {0};

    for (size_t i = 0; i < src->n; i++) {
        if (aws_strv_push(&fresh, src->v[i], strlen(src->v[i])) != 0) {
            aws_strv_free(&fresh);
            return -1;
        }
    }
    aws_strv_free(dst);
    *dst = fresh;
    return 0;
}

int aws_entry_apply_meta(aws_entry_t *e, const aws_paper_meta_t *m)
{
    if (m->abstract != NULL && m->abstract[0] != '\0' &&
        replace_string(&e->abstract, m->abstract) != 0)
        return -1;
    /* Lists cut author lines at ten names (and elide with "..."), so the
     * longer list is the better one. */
    if (m->authors.n > e->authors.n && copy_strv(&e->authors, &m->authors) != 0)
        return -1;
    if (m->categories.n > 0 && copy_strv(&e->categories, &m->categories) != 0)
        return -1;
    if (m->published != NULL) {
        if (replace_string(&e->published, m->published) != 0)
            return -1;
        if (e->year == 0)
            e->year = atoi(m->published);
    }
    return 0;
}
