/* test_ids.c - unit tests for common/ids.c (arXiv ids, GitHub repos). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ids.h"

/* Parses S as an arXiv id and checks the result (NULL: must fail). */
static void check_arxiv(const char *s, const char *want)
{
    char out[AWS_ID_MAX];
    int rc = aws_arxiv_id_parse(s, strlen(s), out);
    if (want == NULL) {
        if (rc == 0)
            fail_msg("\"%s\" parsed as arXiv id \"%s\"", s, out);
        return;
    }
    if (rc != 0)
        fail_msg("\"%s\" did not parse as an arXiv id", s);
    assert_string_equal(out, want);
}

static void check_repo(const char *s, const char *want)
{
    char out[AWS_ID_MAX];
    int rc = aws_github_repo_parse(s, strlen(s), out);
    if (want == NULL) {
        if (rc == 0)
            fail_msg("\"%s\" parsed as repo \"%s\"", s, out);
        return;
    }
    if (rc != 0)
        fail_msg("\"%s\" did not parse as a repo", s);
    assert_string_equal(out, want);
}

static void test_arxiv_new_style(void **state)
{
    (void)state;
    check_arxiv("2401.13160", "2401.13160");
    check_arxiv("2401.04088v2", "2401.04088");
    check_arxiv("  arXiv:2401.04088v12 ", "2401.04088");
    check_arxiv("0704.0001", "0704.0001");
    check_arxiv("1412.6980", "1412.6980");
    check_arxiv("2312.06709v5", "2312.06709");
}

static void test_arxiv_urls(void **state)
{
    (void)state;
    check_arxiv("http://arxiv.org/abs/2401.13160v1", "2401.13160");
    check_arxiv("https://arxiv.org/abs/2305.14201", "2305.14201");
    check_arxiv("http://arxiv.org/pdf/2401.13160v1.pdf", "2401.13160");
    check_arxiv("https://arxiv.org/pdf/2401.13160", "2401.13160");
    check_arxiv("https://www.arxiv.org/abs/2401.13160/", "2401.13160");
    check_arxiv("https://export.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001");
    check_arxiv("https://arxiv.org/abs/2401.13160?context=cs", "2401.13160");
}

static void test_arxiv_old_style(void **state)
{
    (void)state;
    check_arxiv("hep-th/9901001", "hep-th/9901001");
    check_arxiv("hep-th/9901001v2", "hep-th/9901001");
    check_arxiv("math.GT/0309136", "math/0309136");
    check_arxiv("cs/0112017", "cs/0112017");
    check_arxiv("arXiv:cond-mat/0207270v1", "cond-mat/0207270");
}

static void test_arxiv_rejects(void **state)
{
    (void)state;
    check_arxiv("", NULL);
    check_arxiv("2401.131", NULL);         /* too few digits */
    check_arxiv("2401.1316012", NULL);     /* too many */
    check_arxiv("2413.13160", NULL);       /* month 13 */
    check_arxiv("2401.13160v", NULL);      /* version without number */
    check_arxiv("2401.13160 extra", NULL);
    check_arxiv("ICML, 2023", NULL);
    check_arxiv("https://example.org/abs/2401.13160", NULL);
    check_arxiv("https://arxiv.org/list/cs.CL/recent", NULL);
    check_arxiv("hep-th/990100", NULL);
    check_arxiv("None", NULL);
}

static void test_arxiv_year(void **state)
{
    (void)state;
    assert_int_equal(aws_arxiv_id_year("2401.13160"), 2024);
    assert_int_equal(aws_arxiv_id_year("0704.0001"), 2007);
    assert_int_equal(aws_arxiv_id_year("1909.14215"), 2019);
    assert_int_equal(aws_arxiv_id_year("hep-th/9901001"), 1999);
    assert_int_equal(aws_arxiv_id_year("cs/0112017"), 2001);
    assert_int_equal(aws_arxiv_id_year("2401.13160v2"), 0);
    assert_int_equal(aws_arxiv_id_year("owner/name"), 0);
    assert_int_equal(aws_arxiv_id_year(""), 0);
    assert_int_equal(aws_arxiv_id_year(NULL), 0);
}

static void test_github(void **state)
{
    (void)state;
    check_repo("https://github.com/facebookresearch/metaseq", "facebookresearch/metaseq");
    check_repo("https://github.com/facebookresearch/metaseq/blob/main/projects/OPT/x.pdf",
               "facebookresearch/metaseq");
    check_repo("https://github.com/google-research/google-research/tree/master/fsq",
               "google-research/google-research");
    check_repo("http://www.github.com/Owner/Repo.git", "owner/repo");
    check_repo("https://github.com/ShishirPatil/gorilla/", "shishirpatil/gorilla");
    check_repo("https://github.com/o/n/.", "o/n");
    check_repo("https://github.com/o/n.", "o/n");
    check_repo("https://github.com/EvolvingLMMs-Lab/LongVA?tab=readme-ov-file",
               "evolvinglmms-lab/longva");
    check_repo("https://github.com/lyuchenyang/macaw-llm#macaw-llm", "lyuchenyang/macaw-llm");
    check_repo("github.com/socketio/socket.io", "socketio/socket.io");
    check_repo(" https://github.com/a_b/c-d ", "a_b/c-d");
}

static void test_github_rejects(void **state)
{
    (void)state;
    check_repo("https://github.com/openai", NULL);
    check_repo("https://github.com/openai/", NULL);
    check_repo("https://github.com/orgs/openai/repositories", NULL);
    check_repo("https://github.com/topics/llm", NULL);
    check_repo("https://gist.github.com/a/b", NULL);
    check_repo("https://github.community/a/b", NULL);
    check_repo("https://huggingface.co/a/b", NULL);
    check_repo("https://github.com/a/..", NULL);
    check_repo("https://github.com/a b/c", NULL);
    check_repo("", NULL);
}

static void test_normalise(void **state)
{
    (void)state;
    char out[AWS_ID_MAX];
    assert_int_equal(aws_id_normalise("arXiv:2401.04088v2", out), 0);
    assert_string_equal(out, "2401.04088");
    assert_int_equal(aws_id_normalise("https://arxiv.org/pdf/2401.04088v1.pdf", out), 0);
    assert_string_equal(out, "2401.04088");
    assert_int_equal(aws_id_normalise("https://github.com/OpenAI/Weak-To-Strong/tree/main", out), 0);
    assert_string_equal(out, "openai/weak-to-strong");
    assert_int_equal(aws_id_normalise("  OpenAI/Weak-To-Strong ", out), 0);
    assert_string_equal(out, "openai/weak-to-strong");
    assert_int_equal(aws_id_normalise("hep-th/9901001v3", out), 0);
    assert_string_equal(out, "hep-th/9901001");
    assert_int_equal(aws_id_normalise(" https://openai.com/research/x ", out), 0);
    assert_string_equal(out, "https://openai.com/research/x");
    assert_int_equal(aws_id_normalise("", out), 0);
    assert_string_equal(out, "");

    char big[AWS_ID_MAX + 10];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(aws_id_normalise(big, out), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arxiv_new_style),
        cmocka_unit_test(test_arxiv_urls),
        cmocka_unit_test(test_arxiv_old_style),
        cmocka_unit_test(test_arxiv_rejects),
        cmocka_unit_test(test_arxiv_year),
        cmocka_unit_test(test_github),
        cmocka_unit_test(test_github_rejects),
        cmocka_unit_test(test_normalise),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
