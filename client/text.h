/* text.h - put daemon text on a terminal: sanitised, wrapped, highlighted.
 *
 * Every string the client shows comes from list files scraped from the web,
 * so none is written raw: control characters (an ESC could rewrite the
 * user's terminal) and invalid UTF-8 become U+FFFD.  Widths are counted in
 * terminal columns, not bytes, so CJK titles wrap where they should.
 */
#ifndef AWS_CLIENT_TEXT_H
#define AWS_CLIENT_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* A highlighted byte range of a snippet (SPEC.md `highlights`). */
typedef struct aws_span {
    size_t off;
    size_t len;
} aws_span_t;

/* Writes S[0..LEN) sanitised; tabs and newlines become spaces. */
void aws_text_put(FILE *out, const char *s, size_t len);

/* Writes N spaces (none when N <= 0): the indent of a wrapped line. */
void aws_text_pad(FILE *out, int n);

/* Terminal columns S[0..LEN) takes once sanitised. */
size_t aws_text_width(const char *s, size_t len);

/* How to wrap: the terminal width, the column the cursor is at when the
 * text starts, and the indent of every following line.  ON/OFF are the
 * escape sequences around highlighted spans, or NULL for no colour. */
typedef struct aws_wrap {
    int width;
    int start_col;
    int indent;
    const char *on;
    const char *off;
} aws_wrap_t;

/* Writes S[0..LEN) word-wrapped per W and ends the last line with '\n'.
 * Runs of white space collapse to one space; a word longer than a line is
 * not broken (URLs stay copyable).  SPANS (N of them, any order, may
 * overlap, out-of-range ones ignored) mark bytes to write between W->on
 * and W->off; escapes never stay open across a line break. */
void aws_text_wrap(FILE *out, const char *s, size_t len, const aws_span_t *spans,
                   size_t n, const aws_wrap_t *w);

/* The width to wrap output at: the terminal's when FD is one (TIOCGWINSZ),
 * else $COLUMNS, else 80; never below 40. */
int aws_text_columns(int fd);

#endif /* AWS_CLIENT_TEXT_H */
