/* test_number.c - aws_parse_uint: what the programs' count options accept. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "number.h"

static void test_accepts(void **state)
{
    (void)state;
    unsigned v = 99;
    assert_int_equal(aws_parse_uint("0", 0, 10, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(aws_parse_uint("10", 0, 10, &v), 0);
    assert_int_equal(v, 10);
    assert_int_equal(aws_parse_uint("007", 1, 10, &v), 0);
    assert_int_equal(v, 7);
    assert_int_equal(aws_parse_uint("4294967295", 0, 4294967295u, &v), 0);
    assert_int_equal(v, 4294967295u);
}

static void test_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", " 5", "5 ", "+5", "-1", "-0", "5x", "0x10", "1e3", "3.0",
        "11",                       /* over MAX */
        "99999999999999999999999",  /* over any type */
        NULL,
    };
    for (const char *const *s = bad; *s != NULL; s++) {
        unsigned v = 42;
        if (aws_parse_uint(*s, 0, 10, &v) != -1)
            fail_msg("'%s' was accepted", *s);
        assert_int_equal(v, 42); /* left alone */
    }
    unsigned v = 42;
    assert_int_equal(aws_parse_uint("0", 1, 10, &v), -1); /* under MIN */
    assert_int_equal(aws_parse_uint(NULL, 0, 10, &v), -1);
    assert_int_equal(v, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
