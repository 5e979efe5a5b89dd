/* listparse.h - parse an awesome-list Markdown file into entries.
 *
 * The parser reads the whole file from memory; it has no I/O of its own
 * beyond aws_list_parse_file's read.  Items are "- " lines (with the lines
 * that continue them: hard-wrapped titles, the tab-indented author line,
 * further link lines) under "##" sections and "###" subsections; the table
 * of contents before the first "##" is skipped.  Mojibake is repaired
 * (see mojibake.h) before anything else looks at the text.
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
 * memory, or -2 when PATH cannot be read (errno is set). */
int aws_list_parse_file(aws_list_t *list, const char *path);

/* Finds the entry with id ID, or NULL. */
aws_entry_t *aws_list_find(const aws_list_t *list, const char *id);

#endif /* AWS_LISTPARSE_H */
