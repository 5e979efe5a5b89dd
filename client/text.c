/* text.c - put daemon text on a terminal: sanitised, wrapped, highlighted. */
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "utf8.h"

static const char replacement[] = "\xEF\xBF\xBD";

static bool is_space(unsigned char c)
{
    /* The C locale's isspace(): ' ', and '\t' '\n' '\v' '\f' '\r' (9-13). */
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_printable_ascii(unsigned char c)
{
    return c >= 0x20 && c < 0x7F;
}

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
}

/* Writes the code point at S (N bytes, decoded as CP/BAD) sanitised. */
static void put_cp(FILE *out, const char *s, size_t n, uint32_t cp, int bad)
{
    if (bad || is_control(cp))
        fputs(replacement, out);
    else
        fwrite(s, 1, n, out);
}

/* Writes the code points of S that start before STOP, decoding no further
 * than END, and returns where it stopped (STOP, or past it when the last
 * code point straddles STOP).  Most text is plain ASCII, so runs of
 * printable ASCII bytes go out with one fwrite; only the other bytes are
 * decoded one code point at a time.  White space becomes a plain space. */
static size_t put_run(FILE *out, const char *s, size_t from, size_t stop,
                      size_t end)
{
    size_t i = from;

    while (i < stop) {
        size_t run = i;
        while (run < stop && is_printable_ascii((unsigned char)s[run]))
            run++;
        if (run > i) {
            fwrite(s + i, 1, run - i, out);
            i = run;
            continue;
        }
        if (is_space((unsigned char)s[i])) {
            putc(' ', out);
            i++;
            continue;
        }
        uint32_t cp;
        int bad;
        size_t n = aws_utf8_decode(s + i, end - i, &cp, &bad);
        put_cp(out, s + i, n, cp, bad);
        i += n;
    }
    return i;
}

static int cp_width(uint32_t cp, int bad)
{
    /* A replacement character takes one column like any other symbol. */
    if (bad || is_control(cp))
        return 1;
    return aws_utf8_width(cp);
}

void aws_text_put(FILE *out, const char *s, size_t len)
{
    put_run(out, s, 0, len, len);
}

size_t aws_text_width(const char *s, size_t len)
{
    size_t i = 0, w = 0;

    while (i < len) {
        /* Every ASCII byte takes one column: printable ones as themselves,
         * white space as a space, controls as a replacement character. */
        if ((unsigned char)s[i] < 0x80) {
            w++;
            i++;
            continue;
        }
        uint32_t cp;
        int bad;
        i += aws_utf8_decode(s + i, len - i, &cp, &bad);
        w += (size_t)cp_width(cp, bad);
    }
    return w;
}

void aws_text_pad(FILE *out, int n)
{
    static const char spaces[] = "                                ";

    while (n > 0) {
        int k = n < (int)sizeof spaces - 1 ? n : (int)sizeof spaces - 1;
        fwrite(spaces, 1, (size_t)k, out);
        n -= k;
    }
}

/* Whether span SP reaches past a text of LEN bytes.  Such spans
 * are ignored whole: they come from a daemon that measured some other
 * string. */
static bool span_bad(const aws_span_t *sp, size_t len)
{
    return sp->off > len || sp->len > len - sp->off;
}

static bool in_span(size_t off, size_t len, const aws_span_t *spans, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (span_bad(&spans[k], len))
            continue;
        if (off >= spans[k].off && off - spans[k].off < spans[k].len)
            return true;
    }
    return false;
}

/* A byte after OFF up to which every byte shares OFF's highlighting (LIT,
 * which is in_span(OFF)): the end of a span holding OFF, or else the start
 * of the next span, or LEN.  Overlapping spans may keep the highlight on
 * past it; the caller simply asks again there. */
static size_t span_change(size_t off, bool lit, size_t len,
                          const aws_span_t *spans, size_t n)
{
    size_t end = len;

    for (size_t k = 0; k < n; k++) {
        if (span_bad(&spans[k], len) || spans[k].len == 0)
            continue;
        size_t a = spans[k].off, b = spans[k].off + spans[k].len;
        if (lit && a <= off && off < b)
            return b;
        if (!lit && a > off && a < end)
            end = a;
    }
    return end;
}

/* Writes the word S[from..to), switching W's escapes on and off where the
 * highlighted bytes start and end; *LIT says whether the escape is open
 * and stays so at the end of the word (the caller decides whether the
 * following space is highlighted too).  Highlighting is decided at the
 * first byte of each code point, so a span ending inside one colours it
 * whole. */
static void put_word(FILE *out, const char *s, size_t len, size_t from,
                     size_t to, const aws_span_t *spans, size_t n,
                     const aws_wrap_t *w, bool *lit)
{
    size_t i = from;

    if (!w->on || !w->off) {
        put_run(out, s, from, to, to);
        return;
    }
    while (i < to) {
        bool want = in_span(i, len, spans, n);
        if (want != *lit) {
            fputs(want ? w->on : w->off, out);
            *lit = want;
        }
        size_t stop = span_change(i, want, len, spans, n);
        i = put_run(out, s, i, stop < to ? stop : to, to);
    }
}

/* Whether a wide (East Asian) character starts at S[I]: a line may break
 * before and after each one, as CJK text has no spaces to break at.
 * *N receives its length in bytes. */
static bool wide_at(const char *s, size_t len, size_t i, size_t *n)
{
    if ((unsigned char)s[i] < 0x80)
        return false;
    uint32_t cp;
    int bad;
    *n = aws_utf8_decode(s + i, len - i, &cp, &bad);
    return cp_width(cp, bad) == 2;
}

/* The end of the word that starts at S[FROM]: the next space, or a wide
 * character alone, or the start of the next one. */
static size_t word_end(const char *s, size_t len, size_t from)
{
    size_t n;
    if (wide_at(s, len, from, &n))
        return from + n;
    size_t i = from;
    while (i < len && !is_space((unsigned char)s[i]) && !(i > from && wide_at(s, len, i, &n)))
        i++;
    return i;
}

void aws_text_wrap(FILE *out, const char *s, size_t len, const aws_span_t *spans,
                   size_t n, const aws_wrap_t *w)
{
    int col = w->start_col;
    bool line_has_word = false;
    bool lit = false;
    size_t gap = 0;  /* where the white space before the next word starts */
    size_t i = 0;

    for (;;) {
        size_t before = i;
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        bool spaced = i > before;
        size_t from = i;
        i = word_end(s, len, from);
        int ww = (int)aws_text_width(s + from, i - from);
        if (line_has_word) {
            bool brk = col + (spaced ? 1 : 0) + ww > w->width;
            /* A highlight spanning the gap and the next word (a phrase)
             * stays open across the space, never across a line break. */
            if (lit && (brk || !in_span(gap, len, spans, n) ||
                        !in_span(from, len, spans, n))) {
                fputs(w->off, out);
                lit = false;
            }
            if (brk) {
                putc('\n', out);
                aws_text_pad(out, w->indent);
                col = w->indent;
            } else if (spaced) {
                putc(' ', out);
                col++;
            }
        }
        put_word(out, s, len, from, i, spans, n, w, &lit);
        gap = i;
        col += ww;
        line_has_word = true;
    }
    if (lit)
        fputs(w->off, out);
    putc('\n', out);
}

int aws_text_columns(int fd)
{
    int cols = 0;
    struct winsize ws;

    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
        cols = ws.ws_col;
    } else {
        const char *env = getenv("COLUMNS");
        if (env && *env) {
            char *end;
            long v = strtol(env, &end, 10);
            if (*end == '\0' && v > 0 && v < 10000)
                cols = (int)v;
        }
    }
    if (cols == 0)
        cols = 80;
    return cols < 40 ? 40 : cols;
}
