/* listitem.h - parse the lines of one list item into an entry (private to
 * the list parser: listparse.c groups lines into items, listitem.c reads
 * one item, listlinks.c finds the Markdown links in a piece of text).
 */
#ifndef AWS_LISTITEM_H
#define AWS_LISTITEM_H

#include <stdbool.h>
#include <stddef.h>

#include "entry.h"
#include "listparse.h"

/* One line of the file, already repaired (mojibake.h), without its line
 * ending and without trailing white space.  The parser owns TEXT. */
typedef struct aws__line {
    char *text;
    size_t len;
    int lineno;          /* 1-based */
} aws__line_t;

/* Where the item sits in the file. */
typedef struct aws__item_ctx {
    aws_list_t *list;
    const char *name;    /* the file, as problems name it */
    const char *section; /* "" before the first "##" */
    const char *subsection; /* "" when none */
} aws__item_ctx_t;

/* Parses LINES[0..N) (the item line, then every line up to the next item,
 * heading or rule) into E, which must be zeroed with citations -1.
 * Returns 0 when E was filled, 1 when the item is malformed (a problem with
 * skipped=1 has been added and E cleared), or -1 when out of memory.
 * Warnings (stray text, broken links on continuation lines) are added to
 * CTX->list as problems with skipped=0. */
int aws__list_item_parse(const aws__item_ctx_t *ctx, const aws__line_t *lines,
                         size_t n, aws_entry_t *e);

/* Adds the problem "NAME:LINE: why" to LIST (printf-style WHY).  Returns 0,
 * or -1 when out of memory. */
int aws__list_problem(aws_list_t *list, const char *name, int line, int skipped,
                      const char *fmt, ...);

/* The length of at most MAX bytes of S[0..LEN) that does not cut a UTF-8
 * sequence, for quoting text in problems. */
int aws__text_cut(const char *s, size_t len, size_t max);

/* A Markdown link found in text: [label](url).  Spans point into the text. */
typedef struct aws__link {
    const char *label;
    size_t label_len;
    const char *url;
    size_t url_len;
    bool image;          /* ![alt](src): a badge, not a link of the item */
} aws__link_t;

/* Parses a link starting at S[0] == '[' (or "![") within S[0..LEN).  Labels
 * may nest brackets; URLs may nest parentheses and may be followed by a
 * quoted title, which is dropped.  Returns the number of bytes consumed, or
 * 0 when S holds no complete link there. */
size_t aws__link_parse(const char *s, size_t len, aws__link_t *link);

/* Reads "[text](url)" at S[0] when the text's brackets do not balance
 * ("[[a](u)", "[a]](u)"), which aws__link_parse refuses: the text runs to
 * the first "](" and loses the unmatched brackets at its ends.  Returns the
 * bytes consumed, or 0. */
size_t aws__link_parse_loose(const char *s, size_t len, aws__link_t *link);

#endif /* AWS_LISTITEM_H */
