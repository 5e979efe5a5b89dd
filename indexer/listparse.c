/* listparse.c - split an awesome list into headings and items, and keep
 * the entries (merged by id) and the problems found.
 *
 * Each line is repaired first (mojibake.h); then "#" headings set the
 * section and subsection, the table of contents (anchor links before the
 * first "##") is passed over, and every other bullet line starts an item
 * that runs until the next bullet, heading or rule.  listitem.c reads the
 * item.  Every bullet line after the table of contents is counted in
 * n_items and ends up as an entry, a merge into an earlier entry, or a
 * problem with skipped=1.
 */
#include "listparse.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listitem.h"
#include "mojibake.h"
#include "sniff.h"

/* The id -> entry lookup: open addressing over indexes into
 * list->entries (slot value i + 1; 0 is empty). */
typedef struct id_index {
    size_t *slots;
    size_t cap;          /* a power of two */
} id_index_t;

static uint64_t hash_id(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

static int index_insert(aws_list_t *list, size_t entry)
{
    id_index_t *ix = list->index;
    if (ix == NULL) {
        ix = calloc(1, sizeof *ix);
        if (ix == NULL)
            return -1;
        list->index = ix;
    }
    /* Grow at half full, re-inserting every entry. */
    if ((entry + 1) * 2 > ix->cap) {
        size_t cap = ix->cap ? ix->cap * 2 : 64;
        while ((entry + 1) * 2 > cap)
            cap *= 2;
        size_t *slots = calloc(cap, sizeof *slots);
        if (slots == NULL)
            return -1;
        free(ix->slots);
        ix->slots = slots;
        ix->cap = cap;
        for (size_t i = 0; i < entry; i++) {
            size_t h = (size_t)hash_id(list->entries[i]->id) & (cap - 1);
            while (slots[h] != 0)
                h = (h + 1) & (cap - 1);
            slots[h] = i + 1;
        }
    }
    size_t h = (size_t)hash_id(list->entries[entry]->id) & (ix->cap - 1);
    while (ix->slots[h] != 0)
        h = (h + 1) & (ix->cap - 1);
    ix->slots[h] = entry + 1;
    return 0;
}

size_t aws_list_skipped(const aws_list_t *list)
{
    size_t n = 0;
    for (size_t i = 0; i < list->n_problems; i++)
        n += list->problems[i].skipped != 0;
    return n;
}

aws_entry_t *aws_list_find(const aws_list_t *list, const char *id)
{
    const id_index_t *ix = list->index;
    if (ix == NULL || ix->cap == 0)
        return NULL;
    size_t h = (size_t)hash_id(id) & (ix->cap - 1);
    for (; ix->slots[h] != 0; h = (h + 1) & (ix->cap - 1)) {
        aws_entry_t *e = list->entries[ix->slots[h] - 1];
        if (strcmp(e->id, id) == 0)
            return e;
    }
    return NULL;
}

void aws_list_init(aws_list_t *list)
{
    memset(list, 0, sizeof *list);
}

void aws_list_free(aws_list_t *list)
{
    for (size_t i = 0; i < list->n_entries; i++)
        aws_entry_free(list->entries[i]);
    free(list->entries);
    for (size_t i = 0; i < list->n_problems; i++)
        free(list->problems[i].message);
    free(list->problems);
    id_index_t *ix = list->index;
    if (ix != NULL)
        free(ix->slots);
    free(ix);
    memset(list, 0, sizeof *list);
}

int aws__list_problem(aws_list_t *list, const char *name, int line, int skipped,
                      const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    size_t n = strlen(name) + strlen(why) + 32;
    char *msg = malloc(n);
    if (msg == NULL)
        return -1;
    snprintf(msg, n, "%s:%d: %s", name, line, why);
    if (list->n_problems == list->cap_problems) {
        size_t cap = list->cap_problems ? list->cap_problems * 2 : 16;
        aws_list_problem_t *p = realloc(list->problems, cap * sizeof *p);
        if (p == NULL) {
            free(msg);
            return -1;
        }
        list->problems = p;
        list->cap_problems = cap;
    }
    list->problems[list->n_problems++] = (aws_list_problem_t){msg, line, skipped};
    return 0;
}

/* Adds E (heap-allocated, now owned by LIST) as a new entry or merges it
 * into the entry with the same id. */
static int add_entry(aws_list_t *list, aws_entry_t *e)
{
    aws_entry_t *old = aws_list_find(list, e->id);
    if (old != NULL) {
        int rc = aws_entry_merge(old, e);
        aws_entry_free(e);
        list->n_duplicates++;
        return rc;
    }
    if (list->n_entries == list->cap_entries) {
        size_t cap = list->cap_entries ? list->cap_entries * 2 : 64;
        aws_entry_t **v = realloc(list->entries, cap * sizeof *v);
        if (v == NULL) {
            aws_entry_free(e);
            return -1;
        }
        list->entries = v;
        list->cap_entries = cap;
    }
    list->entries[list->n_entries++] = e;
    return index_insert(list, list->n_entries - 1);
}

/* The lines of one file, repaired, in one buffer. */
typedef struct lines {
    aws__line_t *v;
    size_t n, cap;
    char *buf;
    size_t blen, bcap;
} lines_t;

static int buf_put(lines_t *ls, const char *s, size_t n)
{
    if (ls->blen + n + 1 > ls->bcap) {
        size_t cap = ls->bcap ? ls->bcap : 4096;
        while (ls->blen + n + 1 > cap)
            cap *= 2;
        char *b = realloc(ls->buf, cap);
        if (b == NULL)
            return -1;
        ls->buf = b;
        ls->bcap = cap;
    }
    memcpy(ls->buf + ls->blen, s, n);
    ls->blen += n;
    ls->buf[ls->blen++] = '\0';
    return 0;
}

/* Splits TEXT into repaired lines, reporting invalid bytes and, once per
 * file, the mojibake repaired.  TEXT starts BASE bytes into the file (past
 * a byte order mark), which the byte offsets in problems count. */
static int split_lines(aws_list_t *list, const char *name, const char *text, size_t len,
                       size_t base, lines_t *ls)
{
    size_t repaired_lines = 0;
    int first_repaired = 0;
    int lineno = 0;
    for (size_t start = 0; start < len;) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *s = text + start;
        size_t n = end - start;
        lineno++;
        while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
            n--;

        bool ascii = true, nul = false;
        for (size_t i = 0; i < n; i++) {
            ascii = ascii && (unsigned char)s[i] < 0x80;
            nul = nul || s[i] == '\0';
        }
        size_t off = ls->blen;
        if (ascii && !nul) {
            if (buf_put(ls, s, n) != 0)
                return -1;
        } else {
            /* A NUL byte is no text either; turning it into 0xFF lets the
             * repair replace and count it like any invalid byte, and keeps
             * every line a C string. */
            char *copy = NULL;
            if (nul) {
                copy = malloc(n);
                if (copy == NULL)
                    return -1;
                for (size_t i = 0; i < n; i++)
                    copy[i] = s[i] == '\0' ? (char)0xFF : s[i];
            }
            char *fixed;
            size_t flen;
            aws_mojibake_stats_t st;
            int fail = aws_mojibake_repair(copy ? copy : s, n, &fixed, &flen, &st);
            free(copy);
            if (fail != 0)
                return -1;
            int rc = buf_put(ls, fixed, flen);
            free(fixed);
            if (rc != 0)
                return -1;
            if (st.invalid > 0
                && aws__list_problem(list, name, lineno, 0,
                                     "%zu byte(s) of invalid UTF-8 (or NUL) replaced with U+FFFD "
                                     "(first at byte offset %zu)",
                                     st.invalid, base + start + st.first_invalid_offset) != 0)
                return -1;
            if (st.repaired > 0 && repaired_lines++ == 0)
                first_repaired = lineno;
        }
        if (ls->n == ls->cap) {
            size_t cap = ls->cap ? ls->cap * 2 : 256;
            aws__line_t *v = realloc(ls->v, cap * sizeof *v);
            if (v == NULL)
                return -1;
            ls->v = v;
            ls->cap = cap;
        }
        /* TEXT holds the offset until the buffer stops moving. */
        ls->v[ls->n++] = (aws__line_t){(char *)(uintptr_t)off, ls->blen - off - 1, lineno};
        start = end + 1;
    }
    for (size_t i = 0; i < ls->n; i++)
        ls->v[i].text = ls->buf + (uintptr_t)ls->v[i].text;
    if (repaired_lines > 0
        && aws__list_problem(list, name, first_repaired, 0,
                             "repaired mojibake (UTF-8 read as Mac Roman) on %zu line(s), "
                             "the first here", repaired_lines) != 0)
        return -1;
    return 0;
}

/* A thematic break: three or more of one of - * _ and nothing else. */
static bool is_rule(const aws__line_t *l)
{
    size_t count = 0;
    char c = l->len > 0 ? l->text[0] : 0;
    if (c != '-' && c != '*' && c != '_')
        return false;
    for (size_t i = 0; i < l->len; i++) {
        if (l->text[i] == c)
            count++;
        else if (l->text[i] != ' ')
            return false;
    }
    return count >= 3;
}

/* A bullet at the start of the line: "- ", "* ", "+ ", and the "-[" the
 * lists sometimes have, or a bare "-". */
static bool is_item_start(const aws__line_t *l)
{
    if (l->len == 0 || is_rule(l))
        return false;
    char c = l->text[0];
    char d = l->len > 1 ? l->text[1] : ' ';
    if (c == '-')
        return d == ' ' || d == '\t' || d == '[';
    return (c == '*' || c == '+') && (d == ' ' || d == '\t');
}

static int heading_level(const aws__line_t *l)
{
    size_t i = 0;
    while (i < l->len && l->text[i] == '#')
        i++;
    if (i == 0 || i > 6 || (i < l->len && l->text[i] != ' ' && l->text[i] != '\t'))
        return 0;
    return (int)i;
}

/* Whether the line (any indent, any bullet) is only a link to an in-page
 * anchor, as the table of contents is. */
static bool is_anchor_line(const aws__line_t *l)
{
    const char *s = l->text;
    size_t n = l->len;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    if (n < 2 || (*s != '-' && *s != '*' && *s != '+'))
        return false;
    s++, n--;
    while (n > 0 && *s == ' ')
        s++, n--;
    aws__link_t lk;
    size_t used = n > 0 ? aws__link_parse(s, n, &lk) : 0;
    return used > 0 && lk.url_len > 0 && lk.url[0] == '#';
}

/* Replaces *DST with the heading text of L (after LEVEL '#'s). */
static int set_heading(char **dst, const aws__line_t *l, int level)
{
    const char *s = l->text + level;
    size_t n = l->len - (size_t)level;
    while (n > 0 && (*s == ' ' || *s == '\t'))
        s++, n--;
    /* A closing sequence of '#'s is not part of the text. */
    while (n > 0 && s[n - 1] == '#')
        n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    char *t = malloc(n + 1);
    if (t == NULL)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n && strchr("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", s[i + 1]))
            i++;
        t[k++] = s[i];
    }
    t[k] = '\0';
    free(*dst);
    *dst = t;
    return 0;
}

/* Where the last "-->" of the N lines V ends: line *LINE, byte *END;
 * *LINE is N when there is none. */
static void last_close(const aws__line_t *v, size_t n, size_t *line, size_t *end)
{
    *line = n;
    *end = 0;
    for (size_t i = n; i-- > 0 && *line == n;) {
        for (const char *p = v[i].text; (p = strstr(p, "-->")) != NULL; p += 3) {
            *line = i;
            *end = (size_t)(p - v[i].text) + 3;
        }
    }
}

/* Removes the HTML comments ("<!-- ... -->") from the N lines V of a
 * list, in place, before anything else reads them: Markdown renders them
 * as nothing, so they are neither items ("<!--" and "-->" around a
 * commented-out item) nor part of a heading ("## Papers <!-- omit in toc
 * -->") or a title (lists scraped from web pages carry empty ones like
 * "Guide<!-- -->").  A comment may span lines.  A "<!--" that no "-->"
 * follows is left as text and reported, rather than taking the rest of
 * the list with it.  Lines keep their numbers; emptied ones stay, empty. */
static int strip_comments(aws_list_t *list, const char *name, aws__line_t *v, size_t n)
{
    size_t close_line, close_end;
    last_close(v, n, &close_line, &close_end);
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        char *s = v[i].text;
        size_t len = v[i].len, k = 0;
        for (size_t p = 0; p < len;) {
            if (open) {
                const char *end = strstr(s + p, "-->");
                if (end == NULL) {
                    p = len;
                } else {
                    p = (size_t)(end - s) + 3;
                    open = false;
                }
            } else if (len - p >= 4 && memcmp(s + p, "<!--", 4) == 0) {
                /* Closed when a "-->" ends after this "<!--" does. */
                if (close_line < n && (i < close_line || p + 4 < close_end - 2)) {
                    open = true;
                    p += 4;
                } else {
                    if (aws__list_problem(list, name, v[i].lineno, 0,
                                          "an HTML comment opened here is never closed; "
                                          "kept as text") != 0)
                        return -1;
                    /* Every later "<!--" is unclosed too: keep the rest. */
                    close_line = n;
                    memmove(s + k, s + p, len - p);
                    k += len - p;
                    p = len;
                }
            } else {
                s[k++] = s[p++];
            }
        }
        /* What was before a comment keeps the rule that lines carry no
         * trailing white space. */
        if (k < len)
            while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == '\t'))
                k--;
        s[k] = '\0';
        v[i].len = k;
    }
    return 0;
}

static int parse_lines(aws_list_t *list, const char *name, lines_t *ls)
{
    char *title = strdup(""), *section = strdup(""), *subsection = strdup("");
    bool seen_section = false;
    int rc = title && section && subsection ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < ls->n;) {
        const aws__line_t *l = &ls->v[i];
        int level = heading_level(l);
        if (l->len == 0 || is_rule(l)) {
            i++;
        } else if (level > 0) {
            if (level == 1) {
                rc = set_heading(&title, l, level);
            } else if (level == 2) {
                seen_section = true;
                rc = set_heading(&section, l, level);
                if (rc == 0) {
                    /* A new section starts without a subsection. */
                    subsection[0] = '\0';
                }
            } else {
                rc = set_heading(&subsection, l, level);
            }
            i++;
        } else if (!seen_section && is_anchor_line(l)) {
            /* The table of contents. */
            i++;
        } else if (is_item_start(l)) {
            size_t j = i + 1;
            while (j < ls->n && !is_item_start(&ls->v[j]) && !is_rule(&ls->v[j])
                   && heading_level(&ls->v[j]) == 0)
                j++;
            list->n_items++;
            /* Items before the first "##" belong to the list's title. */
            aws__item_ctx_t ctx = {list, name, seen_section ? section : title, subsection};
            aws_entry_t *e = calloc(1, sizeof *e);
            if (e == NULL) {
                rc = -1;
                break;
            }
            e->citations = -1;
            rc = aws__list_item_parse(&ctx, ls->v + i, j - i, e);
            if (rc == 0) {
                rc = add_entry(list, e);
            } else {
                free(e);
                if (rc == 1)
                    rc = 0;
            }
            i = j;
        } else {
            if (seen_section)
                rc = aws__list_problem(list, name, l->lineno, 0,
                                       "text outside any item: \"%.*s\"; ignored",
                                       aws__text_cut(l->text, l->len, 40), l->text);
            i++;
        }
    }
    free(title);
    free(section);
    free(subsection);
    return rc;
}

int aws_list_parse(aws_list_t *list, const char *name, const char *text, size_t len)
{
    /* A byte order mark would hide a heading on the first line. */
    size_t bom = len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;
    lines_t ls = {NULL, 0, 0, NULL, 0, 0};
    int rc = split_lines(list, name, text + bom, len - bom, bom, &ls);
    if (rc == 0)
        rc = strip_comments(list, name, ls.v, ls.n);
    if (rc == 0)
        rc = parse_lines(list, name, &ls);
    free(ls.v);
    free(ls.buf);
    return rc;
}

int aws_list_parse_file(aws_list_t *list, const char *path)
{
    return aws_list_parse_path(list, path, NULL);
}

int aws_list_parse_path(aws_list_t *list, const char *path, const char **binary)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -2;
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    int err = 0;
    while (buf != NULL) {
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        /* errno is only meaningful right after the read that failed (a
         * folder gives EISDIR here); fclose may change it. */
        errno = 0;
        size_t n = fread(buf + len, 1, cap - len, f);
        if (n == 0) {
            if (ferror(f))
                err = errno != 0 ? errno : EIO;
            break;
        }
        len += n;
    }
    if (buf == NULL) {
        fclose(f);
        return -1;
    }
    if (err != 0) {
        free(buf);
        fclose(f);
        errno = err;
        return -2;
    }
    fclose(f);
    /* A compressed or binary file would parse into thousands of warnings
     * about invalid bytes and stray text: it is refused whole instead. */
    const char *what = aws_sniff_binary(buf, len);
    if (what != NULL) {
        free(buf);
        if (binary != NULL)
            *binary = what;
        return -3;
    }
    int rc = aws_list_parse(list, path, buf, len);
    free(buf);
    return rc;
}
