/* test_awx_search.c - every query feature of the shim against a real database.
 *
 * One temporary database holds the corpus of test_awx_common.c for the
 * whole group; each test runs queries on one read-only handle.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test_awx_common.h"

static void test_empty_query_matches_all(void **state)
{
    awx_db_t *db = fixture_db(state);
    assert_int_equal(count_hits(db, ""), corpus_len);
    assert_int_equal(count_hits(db, "   \t"), corpus_len);
    awx_query_t q = {.q = NULL, .limit = 3};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 3);
    assert_int_equal(awx_results_total(r), corpus_len);
    awx_results_free(r);
}

static void test_plain_words(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_results_t *r = run_query(db, "mixture of experts");
    assert_true(awx_results_count(r) >= 2);
    /* Both MoE papers come before anything else. */
    const char *a = hit_id(r, 0);
    assert_true(strcmp(a, "2401.04088") == 0 || strcmp(a, "2101.03961") == 0);
    const char *b = hit_id(r, 1);
    assert_true(strcmp(b, "2401.04088") == 0 || strcmp(b, "2101.03961") == 0);
    const awx_hit_t *h = awx_results_hit(r, 0);
    assert_true(h->percent > 0 && h->percent <= 100);
    assert_true(h->weight > 0);
    assert_int_equal(h->rank, 0);
    awx_results_free(r);
    /* Stemming: "routes" in an abstract is found by "routing". */
    r = run_query(db, "routing");
    assert_true(has_hit(r, "2401.04088"));
    assert_true(has_hit(r, "2101.03961"));
    awx_results_free(r);
    /* Authors and sections are plain words too. */
    r = run_query(db, "shazeer");
    assert_int_equal(awx_results_count(r), 1);
    assert_string_equal(hit_id(r, 0), "2101.03961");
    awx_results_free(r);
    assert_int_equal(count_hits(db, "surveys"), 1);
    assert_null(awx_results_hit(r = run_query(db, "nosuchwordanywhere"), 0));
    awx_results_free(r);
}

static void test_title_weighs_more(void **state)
{
    /* "transformer" is in the Switch paper's long title and in the short
     * abstract of the repo, which would win on length alone. */
    awx_results_t *r = run_query(fixture_db(state), "transformer");
    assert_int_equal(awx_results_count(r), 2);
    assert_string_equal(hit_id(r, 0), "2101.03961");
    awx_results_free(r);
}

static void test_field_prefixes(void **state)
{
    awx_db_t *db = fixture_db(state);
    assert_int_equal(count_hits(db, "title:scaling"), 2);
    assert_int_equal(count_hits(db, "title:routing"), 0);
    assert_int_equal(count_hits(db, "abstract:mixtral"), 1);
    assert_int_equal(count_hits(db, "abstract:switch"), 0);
    assert_int_equal(count_hits(db, "section:alignment"), 3);
    assert_int_equal(count_hits(db, "section:experts"), 2);
    assert_int_equal(count_hits(db, "kind:repo"), 1);
    assert_int_equal(count_hits(db, "kind:link"), 1);
    assert_int_equal(count_hits(db, "kind:paper"), 7);
    assert_int_equal(count_hits(db, "kind:paper kind:repo"), 8);
    assert_int_equal(count_hits(db, "has:code"), 4);
    assert_int_equal(count_hits(db, "has:abstract"), 8);
    assert_int_equal(count_hits(db, "category:cs.CL"), 3);
    assert_int_equal(count_hits(db, "language has:code"), 3);
}

static void test_author(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_results_t *r = run_query(db, "author:Smith");
    assert_int_equal(awx_results_count(r), 1);
    assert_string_equal(hit_id(r, 0), "2402.00001");
    awx_results_free(r);
    /* Unstemmed: Smithson is not Smith, and case does not matter. */
    assert_int_equal(count_hits(db, "author:smith"), 1);
    assert_int_equal(count_hits(db, "author:smithson"), 1);
    assert_int_equal(count_hits(db, "author:\"Jean-François Kagy\""), 1);
    assert_int_equal(count_hits(db, "author:Jean-François"), 1);
    assert_int_equal(count_hits(db, "author:\"Kagy Jean-François\""), 0);
    /* A phrase never spans two authors. */
    assert_int_equal(count_hits(db, "author:\"Kagy Ada\""), 0);
    assert_int_equal(count_hits(db, "author:zoph author:fedus"), 1);
    assert_int_equal(count_hits(db, "author:zoph author:kaplan"), 0);
    assert_int_equal(count_hits(db, "author:sabl*"), 1);
    assert_int_equal(count_hits(db, "training author:ouyang"), 1);
}

static void test_id(void **state)
{
    awx_db_t *db = fixture_db(state);
    const char *forms[] = {"id:2401.04088", "id:2401.04088v2", "id:arXiv:2401.04088",
                           "id:https://arxiv.org/abs/2401.04088",
                           "id:http://arxiv.org/pdf/2401.04088v1.pdf", NULL};
    for (const char **f = forms; *f; f++) {
        awx_results_t *r = run_query(db, *f);
        assert_int_equal(awx_results_count(r), 1);
        assert_string_equal(hit_id(r, 0), "2401.04088");
        awx_results_free(r);
    }
    assert_int_equal(count_hits(db, "id:HuggingFace/TRL"), 1);
    assert_int_equal(count_hits(db, "id:https://github.com/huggingface/trl"), 1);
    assert_int_equal(count_hits(db, "id:https://example.com/blog/distillation"), 1);
    assert_int_equal(count_hits(db, "id:2401.04089"), 0);
}

static void test_phrase_and_boolean(void **state)
{
    awx_db_t *db = fixture_db(state);
    assert_int_equal(count_hits(db, "\"reward model\""), 1);
    assert_int_equal(count_hits(db, "\"model reward\""), 0);
    /* RLHF is in two abstracts, DPO in one of them. */
    assert_int_equal(count_hits(db, "rlhf"), 2);
    awx_results_t *r = run_query(db, "rlhf AND NOT dpo");
    assert_int_equal(awx_results_count(r), 1);
    assert_string_equal(hit_id(r, 0), "2203.02155");
    awx_results_free(r);
    r = run_query(db, "-dpo +rlhf");
    assert_int_equal(awx_results_count(r), 1);
    assert_string_equal(hit_id(r, 0), "2203.02155");
    awx_results_free(r);
    /* Lower-case operators are words: "rlhf not dpo" is rlhf OR not OR dpo. */
    r = run_query(db, "rlhf not dpo");
    assert_true(has_hit(r, "2305.18290"));
    awx_results_free(r);
    assert_int_equal(count_hits(db, "rlhf AND dpo"), 1);
    assert_int_equal(count_hits(db, "kind:PAPER"), 7);
    assert_int_equal(count_hits(db, "rlhf OR distillation"), 4);
    assert_int_equal(count_hits(db, "NOT kind:paper"), 2);
    assert_int_equal(count_hits(db, "-kind:paper"), 2);
    assert_int_equal(count_hits(db, "-kind:paper -kind:link"), 1);
    assert_int_equal(count_hits(db, "-rlhf"), corpus_len - 2);
    assert_int_equal(count_hits(db, "-\"reward model\""), corpus_len - 1);
    assert_int_equal(count_hits(db, "experts NEAR token"), 1);
}

static void test_wildcard(void **state)
{
    awx_db_t *db = fixture_db(state);
    assert_int_equal(count_hits(db, "distill*"), 2);
    assert_int_equal(count_hits(db, "title:distill*"), 2);
    assert_int_equal(count_hits(db, "zzzq*"), 0);
}

static void test_ranges(void **state)
{
    awx_db_t *db = fixture_db(state);
    assert_int_equal(count_hits(db, "year:2023..2024"), 4);
    assert_int_equal(count_hits(db, "year:..2021"), 2);
    assert_int_equal(count_hits(db, "year:2024..2024"), 2);
    assert_int_equal(count_hits(db, "citations:1000.."), 2);
    assert_int_equal(count_hits(db, "citations:10..10"), 1);
    assert_int_equal(count_hits(db, "language year:2022.."), 4);
    /* One number: exactly that. */
    assert_int_equal(count_hits(db, "year:2024"), 2);
    assert_int_equal(count_hits(db, "citations:500"), 1);
    assert_int_equal(count_hits(db, "year:2024 OR year:2020"), 3);
    awx_query_t q = {.q = "year:recent", .limit = 10};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_ERR_QUERY_SYNTAX);
    assert_non_null(strstr(awx_db_last_error(db), "year:recent"));
}

static void test_cjk(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_results_t *r = run_query(db, "语言模型");
    assert_int_equal(awx_results_count(r), 1);
    assert_string_equal(hit_id(r, 0), "2402.00001");
    awx_results_free(r);
}

static void test_section_filter(void **state)
{
    awx_db_t *db = fixture_db(state);
    const char *names[] = {"Alignment", "alignment", "ALIGNMENT", NULL};
    for (const char **n = names; *n; n++) {
        awx_query_t q = {.q = "", .section = *n, .limit = 10};
        awx_results_t *r = NULL;
        assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
        assert_int_equal(awx_results_count(r), 3);
        awx_results_free(r);
    }
    /* A paper in two sections is found under either; the filter is the
     * whole name, not a word of it. */
    awx_query_t q = {.q = "sparsity", .section = "Scaling Laws", .limit = 10};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 1);
    awx_results_free(r);
    q.section = "Scaling";
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 0);
    awx_results_free(r);
}

static int year_of(const char *id)
{
    const corpus_entry_t *e = corpus_find(id);
    assert_non_null(e);
    return e->year;
}

static void test_sorts(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t q = {.q = "", .limit = 100, .sort = AWX_SORT_YEAR};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), corpus_len);
    for (size_t i = 1; i < awx_results_count(r); i++)
        assert_true(year_of(hit_id(r, i - 1)) >= year_of(hit_id(r, i)));
    assert_int_equal(year_of(hit_id(r, 0)), 2024);
    awx_results_free(r);

    q.sort = AWX_SORT_CITATIONS;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    long last = 1L << 30;
    for (size_t i = 0; i < awx_results_count(r); i++) {
        long c = corpus_find(hit_id(r, i))->citations;
        assert_true(c <= last);
        last = c;
    }
    assert_string_equal(hit_id(r, 0), "2203.02155");
    awx_results_free(r);

    /* Relevance breaks ties: both 2024 papers match, the one about
     * experts in its title and abstract ranks first. */
    q.q = "experts survey";
    q.sort = AWX_SORT_YEAR;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(year_of(hit_id(r, 0)), 2024);
    assert_int_equal(year_of(hit_id(r, 1)), 2024);
    assert_true(awx_results_hit(r, 0)->weight >= awx_results_hit(r, 1)->weight);
    awx_results_free(r);
}

static void test_offset_limit(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t q = {.q = "", .limit = 100, .sort = AWX_SORT_CITATIONS};
    awx_results_t *all = NULL, *page = NULL;
    assert_int_equal(awx_db_search(db, &q, &all), AWX_OK);
    q.offset = 2;
    q.limit = 3;
    assert_int_equal(awx_db_search(db, &q, &page), AWX_OK);
    assert_int_equal(awx_results_count(page), 3);
    assert_int_equal(awx_results_total(page), corpus_len);
    for (size_t i = 0; i < 3; i++) {
        char want[512];
        snprintf(want, sizeof want, "%s", hit_id(all, i + 2));
        assert_string_equal(hit_id(page, i), want);
        assert_int_equal(awx_results_hit(page, i)->rank, i);
    }
    assert_null(awx_results_hit(page, 3));
    awx_results_free(all);
    awx_results_free(page);
    q.offset = 100;
    assert_int_equal(awx_db_search(db, &q, &page), AWX_OK);
    assert_int_equal(awx_results_count(page), 0);
    awx_results_free(page);
}

static uint64_t facet(const awx_results_t *r, awx_facet_kind_t k, const char *value)
{
    for (size_t i = 0; i < awx_results_facet_count(r, k); i++)
        if (strcmp(awx_results_facet(r, k, i)->value, value) == 0)
            return awx_results_facet(r, k, i)->count;
    return 0;
}

static void test_facets(void **state)
{
    awx_db_t *db = fixture_db(state);
    /* limit 0: counts only, still over every match. */
    awx_query_t q = {.q = "", .limit = 0, .facets = true};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_count(r), 0);
    assert_int_equal(awx_results_facet_count(r, AWX_FACET_SECTION), 5);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Alignment"), 3);
    /* The Switch paper is in both of these. */
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Mixture of Experts"), 2);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Scaling Laws"), 2);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Surveys"), 1);
    assert_string_equal(awx_results_facet(r, AWX_FACET_SECTION, 0)->value, "Alignment");
    for (size_t i = 1; i < awx_results_facet_count(r, AWX_FACET_SECTION); i++)
        assert_true(awx_results_facet(r, AWX_FACET_SECTION, i - 1)->count >=
                    awx_results_facet(r, AWX_FACET_SECTION, i)->count);
    /* Years, newest first; entries without a year are not counted. */
    const char *years[] = {"2024", "2023", "2022", "2021", "2020"};
    const uint64_t counts[] = {2, 2, 1, 1, 1};
    assert_int_equal(awx_results_facet_count(r, AWX_FACET_YEAR), 5);
    for (size_t i = 0; i < 5; i++) {
        assert_string_equal(awx_results_facet(r, AWX_FACET_YEAR, i)->value, years[i]);
        assert_int_equal(awx_results_facet(r, AWX_FACET_YEAR, i)->count, counts[i]);
    }
    assert_null(awx_results_facet(r, AWX_FACET_YEAR, 5));
    awx_results_free(r);

    q.q = "experts";
    q.limit = 1;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Mixture of Experts"), 2);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Scaling Laws"), 1);
    assert_int_equal(facet(r, AWX_FACET_SECTION, "Alignment"), 0);
    awx_results_free(r);

    q.facets = false;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_int_equal(awx_results_facet_count(r, AWX_FACET_SECTION), 0);
    awx_results_free(r);
}

/* Every span covers exactly one occurrence of one of WORDS (any case), and
 * the text has no markup left. */
static void check_spans(const awx_hit_t *h, const char *const *words, size_t want_min)
{
    assert_non_null(h->snippet);
    assert_null(strchr(h->snippet, '\x01'));
    assert_null(strchr(h->snippet, '\x02'));
    assert_null(strstr(h->snippet, "<b>"));
    assert_null(strstr(h->snippet, "&amp;"));
    assert_true(h->n_highlights >= want_min);
    size_t len = strlen(h->snippet);
    for (size_t i = 0; i < h->n_highlights; i++) {
        awx_span_t s = h->highlights[i];
        assert_true(s.offset + s.length <= len);
        bool ok = false;
        for (const char *const *w = words; *w && !ok; w++)
            ok = strlen(*w) == s.length && strncasecmp(h->snippet + s.offset, *w, s.length) == 0;
        if (!ok)
            fail_msg("span %zu [%u,%u] of \"%s\" is no query word", i, s.offset, s.length,
                     h->snippet);
    }
}

static void test_snippets(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_query_t q = {.q = "sparse experts", .limit = 1, .snippets = true};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_string_equal(hit_id(r, 0), "2401.04088");
    const awx_hit_t *h = awx_results_hit(r, 0);
    const char *words[] = {"sparse", "experts", NULL};
    check_spans(h, words, 3);
    awx_results_free(r);
    /* Stop words are not matched, so not highlighted either. */
    q.q = "sparse mixture of experts";
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    h = awx_results_hit(r, 0);
    const char *words2[] = {"sparse", "mixture", "experts", NULL};
    check_spans(h, words2, 4);
    /* HTML-special characters come back as they were written. */
    assert_non_null(strstr(h->snippet, "(a <tiny> & fast model)"));
    /* Byte-exact: the first span is the first "Sparse". */
    const char *sp = strstr(h->snippet, "Sparse");
    assert_non_null(sp);
    assert_int_equal(h->highlights[0].offset, (uint32_t)(sp - h->snippet));
    assert_int_equal(h->highlights[0].length, 6);
    awx_results_free(r);

    /* After multi-byte UTF-8 text the offsets are still bytes. */
    q.q = "pretraining";
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    h = awx_results_hit(r, 0);
    const char *w2[] = {"pretraining", NULL};
    check_spans(h, w2, 1);
    sp = strstr(h->snippet, "pretraining");
    assert_int_equal(h->highlights[0].offset, (uint32_t)(sp - h->snippet));
    awx_results_free(r);

    /* No abstract: no snippet (the title is in the hit already). */
    q.q = "knowledge explained";
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_string_equal(hit_id(r, 0), "https://example.com/blog/distillation");
    h = awx_results_hit(r, 0);
    assert_null(h->snippet);
    assert_int_equal(h->n_highlights, 0);
    awx_results_free(r);

    /* A short snippet length gives a short snippet. */
    q.q = "experts";
    q.snippet_chars = 40;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    h = awx_results_hit(r, 0);
    assert_true(strlen(h->snippet) < 120);
    const char *w3[] = {"experts", NULL};
    check_spans(h, w3, 1);
    awx_results_free(r);

    /* Wildcards are highlighted on every word they match. */
    q.q = "distill*";
    q.snippet_chars = 0;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    for (size_t i = 0; i < awx_results_count(r); i++) {
        h = awx_results_hit(r, i);
        assert_true(h->n_highlights >= 1);
        for (size_t k = 0; k < h->n_highlights; k++)
            assert_int_equal(strncasecmp(h->snippet + h->highlights[k].offset, "distill", 7), 0);
    }
    awx_results_free(r);
    q.snippet_chars = 40;

    /* Filters only: nothing to highlight, the snippet is the start of the
     * abstract, cut after a whole word. */
    q.q = "id:2401.04088";
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    h = awx_results_hit(r, 0);
    assert_string_equal(h->snippet, "We introduce Mixtral 8x7B (a <tiny> &\xe2\x80\xa6");
    assert_int_equal(h->n_highlights, 0);
    assert_null(h->highlights);
    awx_results_free(r);

    q.snippets = false;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_OK);
    assert_null(awx_results_hit(r, 0)->snippet);
    assert_int_equal(awx_results_hit(r, 0)->n_highlights, 0);
    awx_results_free(r);
}

static void test_spelling(void **state)
{
    awx_db_t *db = fixture_db(state);
    awx_results_t *r = run_query(db, "mixtrue of experts");
    assert_non_null(awx_results_corrected(r));
    assert_string_equal(awx_results_corrected(r), "mixture of experts");
    awx_results_free(r);
    r = run_query(db, "distilation");
    assert_string_equal(awx_results_corrected(r), "distillation");
    awx_results_free(r);
    r = run_query(db, "mixture of experts");
    assert_null(awx_results_corrected(r));
    awx_results_free(r);
    /* Words some field has are never "corrected", however rare: DPO is in
     * one abstract, Shazeer an author, Surveys a section. */
    r = run_query(db, "dpo shazeer surveys");
    assert_null(awx_results_corrected(r));
    awx_results_free(r);
    /* Operators, field names and values, wildcards stay as typed. */
    r = run_query(db, "author:Smiht AND distilatio* OR mixtrue");
    assert_string_equal(awx_results_corrected(r), "author:Smiht AND distilatio* OR mixture");
    awx_results_free(r);
}

static void test_syntax_error(void **state)
{
    awx_db_t *db = fixture_db(state);
    const char *bad[] = {"foo AND", "OR", "experts NOT", NULL};
    for (const char **b = bad; *b; b++) {
        awx_query_t q = {.q = *b, .limit = 10};
        awx_results_t *r = (awx_results_t *)1;
        assert_int_equal(awx_db_search(db, &q, &r), AWX_ERR_QUERY_SYNTAX);
        assert_null(r);
        assert_non_null(strstr(awx_db_last_error(db), "query syntax"));
    }
    /* The handle still works, and a good call clears the error. */
    assert_int_equal(count_hits(db, "experts"), 2);
    assert_string_equal(awx_db_last_error(db), "");
    awx_query_t q = {.q = "x", .sort = (awx_sort_t)42};
    awx_results_t *r = NULL;
    assert_int_equal(awx_db_search(db, &q, &r), AWX_ERR_INVALID);
    assert_int_equal(awx_db_search(db, NULL, &r), AWX_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_query_matches_all),
        cmocka_unit_test(test_plain_words),
        cmocka_unit_test(test_title_weighs_more),
        cmocka_unit_test(test_field_prefixes),
        cmocka_unit_test(test_author),
        cmocka_unit_test(test_id),
        cmocka_unit_test(test_phrase_and_boolean),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_cjk),
        cmocka_unit_test(test_section_filter),
        cmocka_unit_test(test_sorts),
        cmocka_unit_test(test_offset_limit),
        cmocka_unit_test(test_facets),
        cmocka_unit_test(test_snippets),
        cmocka_unit_test(test_spelling),
        cmocka_unit_test(test_syntax_error),
    };
    return cmocka_run_group_tests(tests, fixture_corpus_setup, fixture_group_teardown);
}
