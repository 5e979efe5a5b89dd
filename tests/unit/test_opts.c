/* test_opts.c - aws_opt_refusal: how the programs name an option getopt_long refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <getopt.h>
#include <string.h>

#include "opts.h"

enum { OPT_DB = 256, OPT_QUIET_LONG };

static const struct option longopts[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"quiet", no_argument, NULL, OPT_QUIET_LONG},
    {"jobs", required_argument, NULL, 'j'},
    {NULL, 0, NULL, 0},
};

/* Runs getopt_long over ARGV (NULL-terminated) as the programs do and
 * returns the reason for the first refusal, or "" when there is none. */
static const char *refusal(char **argv)
{
    static char buf[160];
    int argc = 0;
    while (argv[argc] != NULL)
        argc++;
    optind = 0; /* GNU getopt: start afresh */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":qj:", longopts, NULL)) != -1) {
        if (c == '?' || c == ':')
            return aws_opt_refusal(c, argv, buf, sizeof buf);
    }
    return "";
}

#define REFUSAL(...) refusal((char *[]){"prog", __VA_ARGS__, NULL})

static void test_unknown(void **state)
{
    (void)state;
    assert_string_equal(REFUSAL("--frob"), "unknown option '--frob'");
    assert_string_equal(REFUSAL("--frob=1", "x"), "unknown option '--frob=1'");
    assert_string_equal(REFUSAL("-Z"), "unknown option '-Z'");
    /* Inside a cluster the option, not the cluster nor the word before. */
    assert_string_equal(REFUSAL("-qZ", "list.md"), "unknown option '-Z'");
    assert_string_equal(REFUSAL("list.md", "-Zq"), "unknown option '-Z'");
    /* A value that only looks like an option is no refusal. */
    assert_string_equal(REFUSAL("--db", "-Z", "-q"), "");
    assert_string_equal(REFUSAL("-j", "--frob"), "");
}

static void test_missing_value(void **state)
{
    (void)state;
    assert_string_equal(REFUSAL("-q", "--db"), "option '--db' needs a value");
    assert_string_equal(REFUSAL("--jobs"), "option '--jobs' needs a value");
    assert_string_equal(REFUSAL("-j"), "option '-j' needs a value");
    assert_string_equal(REFUSAL("-qj"), "option '-j' needs a value");
}

static void test_fits_the_buffer(void **state)
{
    (void)state;
    char buf[16];
    char *argv[] = {"prog", "--a-very-long-unknown-option", NULL};
    optind = 0;
    opterr = 0;
    int c = getopt_long(2, argv, ":qj:", longopts, NULL);
    assert_int_equal(c, '?');
    const char *why = aws_opt_refusal(c, argv, buf, sizeof buf);
    assert_ptr_equal(why, buf);
    assert_int_equal(strlen(why), sizeof buf - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_missing_value),
        cmocka_unit_test(test_fits_the_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
