/* test_client_text.c - unit tests of the client's JSON writer and wrapper.
 *
 * Both take text the daemon copied from web pages, so the cases are the
 * hostile ones: control bytes, invalid UTF-8, spans that point outside the
 * snippet, CJK text and words longer than a line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "text.h"
#include "utf8.h"

/* A memory stream the writers print into; the test owns and frees BUF. */
typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture_t;

static void cap_open(capture_t *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

/* Closes the stream and returns its text (owned by C). */
static const char *cap_text(capture_t *c)
{
    assert_int_equal(fclose(c->f), 0);
    return c->buf;
}

static void json_string(const char *in, size_t len, const char *want)
{
    capture_t c;
    cap_open(&c);
    aws_json_write_string(c.f, in, len);
    assert_string_equal(cap_text(&c), want);
    free(c.buf);
}

static void test_json_string_escapes(void **state)
{
    (void)state;
    json_string("plain", 5, "\"plain\"");
    json_string("q\"b\\s/", 6, "\"q\\\"b\\\\s/\"");
    json_string("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\"");
    json_string("\x01\x1b[31m\x7f", 7, "\"\\u0001\\u001b[31m\\u007f\"");
    json_string("a\0b", 3, "\"a\\u0000b\"");
    /* Valid multi-byte text passes through untouched. */
    json_string("Fran\xC3\xA7ois \xE8\xB4\xAB", 13, "\"Fran\xC3\xA7ois \xE8\xB4\xAB\"");
}

static void test_json_string_invalid_utf8(void **state)
{
    (void)state;
    json_string("\xFF", 1, "\"\\ufffd\"");
    /* Overlong '/', a lone continuation, a surrogate, a cut sequence. */
    json_string("\xC0\xAF", 2, "\"\\ufffd\\ufffd\"");
    json_string("a\x80z", 3, "\"a\\ufffdz\"");
    json_string("\xED\xA0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    json_string("\xE8\xB4", 2, "\"\\ufffd\\ufffd\"");
    json_string("\xF4\x90\x80\x80", 4, "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

/* Packs a result map with every msgpack type and checks its JSON. */
static void test_json_value_order_and_types(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 9);
    msgpack_pack_str_with_body(&pk, "z", 1);
    msgpack_pack_uint64(&pk, UINT64_MAX);
    msgpack_pack_str_with_body(&pk, "a", 1);
    msgpack_pack_int64(&pk, -42);
    msgpack_pack_str_with_body(&pk, "f", 1);
    msgpack_pack_double(&pk, 0.5);
    msgpack_pack_str_with_body(&pk, "nan", 3);
    msgpack_pack_double(&pk, 0.0 / 0.0);
    msgpack_pack_str_with_body(&pk, "hits", 4);
    msgpack_pack_array(&pk, 3);
    msgpack_pack_nil(&pk);
    msgpack_pack_true(&pk);
    msgpack_pack_false(&pk);
    msgpack_pack_uint8(&pk, 7);
    msgpack_pack_str_with_body(&pk, "int key", 7);
    msgpack_pack_str_with_body(&pk, "bin", 3);
    msgpack_pack_bin_with_body(&pk, "b\x01", 2);
    msgpack_pack_str_with_body(&pk, "empty", 5);
    msgpack_pack_map(&pk, 0);
    msgpack_pack_str_with_body(&pk, "ext", 3);
    msgpack_pack_ext_with_body(&pk, "xy", 2, 5);

    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, NULL),
                     MSGPACK_UNPACK_SUCCESS);
    capture_t c;
    cap_open(&c);
    aws_json_write(c.f, &u.data);
    assert_string_equal(cap_text(&c),
                        "{\"z\":18446744073709551615,\"a\":-42,\"f\":0.5,"
                        "\"nan\":null,\"hits\":[null,true,false],"
                        "\"7\":\"int key\",\"bin\":\"b\\u0001\",\"empty\":{},"
                        "\"ext\":null}");
    free(c.buf);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

static void test_utf8_decode_and_width(void **state)
{
    (void)state;
    uint32_t cp;
    int bad;
    assert_int_equal(aws_utf8_decode("\xF0\x9F\x98\x80", 4, &cp, &bad), 4);
    assert_int_equal(cp, 0x1F600);
    assert_int_equal(bad, 0);
    assert_int_equal(aws_utf8_decode("\xE0\x80\x80", 3, &cp, &bad), 1);
    assert_int_equal(bad, 1);
    assert_int_equal(cp, AWS_UTF8_REPLACEMENT);
    assert_int_equal(aws_utf8_width(0x8D2B), 2);   /* 贫 */
    assert_int_equal(aws_utf8_width(0x00E7), 1);   /* ç */
    assert_int_equal(aws_utf8_width(0x0301), 0);   /* combining acute */
    assert_int_equal(aws_text_width("\xE8\xB4\xAB\xE7\xA9\xB7 ok", 9), 7);
}

static void test_text_put_sanitises(void **state)
{
    (void)state;
    capture_t c;
    cap_open(&c);
    aws_text_put(c.f, "a\x1b[2Jb\tc\xFF", 9);
    assert_string_equal(cap_text(&c), "a\xEF\xBF\xBD[2Jb c\xEF\xBF\xBD");
    free(c.buf);
}

static const char *wrap(const char *s, const aws_span_t *spans, size_t n,
                        int width, int start, int indent, bool color,
                        capture_t *c)
{
    aws_wrap_t w = { .width = width, .start_col = start, .indent = indent,
                     .on = color ? "<" : NULL, .off = color ? ">" : NULL };
    cap_open(c);
    aws_text_wrap(c->f, s, strlen(s), spans, n, &w);
    return cap_text(c);
}

static void test_wrap_width(void **state)
{
    (void)state;
    capture_t c;
    assert_string_equal(wrap("aaa bbb   ccc\n ddd", NULL, 0, 10, 2, 2, false, &c),
                        "aaa bbb\n  ccc ddd\n");
    free(c.buf);
    /* A word longer than the line stays whole on its own line. */
    assert_string_equal(wrap("x https://example.org/very/long y", NULL, 0, 12, 0, 1,
                             false, &c),
                        "x\n https://example.org/very/long\n y\n");
    free(c.buf);
    assert_string_equal(wrap("", NULL, 0, 10, 0, 0, false, &c), "\n");
    free(c.buf);
    /* CJK characters take two columns each. */
    assert_string_equal(wrap("\xE8\xB4\xAB\xE7\xA9\xB7 \xE8\xB4\xAB\xE7\xA9\xB7", NULL,
                             0, 6, 0, 0, false, &c),
                        "\xE8\xB4\xAB\xE7\xA9\xB7\n\xE8\xB4\xAB\xE7\xA9\xB7\n");
    free(c.buf);
    /* CJK text has no spaces: a line breaks between any two characters,
     * and next to Latin words without adding a space. */
    assert_string_equal(wrap("\xE8\xAE\xBA\xE6\x96\x87\xE7\xB2\xBE\xE8\xAF\xBB\xE8\xAE\xBA\xE6\x96\x87",
                             NULL, 0, 6, 0, 0, false, &c),
                        "\xE8\xAE\xBA\xE6\x96\x87\xE7\xB2\xBE\n\xE8\xAF\xBB\xE8\xAE\xBA\xE6\x96\x87\n");
    free(c.buf);
    assert_string_equal(wrap("LLM\xE8\xAE\xBA\xE6\x96\x87 ok", NULL, 0, 6, 0, 2, false, &c),
                        "LLM\xE8\xAE\xBA\n  \xE6\x96\x87\n  ok\n");
    free(c.buf);
}

static void test_wrap_highlights(void **state)
{
    (void)state;
    capture_t c;
    /* "mixture of experts scaling": a phrase span across two words and a
     * span in the middle of a word; colours close at each word's end. */
    const aws_span_t spans[] = { { 11, 7 }, { 0, 10 }, { 21, 3 } };
    assert_string_equal(wrap("mixture of experts scaling", spans, 3, 80, 0, 0, true,
                             &c),
                        "<mixture of> <experts> sc<ali>ng\n");
    free(c.buf);
    /* Across a line break: closed before, reopened after the indent. */
    assert_string_equal(wrap("mixture of experts scaling", spans, 3, 12, 0, 2, true,
                             &c),
                        "<mixture of>\n  <experts>\n  sc<ali>ng\n");
    free(c.buf);
    /* A span may start and end inside words and cover the space. */
    const aws_span_t tail[] = { { 2, 4 } };
    assert_string_equal(wrap("abc   def", tail, 1, 80, 0, 0, true, &c),
                        "ab<c> def\n");
    free(c.buf);
    assert_string_equal(wrap("abc def", tail, 1, 80, 0, 0, true, &c),
                        "ab<c de>f\n");
    free(c.buf);
    /* Spans past the end are ignored; no colour without escapes. */
    const aws_span_t bad[] = { { 3, 100 }, { 1000, 1 }, { 0, 1 } };
    assert_string_equal(wrap("abc def", bad, 3, 80, 0, 0, true, &c), "<a>bc def\n");
    free(c.buf);
    assert_string_equal(wrap("abc def", spans, 3, 80, 0, 0, false, &c), "abc def\n");
    free(c.buf);
}

/* The ASCII fast paths must treat every byte as the slow decoder did:
 * white space as a space, controls (C0, DEL, C1) as U+FFFD, one column
 * each. */
static void test_text_put_fast_paths(void **state)
{
    (void)state;
    capture_t c;
    cap_open(&c);
    aws_text_put(c.f, "ab\vc\x7f" "d\xC2\x85" "e\xC3\xA9", 11);
    assert_string_equal(cap_text(&c),
                        "ab c\xEF\xBF\xBD" "d\xEF\xBF\xBD" "e\xC3\xA9");
    free(c.buf);
    assert_int_equal(aws_text_width("a\x01\tb\x7f", 5), 5);
    assert_int_equal(aws_text_width("e\xCC\x81", 3), 1);
}

static void test_text_pad(void **state)
{
    (void)state;
    const int counts[] = { 0, 3, 70, -2 };
    for (size_t k = 0; k < sizeof counts / sizeof *counts; k++) {
        capture_t c;
        cap_open(&c);
        aws_text_pad(c.f, counts[k]);
        const char *out = cap_text(&c);
        size_t want = counts[k] > 0 ? (size_t)counts[k] : 0;
        assert_int_equal(strlen(out), want);
        assert_int_equal(strspn(out, " "), want);
        free(c.buf);
    }
}

static void test_wrap_highlight_runs(void **state)
{
    (void)state;
    capture_t c;
    /* Overlapping spans in any order make one stretch, with no escape
     * closed and reopened inside it. */
    const aws_span_t overlap[] = { { 4, 3 }, { 1, 4 } };
    assert_string_equal(wrap("abcdefgh", overlap, 2, 80, 0, 0, true, &c),
                        "a<bcdefg>h\n");
    free(c.buf);
    /* Highlighting is decided at a code point's first byte: a span ending
     * inside "\xC3\xA9" colours it whole, one starting inside it does not. */
    const aws_span_t ends_inside[] = { { 0, 2 } };
    assert_string_equal(wrap("x\xC3\xA9 y", ends_inside, 1, 80, 0, 0, true, &c),
                        "<x\xC3\xA9> y\n");
    free(c.buf);
    const aws_span_t starts_inside[] = { { 2, 2 } };
    assert_string_equal(wrap("x\xC3\xA9z", starts_inside, 1, 80, 0, 0, true, &c),
                        "x\xC3\xA9<z>\n");
    free(c.buf);
    /* A control byte inside a highlight is still replaced. */
    const aws_span_t word[] = { { 0, 3 } };
    assert_string_equal(wrap("a\x01" "b c", word, 1, 80, 0, 0, true, &c),
                        "<a\xEF\xBF\xBD" "b> c\n");
    free(c.buf);
}

static void test_columns_from_env(void **state)
{
    (void)state;
    /* fd -1 is no terminal, so $COLUMNS decides, clamped to 40. */
    setenv("COLUMNS", "120", 1);
    assert_int_equal(aws_text_columns(-1), 120);
    setenv("COLUMNS", "12", 1);
    assert_int_equal(aws_text_columns(-1), 40);
    setenv("COLUMNS", "wide", 1);
    assert_int_equal(aws_text_columns(-1), 80);
    unsetenv("COLUMNS");
    assert_int_equal(aws_text_columns(-1), 80);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_string_escapes),
        cmocka_unit_test(test_json_string_invalid_utf8),
        cmocka_unit_test(test_json_value_order_and_types),
        cmocka_unit_test(test_utf8_decode_and_width),
        cmocka_unit_test(test_text_put_sanitises),
        cmocka_unit_test(test_wrap_width),
        cmocka_unit_test(test_wrap_highlights),
        cmocka_unit_test(test_text_put_fast_paths),
        cmocka_unit_test(test_text_pad),
        cmocka_unit_test(test_wrap_highlight_runs),
        cmocka_unit_test(test_columns_from_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
