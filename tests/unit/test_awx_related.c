/* test_awx_related.c - related documents (relevance feedback) and title suggestions.
 *
 * One temporary database with the corpus of test_awx_common.c serves the
 * whole group.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_awx_common.h"

static void test_related_never_returns_source(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t opts = {.limit = 100};
    for (size_t i = 0; i < corpus_len; i++) {
        awx_results_t *r = NULL;
        awx_status_t st = awx_db_related(db, corpus[i].id, NULL, &opts, &r);
        if (st != AWX_OK)
            fail_msg("related %s: %s", corpus[i].id, awx_db_last_error(db));
        assert_false(has_hit(r, corpus[i].id));
        awx_results_free(r);
    }
}

static void test_related_ranks_neighbours(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t opts = {.limit = 3, .snippets = true};
    awx_results_t *r = NULL;
    /* The other mixture-of-experts paper first. */
    assert_int_equal(awx_db_related(db, "2401.04088", NULL, &opts, &r), AWX_OK);
    assert_true(awx_results_count(r) >= 1);
    assert_string_equal(hit_id(r, 0), "2101.03961");
    assert_non_null(awx_results_hit(r, 0)->snippet);
    awx_results_free(r);
    /* DPO: the RLHF paper, in the same section with the same topic. */
    assert_int_equal(awx_db_related(db, "2305.18290", NULL, &opts, &r), AWX_OK);
    assert_string_equal(hit_id(r, 0), "2203.02155");
    awx_results_free(r);
    /* Offset and limit apply. */
    opts.limit = 1;
    opts.offset = 1;
    assert_int_equal(awx_db_related(db, "2305.18290", NULL, &opts, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 1);
    assert_string_not_equal(hit_id(r, 0), "2203.02155");
    awx_results_free(r);
}

static void test_related_text(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t opts = {.limit = 5};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_related(db, NULL,
                                    "We align a chat model with preference optimization "
                                    "instead of a reward model.",
                                    &opts, &r),
                     AWX_OK);
    assert_true(awx_results_count(r) >= 1);
    assert_string_equal(hit_id(r, 0), "2305.18290");
    awx_results_free(r);
    /* Text with no word the index knows finds nothing, without error. */
    assert_int_equal(awx_db_related(db, NULL, "qqqq zzzz", &opts, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 0);
    awx_results_free(r);
}

static void test_related_errors(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t opts = {.limit = 5};
    awx_results_t *r = (awx_results_t *)1;
    assert_int_equal(awx_db_related(db, "9999.99999", NULL, &opts, &r), AWX_ERR_NOT_FOUND);
    assert_null(r);
    assert_non_null(strstr(awx_db_last_error(db), "9999.99999"));
    assert_int_equal(awx_db_related(db, "2401.04088", "text", &opts, &r), AWX_ERR_INVALID);
    assert_int_equal(awx_db_related(db, NULL, NULL, &opts, &r), AWX_ERR_INVALID);
    assert_int_equal(awx_db_related(db, "2401.04088", NULL, NULL, &r), AWX_ERR_INVALID);
    size_t big = 100 * 1024;
    char *text = malloc(big + 1);
    assert_non_null(text);
    memset(text, 'a', big);
    text[big] = '\0';
    assert_int_equal(awx_db_related(db, NULL, text, &opts, &r), AWX_ERR_INVALID);
    assert_non_null(strstr(awx_db_last_error(db), "at most"));
    free(text);
}

static bool contains(char **v, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], s) == 0)
            return true;
    return false;
}

static void test_suggest(void **state)
{
    awx_db_t *db = fixture_db(state);
    char **out = NULL;
    size_t n = 0;
    /* A title that starts with the prefix comes first, then title words. */
    assert_int_equal(awx_db_suggest(db, "mix", 10, &out, &n), AWX_OK);
    assert_true(n >= 2);
    assert_string_equal(out[0], "Mixtral of Experts");
    assert_true(contains(out, n, "mixtral"));
    awx_strings_free(out, n);

    assert_int_equal(awx_db_suggest(db, "Scaling la", 10, &out, &n), AWX_OK);
    assert_true(n >= 1);
    assert_string_equal(out[0], "Scaling Laws for Neural Language Models");
    assert_true(contains(out, n, "scaling laws"));
    awx_strings_free(out, n);

    /* Titles containing a word that starts with the prefix come after. */
    assert_int_equal(awx_db_suggest(db, "instr", 10, &out, &n), AWX_OK);
    assert_true(contains(out, n, "instructions"));
    assert_true(contains(out, n,
                         "Training language models to follow instructions with human feedback"));
    awx_strings_free(out, n);

    /* Bounded by the limit; nothing for nothing. */
    assert_int_equal(awx_db_suggest(db, "s", 2, &out, &n), AWX_OK);
    assert_true(n <= 2 && n > 0);
    awx_strings_free(out, n);
    assert_int_equal(awx_db_suggest(db, "", 5, &out, &n), AWX_OK);
    assert_int_equal(n, 0);
    awx_strings_free(out, n);
    assert_int_equal(awx_db_suggest(db, "qqqqq", 5, &out, &n), AWX_OK);
    assert_int_equal(n, 0);
    awx_strings_free(out, n);
    /* Half-typed query syntax is not an error. */
    assert_int_equal(awx_db_suggest(db, "\"mixtral (", 5, &out, &n), AWX_OK);
    awx_strings_free(out, n);
    assert_int_equal(awx_db_suggest(db, NULL, 5, &out, &n), AWX_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_related_never_returns_source),
        cmocka_unit_test(test_related_ranks_neighbours),
        cmocka_unit_test(test_related_text),
        cmocka_unit_test(test_related_errors),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, fixture_corpus_setup, fixture_group_teardown);
}
