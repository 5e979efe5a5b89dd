/* test_proto_lit.c - msgpack literals for the proto tests.
 *
 * Packs a readable literal such as [0, 7, "search", [{"q": "moe"}]] with
 * msgpack-c's packer, so that each malformed shape in the tests is one line
 * that says what it is.  The grammar: nil, true, false, integers (negative
 * too), floats (with a '.'), "strings" (escapes \" \\ \0 \xHH), bin"..."
 * (a bin with the same escapes), x*N (a string of N 'x' bytes), [arrays]
 * and {maps}.  Test code only: a literal it cannot read fails the test.
 *
 * The test files declare the one entry point themselves:
 *   void lit_pack(msgpack_packer *pk, const char *lit);
 */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

void lit_pack(msgpack_packer *pk, const char *lit);

static void skip_space(const char **p)
{
    while (isspace((unsigned char)**p) || **p == ',' || **p == ':')
        (*p)++;
}

/* Reads a quoted string at *P (just past the opening quote) into OUT. */
static size_t lit_string(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    while (**p != '"') {
        if (**p == '\0')
            fail_msg("literal: unterminated string");
        char c = *(*p)++;
        if (c == '\\') {
            c = *(*p)++;
            if (c == '0') {
                c = '\0';
            } else if (c == 'x') {
                char hex[3] = {(*p)[0], (*p)[1], '\0'};
                c = (char)strtoul(hex, NULL, 16);
                *p += 2;
            }
        }
        if (n == cap)
            fail_msg("literal: string too long");
        out[n++] = c;
    }
    (*p)++;
    return n;
}

static void lit_value(msgpack_packer *pk, const char **p);

/* Packs the elements of an array or map up to CLOSE, counting them first
 * with a dry run on a scratch buffer. */
static void lit_container(msgpack_packer *pk, const char **p, char close)
{
    msgpack_sbuffer scratch;
    msgpack_packer spk;
    msgpack_sbuffer_init(&scratch);
    msgpack_packer_init(&spk, &scratch, msgpack_sbuffer_write);
    const char *q = *p;
    uint32_t n = 0;
    for (;;) {
        skip_space(&q);
        if (*q == close)
            break;
        lit_value(&spk, &q);
        n++;
    }
    msgpack_sbuffer_destroy(&scratch);
    if (close == ']') {
        msgpack_pack_array(pk, n);
    } else {
        if (n % 2 != 0)
            fail_msg("literal: a map needs key/value pairs");
        msgpack_pack_map(pk, n / 2);
    }
    for (uint32_t i = 0; i < n; i++) {
        skip_space(p);
        lit_value(pk, p);
    }
    skip_space(p);
    (*p)++;
}

static void lit_value(msgpack_packer *pk, const char **p)
{
    static char buf[256 * 1024];
    skip_space(p);
    const char *s = *p;
    if (*s == '[' || *s == '{') {
        *p = s + 1;
        lit_container(pk, p, *s == '[' ? ']' : '}');
    } else if (*s == '"') {
        *p = s + 1;
        size_t n = lit_string(p, buf, sizeof(buf));
        msgpack_pack_str_with_body(pk, buf, n);
    } else if (strncmp(s, "bin\"", 4) == 0) {
        *p = s + 4;
        size_t n = lit_string(p, buf, sizeof(buf));
        msgpack_pack_bin_with_body(pk, buf, n);
    } else if (strncmp(s, "x*", 2) == 0) {
        char *end;
        size_t n = strtoul(s + 2, &end, 10);
        /* cmocka's fail_msg is not known to return never, hence the clamp. */
        if (n > sizeof(buf)) {
            fail_msg("literal: x*%zu is too long", n);
            n = sizeof(buf);
        }
        memset(buf, 'x', n);
        msgpack_pack_str_with_body(pk, buf, n);
        *p = end;
    } else if (strncmp(s, "nil", 3) == 0) {
        msgpack_pack_nil(pk);
        *p = s + 3;
    } else if (strncmp(s, "true", 4) == 0) {
        msgpack_pack_true(pk);
        *p = s + 4;
    } else if (strncmp(s, "false", 5) == 0) {
        msgpack_pack_false(pk);
        *p = s + 5;
    } else if (*s == '-' || isdigit((unsigned char)*s)) {
        size_t len = strspn(s, "-0123456789.e");
        char *end;
        if (memchr(s, '.', len) != NULL) {
            msgpack_pack_double(pk, strtod(s, &end));
        } else if (*s == '-') {
            msgpack_pack_int64(pk, strtoll(s, &end, 10));
        } else {
            msgpack_pack_uint64(pk, strtoull(s, &end, 10));
        }
        *p = end;
    } else {
        fail_msg("literal: cannot read '%.20s'", s);
    }
}

void lit_pack(msgpack_packer *pk, const char *lit)
{
    const char *p = lit;
    lit_value(pk, &p);
    skip_space(&p);
    if (*p != '\0')
        fail_msg("literal: trailing '%s'", p);
}
