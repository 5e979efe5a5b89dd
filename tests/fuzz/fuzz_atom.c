/* fuzz_atom.c - fuzz target for the arXiv Atom parser (atom.h).
 *
 * Whatever the bytes, aws_atom_parse must return 0, -1 or -2 without a
 * crash or a leak, and a successful parse must hold only papers with an id,
 * a title and a summary: the fetch loop hands them on unchecked.
 */
#include <stdint.h>
#include <stdlib.h>

#include "atom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aws_atom_feed_t feed;
    char err[256];
    int rc = aws_atom_parse((const char *)data, size, &feed, err, sizeof err);
    if (rc == 0) {
        for (size_t i = 0; i < feed.n_papers; i++) {
            const aws_paper_meta_t *m = &feed.papers[i];
            if (m->id == NULL || m->title == NULL || m->title[0] == '\0'
                || m->abstract == NULL || m->abstract[0] == '\0')
                abort();
        }
    }
    aws_atom_feed_clear(&feed);
    return 0;
}
