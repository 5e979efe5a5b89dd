/* test_papermeta.c - unit tests of the JSON-lines paper metadata reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "papermeta.h"

static int parse(const char *json, aws_paper_meta_t *m, char *why, size_t whylen)
{
    return aws_paper_meta_from_json(json, strlen(json), m, why, whylen);
}

/* The shape of shared/data/arxiv-abstracts.jsonl. */
static void test_list_shape(void **state)
{
    (void)state;
    aws_paper_meta_t m;
    char why[256] = "";
    const char *json =
        "{\"id\": \"2401.13160\", \"title\": \"SpacTor-T5:  Pre-training\\n T5\","
        " \"authors\": [\"Ke Ye\", \" Jean-Fran\\u00e7ois Kagy \"],"
        " \"abstract\": \"  Pre-training   large\\nmodels. \","
        " \"published\": \"2024-01-24\", \"categories\": [\"cs.LG\", \"cs.CL\"],"
        " \"source\": \"ignored\"}";

    assert_int_equal(parse(json, &m, why, sizeof why), 0);
    assert_string_equal(m.id, "2401.13160");
    assert_string_equal(m.title, "SpacTor-T5: Pre-training T5");
    assert_int_equal(m.authors.n, 2);
    assert_string_equal(m.authors.v[1], "Jean-François Kagy");
    assert_string_equal(m.abstract, "Pre-training large models.");
    assert_string_equal(m.published, "2024-01-24");
    assert_int_equal(m.categories.n, 2);
    assert_string_equal(m.categories.v[1], "cs.CL");
    assert_int_equal(m.version, 0);
    aws_paper_meta_clear(&m);
}

/* arXiv's metadata snapshot: authors and categories as one string,
 * update_date, versions. */
static void test_snapshot_shape(void **state)
{
    (void)state;
    aws_paper_meta_t m;
    char why[256] = "";
    const char *json =
        "{\"id\": \"0704.0001\", \"submitter\": \"Pavel Nadolsky\","
        " \"authors\": \"C. Bal\\\\'azs, E. L. Berger, P. M. Nadolsky and C.-P. Yuan\","
        " \"title\": \"Calculation of prompt diphoton production\","
        " \"categories\": \"hep-ph  cs.LG\", \"abstract\": \"  A fully\\n  differential\\n\","
        " \"update_date\": \"2008-11-13\","
        " \"versions\": [{\"version\": \"v1\", \"created\": \"Mon, 2 Apr 2007\"},"
        "               {\"version\": \"v2\", \"created\": \"Tue, 24 Jul 2007\"}]}";

    assert_int_equal(parse(json, &m, why, sizeof why), 0);
    assert_string_equal(m.id, "0704.0001");
    assert_int_equal(m.authors.n, 4);
    assert_string_equal(m.authors.v[0], "C. Bal\\'azs");
    assert_string_equal(m.authors.v[2], "P. M. Nadolsky");
    assert_string_equal(m.authors.v[3], "C.-P. Yuan");
    assert_int_equal(m.categories.n, 2);
    assert_string_equal(m.categories.v[0], "hep-ph");
    assert_string_equal(m.categories.v[1], "cs.LG");
    assert_string_equal(m.abstract, "A fully differential");
    assert_string_equal(m.published, "2008-11-13");
    assert_int_equal(m.version, 2);
    aws_paper_meta_clear(&m);
}

/* The daily crawl (arxiv-daily-cs-2025-2026.jsonl.gz): "summary", a
 * versioned id, no date, null fields. */
static void test_summary_shape(void **state)
{
    (void)state;
    aws_paper_meta_t m;
    char why[256] = "";
    const char *json =
        "{\"id\": \"2503.11731v3\", \"authors\": [\"A B\"], \"title\": \"T\","
        " \"comment\": null, \"summary\": \"Sensor\\nsimulation\", "
        "\"crawl_date\": \"2025-03-18\"}";

    assert_int_equal(parse(json, &m, why, sizeof why), 0);
    assert_string_equal(m.id, "2503.11731");
    assert_int_equal(m.version, 3);
    assert_string_equal(m.abstract, "Sensor simulation");
    assert_null(m.published);
    aws_paper_meta_clear(&m);
}

static void test_author_strings(void **state)
{
    (void)state;
    aws_paper_meta_t m;
    char why[256] = "";

    assert_int_equal(parse("{\"id\":\"2401.00001\",\"authors\":\"Ann Lee, Bo Ma, and Cy Di\"}",
                           &m, why, sizeof why), 0);
    assert_int_equal(m.authors.n, 3);
    assert_string_equal(m.authors.v[0], "Ann Lee");
    assert_string_equal(m.authors.v[1], "Bo Ma");
    assert_string_equal(m.authors.v[2], "Cy Di");
    aws_paper_meta_clear(&m);

    assert_int_equal(parse("{\"id\":\"2401.00001\",\"authors\":\"Ann Lee and Bo Ma\"}",
                           &m, why, sizeof why), 0);
    assert_int_equal(m.authors.n, 2);
    assert_string_equal(m.authors.v[1], "Bo Ma");
    aws_paper_meta_clear(&m);

    /* "and" inside a name is no separator. */
    assert_int_equal(parse("{\"id\":\"2401.00001\",\"authors\":\"Sandra Andersen\"}",
                           &m, why, sizeof why), 0);
    assert_int_equal(m.authors.n, 1);
    assert_string_equal(m.authors.v[0], "Sandra Andersen");
    aws_paper_meta_clear(&m);
}

/* Each malformed record fails with a reason naming what is wrong. */
static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        const char *why;
    } cases[] = {
        {"{\"id\": \"2401.13160\", \"title\": ", "invalid JSON at byte"},
        {"[1, 2]", "expected a JSON object"},
        {"{\"title\": \"x\"}", "field \"id\" is missing"},
        {"{\"id\": 2401.13160}", "field \"id\": expected a string"},
        {"{\"id\": \"not-an-id\"}", "is not an arXiv id"},
        {"{\"id\": \"2401.13160\", \"authors\": 3}", "field \"authors\": expected"},
        {"{\"id\": \"2401.13160\", \"authors\": [\"a\", 1]}", "item 1 is not a string"},
        {"{\"id\": \"2401.13160\", \"abstract\": [\"a\"]}", "field \"abstract\": expected a string"},
        {"{\"id\": \"2401.13160\", \"id\": \"2401.13161\"}", "invalid JSON"},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aws_paper_meta_t m;
        char why[256] = "";
        assert_int_equal(parse(cases[i].json, &m, why, sizeof why), -1);
        if (strstr(why, cases[i].why) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, why, cases[i].why);
        assert_null(m.id);
    }
}

static void test_apply_meta(void **state)
{
    (void)state;
    aws_entry_t e;
    aws_paper_meta_t m;
    char why[256] = "";

    memset(&e, 0, sizeof e);
    e.kind = AWS_ENTRY_PAPER;
    e.id = strdup("2401.13160");
    e.title = strdup("List title");
    e.citations = -1;
    assert_int_equal(aws_strv_push(&e.authors, "Ke Ye", 5), 0);
    assert_int_equal(aws_strv_push(&e.sections, "Pretrain", 8), 0);

    assert_int_equal(parse("{\"id\":\"2401.13160\",\"title\":\"Other\",\"abstract\":\"Abs.\","
                           "\"authors\":[\"Ke Ye\",\"Heinrich Jiang\"],\"published\":"
                           "\"2023-12-30\",\"categories\":[\"cs.LG\"]}",
                           &m, why, sizeof why), 0);
    assert_int_equal(aws_entry_apply_meta(&e, &m), 0);
    aws_paper_meta_clear(&m);
    assert_string_equal(e.title, "List title");
    assert_string_equal(e.abstract, "Abs.");
    assert_int_equal(e.authors.n, 2);
    assert_string_equal(e.categories.v[0], "cs.LG");
    assert_string_equal(e.published, "2023-12-30");
    assert_int_equal(e.year, 2023);
    assert_int_equal(e.sections.n, 1);

    /* A shorter author list does not replace a longer one, and a known
     * year is kept. */
    e.year = 2024;
    assert_int_equal(parse("{\"id\":\"2401.13160\",\"authors\":[\"X\"],\"published\":\"2025-01-01\"}",
                           &m, why, sizeof why), 0);
    assert_int_equal(aws_entry_apply_meta(&e, &m), 0);
    aws_paper_meta_clear(&m);
    assert_int_equal(e.authors.n, 2);
    assert_int_equal(e.year, 2024);
    assert_string_equal(e.abstract, "Abs.");
    aws_entry_clear(&e);
}

typedef struct collected {
    int records;
    aws_strv_t ids;
    aws_strv_t problems;
} collected_t;

static int on_meta(const aws_paper_meta_t *m, void *ctx)
{
    collected_t *c = ctx;
    c->records++;
    return aws_strv_push(&c->ids, m->id, strlen(m->id));
}

static void on_problem(const char *message, void *ctx)
{
    collected_t *c = ctx;
    assert_int_equal(aws_strv_push(&c->problems, message, strlen(message)), 0);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_papermeta_XXXXXX";
    int fd = mkstemp(path);
    collected_t c = {0};
    char want[128];

    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("{\"id\": \"2401.00001\", \"abstract\": \"one\"}\n"
          "\n"
          "{\"id\": \"2401.00002\", \"abstract\": \n"
          "   \n"
          "{\"id\": \"arXiv:2401.00003v2\", \"summary\": \"three\"}\n"
          "{\"id\": 7}\n"
          "{\"id\": \"2401.00004\"}",
          f);
    fclose(f);

    assert_int_equal(aws_paper_meta_load_file(path, on_meta, on_problem, &c), 0);
    assert_int_equal(c.records, 3);
    assert_string_equal(c.ids.v[0], "2401.00001");
    assert_string_equal(c.ids.v[1], "2401.00003");
    assert_string_equal(c.ids.v[2], "2401.00004");
    assert_int_equal(c.problems.n, 2);
    snprintf(want, sizeof want, "%s:3: invalid JSON", path);
    assert_memory_equal(c.problems.v[0], want, strlen(want));
    snprintf(want, sizeof want, "%s:6: field \"id\": expected a string", path);
    assert_string_equal(c.problems.v[1], want);
    aws_strv_free(&c.ids);
    aws_strv_free(&c.problems);

    unlink(path);
    assert_int_equal(aws_paper_meta_load_file(path, on_meta, on_problem, &c), -2);
}

/* The 29 records of the shared file all load, Jean-François intact. */
static void test_shared_file(void **state)
{
    (void)state;
    const char *dir = getenv("AWS_SHARED_DATA");
    char path[4096];
    collected_t c = {0};

    if (dir == NULL)
        fail_msg("AWS_SHARED_DATA is not set");
    snprintf(path, sizeof path, "%s/arxiv-abstracts.jsonl", dir);
    assert_int_equal(aws_paper_meta_load_file(path, on_meta, on_problem, &c), 0);
    assert_int_equal(c.records, 29);
    assert_int_equal(c.problems.n, 0);
    assert_true(aws_strv_contains(&c.ids, "2401.13160"));
    aws_strv_free(&c.ids);
    aws_strv_free(&c.problems);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_shape),
        cmocka_unit_test(test_snapshot_shape),
        cmocka_unit_test(test_summary_shape),
        cmocka_unit_test(test_author_strings),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_apply_meta),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_shared_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
