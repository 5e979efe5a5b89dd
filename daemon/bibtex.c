/* bibtex.c - a BibTeX record for one entry, from its stored form. */
#include "bibtex.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stored.h"

/* Title words that never make a key (Google Scholar's habit). */
static const char *const stop_words[] = {
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "is",
    "are", "do", "does", "how", "what", "when", "why", "we", "towards",
    "toward", "via", "from", "at", "by", "as",
};

/* ASCII stand-ins for the Latin-1 letters U+00C0..U+00FF, so that
 * "Müller" keys as "muller"; NULL drops the character. */
static const char *const latin1_ascii[64] = {
    "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i",
    "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u",
    "u", "y", "th", "ss", "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e",
    "e", "e", "i", "i", "i", "i", "d", "n", "o", "o", "o", "o", "o", NULL,
    "o", "u", "u", "u", "u", "y", "th", "y",
};

/* Appends the key-safe form of S[0..LEN) to OUT (lower-case ASCII letters
 * and digits only), stopping at the first character that ends a word when
 * ONE_WORD.  Returns how many characters were appended. */
static size_t key_part(FILE *out, const char *s, size_t len, bool one_word)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            if (isalnum(c)) {
                fputc(tolower(c), out);
                n++;
            } else if (one_word && c != '\'') {
                if (n > 0)
                    break;
            }
            continue;
        }
        /* Two-byte UTF-8 sequences C3 80..C3 BF are U+00C0..U+00FF. */
        if (c == 0xC3 && i + 1 < len) {
            unsigned char d = (unsigned char)s[i + 1];
            if (d >= 0x80 && d <= 0xBF) {
                const char *a = latin1_ascii[d - 0x80];
                if (a != NULL) {
                    fputs(a, out);
                    n += strlen(a);
                }
                i++;
                continue;
            }
        }
        /* Other non-ASCII letters are dropped: the key stays ASCII. */
    }
    return n;
}

/* The last name of AUTHOR: the part before a comma ("Ye, Yifan"), else the
 * last white-space separated word ("Yifan Ye"). */
static void last_name(const char *a, size_t len, const char **s, size_t *n)
{
    const char *comma = memchr(a, ',', len);
    if (comma != NULL) {
        *s = a;
        *n = (size_t)(comma - a);
        return;
    }
    size_t end = len;
    while (end > 0 && isspace((unsigned char)a[end - 1]))
        end--;
    size_t start = end;
    while (start > 0 && !isspace((unsigned char)a[start - 1]))
        start--;
    *s = a + start;
    *n = end - start;
}

static bool is_stop_word(const char *w, size_t len)
{
    for (size_t i = 0; i < sizeof stop_words / sizeof *stop_words; i++) {
        if (strlen(stop_words[i]) == len && strncasecmp(w, stop_words[i], len) == 0)
            return true;
    }
    return false;
}

/* Appends the first title word that is not a stop word. */
static void title_word(FILE *out, const char *t, size_t len)
{
    size_t i = 0;
    while (i < len) {
        while (i < len && !isalnum((unsigned char)t[i]) &&
               (unsigned char)t[i] < 0x80)
            i++;
        size_t start = i;
        while (i < len && (isalnum((unsigned char)t[i]) ||
                           (unsigned char)t[i] >= 0x80 || t[i] == '\''))
            i++;
        if (i > start && !is_stop_word(t + start, i - start) &&
            key_part(out, t + start, i - start, true) > 0)
            return;
    }
}

/* Writes the key of ENTRY. */
static void write_key(FILE *out, const msgpack_object *entry)
{
    const msgpack_object_array *authors = aws_stored_array(entry, "authors");
    bool have_name = false;
    if (authors != NULL && authors->size > 0 &&
        authors->ptr[0].type == MSGPACK_OBJECT_STR) {
        const char *s;
        size_t n;
        last_name(authors->ptr[0].via.str.ptr, authors->ptr[0].via.str.size, &s,
                  &n);
        have_name = key_part(out, s, n, false) > 0;
    }
    if (!have_name) {
        /* No author: a repository keys by its owner, a link by its host. */
        const char *id, *kind;
        size_t id_len, kind_len;
        if (aws_stored_str(entry, "id", &id, &id_len) &&
            aws_stored_str(entry, "kind", &kind, &kind_len)) {
            if (kind_len == 4 && memcmp(kind, "repo", 4) == 0) {
                const char *slash = memchr(id, '/', id_len);
                have_name = key_part(out, id, slash ? (size_t)(slash - id) : id_len,
                                     false) > 0;
            } else if (kind_len == 4 && memcmp(kind, "link", 4) == 0) {
                /* The stored string is not NUL-terminated: search only
                 * its ID_LEN bytes for the scheme's "://". */
                const char *host = id;
                for (size_t i = 0; i + 3 <= id_len; i++) {
                    if (memcmp(id + i, "://", 3) == 0) {
                        host = id + i + 3;
                        break;
                    }
                }
                size_t rest = id_len - (size_t)(host - id);
                if (rest > 4 && strncmp(host, "www.", 4) == 0) {
                    host += 4;
                    rest -= 4;
                }
                size_t hl = 0;
                while (hl < rest && host[hl] != '/' && host[hl] != '.' &&
                       host[hl] != ':')
                    hl++;
                have_name = key_part(out, host, hl, false) > 0;
            }
        }
        if (!have_name)
            fputs("anon", out);
    }
    int64_t year;
    if (aws_stored_int(entry, "year", &year) && year > 0 && year < 10000)
        fprintf(out, "%d", (int)year);
    const char *title;
    size_t title_len;
    if (aws_stored_str(entry, "title", &title, &title_len))
        title_word(out, title, title_len);
}

/* Writes S[0..LEN) escaped for a braced BibTeX value; control characters
 * (line breaks in a title) become spaces. */
static void escape(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '{': case '}': case '&': case '%': case '$': case '#': case '_':
            fputc('\\', out);
            fputc(c, out);
            break;
        case '\\':
            fputs("\\textbackslash{}", out);
            break;
        case '~':
            fputs("\\textasciitilde{}", out);
            break;
        case '^':
            fputs("\\textasciicircum{}", out);
            break;
        default:
            fputc(c < 0x20 || c == 0x7f ? ' ' : c, out);
        }
    }
}

/* Whether C belongs to a title word for case protection: ASCII letters,
 * digits, '-', '+', '.', and the bytes of non-ASCII characters. */
static bool word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '+' || c == '.' || c >= 0x80;
}

/* Whether the title word W[0..LEN) must keep its case: styles that set
 * titles in sentence case lower everything but the first letter, which
 * would print "Moe-mamba", "Llms" or "t5".  A word keeps it when it has a
 * capital after its first letter, or a capital and a digit. */
static bool keeps_case(const char *w, size_t len)
{
    bool later_capital = false, capital = false, digit = false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)w[i];
        if (c >= 'A' && c <= 'Z') {
            capital = true;
            later_capital = later_capital || i > 0;
        }
        digit = digit || (c >= '0' && c <= '9');
    }
    return later_capital || (capital && digit);
}

/* Writes the title T[0..LEN) escaped, with braces around each word that
 * must keep its case ("{MoE-Mamba}: Efficient ..."). */
static void title_str(FILE *out, const char *t, size_t len)
{
    fputs("  title = {", out);
    size_t i = 0;
    while (i < len) {
        if (!word_byte((unsigned char)t[i])) {
            escape(out, t + i, 1);
            i++;
            continue;
        }
        size_t b = i;
        while (i < len && word_byte((unsigned char)t[i]))
            i++;
        size_t e = i;
        while (e > b && t[e - 1] == '.') /* a full stop stays outside */
            e--;
        bool keep = keeps_case(t + b, e - b);
        if (keep)
            fputc('{', out);
        fwrite(t + b, 1, e - b, out);
        if (keep)
            fputc('}', out);
        fwrite(t + e, 1, i - e, out);
    }
    fputs("},\n", out);
}

/* Writes a URL for a url field: kept verbatim (the url package reads it
 * so) except braces and spaces, which are percent-encoded so that the
 * braces of the record stay balanced. */
static void escape_url(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '{' || c == '}' || c <= 0x20 || c == 0x7f || c == '\\')
            fprintf(out, "%%%02X", c);
        else
            fputc(c, out);
    }
}

static void field_str(FILE *out, const char *name, const char *s, size_t len)
{
    fprintf(out, "  %s = {", name);
    escape(out, s, len);
    fputs("},\n", out);
}

int aws_bibtex_format(const msgpack_object *entry, char **key, char **text)
{
    char *kbuf = NULL, *tbuf = NULL;
    size_t klen = 0, tlen = 0;
    FILE *kf = open_memstream(&kbuf, &klen);
    if (kf == NULL)
        return -1;
    write_key(kf, entry);
    /* A memory stream reports a failed allocation through its error flag. */
    bool bad = ferror(kf) != 0;
    if (fclose(kf) != 0 || bad) {
        free(kbuf);
        return -1;
    }

    FILE *out = open_memstream(&tbuf, &tlen);
    if (out == NULL) {
        free(kbuf);
        return -1;
    }

    const char *kind = "", *id = "", *s;
    size_t kind_len = 0, id_len = 0, len;
    aws_stored_str(entry, "kind", &kind, &kind_len);
    aws_stored_str(entry, "id", &id, &id_len);
    bool paper = kind_len == 5 && memcmp(kind, "paper", 5) == 0;

    fprintf(out, "@%s{%s,\n", paper ? "article" : "misc", kbuf);
    if (aws_stored_str(entry, "title", &s, &len))
        title_str(out, s, len);

    const msgpack_object_array *authors = aws_stored_array(entry, "authors");
    bool first = true;
    for (uint32_t i = 0; authors != NULL && i < authors->size; i++) {
        if (authors->ptr[i].type != MSGPACK_OBJECT_STR)
            continue;
        fputs(first ? "  author = {" : " and ", out);
        escape(out, authors->ptr[i].via.str.ptr, authors->ptr[i].via.str.size);
        first = false;
    }
    if (!first)
        fputs("},\n", out);

    if (paper) {
        fputs("  journal = {arXiv preprint arXiv:", out);
        escape(out, id, id_len);
        fputs("},\n", out);
    }
    int64_t year;
    if (aws_stored_int(entry, "year", &year) && year > 0 && year < 10000)
        fprintf(out, "  year = {%d},\n", (int)year);
    if (paper) {
        field_str(out, "eprint", id, id_len);
        fputs("  archivePrefix = {arXiv},\n", out);
        const msgpack_object_array *cats = aws_stored_array(entry, "categories");
        if (cats != NULL && cats->size > 0 && cats->ptr[0].type == MSGPACK_OBJECT_STR)
            field_str(out, "primaryClass", cats->ptr[0].via.str.ptr,
                      cats->ptr[0].via.str.size);
    } else if (kind_len == 4 && memcmp(kind, "repo", 4) == 0) {
        fputs("  note = {GitHub repository},\n", out);
    }
    if (aws_stored_str(entry, "url", &s, &len)) {
        if (!paper) {
            fputs("  howpublished = {\\url{", out);
            escape_url(out, s, len);
            fputs("}},\n", out);
        }
        fputs("  url = {", out);
        escape_url(out, s, len);
        fputs("},\n", out);
    }
    fputs("}\n", out);
    bad = ferror(out) != 0;
    if (fclose(out) != 0 || bad) {
        free(kbuf);
        free(tbuf);
        return -1;
    }
    *key = kbuf;
    *text = tbuf;
    return 0;
}
