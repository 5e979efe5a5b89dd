/* test_atom.c - the Atom parser over arXiv's real responses and bad ones.
 *
 * The real responses are the shared examples ($AWS_SHARED_DATA): the older
 * shape, the late-2025 shape, an error entry and ids that come back
 * missing.  The bad ones are crafted here: truncated, not well-formed,
 * another root element, DOCTYPE entity tricks, entries without their parts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "atom.h"

#define ATOM_OPEN "<feed xmlns=\"http://www.w3.org/2005/Atom\" " \
                  "xmlns:arxiv=\"http://arxiv.org/schemas/atom\">"

/* Reads $AWS_SHARED_DATA/NAME whole; the caller frees it. */
static char *read_shared(const char *name, size_t *len)
{
    const char *dir = getenv("AWS_SHARED_DATA");
    assert_non_null(dir);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    assert_true(size > 0);
    rewind(f);
    char *buf = malloc((size_t)size + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

static void parse_shared(const char *name, aws_atom_feed_t *feed)
{
    size_t len;
    char *buf = read_shared(name, &len);
    char err[256] = "";
    int rc = aws_atom_parse(buf, len, feed, err, sizeof err);
    free(buf);
    if (rc != 0)
        fail_msg("%s: %s", name, err);
}

/* Parses TEXT, expecting failure; returns the reason. */
static void expect_refused(const char *text, const char *why_part)
{
    aws_atom_feed_t feed;
    char err[256] = "";
    assert_int_equal(aws_atom_parse(text, strlen(text), &feed, err, sizeof err), -1);
    assert_int_equal(feed.n_papers, 0);
    assert_int_equal(feed.errors.n, 0);
    if (strstr(err, why_part) == NULL)
        fail_msg("reason \"%s\" lacks \"%s\"", err, why_part);
}

static void test_older_shape(void **state)
{
    (void)state;
    aws_atom_feed_t feed;
    parse_shared("arxiv-api-example.xml", &feed);
    assert_int_equal(feed.n_papers, 1);
    const aws_paper_meta_t *m = &feed.papers[0];
    assert_string_equal(m->id, "hep-ex/0307015");
    assert_string_equal(m->title, "Multi-Electron Production at High Transverse "
                                  "Momenta in ep Collisions at HERA");
    /* Hard wraps are joined, leading blanks dropped, TeX kept. */
    assert_true(strncmp(m->abstract, "Multi-electron production is studied at "
                        "high electron transverse momentum in positron- and", 90) == 0);
    assert_non_null(strstr(m->abstract, "of 0.30 \\pm 0.04 and 0.23 \\pm 0.04, respectively."));
    assert_null(strchr(m->abstract, '\n'));
    assert_int_equal(m->authors.n, 1);
    assert_string_equal(m->authors.v[0], "H1 Collaboration");
    assert_int_equal(m->categories.n, 1);
    assert_string_equal(m->categories.v[0], "hep-ex");
    assert_string_equal(m->published, "2003-07-07");
    /* The <id> has no version; the alternate link does. */
    assert_int_equal(m->version, 1);
    aws_atom_feed_clear(&feed);
}

static void test_missing_ids_2025_08(void **state)
{
    (void)state;
    aws_atom_feed_t feed;
    parse_shared("arxiv-api-captured/2025-08_idlist_missing_ids.xml", &feed);
    assert_int_equal(feed.n_papers, 1);
    assert_int_equal(feed.n_empty, 3);
    assert_int_equal(feed.problems.n, 0);
    const aws_paper_meta_t *m = &feed.papers[0];
    assert_string_equal(m->id, "2201.13452");
    assert_string_equal(m->title, "Asymptotic Analysis for a Nonlinear "
                        "Reaction-Diffusion System Modeling an Infectious Disease");
    assert_int_equal(m->authors.n, 2);
    assert_string_equal(m->authors.v[1], "Jun Zou");
    assert_int_equal(m->categories.n, 2);
    assert_string_equal(m->categories.v[0], "math.AP");
    assert_string_equal(m->categories.v[1], "35");
    assert_int_equal(m->version, 1);
    assert_string_equal(m->published, "2022-01-31");
    aws_atom_feed_clear(&feed);
}

static void test_missing_ids_2025_11(void **state)
{
    (void)state;
    aws_atom_feed_t feed;
    parse_shared("arxiv-api-captured/2025-11_idlist_missing_ids.xml", &feed);
    assert_int_equal(feed.n_papers, 1);
    assert_int_equal(feed.n_empty, 0);
    const aws_paper_meta_t *m = &feed.papers[0];
    assert_string_equal(m->id, "2201.13452");
    assert_int_equal(m->categories.n, 1);
    assert_string_equal(m->categories.v[0], "math.AP");
    assert_true(strncmp(m->abstract, "In this paper we study", 22) == 0);
    assert_string_equal(m->published, "2022-01-31");
    aws_atom_feed_clear(&feed);
}

static void test_nonexistent(void **state)
{
    (void)state;
    const char *names[] = { "arxiv-api-captured/2025-08_idlist_nonexistent.xml",
                            "arxiv-api-captured/2025-11_idlist_nonexistent.xml" };
    for (size_t i = 0; i < 2; i++) {
        aws_atom_feed_t feed;
        parse_shared(names[i], &feed);
        assert_int_equal(feed.n_papers, 0);
        assert_int_equal(feed.errors.n, 0);
        assert_int_equal(feed.n_empty, 0);
        aws_atom_feed_clear(&feed);
    }
}

static void test_search_responses(void **state)
{
    (void)state;
    aws_atom_feed_t feed;
    parse_shared("arxiv-api-captured/2025-11_search_query.xml", &feed);
    assert_int_equal(feed.n_papers, 10);
    const aws_paper_meta_t *m = &feed.papers[0];
    assert_string_equal(m->id, "nucl-ex/0408020");
    assert_int_equal(m->authors.n, 9);
    assert_string_equal(m->authors.v[8], "H. de Vries");
    assert_int_equal(m->categories.n, 2);
    assert_string_equal(m->categories.v[0], "nucl-ex");
    assert_string_equal(m->categories.v[1], "hep-ph");
    assert_string_equal(feed.papers[3].id, "1610.08734");
    assert_int_equal(feed.papers[3].version, 3);
    assert_string_equal(feed.papers[7].id, "nucl-th/9910021");
    aws_atom_feed_clear(&feed);
    parse_shared("arxiv-api-captured/2025-08_search_query.xml", &feed);
    assert_int_equal(feed.n_papers, 10);
    assert_string_equal(feed.papers[0].id, "astro-ph/9904306");
    assert_string_equal(feed.papers[2].id, "1706.01836");
    assert_int_equal(feed.papers[2].version, 2);
    aws_atom_feed_clear(&feed);
}

static void test_error_entry(void **state)
{
    (void)state;
    aws_atom_feed_t feed;
    parse_shared("arxiv-api-error-example.xml", &feed);
    assert_int_equal(feed.n_papers, 0);
    assert_int_equal(feed.errors.n, 1);
    assert_string_equal(feed.errors.v[0], "incorrect id format for 1234.12345");
    assert_int_equal(feed.error_ids.n, 1);
    assert_string_equal(feed.error_ids.v[0], "1234.12345");
    aws_atom_feed_clear(&feed);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_shared("arxiv-api-captured/2025-11_idlist_missing_ids.xml", &len);
    /* Every cut must be refused, never half an entry delivered. */
    for (size_t cut = 0; cut < len - 10; cut += 97) {
        aws_atom_feed_t feed;
        char err[256] = "";
        assert_int_equal(aws_atom_parse(buf, cut, &feed, err, sizeof err), -1);
        assert_int_equal(feed.n_papers, 0);
        assert_true(strncmp(err, "line ", 5) == 0);
    }
    free(buf);
}

static void test_not_xml(void **state)
{
    (void)state;
    expect_refused("", "line");
    expect_refused(ATOM_OPEN "<entry><id>x</entry></feed>", "line 1");
    expect_refused("{\"id\": \"2401.13160\"}", "line 1");
    expect_refused("<?xml version=\"1.0\"?>\n<html><body>Log in</body></html>",
                   "root element <html> is not an Atom <feed>");
    /* The right name in no namespace is not Atom either. */
    expect_refused("<feed><entry/></feed>", "not an Atom <feed>");
}

static void test_entity_tricks(void **state)
{
    (void)state;
    /* A billion laughs: refused, by libxml2's entity guard or for the
     * DOCTYPE, either way with nothing expanded into a paper. */
    expect_refused("<?xml version=\"1.0\"?>\n<!DOCTYPE feed [\n"
                   "<!ENTITY a \"aaaaaaaaaa\">\n"
                   "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
                   "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
                   "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n]>\n"
                   ATOM_OPEN "<entry><id>http://arxiv.org/abs/2401.13160v1</id>"
                   "<title>&d;</title><summary>&d;</summary></entry></feed>",
                   "line ");
    /* An external entity: never read, the document refused. */
    expect_refused("<?xml version=\"1.0\"?>\n<!DOCTYPE feed [\n"
                   "<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n"
                   ATOM_OPEN "<entry><id>http://arxiv.org/abs/2401.13160v1</id>"
                   "<title>&x;</title><summary>&x;</summary></entry></feed>",
                   "DOCTYPE");
    /* An undeclared entity is not well-formed. */
    expect_refused(ATOM_OPEN "<entry><title>&nope;</title></entry></feed>", "line 1");
    /* Character references and the predefined entities are plain text. */
    const char *ok = ATOM_OPEN "<entry><id>http://arxiv.org/abs/2401.13160v2</id>"
                     "<title>A &amp; B &#233; &lt;x&gt;</title>"
                     "<summary><![CDATA[$\\alpha$ < 1]]>  and\n more</summary>"
                     "</entry></feed>";
    aws_atom_feed_t feed;
    char err[256] = "";
    assert_int_equal(aws_atom_parse(ok, strlen(ok), &feed, err, sizeof err), 0);
    assert_int_equal(feed.n_papers, 1);
    assert_string_equal(feed.papers[0].title, "A & B \xc3\xa9 <x>");
    assert_string_equal(feed.papers[0].abstract, "$\\alpha$ < 1 and more");
    assert_int_equal(feed.papers[0].version, 2);
    assert_int_equal(feed.papers[0].authors.n, 0);
    assert_null(feed.papers[0].published);
    aws_atom_feed_clear(&feed);
}

static void test_bad_entries(void **state)
{
    (void)state;
    const char *doc =
        ATOM_OPEN
        "<entry><id>http://example.com/abs/foo</id><title>T</title><summary>S</summary></entry>\n"
        "<entry><id>http://arxiv.org/abs/2401.00001v1</id><title>T</title></entry>\n"
        "<entry><id>http://arxiv.org/abs/2401.00002v1</id><summary>S</summary></entry>\n"
        "<entry><id>http://arxiv.org/abs/2401.00003v1</id><title>  </title><summary>S</summary></entry>\n"
        "<entry><id>http://arxiv.org/abs/2401.00004v1</id><title>Old</title><summary>S</summary></entry>\n"
        "<entry><id>http://arxiv.org/abs/2401.00004v2</id><title>New</title><summary>S</summary>"
        "<published>yesterday</published><category term=\"\"/><category term=\"cs.CL\"/>"
        "<category term=\"cs.CL\"/><arxiv:primary_category term=\"cs.LG\"/>"
        "<author><name> Ann  Lee </name></author><author><name></name></author></entry>\n"
        "<entry><id>   </id></entry>\n"
        "<other><entry><id>http://arxiv.org/abs/2401.00005v1</id></entry></other>\n"
        "</feed>";
    aws_atom_feed_t feed;
    char err[256] = "";
    assert_int_equal(aws_atom_parse(doc, strlen(doc), &feed, err, sizeof err), 0);
    assert_int_equal(feed.n_papers, 1);
    assert_int_equal(feed.n_empty, 1);
    assert_int_equal(feed.problems.n, 4);
    assert_string_equal(feed.problems.v[0], "entry 1: <id> is not an arXiv id");
    assert_string_equal(feed.problems.v[1], "entry 2 (2401.00001): no <summary>");
    assert_string_equal(feed.problems.v[2], "entry 3 (2401.00002): no <title>");
    assert_string_equal(feed.problems.v[3], "entry 4 (2401.00003): no <title>");
    assert_int_equal(feed.problem_ids.n, 3);
    assert_string_equal(feed.problem_ids.v[0], "2401.00001");
    const aws_paper_meta_t *m = &feed.papers[0];
    /* The later of two entries for one id wins. */
    assert_string_equal(m->title, "New");
    assert_int_equal(m->version, 2);
    assert_null(m->published);
    /* The primary category first, then the others, each once. */
    assert_int_equal(m->categories.n, 2);
    assert_string_equal(m->categories.v[0], "cs.LG");
    assert_string_equal(m->categories.v[1], "cs.CL");
    assert_int_equal(m->authors.n, 1);
    assert_string_equal(m->authors.v[0], "Ann Lee");
    aws_atom_feed_clear(&feed);
}

static void test_other_encoding(void **state)
{
    (void)state;
    const char *doc = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>"
                      ATOM_OPEN "<entry><id>http://arxiv.org/abs/2401.13160v1</id>"
                      "<title>Fran\xe7ois</title><summary>S</summary></entry></feed>";
    aws_atom_feed_t feed;
    char err[256] = "";
    assert_int_equal(aws_atom_parse(doc, strlen(doc), &feed, err, sizeof err), 0);
    assert_int_equal(feed.n_papers, 1);
    assert_string_equal(feed.papers[0].title, "Fran\xc3\xa7ois");
    aws_atom_feed_clear(&feed);
    /* Bytes that are not UTF-8 where UTF-8 is declared are refused, as is
     * a conversion that fails half-way (libxml2 says nothing on stderr;
     * the reason is in the message). */
    expect_refused("<?xml version=\"1.0\" encoding=\"ISO-2022-JP\"?>" ATOM_OPEN
                   "\x1b$B\xff\xff</feed>", "line 1");
    expect_refused(ATOM_OPEN "<entry><title>Fran\xe7ois</title></entry></feed>", "line 1");
}

static void test_squeeze(void **state)
{
    (void)state;
    const char *cases[][2] = {
        { "", "" }, { "   ", "" }, { "a", "a" }, { "  a \n\t b  ", "a b" },
        { "x\r\ny", "x y" }, { "$a\\,b$  c", "$a\\,b$ c" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = aws_atom_squeeze(cases[i][0], strlen(cases[i][0]));
        assert_non_null(s);
        assert_string_equal(s, cases[i][1]);
        free(s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_older_shape),
        cmocka_unit_test(test_missing_ids_2025_08),
        cmocka_unit_test(test_missing_ids_2025_11),
        cmocka_unit_test(test_nonexistent),
        cmocka_unit_test(test_search_responses),
        cmocka_unit_test(test_error_entry),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_not_xml),
        cmocka_unit_test(test_entity_tricks),
        cmocka_unit_test(test_bad_entries),
        cmocka_unit_test(test_other_encoding),
        cmocka_unit_test(test_squeeze),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
