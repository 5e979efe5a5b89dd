/* mojibake.h - repair UTF-8 text that was decoded as Mac Roman and encoded
 * as UTF-8 again ("Fran√ßois" -> "François", "¬∑" -> "·").
 *
 * Repair is exact and conservative, and works line by line: a maximal run
 * of characters is rewritten only when every character of it maps back to
 * a Mac Roman byte (the table in macroman.c) and those bytes are valid
 * multi-byte UTF-8 from first to last.  A run that real punctuation could
 * form ("“É", "l’é") needs more evidence on its line; mojibake.c explains
 * the rule.  Text that is already correct UTF-8 (accents, CJK, emoji) is
 * never touched.
 */
#ifndef AWS_MOJIBAKE_H
#define AWS_MOJIBAKE_H

#include <stddef.h>

typedef struct aws_mojibake_stats {
    size_t repaired;   /* runs rewritten */
    size_t invalid;    /* invalid UTF-8 bytes replaced with U+FFFD */
    size_t first_invalid_offset; /* byte offset of the first invalid byte */
} aws_mojibake_stats_t;

/* Repairs LEN bytes of IN into a new malloc'd NUL-terminated string (*OUT,
 * length *OUT_LEN; the caller frees it).  Bytes that are not UTF-8 are
 * replaced with U+FFFD.  STATS may be NULL.  Returns 0, or -1 when out of
 * memory. */
int aws_mojibake_repair(const char *in, size_t len, char **out, size_t *out_len,
                        aws_mojibake_stats_t *stats);

#endif /* AWS_MOJIBAKE_H */
