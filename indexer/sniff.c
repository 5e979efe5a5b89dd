/* sniff.c - tell a binary or compressed input from text by its first bytes. */
#include "sniff.h"

#include <string.h>

/* The magic numbers of what a user may pass by mistake: the compressors
 * arXiv snapshots and list dumps come in, and documents. */
static const struct magic {
    const char *bytes;
    size_t len;
    const char *what;
} magics[] = {
    {"\x1f\x8b", 2, "gzip-compressed data"},
    {"BZh", 3, "bzip2-compressed data"},
    {"\xfd" "7zXZ\x00", 6, "xz-compressed data"},
    {"\x28\xb5\x2f\xfd", 4, "zstd-compressed data"},
    {"PK\x03\x04", 4, "a zip archive"},
    {"%PDF-", 5, "a PDF document"},
};

const char *aws_sniff_binary(const void *buf, size_t len)
{
    const unsigned char *b = buf;

    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        const struct magic *m = &magics[i];
        /* "BZh" is also how a line of text may begin: bzip2 follows it
         * with the block size digit and a block magic starting "1AY". */
        if (len < m->len || memcmp(b, m->bytes, m->len) != 0)
            continue;
        if (m->bytes[0] == 'B' && (len < 7 || b[3] < '1' || b[3] > '9' ||
                                   memcmp(b + 4, "1AY", 3) != 0))
            continue;
        return m->what;
    }
    if (memchr(b, '\0', len < AWS_SNIFF_LEN ? len : AWS_SNIFF_LEN) != NULL)
        return "binary data (it holds NUL bytes)";
    return NULL;
}
