/* render.h - the human form of the daemon's results (everything but --json).
 *
 * Each function takes a result map exactly as the daemon sent it (SPEC.md
 * "Wire protocol") and writes it to R->out; missing or mistyped fields are
 * skipped rather than trusted, so an older or newer daemon still prints.
 */
#ifndef AWS_CLIENT_RENDER_H
#define AWS_CLIENT_RENDER_H

#include <stdbool.h>
#include <stdio.h>

#include <msgpack.h>

typedef struct aws_render {
    FILE *out;
    bool color;  /* ANSI escapes: titles bold, matched terms in red */
    int width;   /* columns to wrap at */
} aws_render_t;

/* Prints the hits of a `search` (RELATED false) or `related` result,
 * numbered from OFFSET + 1, then the facets when the result has them, then
 * a footer.  Returns the number of hits printed. */
size_t aws_render_hits(const aws_render_t *r, const msgpack_object *result,
                       unsigned offset, bool related);

/* Prints every field of a `get` result, one "key  value" row each. */
void aws_render_entry(const aws_render_t *r, const msgpack_object *entry);

/* Prints the `stats` figures, one "key  value" row each. */
void aws_render_stats(const aws_render_t *r, const msgpack_object *stats);

/* Prints the BibTeX text of a `cite` result; returns -1 when it has none. */
int aws_render_cite(const aws_render_t *r, const msgpack_object *cite);

#endif /* AWS_CLIENT_RENDER_H */
