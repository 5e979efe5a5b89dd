/* mojibake.c - repair UTF-8 that was read as Mac Roman and written again.
 *
 * The damage is mechanical: each byte of a multi-byte UTF-8 sequence became
 * the Mac Roman character for that byte ("ç" = C3 A7 became "√ß").  So the
 * repair runs the mapping backwards: a maximal run of characters that all
 * belong to Mac Roman's upper half is turned back into its bytes, and those
 * bytes replace the run when they are valid UTF-8 through and through.
 *
 * Correct text must survive.  Single accented letters ("café", "Ümit") map to
 * continuation bytes that cannot start a sequence, and CJK or emoji are not
 * in Mac Roman at all, so those never qualify.  What could qualify by chance
 * is punctuation right before an accented letter, because Mac Roman puts
 * quotes, dashes, the ellipsis, the no-break space and the fi/fl ligatures
 * at two-byte lead positions: "“École", "l’été", "Paris–Évian", "»Über«",
 * "25\u00a0°C", "déﬁé".  Text that is itself damaged the Latin-1 way
 * ("pequeÃ±os" for "pequeños") pairs Ã with a symbol the same way.  A run
 * that is one two-byte sequence led by one of those (« » … NBSP – — “ ” ‘ ’
 * ‹ › ﬁ ﬂ À Ã Õ) is therefore weak evidence.  It is
 * repaired only when the same line holds strong evidence (any other run that
 * qualifies: a sequence with any other lead, a three- or four-byte sequence,
 * or two sequences in a row), or when it sits between two ASCII letters and
 * its lead is quote-like (« » … NBSP “ ” ‹ ›): "Mi»õu" is "Mițu"
 * and "M…ôtin" is "Mətin", while "l’été" and "Jean–Émile" stay.
 *
 * Checked when written: every line of the sibling lists, of the 75k arXiv
 * records in ../shared/data and of French, German, Spanish, Italian,
 * Polish, Portuguese, Romanian and Russian man pages came out unchanged,
 * and no damaged pair was left in a 100k-item gen-corpus list.
 */
#include "mojibake.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macroman.h"

/* Decodes one strict UTF-8 sequence (no overlongs, no surrogates, nothing
 * past U+10FFFF) from P[0..AVAIL).  Returns its length, or 0 when invalid
 * (then *CP is U+FFFD). */
static size_t utf8_decode(const unsigned char *p, size_t avail, uint32_t *cp)
{
    *cp = 0xFFFD;
    unsigned char b = p[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t n;
    uint32_t c, min;
    if (b >= 0xC2 && b <= 0xDF) {
        n = 2, c = b & 0x1F, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        n = 3, c = b & 0x0F, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        n = 4, c = b & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* The Mac Roman byte (0x80-0xFF) a decoder turned into CP, or 0 when CP is
 * not in the upper half.  Two code points of older mapping tables are
 * accepted too: U+00A4 for 0xDB (before the euro sign) and U+2126 for 0xBD. */
static unsigned char macroman_byte(uint32_t cp)
{
    if (cp < 0xA0) {
        /* U+00A0 is the lowest upper-half code point. */
        return 0;
    }
    if (cp == 0x00A4)
        return 0xDB;
    if (cp == 0x2126)
        return 0xBD;
    size_t lo = 0, hi = 128;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (aws__macroman_reverse[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < 128 && aws__macroman_reverse[lo].cp == cp)
        return aws__macroman_reverse[lo].byte;
    return 0;
}

/* A growable output buffer. */
typedef struct outbuf {
    char *p;
    size_t len, cap;
} outbuf_t;

static int out_put(outbuf_t *o, const void *s, size_t n)
{
    if (o->len + n + 1 > o->cap) {
        size_t cap = o->cap ? o->cap : 64;
        while (o->len + n + 1 > cap)
            cap *= 2;
        char *np = realloc(o->p, cap);
        if (np == NULL)
            return -1;
        o->p = np;
        o->cap = cap;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
    return 0;
}

/* What one maximal Mac Roman run decodes to. */
typedef struct run {
    size_t start, end;   /* byte span of the run in the clean text */
    bool valid;          /* its bytes are valid UTF-8 through and through */
    bool strong;         /* see the file comment */
    bool in_word;        /* weak, but between letters with a quote-like lead */
} run_t;

/* Whether B is a two-byte lead that real text has before accented letters
 * (see the file comment).  *WORDLIKE is set for the quote-like ones, which
 * real text does not put between two letters; dashes, apostrophes and
 * ligatures it does. */
static bool weak_lead(unsigned char b, bool *wordlike)
{
    switch (b) {
    case 0xC7: case 0xC8: case 0xC9: case 0xCA:   /* « » … NBSP */
    case 0xD2: case 0xD3: case 0xDC: case 0xDD:   /* “ ” ‹ › */
        *wordlike = true;
        return true;
    case 0xD0: case 0xD1: case 0xD4: case 0xD5:   /* – — ‘ ’ */
    case 0xDE: case 0xDF:                         /* ﬁ ﬂ */
    case 0xCB: case 0xCC: case 0xCD:              /* À Ã Õ */
        *wordlike = false;
        return true;
    default:
        return false;
    }
}

static bool ascii_letter(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Finds the next run in TEXT[pos..end) (TEXT is valid UTF-8; the line
 * starts at LINE).  Returns false when there is none. */
static bool next_run(const unsigned char *text, size_t line, size_t pos, size_t end,
                     run_t *r)
{
    uint32_t cp;
    while (pos < end) {
        size_t n = utf8_decode(text + pos, end - pos, &cp);
        if (macroman_byte(cp) != 0)
            break;
        pos += n ? n : 1;
    }
    if (pos >= end)
        return false;
    r->start = pos;

    /* Walk the run, turning characters back into bytes and checking that
     * they form complete multi-byte sequences. */
    unsigned char seq[4];
    size_t have = 0, need = 0, n_seq = 0;
    bool valid = true, strong = false, wordlike = false;
    while (pos < end) {
        size_t n = utf8_decode(text + pos, end - pos, &cp);
        unsigned char b = macroman_byte(cp);
        if (b == 0)
            break;
        pos += n ? n : 1;
        if (!valid)
            continue;
        if (have == 0) {
            need = b >= 0xC2 && b <= 0xDF ? 2 : b >= 0xE0 && b <= 0xEF ? 3
                 : b >= 0xF0 && b <= 0xF4 ? 4 : 0;
            if (need == 0) {
                valid = false;
                continue;
            }
        }
        seq[have++] = b;
        if (have == need) {
            uint32_t dummy;
            if (utf8_decode(seq, need, &dummy) != need) {
                valid = false;
                continue;
            }
            n_seq++;
            if (need > 2 || !weak_lead(seq[0], &wordlike))
                strong = true;
            have = 0;
        }
    }
    r->end = pos;
    r->valid = valid && have == 0;
    r->strong = r->valid && (strong || n_seq >= 2);
    r->in_word = r->valid && wordlike && r->start > line && ascii_letter(text[r->start - 1])
                 && r->end < end && ascii_letter(text[r->end]);
    return true;
}

/* Repairs one line TEXT[start..end) of clean UTF-8 into O. */
static int repair_line(const unsigned char *text, size_t start, size_t end,
                       outbuf_t *o, size_t *repaired)
{
    run_t r;
    bool line_strong = false;
    for (size_t pos = start; !line_strong && next_run(text, start, pos, end, &r); pos = r.end)
        line_strong = r.strong;

    size_t copied = start;
    for (size_t pos = start; next_run(text, start, pos, end, &r); pos = r.end) {
        if (!r.valid || !(r.strong || r.in_word || line_strong))
            continue;
        if (out_put(o, text + copied, r.start - copied) != 0)
            return -1;
        for (size_t p = r.start; p < r.end;) {
            uint32_t cp;
            p += utf8_decode(text + p, r.end - p, &cp);
            unsigned char b = macroman_byte(cp);
            if (out_put(o, &b, 1) != 0)
                return -1;
        }
        copied = r.end;
        (*repaired)++;
    }
    return out_put(o, text + copied, end - copied);
}

int aws_mojibake_repair(const char *in, size_t len, char **out, size_t *out_len,
                        aws_mojibake_stats_t *stats)
{
    aws_mojibake_stats_t st = {0, 0, 0};
    const unsigned char *u = (const unsigned char *)in;

    /* First make the text valid UTF-8, so that the run scanner can trust
     * every sequence it decodes. */
    outbuf_t clean = {NULL, 0, 0};
    if (out_put(&clean, "", 0) != 0)
        return -1;
    size_t copied = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t n = utf8_decode(u + i, len - i, &cp);
        if (n > 0) {
            i += n;
            continue;
        }
        if (st.invalid == 0)
            st.first_invalid_offset = i;
        st.invalid++;
        if (out_put(&clean, u + copied, i - copied) != 0
            || out_put(&clean, "\xEF\xBF\xBD", 3) != 0) {
            free(clean.p);
            return -1;
        }
        copied = ++i;
    }
    if (out_put(&clean, u + copied, len - copied) != 0) {
        free(clean.p);
        return -1;
    }

    outbuf_t o = {NULL, 0, 0};
    int rc = out_put(&o, "", 0);
    const unsigned char *t = (const unsigned char *)clean.p;
    for (size_t start = 0; rc == 0 && start < clean.len;) {
        const unsigned char *nl = memchr(t + start, '\n', clean.len - start);
        size_t end = nl ? (size_t)(nl - t) : clean.len;
        rc = repair_line(t, start, end, &o, &st.repaired);
        if (rc == 0 && nl != NULL)
            rc = out_put(&o, "\n", 1);
        start = end + 1;
    }
    free(clean.p);
    if (rc != 0) {
        free(o.p);
        return -1;
    }
    *out = o.p;
    if (out_len != NULL)
        *out_len = o.len;
    if (stats != NULL)
        *stats = st;
    return 0;
}
