/* fuzz_list.c - libFuzzer target: arbitrary bytes through the list parser.
 *
 * Parses the input as a list, then packs every entry, so that the whole
 * path from bytes to stored form runs under the sanitizers.  It also checks
 * the parser's promise that every item is accounted for, aborting when not.
 */
#include <stdint.h>
#include <stdlib.h>

#include "listparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aws_list_t list;
    aws_list_init(&list);
    if (aws_list_parse(&list, "fuzz.md", (const char *)data, size) == 0) {
        if (list.n_entries + list.n_duplicates + aws_list_skipped(&list) != list.n_items)
            abort();
        for (size_t i = 0; i < list.n_entries; i++) {
            const aws_entry_t *e = list.entries[i];
            if (e->id[0] == '\0' || e->title[0] == '\0' || e->url[0] == '\0')
                abort();
            char *buf;
            size_t len;
            if (aws_entry_pack(e, &buf, &len) == 0)
                free(buf);
        }
    }
    aws_list_free(&list);
    return 0;
}
