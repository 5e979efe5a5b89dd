/* test_keep.c - unit tests of the inputs awindex must not lose or misread:
 * abstracts kept from the database (keep.c), binary inputs (sniff.c,
 * aws_list_parse_path) and the per-file cap of the text report (report.c).
 *
 * The keep tests work on a real Xapian database in a fresh mkdtemp folder;
 * nothing is mocked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "entry.h"
#include "keep.h"
#include "listparse.h"
#include "papermeta.h"
#include "report.h"
#include "sniff.h"
#include "sync.h"
#include "dbdir.h"

static const char LIST[] =
    "# T\n"
    "\n"
    "## Section A\n"
    "- [**repo**](https://github.com/Owner/Repo) - Owner\n"
    "\n"
    "\t *A description.*\n"
    "- **A paper about things**, `arXiv, 2401.00001`, [arxiv](http://arxiv.org/abs/2401.00001v1),"
    " [pdf](http://arxiv.org/pdf/2401.00001v1.pdf), cication: [**3**](None)\n"
    "\n"
    "\t *Ann Lee, Bo Ma*\n"
    "- **Another paper**, `arXiv, 2401.00002`, [arxiv](http://arxiv.org/abs/2401.00002v1),"
    " [pdf](http://arxiv.org/pdf/2401.00002v1.pdf), cication: [**-1**](None)\n";

static int setup(void **state)
{
    return aws_dbdir_setup(state, "test_keep");
}

static void parse(aws_list_t *list)
{
    aws_list_init(list);
    assert_int_equal(aws_list_parse(list, "t.md", LIST, strlen(LIST)), 0);
}

static void sync_list(const char *db, aws_list_t *list, aws_report_t *report)
{
    aws_sync_opts_t opts = {.db_path = db, .lists_metadata = "/x/t.md"};
    char *err = NULL;

    aws_report_init(report);
    if (aws_sync_run(list, &opts, report, &err) != AWS_SYNC_OK)
        fail_msg("sync: %s", err != NULL ? err : "?");
    free(err);
}

/* What an --abstracts file brings for 2401.00001. */
static void apply_file_meta(aws_list_t *list)
{
    aws_paper_meta_t m = {0};

    m.abstract = strdup("Words only the file knows.");
    assert_int_equal(aws_strv_push(&m.authors, "Ann Lee", 7), 0);
    assert_int_equal(aws_strv_push(&m.authors, "Bo Ma", 5), 0);
    assert_int_equal(aws_strv_push(&m.authors, "Cy Young", 8), 0);
    assert_int_equal(aws_strv_push(&m.categories, "cs.CL", 5), 0);
    m.published = strdup("2024-01-02");
    assert_non_null(m.abstract);
    assert_non_null(m.published);
    assert_int_equal(aws_entry_apply_meta(aws_list_find(list, "2401.00001"), &m), 0);
    aws_paper_meta_clear(&m);
}

/* A run without the file keeps the file's metadata and rewrites nothing;
 * a newer abstract still wins. */
static void test_keep_from_database(void **state)
{
    fixture_t *f = *state;
    aws_list_t list;
    aws_report_t report;
    char *err = NULL;
    size_t kept = 0;

    parse(&list);
    apply_file_meta(&list);
    sync_list(f->db, &list, &report);
    assert_int_equal(report.added, 3);
    aws_report_free(&report);
    aws_list_free(&list);

    parse(&list);
    assert_int_equal(aws_keep_abstracts(&list, f->db, &kept, &err), AWS_SYNC_OK);
    assert_null(err);
    assert_int_equal(kept, 1);
    const aws_entry_t *e = aws_list_find(&list, "2401.00001");
    assert_string_equal(e->abstract, "Words only the file knows.");
    assert_int_equal(e->authors.n, 3);
    assert_string_equal(e->categories.v[0], "cs.CL");
    assert_string_equal(e->published, "2024-01-02");
    /* The other paper had none to keep; the repo's description is its own. */
    assert_null(aws_list_find(&list, "2401.00002")->abstract);
    assert_string_equal(aws_list_find(&list, "owner/repo")->abstract, "A description.");
    sync_list(f->db, &list, &report);
    assert_int_equal(report.updated, 0);
    assert_int_equal(report.unchanged, 3);
    aws_report_free(&report);
    aws_list_free(&list);

    /* An abstract this run found is not overwritten by the stored one. */
    parse(&list);
    aws_entry_t *p = aws_list_find(&list, "2401.00001");
    p->abstract = strdup("A newer abstract.");
    assert_non_null(p->abstract);
    kept = 0;
    assert_int_equal(aws_keep_abstracts(&list, f->db, &kept, &err), AWS_SYNC_OK);
    assert_int_equal(kept, 0);
    assert_string_equal(p->abstract, "A newer abstract.");
    aws_list_free(&list);
}

static void test_keep_without_database(void **state)
{
    fixture_t *f = *state;
    aws_list_t list;
    char *err = NULL;
    size_t kept = 0;

    parse(&list);
    assert_int_equal(aws_keep_abstracts(&list, f->db, &kept, &err), AWS_SYNC_OK);
    assert_int_equal(kept, 0);
    assert_null(err);
    assert_int_equal(access(f->db, F_OK), -1);
    aws_list_free(&list);
}

static void test_stored_form_read_back(void **state)
{
    (void)state;
    aws_list_t list;
    aws_paper_meta_t m;
    char *buf = NULL;
    size_t len = 0;

    parse(&list);
    apply_file_meta(&list);
    assert_int_equal(aws_entry_pack(aws_list_find(&list, "2401.00001"), &buf, &len), 0);
    assert_int_equal(aws_keep_meta_from_stored(buf, len, &m), 0);
    assert_string_equal(m.abstract, "Words only the file knows.");
    assert_int_equal(m.authors.n, 3);
    assert_string_equal(m.published, "2024-01-02");
    aws_paper_meta_clear(&m);
    free(buf);
    aws_list_free(&list);

    /* Not a map, a truncated map, a field of the wrong type. */
    assert_int_equal(aws_keep_meta_from_stored("\x93\x01\x02\x03", 4, &m), 1);
    assert_int_equal(aws_keep_meta_from_stored("\x81\xa8" "abstract", 10, &m), 1);
    assert_int_equal(aws_keep_meta_from_stored("\x81\xa8" "abstract\x05", 11, &m), 1);
    assert_int_equal(aws_keep_meta_from_stored("\x81\xa7" "authors\x91\x05", 11, &m), 1);
}

static void test_sniff(void **state)
{
    (void)state;
    assert_string_equal(aws_sniff_binary("\x1f\x8b\x08\x00", 4), "gzip-compressed data");
    assert_string_equal(aws_sniff_binary("\xfd" "7zXZ\x00\x00", 7), "xz-compressed data");
    assert_string_equal(aws_sniff_binary("BZh91AY&SY", 10), "bzip2-compressed data");
    assert_string_equal(aws_sniff_binary("# a\n\x00", 5), "binary data (it holds NUL bytes)");
    /* Text that merely starts like a magic number is text. */
    assert_null(aws_sniff_binary("BZh is a word\n", 14));
    assert_null(aws_sniff_binary("# Awesome\n\n## A\n- [x](https://x/)\n", 34));
    assert_null(aws_sniff_binary("", 0));

    char path[] = "/tmp/test_keep_gz_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "\x1f\x8b\x08\x00\x00\x00", 6), 6);
    close(fd);
    aws_list_t list;
    const char *what = NULL;
    aws_list_init(&list);
    assert_int_equal(aws_list_parse_path(&list, path, &what), -3);
    assert_string_equal(what, "gzip-compressed data");
    assert_int_equal(list.n_items, 0);
    assert_int_equal(list.n_problems, 0);
    aws_list_free(&list);
    unlink(path);
}

/* Prints R's text report into a malloc'd string. */
static char *report_text(const aws_report_t *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);

    assert_non_null(out);
    aws_report_print_text(r, out);
    fclose(out);
    return buf;
}

static size_t count_lines_starting(const char *text, const char *prefix)
{
    size_t n = 0;
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p)
        n += strncmp(p, prefix, strlen(prefix)) == 0;
    return n;
}

static void test_report_cap(void **state)
{
    (void)state;
    aws_report_t r;
    char msg[64];

    aws_report_init(&r);
    for (int i = 1; i <= 25; i++) {
        snprintf(msg, sizeof msg, "dir:x/a.md:%d: why", i);
        assert_int_equal(aws_report_problem(&r, msg), 0);
    }
    assert_int_equal(aws_report_problem(&r, "b.md:1: why: it said 2:3:"), 0);
    assert_int_equal(aws_report_problem(&r, "b.md:2: why"), 0);
    char *text = report_text(&r);
    assert_int_equal(count_lines_starting(text, "dir:x/a.md:"), 21);
    assert_non_null(strstr(text, "dir:x/a.md:20: why\n"));
    assert_null(strstr(text, "dir:x/a.md:21: why\n"));
    assert_non_null(strstr(text, "\ndir:x/a.md: 5 more unparseable lines not shown\n"
                                 "b.md:1: why: it said 2:3:\nb.md:2: why\n"));
    assert_null(strstr(text, "b.md: "));
    free(text);
    aws_report_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keep_from_database, setup, aws_dbdir_teardown),
        cmocka_unit_test_setup_teardown(test_keep_without_database, setup, aws_dbdir_teardown),
        cmocka_unit_test(test_stored_form_read_back),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_report_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
