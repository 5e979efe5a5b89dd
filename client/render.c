/* render.c - the human form of the daemon's results (everything but --json). */
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "proto.h"
#include "text.h"

#define ESC_BOLD  "\033[1m"
#define ESC_MATCH "\033[1;31m"
#define ESC_SECT  "\033[32m"
#define ESC_URL   "\033[36m"
#define ESC_RESET "\033[0m"

/* The string at KEY of MAP, or false when it is missing, nil or empty. */
static bool get_str(const msgpack_object *map, const char *key,
                    const char **s, size_t *len)
{
    const msgpack_object *o = aws_obj_get(map, key);
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size == 0)
        return false;
    *s = o->via.str.ptr;
    *len = o->via.str.size;
    return true;
}

/* The integer at KEY of MAP, or false when it is missing or no integer. */
static bool get_int(const msgpack_object *map, const char *key, int64_t *v)
{
    const msgpack_object *o = aws_obj_get(map, key);
    if (!o)
        return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT64_MAX) {
        *v = (int64_t)o->via.u64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *v = o->via.i64;
        return true;
    }
    return false;
}

static void style(const aws_render_t *r, const char *esc)
{
    if (r->color)
        fputs(esc, r->out);
}

static void put_styled(const aws_render_t *r, const char *esc, const char *s,
                       size_t len)
{
    style(r, esc);
    aws_text_put(r->out, s, len);
    style(r, ESC_RESET);
}

/* A line being composed in memory so that it can be wrapped as a whole.
 * It starts in SMALL, which holds any ordinary line, and moves to a heap
 * buffer (owned by the line, freed by line_wrap) only for a longer one;
 * after a failed allocation the line is dropped rather than cut short. */
typedef struct line {
    char *buf;
    size_t len;
    size_t cap;
    bool failed;
    char small[256];
} line_t;

static void line_open(line_t *l)
{
    l->buf = l->small;
    l->len = 0;
    l->cap = sizeof l->small;
    l->failed = false;
}

static void line_add(line_t *l, const char *s, size_t n)
{
    if (l->failed)
        return;
    if (n > l->cap - l->len) {
        size_t cap = l->cap * 2 > l->len + n ? l->cap * 2 : l->len + n;
        char *buf = malloc(cap);
        if (!buf) {
            l->failed = true;
            return;
        }
        memcpy(buf, l->buf, l->len);
        if (l->buf != l->small)
            free(l->buf);
        l->buf = buf;
        l->cap = cap;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void line_add_str(line_t *l, const char *s)
{
    line_add(l, s, strlen(s));
}

static void line_add_int(line_t *l, int64_t v)
{
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v);
    line_add(l, num, (size_t)n);
}

/* Writes L's text wrapped at INDENT, with SPAN (when its length is not 0)
 * in the escape ON, and frees L. */
static void line_wrap(const aws_render_t *r, line_t *l, int indent,
                      aws_span_t span, const char *on)
{
    if (!l->failed && l->len > 0) {
        aws_wrap_t w = {
            .width = r->width, .start_col = indent, .indent = indent,
            .on = r->color ? on : NULL, .off = r->color ? ESC_RESET : NULL,
        };
        aws_text_pad(r->out, indent);
        aws_text_wrap(r->out, l->buf, l->len, &span, span.len ? 1 : 0, &w);
    }
    if (l->buf != l->small)
        free(l->buf);
}

/* Adds the " · " between the parts of a hit's second line. */
static void sep(line_t *l, bool *first)
{
    if (!*first)
        line_add_str(l, " \xC2\xB7 ");
    *first = false;
}

/* Year, section (in colour), citations and, for non-papers, the kind. */
static void put_meta(const aws_render_t *r, const msgpack_object *hit,
                     int indent)
{
    const char *s;
    size_t len;
    int64_t v;
    bool first = true;
    aws_span_t span = { 0, 0 };
    line_t l;

    line_open(&l);
    if (get_int(hit, "year", &v)) {
        sep(&l, &first);
        line_add_int(&l, v);
    }
    if (get_str(hit, "section", &s, &len)) {
        sep(&l, &first);
        span.off = l.len;
        span.len = len;
        line_add(&l, s, len);
    }
    if (get_int(hit, "citations", &v)) {
        sep(&l, &first);
        line_add_int(&l, v);
        line_add_str(&l, v == 1 ? " citation" : " citations");
    }
    if (get_str(hit, "kind", &s, &len) && !(len == 5 && !memcmp(s, "paper", 5))) {
        sep(&l, &first);
        line_add(&l, s, len);
    }
    if (first)
        line_add_str(&l, "-");
    line_wrap(r, &l, indent, span, ESC_SECT);
}

/* The first three authors, then "et al." when there are more. */
static void put_authors(const aws_render_t *r, const msgpack_object *hit,
                        int indent)
{
    const msgpack_object *a = aws_obj_get(hit, "authors");
    line_t l;

    if (!a || a->type != MSGPACK_OBJECT_ARRAY || a->via.array.size == 0)
        return;
    line_open(&l);
    uint32_t shown = 0;
    for (uint32_t i = 0; i < a->via.array.size && shown < 3; i++) {
        const msgpack_object *e = &a->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_STR)
            continue;
        if (shown++)
            line_add_str(&l, ", ");
        line_add(&l, e->via.str.ptr, e->via.str.size);
    }
    if (a->via.array.size > 3)
        line_add_str(&l, " et al.");
    line_wrap(r, &l, indent, (aws_span_t){ 0, 0 }, NULL);
}

/* The snippet wrapped at the indent with its highlights in colour. */
static void put_snippet(const aws_render_t *r, const msgpack_object *hit,
                        int indent)
{
    const char *s;
    size_t len;
    /* A snippet is a few lines: 64 highlighted terms is more than one can
     * hold, and any beyond are merely left uncoloured. */
    aws_span_t spans[64];
    size_t n = 0;

    if (!get_str(hit, "snippet", &s, &len))
        return;
    const msgpack_object *h = aws_obj_get(hit, "highlights");
    if (h && h->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t i = 0; i < h->via.array.size && n < 64; i++) {
            const msgpack_object *p = &h->via.array.ptr[i];
            if (p->type != MSGPACK_OBJECT_ARRAY || p->via.array.size != 2 ||
                p->via.array.ptr[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
                p->via.array.ptr[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER)
                continue;
            spans[n].off = (size_t)p->via.array.ptr[0].via.u64;
            spans[n].len = (size_t)p->via.array.ptr[1].via.u64;
            n++;
        }
    }
    aws_wrap_t w = {
        .width = r->width, .start_col = indent, .indent = indent,
        .on = r->color ? ESC_MATCH : NULL, .off = r->color ? ESC_RESET : NULL,
    };
    aws_text_pad(r->out, indent);
    aws_text_wrap(r->out, s, len, spans, n, &w);
}

static void put_hit(const aws_render_t *r, const msgpack_object *hit,
                    unsigned number, int numwidth)
{
    const char *s;
    size_t len;
    int indent = numwidth + 2;

    fprintf(r->out, "%*u. ", numwidth, number);
    if (!get_str(hit, "title", &s, &len) && !get_str(hit, "id", &s, &len)) {
        s = "(untitled)";
        len = strlen(s);
    }
    /* The whole title is one span in bold, so that the wrapper closes the
     * escape before each line break like any highlight. */
    aws_span_t all = { 0, len };
    aws_wrap_t w = {
        .width = r->width, .start_col = indent, .indent = indent,
        .on = r->color ? ESC_BOLD : NULL, .off = r->color ? ESC_RESET : NULL,
    };
    aws_text_wrap(r->out, s, len, &all, 1, &w);
    put_meta(r, hit, indent);
    put_authors(r, hit, indent);
    if (get_str(hit, "url", &s, &len)) {
        aws_text_pad(r->out, indent);
        put_styled(r, ESC_URL, s, len);
        putc('\n', r->out);
    }
    put_snippet(r, hit, indent);
}

/* ------------------------------------------------------------ facets */

static int by_count_desc(const void *a, const void *b)
{
    const msgpack_object_kv *x = *(const msgpack_object_kv *const *)a;
    const msgpack_object_kv *y = *(const msgpack_object_kv *const *)b;
    uint64_t cx = x->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER ? x->val.via.u64 : 0;
    uint64_t cy = y->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER ? y->val.via.u64 : 0;
    if (cx != cy)
        return cx > cy ? -1 : 1;
    size_t lx = x->key.type == MSGPACK_OBJECT_STR ? x->key.via.str.size : 0;
    size_t ly = y->key.type == MSGPACK_OBJECT_STR ? y->key.via.str.size : 0;
    int c = memcmp(lx ? x->key.via.str.ptr : "", ly ? y->key.via.str.ptr : "",
                   lx < ly ? lx : ly);
    return c ? c : (lx > ly) - (lx < ly);
}

static int by_key_desc(const void *a, const void *b)
{
    /* Year keys are strings of digits; longer is later, then byte order. */
    const msgpack_object_kv *x = *(const msgpack_object_kv *const *)a;
    const msgpack_object_kv *y = *(const msgpack_object_kv *const *)b;
    size_t lx = x->key.type == MSGPACK_OBJECT_STR ? x->key.via.str.size : 0;
    size_t ly = y->key.type == MSGPACK_OBJECT_STR ? y->key.via.str.size : 0;
    if (lx != ly)
        return lx > ly ? -1 : 1;
    return -memcmp(lx ? x->key.via.str.ptr : "", ly ? y->key.via.str.ptr : "", lx);
}

/* Prints one facet map under TITLE: counts per value, in ORDER. */
static void put_facet(const aws_render_t *r, const char *title,
                      const msgpack_object *map,
                      int (*order)(const void *, const void *))
{
    if (!map || map->type != MSGPACK_OBJECT_MAP || map->via.map.size == 0)
        return;
    uint32_t n = map->via.map.size;
    const msgpack_object_kv **kv = malloc(n * sizeof *kv);
    if (!kv)
        return;
    int cw = 1;
    for (uint32_t i = 0; i < n; i++) {
        kv[i] = &map->via.map.ptr[i];
        if (kv[i]->val.type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            int d = snprintf(NULL, 0, "%" PRIu64, kv[i]->val.via.u64);
            cw = d > cw ? d : cw;
        }
    }
    qsort(kv, n, sizeof *kv, order);
    style(r, ESC_BOLD);
    fputs(title, r->out);
    style(r, ESC_RESET);
    fputs(":\n", r->out);
    for (uint32_t i = 0; i < n; i++) {
        if (kv[i]->key.type != MSGPACK_OBJECT_STR ||
            kv[i]->val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
            continue;
        fprintf(r->out, "  %*" PRIu64 "  ", cw, kv[i]->val.via.u64);
        aws_text_put(r->out, kv[i]->key.via.str.ptr, kv[i]->key.via.str.size);
        putc('\n', r->out);
    }
    free(kv);
}

size_t aws_render_hits(const aws_render_t *r, const msgpack_object *result,
                       unsigned offset, bool related)
{
    const char *s;
    size_t len;
    int64_t v;
    const msgpack_object *hits = aws_obj_get(result, "hits");
    size_t n = 0;

    if (get_str(result, "corrected", &s, &len)) {
        fputs("Did you mean: ", r->out);
        put_styled(r, ESC_BOLD, s, len);
        fputs("?\n\n", r->out);
    }
    if (hits && hits->type == MSGPACK_OBJECT_ARRAY)
        n = hits->via.array.size;
    int numwidth = snprintf(NULL, 0, "%zu", (size_t)offset + n);
    for (size_t i = 0; i < n; i++) {
        if (hits->via.array.ptr[i].type != MSGPACK_OBJECT_MAP)
            continue;
        put_hit(r, &hits->via.array.ptr[i], offset + (unsigned)i + 1, numwidth);
        putc('\n', r->out);
    }
    const msgpack_object *facets = aws_obj_get(result, "facets");
    if (facets && facets->type == MSGPACK_OBJECT_MAP) {
        put_facet(r, "Sections", aws_obj_get(facets, "section"), by_count_desc);
        put_facet(r, "Years", aws_obj_get(facets, "year"), by_key_desc);
        putc('\n', r->out);
    }
    if (related) {
        fprintf(r->out, "%zu related entr%s", n, n == 1 ? "y" : "ies");
    } else {
        int64_t total = get_int(result, "total", &v) ? v : (int64_t)n;
        /* total is Xapian's estimate and may undercount what was shown. */
        if (n > 0 && total < (int64_t)offset + (int64_t)n)
            total = (int64_t)offset + (int64_t)n;
        if (total == 0)
            fputs("No results", r->out);
        else if (n == 0 && offset > 0)
            fprintf(r->out, "No results from %u on (%" PRId64 " in all)",
                    offset + 1, total);
        else
            fprintf(r->out, "%zu of %" PRId64 " result%s%s", n, total,
                    total == 1 ? "" : "s", offset > 0 ? " from " : "");
        if (n > 0 && offset > 0)
            fprintf(r->out, "%u", offset + 1);
    }
    if (get_int(result, "took_us", &v))
        fprintf(r->out, " (%.2f ms)", (double)v / 1000.0);
    putc('\n', r->out);
    return n;
}

/* ------------------------------------------------------------ key/value rows */

/* An array prints joined with ", " when its items are short plain strings
 * (authors, categories), else one item per line (links). */
static bool joinable(const msgpack_object *a)
{
    for (uint32_t i = 0; i < a->via.array.size; i++) {
        const msgpack_object *e = &a->via.array.ptr[i];
        if (e->type != MSGPACK_OBJECT_STR || e->via.str.size > 80 ||
            memchr(e->via.str.ptr, ':', e->via.str.size))
            return false;
    }
    return true;
}

static void put_scalar(const aws_render_t *r, const msgpack_object *o,
                       int indent)
{
    aws_wrap_t w = { .width = r->width, .start_col = indent, .indent = indent };

    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        fputs("-\n", r->out);
        break;
    case MSGPACK_OBJECT_BOOLEAN:
        fputs(o->via.boolean ? "yes\n" : "no\n", r->out);
        break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        fprintf(r->out, "%" PRIu64 "\n", o->via.u64);
        break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        fprintf(r->out, "%" PRId64 "\n", o->via.i64);
        break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        fprintf(r->out, "%g\n", o->via.f64);
        break;
    case MSGPACK_OBJECT_STR:
        aws_text_wrap(r->out, o->via.str.ptr, o->via.str.size, NULL, 0, &w);
        break;
    default:
        aws_json_write(r->out, o);
        putc('\n', r->out);
        break;
    }
}

static void put_value(const aws_render_t *r, const msgpack_object *o,
                      int indent)
{
    if (o->type != MSGPACK_OBJECT_ARRAY) {
        put_scalar(r, o, indent);
        return;
    }
    uint32_t n = o->via.array.size;
    if (n == 0) {
        fputs("-\n", r->out);
        return;
    }
    if (joinable(o)) {
        /* Joined into one buffer so the list wraps as one paragraph. */
        size_t total = 0;
        for (uint32_t i = 0; i < n; i++)
            total += o->via.array.ptr[i].via.str.size + 2;
        char *buf = malloc(total);
        if (buf) {
            size_t at = 0;
            for (uint32_t i = 0; i < n; i++) {
                if (i) {
                    memcpy(buf + at, ", ", 2);
                    at += 2;
                }
                memcpy(buf + at, o->via.array.ptr[i].via.str.ptr,
                       o->via.array.ptr[i].via.str.size);
                at += o->via.array.ptr[i].via.str.size;
            }
            aws_wrap_t w = { .width = r->width, .start_col = indent,
                             .indent = indent };
            aws_text_wrap(r->out, buf, at, NULL, 0, &w);
            free(buf);
            return;
        }
    }
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            aws_text_pad(r->out, indent);
        put_scalar(r, &o->via.array.ptr[i], indent);
    }
}

/* Prints MAP as rows "key  value" with the values aligned. */
static void put_rows(const aws_render_t *r, const msgpack_object *map,
                     bool stats)
{
    if (map->type != MSGPACK_OBJECT_MAP) {
        put_scalar(r, map, 0);
        return;
    }
    int kw = 0;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR) {
            int w = (int)aws_text_width(k->via.str.ptr, k->via.str.size);
            kw = w > kw ? w : kw;
        }
    }
    int indent = kw + 2;
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        const msgpack_object *v = &map->via.map.ptr[i].val;
        if (k->type != MSGPACK_OBJECT_STR)
            continue;
        style(r, ESC_BOLD);
        aws_text_put(r->out, k->via.str.ptr, k->via.str.size);
        style(r, ESC_RESET);
        aws_text_pad(r->out, indent - (int)aws_text_width(k->via.str.ptr,
                                                          k->via.str.size));
        /* The index time is seconds since the epoch on the wire; people
         * read dates. */
        if (stats && k->via.str.size == 10 &&
            !memcmp(k->via.str.ptr, "indexed_at", 10) &&
            v->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
            time_t t = (time_t)v->via.u64;
            struct tm tm;
            char buf[64];
            if (gmtime_r(&t, &tm) &&
                strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm)) {
                fprintf(r->out, "%s\n", buf);
                continue;
            }
        }
        put_value(r, v, indent);
    }
}

void aws_render_entry(const aws_render_t *r, const msgpack_object *entry)
{
    put_rows(r, entry, false);
}

void aws_render_stats(const aws_render_t *r, const msgpack_object *stats)
{
    put_rows(r, stats, true);
}

int aws_render_cite(const aws_render_t *r, const msgpack_object *cite)
{
    const char *s;
    size_t len;

    if (!get_str(cite, "text", &s, &len))
        return -1;
    /* BibTeX is copied into files: written verbatim but for control bytes,
     * keeping its own line breaks. */
    size_t from = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || s[i] == '\n') {
            aws_text_put(r->out, s + from, i - from);
            if (i < len || (i > from))
                putc('\n', r->out);
            from = i + 1;
        }
    }
    return 0;
}
