/* metafile.c - read paper metadata from a JSON-lines file, plain or gzip'd.
 *
 * The files awindex --abstracts takes are often arXiv snapshots as they are
 * downloaded, gzip-compressed; zlib's gzread reads those and plain files
 * alike, so either works without a step of its own.  "-" is standard input.
 * The first block read is sniffed (sniff.h): another compressor or a binary
 * file is refused in one line instead of warned about line by line.
 */
#include "papermeta.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sniff.h"

/* The first read; the buffer doubles for longer lines. */
#define CHUNK 65536

/* zlib's own buffer: a big one makes reading a snapshot of a few GB
 * noticeably faster than the 8 KiB default. */
#define GZ_BUFFER (128 * 1024)

typedef struct walk {
    const char *name;                  /* PATH, or AWS_STDIN_NAME for "-" */
    aws_paper_meta_fn fn;
    aws_paper_meta_problem_fn problem;
    void *ctx;
    long lineno;
} walk_t;

/* zlib's message for GZ's error, without the "PATH: " zlib puts first
 * (the caller names the file itself). */
static const char *gz_message(gzFile gz, int *errnum)
{
    const char *msg = gzerror(gz, errnum);
    const char *last = NULL;

    for (const char *p = strstr(msg, ": "); p != NULL; p = strstr(p + 2, ": "))
        last = p + 2;
    return last != NULL ? last : msg;
}

static void set_why(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why == NULL || whylen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* Parses one line (without its newline) and hands the record to the
 * callback, or the reason it is bad to the problem callback.  Returns 0,
 * -1 when out of memory, or the callback's non-zero return. */
static int one_line(walk_t *w, const char *line, size_t len)
{
    aws_paper_meta_t meta;
    char why[256];
    size_t i = 0;
    int rc;

    w->lineno++;
    while (i < len && isspace((unsigned char)line[i]))
        i++;
    if (i == len)
        return 0;
    if (aws_paper_meta_from_json(line, len, &meta, why, sizeof why) != 0) {
        if (strcmp(why, "out of memory") == 0)
            return -1;
        if (w->problem != NULL) {
            size_t need = strlen(w->name) + strlen(why) + 32;
            char *msg = malloc(need);
            if (msg == NULL)
                return -1;
            snprintf(msg, need, "%s:%ld: %s", w->name, w->lineno, why);
            w->problem(msg, w->ctx);
            free(msg);
        }
        return 0;
    }
    rc = w->fn(&meta, w->ctx);
    aws_paper_meta_clear(&meta);
    return rc;
}

/* Reads GZ to its end, line by line.  Returns as aws_paper_meta_load. */
static int walk_lines(gzFile gz, walk_t *w, char *why, size_t whylen)
{
    size_t cap = CHUNK, len = 0;
    char *buf = malloc(cap);
    bool first = true;
    int rc = 0;

    if (buf == NULL)
        return -1;
    for (;;) {
        if (len == cap) {
            char *grown = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (grown == NULL) {
                rc = -1;
                break;
            }
            buf = grown;
            cap *= 2;
        }
        size_t want = cap - len < INT_MAX ? cap - len : INT_MAX;
        int n = gzread(gz, buf + len, (unsigned)want);
        if (n < 0) {
            int errnum;
            const char *msg = gz_message(gz, &errnum);
            if (errnum == Z_ERRNO) {
                rc = -2;
            } else {
                set_why(why, whylen, "corrupt gzip data (%s)", msg);
                rc = -3;
            }
            break;
        }
        if (first) {
            /* gzread has passed plain data on as it is, or inflated gzip:
             * either way this must now look like text. */
            const char *what = aws_sniff_binary(buf, (size_t)n);
            first = false;
            if (what != NULL) {
                set_why(why, whylen, "looks like %s, not JSON lines (gzip is read as it is; "
                                     "decompress anything else first)", what);
                rc = -3;
                break;
            }
        }
        if (n == 0) {
            /* A gzip stream cut short ends like a plain file, with only
             * zlib's error state telling them apart; a truncated download
             * is refused rather than half read with a garbled last line. */
            int errnum;
            const char *msg = gz_message(gz, &errnum);
            if (errnum != Z_OK) {
                set_why(why, whylen, "corrupt gzip data (%s)", msg);
                rc = -3;
            } else if (len > 0) {
                rc = one_line(w, buf, len);
            }
            break;
        }
        len += (size_t)n;
        size_t start = 0;
        const char *nl;
        while (rc == 0 && (nl = memchr(buf + start, '\n', len - start)) != NULL) {
            rc = one_line(w, buf + start, (size_t)(nl - (buf + start)));
            start = (size_t)(nl - buf) + 1;
        }
        if (rc != 0)
            break;
        memmove(buf, buf + start, len - start);
        len -= start;
    }
    free(buf);
    return rc;
}

int aws_paper_meta_load(const char *path, aws_paper_meta_fn fn,
                        aws_paper_meta_problem_fn problem, void *ctx, char *why,
                        size_t whylen)
{
    bool is_stdin = strcmp(path, "-") == 0;
    walk_t w = {is_stdin ? AWS_STDIN_NAME : path, fn, problem, ctx, 0};
    gzFile gz;
    int rc;

    if (is_stdin) {
        /* gzclose closes the descriptor it was given; standard input
         * itself stays open. */
        int fd = dup(STDIN_FILENO);
        if (fd < 0)
            return -2;
        errno = 0;
        gz = gzdopen(fd, "rb");
        if (gz == NULL) {
            int err = errno != 0 ? errno : ENOMEM;
            close(fd);
            errno = err;
        }
    } else {
        errno = 0;
        gz = gzopen(path, "rb");
        /* gzopen leaves errno 0 when only its memory ran out. */
        if (gz == NULL && errno == 0)
            errno = ENOMEM;
    }
    if (gz == NULL)
        return errno == ENOMEM ? -1 : -2;
    gzbuffer(gz, GZ_BUFFER);
    rc = walk_lines(gz, &w, why, whylen);
    int err = errno;
    gzclose(gz);
    errno = err;
    return rc;
}

int aws_paper_meta_load_file(const char *path, aws_paper_meta_fn fn,
                             aws_paper_meta_problem_fn problem, void *ctx)
{
    return aws_paper_meta_load(path, fn, problem, ctx, NULL, 0);
}
