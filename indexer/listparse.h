/* listparse.h - parse an awesome-list Markdown file into entries.
 *
 * The parser reads the whole file from memory; it has no I/O of its own
 * beyond aws_list_parse_file's read.  Each line is first repaired
 * (mojibake.h: UTF-8 read as Mac Roman is turned back; invalid bytes and
 * NULs become U+FFFD and are reported with their byte offset).  Then:
 *
 *  - "#" is the list's title, "##" a section, "###" (and deeper) a
 *    subsection; a "##" clears the subsection.  Trailing blanks and
 *    backslash escapes ("\&") are not part of the names.
 *  - Before the first "##", bullet lines that only link to an in-page
 *    anchor ("- [Pretrain](#pretrain)", at any indent) are the table of
 *    contents and are passed over; they are not items.
 *  - Every other line starting with "- ", "-[", "* " or "+ " (or a bare
 *    "-") starts an item, which runs to the next such line, heading or rule
 *    ("---").  The item is read by listitem.c: a paper ("**Title**, `arXiv,
 *    ID`, [arxiv](..), [pdf](..), cication: [**N**](..)" with the author
 *    line and link lines after it), a repository ("[**name**](github URL)")
 *    or a plain link ("[Title](url)").
 *  - HTML comments ("<!-- ... -->", also over several lines) are no part
 *    of an item's text; one left open ends with its item.
 *  - An item that cannot be read is skipped and reported (skipped=1) with
 *    "FILE:LINE: why"; an anchor-only item after the first "##" is one of
 *    those.  So n_items == entries made + n_duplicates + skipped problems,
 *    always.  Warnings (skipped=0): repaired mojibake (once per file),
 *    invalid bytes, stray text inside or outside items, link text with
 *    unbalanced brackets.
 */
#ifndef AWS_LISTPARSE_H
#define AWS_LISTPARSE_H

#include <stddef.h>

#include "entry.h"

/* One problem found while parsing: an item that was skipped, or text that
 * was repaired or replaced.  MESSAGE is "FILE:LINE: why". */
typedef struct aws_list_problem {
    char *message;
    int line;
    int skipped;             /* 1: the item was dropped; 0: a warning */
} aws_list_problem_t;

/* The result of parsing one or more lists.  Entries with the same id are
 * merged into one (aws_entry_merge), in order of first appearance. */
typedef struct aws_list {
    aws_entry_t **entries;
    size_t n_entries;
    size_t cap_entries;
    aws_list_problem_t *problems;
    size_t n_problems;
    size_t cap_problems;
    size_t n_items;          /* "- " items seen, indexed or skipped */
    size_t n_duplicates;     /* items merged into an earlier entry */
    void *index;             /* id -> entry lookup; private to listparse.c */
} aws_list_t;

void aws_list_init(aws_list_t *list);
void aws_list_free(aws_list_t *list);

/* Parses LEN bytes of TEXT, naming them NAME in problems, into LIST (which
 * may already hold entries from earlier lists).  Returns 0, or -1 when out of
 * memory; malformed items are problems, not failures. */
int aws_list_parse(aws_list_t *list, const char *name, const char *text,
                   size_t len);

/* Reads PATH and parses it as aws_list_parse does.  Returns 0, -1 when out of
 * memory, -2 when PATH cannot be read (errno is set), or -3 when PATH is not
 * text (compressed or binary: sniff.h), in which case nothing was parsed
 * and *BINARY (when BINARY is not NULL) says what PATH looks like. */
int aws_list_parse_path(aws_list_t *list, const char *path, const char **binary);

/* aws_list_parse_path without the description. */
int aws_list_parse_file(aws_list_t *list, const char *path);

/* Finds the entry with id ID, or NULL. */
aws_entry_t *aws_list_find(const aws_list_t *list, const char *id);

/* The number of items skipped (problems with skipped=1).  Every item is an
 * entry, a merge or a skip: n_items == n_entries + n_duplicates + this. */
size_t aws_list_skipped(const aws_list_t *list);

#endif /* AWS_LISTPARSE_H */
