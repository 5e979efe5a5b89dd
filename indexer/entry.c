/* entry.c - one list item: its owned strings, merging, and stored form.
 *
 * The stored form (docs/stored-form.md) is written with msgpack-c's packer
 * into an sbuffer whose bytes are handed to the caller; the daemon reads
 * exactly those keys, so every key is always present (nil when unknown).
 */
#include "entry.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

int aws_strv_push(aws_strv_t *sv, const char *s, size_t len)
{
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 4;
        char **v = realloc(sv->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        sv->v = v;
        sv->cap = cap;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    sv->v[sv->n++] = copy;
    return 0;
}

bool aws_strv_contains(const aws_strv_t *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

int aws_strv_push_unique(aws_strv_t *sv, const char *s)
{
    if (aws_strv_contains(sv, s))
        return 0;
    return aws_strv_push(sv, s, strlen(s));
}

void aws_strv_free(aws_strv_t *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

void aws_entry_clear(aws_entry_t *e)
{
    free(e->id);
    free(e->title);
    aws_strv_free(&e->authors);
    free(e->abstract);
    aws_strv_free(&e->sections);
    aws_strv_free(&e->subsections);
    aws_strv_free(&e->categories);
    free(e->url);
    aws_strv_free(&e->links);
    free(e->published);
    free(e->source);
    memset(e, 0, sizeof *e);
    e->citations = -1;
}

void aws_entry_free(aws_entry_t *e)
{
    if (e == NULL)
        return;
    aws_entry_clear(e);
    free(e);
}

const char *aws_entry_kind_name(aws_entry_kind_t kind)
{
    switch (kind) {
    case AWS_ENTRY_PAPER:
        return "paper";
    case AWS_ENTRY_REPO:
        return "repo";
    case AWS_ENTRY_LINK:
        return "link";
    }
    return "link";
}

/* Sets *DST to a copy of SRC when *DST is NULL or empty and SRC is not. */
static int fill(char **dst, const char *src)
{
    if ((*dst != NULL && **dst != '\0') || src == NULL || *src == '\0')
        return 0;
    char *copy = strdup(src);
    if (copy == NULL)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

static int add_all(aws_strv_t *dst, const aws_strv_t *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (aws_strv_push_unique(dst, src->v[i]) != 0)
            return -1;
    return 0;
}

int aws_entry_merge(aws_entry_t *dst, const aws_entry_t *src)
{
    /* Sections and subsections are parallel: the subsection at index i is
     * the one the item had under section i ("" when it had none), so a
     * listing is new when its (section, subsection) pair is. */
    for (size_t i = 0; i < src->sections.n; i++) {
        const char *sec = src->sections.v[i];
        const char *sub = i < src->subsections.n ? src->subsections.v[i] : "";
        bool seen = false;
        for (size_t j = 0; j < dst->sections.n && !seen; j++) {
            const char *dsub = j < dst->subsections.n ? dst->subsections.v[j] : "";
            seen = strcmp(dst->sections.v[j], sec) == 0 && strcmp(dsub, sub) == 0;
        }
        if (seen)
            continue;
        while (dst->subsections.n < dst->sections.n)
            if (aws_strv_push(&dst->subsections, "", 0) != 0)
                return -1;
        if (aws_strv_push(&dst->sections, sec, strlen(sec)) != 0
            || aws_strv_push(&dst->subsections, sub, strlen(sub)) != 0)
            return -1;
    }
    if (add_all(&dst->links, &src->links) != 0
        || add_all(&dst->categories, &src->categories) != 0)
        return -1;
    if (dst->authors.n == 0 && add_all(&dst->authors, &src->authors) != 0)
        return -1;
    if (fill(&dst->title, src->title) != 0 || fill(&dst->abstract, src->abstract) != 0
        || fill(&dst->url, src->url) != 0 || fill(&dst->published, src->published) != 0
        || fill(&dst->source, src->source) != 0)
        return -1;
    if (dst->year == 0)
        dst->year = src->year;
    if (dst->citations < 0 || src->citations > dst->citations)
        dst->citations = src->citations;
    dst->has_code = dst->has_code || src->has_code;
    return 0;
}

/* Packs a NUL-terminated string, or nil when S is NULL or empty and
 * NIL_WHEN_EMPTY is set.  Like every msgpack_pack_* call, returns 0 or -1
 * when the sbuffer could not grow. */
static int pack_str(msgpack_packer *pk, const char *s, bool nil_when_empty)
{
    if (s == NULL || (nil_when_empty && *s == '\0'))
        return msgpack_pack_nil(pk);
    size_t n = strlen(s);
    return msgpack_pack_str(pk, n) | msgpack_pack_str_body(pk, s, n);
}

static int pack_strv(msgpack_packer *pk, const aws_strv_t *sv)
{
    int rc = msgpack_pack_array(pk, sv->n);
    for (size_t i = 0; i < sv->n; i++)
        rc |= pack_str(pk, sv->v[i], false);
    return rc;
}

static int pack_kv_str(msgpack_packer *pk, const char *key, const char *s,
                       bool nil_when_empty)
{
    return pack_str(pk, key, false) | pack_str(pk, s, nil_when_empty);
}

static int pack_kv_strv(msgpack_packer *pk, const char *key, const aws_strv_t *sv)
{
    return pack_str(pk, key, false) | pack_strv(pk, sv);
}

/* Packs the 17 keys of docs/stored-form.md; SUBS are E's real subsections. */
static int pack_fields(msgpack_packer *pk, const aws_entry_t *e, const aws_strv_t *subs,
                       const char *first_sub)
{
    int rc = msgpack_pack_map(pk, 17);
    rc |= pack_kv_str(pk, "id", e->id ? e->id : "", false);
    rc |= pack_kv_str(pk, "kind", aws_entry_kind_name(e->kind), false);
    rc |= pack_kv_str(pk, "title", e->title ? e->title : "", false);
    rc |= pack_kv_strv(pk, "authors", &e->authors);
    rc |= pack_kv_str(pk, "abstract", e->abstract, true);
    rc |= pack_kv_str(pk, "section", e->sections.n > 0 ? e->sections.v[0] : NULL, true);
    rc |= pack_kv_strv(pk, "sections", &e->sections);
    rc |= pack_kv_str(pk, "subsection", first_sub, true);
    rc |= pack_kv_strv(pk, "subsections", subs);
    rc |= pack_str(pk, "year", false);
    rc |= e->year > 0 ? msgpack_pack_int(pk, e->year) : msgpack_pack_nil(pk);
    rc |= pack_str(pk, "citations", false);
    rc |= e->citations >= 0 ? msgpack_pack_long(pk, e->citations) : msgpack_pack_nil(pk);
    rc |= pack_kv_str(pk, "url", e->url ? e->url : "", false);
    rc |= pack_kv_strv(pk, "links", &e->links);
    rc |= pack_str(pk, "has_code", false);
    rc |= e->has_code ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    rc |= pack_kv_strv(pk, "categories", &e->categories);
    rc |= pack_kv_str(pk, "published", e->published, true);
    rc |= pack_kv_str(pk, "source", e->source ? e->source : "", false);
    return rc;
}

int aws_entry_pack(const aws_entry_t *e, char **buf, size_t *len)
{
    /* In memory, subsections run parallel to sections with "" where a
     * listing had none; the stored form lists only the real ones, and
     * `subsection` is the one of the first listing. */
    aws_strv_t subs = {NULL, 0, 0};
    const char *first_sub = NULL;
    int rc = 0;
    for (size_t i = 0; i < e->subsections.n && rc == 0; i++) {
        if (e->subsections.v[i][0] == '\0')
            continue;
        if (i == 0)
            first_sub = e->subsections.v[i];
        rc = aws_strv_push_unique(&subs, e->subsections.v[i]);
    }

    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (rc == 0)
        rc = pack_fields(&pk, e, &subs, first_sub);
    aws_strv_free(&subs);
    if (rc != 0) {
        msgpack_sbuffer_destroy(&sb);
        return -1;
    }
    *len = sb.size;
    *buf = msgpack_sbuffer_release(&sb);
    return 0;
}

int aws_entry_pack_hit(const aws_entry_t *e, char **buf, size_t *len)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    int rc = msgpack_pack_map(&pk, 8);
    rc |= pack_kv_str(&pk, "id", e->id ? e->id : "", false);
    rc |= pack_kv_str(&pk, "kind", aws_entry_kind_name(e->kind), false);
    rc |= pack_kv_str(&pk, "title", e->title ? e->title : "", false);
    rc |= pack_kv_strv(&pk, "authors", &e->authors);
    rc |= pack_str(&pk, "year", false);
    rc |= e->year > 0 ? msgpack_pack_int(&pk, e->year) : msgpack_pack_nil(&pk);
    rc |= pack_kv_str(&pk, "section", e->sections.n > 0 ? e->sections.v[0] : NULL, true);
    rc |= pack_kv_str(&pk, "url", e->url ? e->url : "", false);
    rc |= pack_str(&pk, "citations", false);
    rc |= e->citations >= 0 ? msgpack_pack_long(&pk, e->citations) : msgpack_pack_nil(&pk);
    if (rc != 0) {
        msgpack_sbuffer_destroy(&sb);
        return -1;
    }
    *len = sb.size;
    *buf = msgpack_sbuffer_release(&sb);
    return 0;
}

void aws_entry_digest(const char *buf, size_t len, char out[17])
{
    /* FNV-1a, 64 bits: stable across runs and machines, which is all an
     * unchanged-document check needs (it is not a security boundary). */
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)buf[i];
        h *= 0x100000001b3ULL;
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
