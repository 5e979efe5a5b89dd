/* test_mojibake.c - unit tests for indexer/mojibake.c: exact repair of UTF-8
 * read as Mac Roman, and correct text left alone.
 *
 * The damaged forms below were made with Python:
 *   "François".encode("utf-8").decode("mac_roman")
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mojibake.h"

static char *repair(const char *in, size_t len, aws_mojibake_stats_t *st)
{
    char *out = NULL;
    size_t out_len = 0;
    assert_int_equal(aws_mojibake_repair(in, len, &out, &out_len, st), 0);
    assert_non_null(out);
    assert_int_equal(strlen(out), out_len);
    return out;
}

/* IN must repair to WANT, with REPAIRED runs rewritten. */
static void check(const char *in, const char *want, size_t repaired)
{
    aws_mojibake_stats_t st;
    char *out = repair(in, strlen(in), &st);
    assert_string_equal(out, want);
    assert_int_equal(st.repaired, repaired);
    assert_int_equal(st.invalid, 0);
    free(out);
}

static void test_latin(void **state)
{
    (void)state;
    check("Jean-Fran\xe2\x88\x9a\xc3\x9f" "ois Kagy", "Jean-Fran\xc3\xa7ois Kagy", 1);
    check("Ahmet \xe2\x88\x9a\xc3\xbast\xe2\x88\x9a\xc2\xban", "Ahmet \xc3\x9cst\xc3\xbcn", 2);
    check("Cl\xe2\x88\x9a\xc2\xa9mentine", "Cl\xc3\xa9mentine", 1);
    /* "Przemysław": ł = C5 82, damaged to "≈Ç"; a single two-byte sequence
     * led by ≈ counts as strong evidence. */
    check("Przemys\xe2\x89\x88\xc3\x87" "aw", "Przemys\xc5\x82" "aw", 1);
    /* "Əmirov": Ə = C6 8F, damaged to "∆è" (∆ is strong evidence). */
    check("\xe2\x88\x86\xc3\xa8" "mirov", "\xc6\x8f" "mirov", 1);
    /* Weak leads between two letters: "Mițu" (ț = C8 9B, "»õ") and
     * "Mətin" (ə = C9 99, "…ô"). */
    check("Mi\xc2\xbb\xc3\xb5u Luberda", "Mi\xc8\x9bu Luberda", 1);
    check("M\xe2\x80\xa6\xc3\xb4tin Shih", "M\xc9\x99tin Shih", 1);
}

static void test_middle_dot_and_cjk(void **state)
{
    (void)state;
    check("*A, B* \xc2\xac\xe2\x88\x91 ([x](https://x))", "*A, B* \xc2\xb7 ([x](https://x))", 1);
    /* "Ë¥´Á©∑ËÆ©ÊàëÈ¢ÑËÆ≠ÁªÉ" -> "贫穷让我预训练" */
    check("\xc3\x8b\xc2\xa5\xc2\xb4\xc3\x81\xc2\xa9\xe2\x88\x91\xc3\x8b\xc3\x86\xc2\xa9"
          "\xc3\x8a\xc3\xa0\xc3\xab\xc3\x88\xc2\xa2\xc3\x91\xc3\x8b\xc3\x86\xe2\x89\xa0"
          "\xc3\x81\xc2\xaa\xc3\x89",
          "\xe8\xb4\xab\xe7\xa9\xb7\xe8\xae\xa9\xe6\x88\x91\xe9\xa2\x84\xe8\xae\xad\xe7\xbb\x83",
          1);
    /* A four-byte emoji: 🤗 = F0 9F A4 97, damaged to U+F8FF "ü§ó". */
    check("\xef\xa3\xbf\xc3\xbc\xc2\xa7\xc3\xb3 hub", "\xf0\x9f\xa4\x97 hub", 1);
}

static void test_correct_text_untouched(void **state)
{
    (void)state;
    const char *good[] = {
        "caf\xc3\xa9",                                   /* café */
        "\xc3\x9cmit",                                   /* Ümit */
        "Fran\xc3\xa7ois M\xc3\xbcller-\xc3\x85str\xc3\xb6m",
        "\xe8\xb4\xab\xe7\xa9\xb7\xe8\xae\xa9\xe6\x88\x91", /* 贫穷让我 */
        "\xf0\x9f\x8c\x9f **Star**",                      /* 🌟 */
        "\xe2\x80\x9c\xc3\x89" "cole\xe2\x80\x9d",         /* “École” */
        "Jean\xe2\x80\x93\xc3\x89mile",                  /* Jean–Émile */
        "\xc2\xab\xc3\x89t\xc3\xa9\xc2\xbb",              /* «Été» */
        "x \xe2\x89\x88 5, \xe2\x88\x9a" "2, \xc2\xac" "A", /* x ≈ 5, √2, ¬A */
        "\xc2\xb7 ([x](y))",                              /* · links */
        "na\xc3\xafve r\xc3\xa9sum\xc3\xa9 \xc3\xa0 la",
        "l\xe2\x80\x99\xc3\xa9t\xc3\xa9",                 /* l’été */
        "\xc2\xbb\xc3\x9c" "ber\xc2\xab",                   /* »Über« */
        "25\xc2\xa0\xc2\xb0" "C",                            /* 25 °C, no-break space */
        "d\xc3\xa9\xef\xac\x81\xc3\xa9",                   /* déﬁé */
        "Paris\xe2\x80\x93\xc3\x89vian",                    /* Paris–Évian */
        "peque\xc3\x83\xc2\xb1os", /* "pequeÃ±os": Latin-1 damage, not ours */
        "\xce\xb1-divergence \xe2\x80\x94 \xd0\x9f\xd1\x80\xd0\xb8",
        "",
        "plain ascii",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        check(good[i], good[i], 0);
}

static void test_mixed_line(void **state)
{
    (void)state;
    /* Damaged and correct text on one line: only the damage changes.  The
     * correct "é" stands apart from the damaged run, so it stays. */
    check("Fran\xe2\x88\x9a\xc3\x9f" "ois and caf\xc3\xa9 \xf0\x9f\x8c\x9f",
          "Fran\xc3\xa7ois and caf\xc3\xa9 \xf0\x9f\x8c\x9f", 1);
    /* Weak evidence ("–É" could be real) is repaired only beside strong
     * evidence on the same line, and lines are judged separately. */
    check("\xe2\x80\x93\xc3\x89 \xe2\x88\x9a\xc3\x9f\n\xe2\x80\x93\xc3\x89",
          "\xd0\x83 \xc3\xa7\n\xe2\x80\x93\xc3\x89", 2);
}

static void test_run_must_decode_whole(void **state)
{
    (void)state;
    /* "√ßé": a damaged ç glued to a correct é.  The run's bytes C3 A7 8E are
     * not valid UTF-8, so nothing is changed. */
    check("\xe2\x88\x9a\xc3\x9f\xc3\xa9", "\xe2\x88\x9a\xc3\x9f\xc3\xa9", 0);
    /* A lead without its continuation. */
    check("\xe2\x88\x9a" "a", "\xe2\x88\x9a" "a", 0);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    aws_mojibake_stats_t st;
    const char in[] = "ok \xff then \xc3 and \xed\xa0\x80";
    char *out = repair(in, sizeof in - 1, &st);
    assert_string_equal(out, "ok \xef\xbf\xbd then \xef\xbf\xbd and "
                             "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    assert_int_equal(st.invalid, 5);
    assert_int_equal(st.first_invalid_offset, 3);
    free(out);

    /* NUL bytes are kept as they are (they are valid UTF-8). */
    const char nul[] = "a\0b";
    size_t nul_len = 0;
    assert_int_equal(aws_mojibake_repair(nul, 3, &out, &nul_len, &st), 0);
    assert_int_equal(nul_len, 3);
    assert_int_equal(st.invalid, 0);
    assert_memory_equal(out, nul, 3);
    free(out);

    /* Overlong and out-of-range forms are invalid too. */
    out = repair("\xc0\xaf\xf4\x90\x80\x80", 6, &st);
    assert_int_equal(st.invalid, 6);
    free(out);
}

static void test_null_stats_and_empty(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 99;
    assert_int_equal(aws_mojibake_repair("", 0, &out, &len, NULL), 0);
    assert_string_equal(out, "");
    assert_int_equal(len, 0);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_latin),
        cmocka_unit_test(test_middle_dot_and_cjk),
        cmocka_unit_test(test_correct_text_untouched),
        cmocka_unit_test(test_mixed_line),
        cmocka_unit_test(test_run_must_decode_whole),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_null_stats_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
