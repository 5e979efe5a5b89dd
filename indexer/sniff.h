/* sniff.h - tell a binary or compressed input from text by its first bytes.
 *
 * awindex reads Markdown lists and JSON lines; a file that is neither (a
 * gzip'd snapshot, a PDF, an image) would otherwise be read line by line
 * and turn into thousands of warnings.  The callers refuse it instead, in
 * one line naming what it looks like.
 */
#ifndef AWS_SNIFF_H
#define AWS_SNIFF_H

#include <stddef.h>

/* How many leading bytes aws_sniff_binary looks at (as git does, a NUL
 * byte in the first 8000 means binary). */
#define AWS_SNIFF_LEN 8000

/* What BUF[0..LEN) (the start of a file) looks like when it is not text:
 * "gzip-compressed data", "bzip2-compressed data", "xz-compressed data",
 * "zstd-compressed data", "a zip archive", "a PDF document" or "binary data
 * (it holds NUL bytes)"; NULL when it may be text.  Only the first
 * AWS_SNIFF_LEN bytes are looked at. */
const char *aws_sniff_binary(const void *buf, size_t len);

#endif /* AWS_SNIFF_H */
