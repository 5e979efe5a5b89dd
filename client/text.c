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
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
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

static int cp_width(uint32_t cp, int bad)
{
    /* A replacement character takes one column like any other symbol. */
    if (bad || is_control(cp))
        return 1;
    return aws_utf8_width(cp);
}

void aws_text_put(FILE *out, const char *s, size_t len)
{
    size_t i = 0;

    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (is_space(c)) {
            putc(' ', out);
            i++;
            continue;
        }
        uint32_t cp;
        int bad;
        size_t n = aws_utf8_decode(s + i, len - i, &cp, &bad);
        put_cp(out, s + i, n, cp, bad);
        i += n;
    }
}

size_t aws_text_width(const char *s, size_t len)
{
    size_t i = 0, w = 0;

    while (i < len) {
        if (is_space((unsigned char)s[i])) {
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

static bool in_span(size_t off, size_t len, const aws_span_t *spans, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        /* Spans reaching past the text are ignored whole: they come from a
         * daemon that measured some other string. */
        if (spans[k].off > len || spans[k].len > len - spans[k].off)
            continue;
        if (off >= spans[k].off && off - spans[k].off < spans[k].len)
            return true;
    }
    return false;
}

/* Writes the word S[from..to), switching W's escapes on and off where the
 * highlighted bytes start and end; *LIT says whether the escape is open
 * and stays so at the end of the word (the caller decides whether the
 * following space is highlighted too). */
static void put_word(FILE *out, const char *s, size_t len, size_t from,
                     size_t to, const aws_span_t *spans, size_t n,
                     const aws_wrap_t *w, bool *lit)
{
    size_t i = from;

    while (i < to) {
        uint32_t cp;
        int bad;
        size_t k = aws_utf8_decode(s + i, to - i, &cp, &bad);
        if (w->on && w->off) {
            bool want = in_span(i, len, spans, n);
            if (want != *lit) {
                fputs(want ? w->on : w->off, out);
                *lit = want;
            }
        }
        put_cp(out, s + i, k, cp, bad);
        i += k;
    }
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
        while (i < len && is_space((unsigned char)s[i]))
            i++;
        if (i >= len)
            break;
        size_t from = i;
        while (i < len && !is_space((unsigned char)s[i]))
            i++;
        int ww = (int)aws_text_width(s + from, i - from);
        if (line_has_word) {
            bool brk = col + 1 + ww > w->width;
            /* A highlight spanning the gap and the next word (a phrase)
             * stays open across the space, never across a line break. */
            if (lit && (brk || !in_span(gap, len, spans, n) ||
                        !in_span(from, len, spans, n))) {
                fputs(w->off, out);
                lit = false;
            }
            if (brk) {
                fprintf(out, "\n%*s", w->indent, "");
                col = w->indent;
            } else {
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
