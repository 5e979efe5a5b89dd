/* test_awx_spelling.c - "Did you mean": only an absent word, only by a word the index has.
 *
 * The corpus below reproduces, in a few entries, each query a new user
 * found "corrected" wrongly on the bundled list: a word present only in
 * its possessive or stemmed form, an author's name, wildcards, excluded
 * words, CJK text, a pasted URL.  Every row of the table is one query and
 * the suggestion it must give (NULL: none).
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

typedef struct spell_entry {
    const char *id;
    awx_kind_t kind;
    const char *title;
    const char *author; /* NULL: none */
    const char *abstract;
    const char *section;
} spell_entry_t;

/* "real" is in two entries, so that Xapian's choice for "react" (two edits
 * from "real" and from "react's") was "real", as the user saw. */
static const spell_entry_t entries[] = {
    {"2001.00001", AWX_KIND_PAPER, "Karpathy's neural network lectures", NULL,
     "These lectures inspired many an implementation; the form of each network is "
     "drawn as a block, with distillation.",
     "Tutorials"},
    {"2101.03961", AWX_KIND_PAPER, "Switch transformers", "Noam Shazeer",
     "Experts shared across layers give scaling laws for a mixture of experts "
     "in the real world.",
     "Scaling Laws"},
    {"2210.03629", AWX_KIND_PAPER, "ReAct's agents", NULL,
     "Agents that reason and act in the real world.", "Agents"},
    {"https://example.com/cjk", AWX_KIND_LINK, "论文精读", NULL, "李沐 reads papers.",
     "Courses"},
    {"https://huggingface.co/blog/moe/", AWX_KIND_LINK, "Mixture of Experts Explained",
     NULL, "A com post from the huggingface team over https.", "Blogs"},
};

/* Query -> the suggestion it must give, NULL for none.  The comment says
 * what the shim gave before (as the user reported it). */
static const struct {
    const char *q;
    const char *want;
} cases[] = {
    /* Present as "karpathy's" and stemmed "karpathi": was karpathy's. */
    {"karpathy", NULL},
    /* Present as typed: was karpathy's's (the apostrophe split the word). */
    {"karpathy's", NULL},
    {"Karpathy\xe2\x80\x99s", NULL},
    /* Present stemmed (inspired, implementation): were corrected. */
    {"inspire", NULL},
    {"implementations", NULL},
    /* Wildcards stay as typed: was *form. */
    {"*former", NULL},
    {"transfo*", NULL},
    /* Author names are spelling data: was "shared"; the capital is kept. */
    {"Shazer", "Shazeer"},
    {"shazer", "shazeer"},
    /* Excluded words are never corrected: was -laws; the other word is. */
    {"scaling -lawz", NULL},
    {"scalling -lawz", "scaling -lawz"},
    {"scaling NOT lawz", NULL},
    {"scaling AND NOT (lawz OR mixtrue)", NULL},
    {"(lawz OR mixtrue) NOT scaling", "(laws OR mixture) NOT scaling"},
    /* A word the index has (as "react's", stemmed "react"): was real agent. */
    {"react agent", NULL},
    /* CJK and other non-Latin text: was 文精. */
    {"kind:link 论文精读", NULL},
    {"论文精", NULL},
    {"трансформер", NULL},
    /* URLs, ids, field values and numbers: was huggingface.com/block. */
    {"https://huggingface.co/blog/moe/", NULL},
    {"huggingface.co/blog", NULL},
    {"experts https://huggingface.co/blog/ (moe)", NULL},
    {"mixtrue <https://huggingface.co/blog/>", "mixture <https://huggingface.co/blog/>"},
    {"id:2101.03961", NULL},
    {"kind:lnk", NULL},
    {"has:cdoe", NULL},
    {"section:Scalling", NULL},
    {"year:2021", NULL},
    {"citations:10..", NULL},
    {"2101 experts", NULL},
    {"gpt4 mixtrue", "gpt4 mixture"},
    /* Operators are never corrected, lower-case "not" is a word. */
    {"experts OR mixtrue", "experts OR mixture"},
    /* Only the absent word is replaced; the rest stays byte for byte. */
    {"mixtrue  of  experts", "mixture  of  experts"},
    {"+mixtrue (experts)", "+mixture (experts)"},
    {"\"mixtrue of experts\"", "\"mixture of experts\""},
    {"mixture-of-expetrs", "mixture-of-experts"},
    /* Found only through its stem, as "distillation" is, yet no form of
     * a word the index has: a typo. */
    {"distilation", "distillation"},
    /* Nothing absent, nothing suggested. */
    {"mixture of experts", NULL},
    {"Agents", NULL},
    /* A stop word is never suggested: the query drops it anyway. */
    {"teh mixtrue", "teh mixture"},
    /* Too short to guess at (an acronym more likely than a typo). */
    {"xq", NULL},
};

static void put_entry(awx_db_t *db, const spell_entry_t *e)
{
    const char *authors[1] = {e->author};
    const char *sections[1] = {e->section};
    awx_doc_t doc = {
        .id = e->id,
        .kind = e->kind,
        .title = e->title,
        .authors = authors,
        .n_authors = e->author ? 1 : 0,
        .abstract = e->abstract,
        .sections = sections,
        .n_sections = e->section ? 1 : 0,
        .citations = -1,
        .data = e->id,
        .data_len = strlen(e->id),
    };
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
}

static void put_entries(const char *path)
{
    awx_db_t *db = open_ok(path, AWX_OPEN_WRITE);
    for (size_t i = 0; i < sizeof entries / sizeof entries[0]; i++)
        put_entry(db, &entries[i]);
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);
}

/* The suggestion for Q on the database at PATH (NULL: none), in BUF. */
static const char *suggestion(const char *path, const char *q, char *buf, size_t size)
{
    awx_db_t *db = open_ok(path, AWX_OPEN_READ);
    awx_results_t *r = run_query(db, q);
    const char *got = awx_results_corrected(r);
    if (got)
        snprintf(buf, size, "%s", got);
    awx_results_free(r);
    awx_db_close(db);
    return got ? buf : NULL;
}

static int setup(void **state)
{
    fixture_group_setup(state);
    awx_fixture_t *f = *state;
    put_entries(f->path);
    f->db = open_ok(f->path, AWX_OPEN_READ);
    return 0;
}

static void test_corrections(void **state)
{
    awx_db_t *db = fixture_db(state);
    int bad = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        awx_results_t *r = run_query(db, cases[i].q);
        const char *got = awx_results_corrected(r);
        const char *want = cases[i].want;
        if (want ? !got || strcmp(got, want) != 0 : got != NULL) {
            print_error("query \"%s\": suggested %s%s%s, want %s%s%s\n", cases[i].q,
                        got ? "\"" : "", got ? got : "none", got ? "\"" : "",
                        want ? "\"" : "", want ? want : "none", want ? "\"" : "");
            bad++;
        }
        awx_results_free(r);
    }
    assert_int_equal(bad, 0);
}

/* The words the table says are present really are found, so "no
 * suggestion" for them is not merely a search that failed. */
static void test_present_words_are_found(void **state)
{
    awx_db_t *db = fixture_db(state);
    const char *present[] = {"karpathy", "karpathy's", "inspire", "implementations",
                             "react", "Shazeer", "scaling", "论文精读", "agents"};
    for (size_t i = 0; i < sizeof present / sizeof present[0]; i++)
        if (count_hits(db, present[i]) == 0)
            fail_msg("\"%s\" finds nothing", present[i]);
}

/* A word only a deleted entry had is no longer suggested. */
static void test_deleted_words_are_not_suggested(void **state)
{
    awx_fixture_t *f = *state;
    char path[4200];
    snprintf(path, sizeof path, "%s/deleted", f->dir);
    put_entries(path);
    awx_db_t *w = open_ok(path, AWX_OPEN_WRITE);
    assert_int_equal(awx_db_delete(w, "2101.03961"), AWX_OK);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    awx_db_close(w);
    awx_db_t *db = open_ok(path, AWX_OPEN_READ);
    awx_results_t *r = run_query(db, "Shazer");
    const char *got = awx_results_corrected(r);
    if (got)
        fail_msg("\"Shazer\" after its entry was deleted: suggested \"%s\"", got);
    awx_results_free(r);
    awx_db_close(db);
}

/* Replaced and deleted entries take their words out of the spelling data,
 * so a word they made the likeliest suggestion stops hiding the next one:
 * "Shazeer" of three entries, then of none, gives way to "Shazier". */
static void test_replaced_words_leave_the_spelling_data(void **state)
{
    awx_fixture_t *f = *state;
    char path[4200], buf[256];
    snprintf(path, sizeof path, "%s/churn", f->dir);
    const spell_entry_t shazeer[] = {
        {"c1", AWX_KIND_PAPER, "Sparse routing", "Noam Shazeer", NULL, NULL},
        {"c2", AWX_KIND_PAPER, "Dense routing", "Noam Shazeer", NULL, NULL},
        {"c3", AWX_KIND_PAPER, "Expert routing", "Noam Shazeer", NULL, NULL},
        {"c4", AWX_KIND_PAPER, "Token routing", "Ann Shazier", NULL, NULL},
    };
    const spell_entry_t c1_again = {"c1", AWX_KIND_PAPER, "Sparse routing", "Noam Other",
                                    NULL, NULL};
    awx_db_t *w = open_ok(path, AWX_OPEN_WRITE);
    for (size_t i = 0; i < 4; i++)
        put_entry(w, &shazeer[i]);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    const char *got = suggestion(path, "Shazer", buf, sizeof buf);
    assert_non_null(got);
    assert_string_equal(got, "Shazeer");

    /* Replaced in one transaction, deleted outside one. */
    assert_int_equal(awx_db_begin(w), AWX_OK);
    put_entry(w, &c1_again);
    assert_int_equal(awx_db_delete(w, "c2"), AWX_OK);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    assert_int_equal(awx_db_delete(w, "c3"), AWX_OK);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    got = suggestion(path, "Shazer", buf, sizeof buf);
    if (!got || strcmp(got, "Shazier") != 0)
        fail_msg("\"Shazer\" with Shazeer gone: suggested %s, want Shazier", got ? got : "none");

    /* An entry put and replaced before any commit counts once. */
    const spell_entry_t c5 = {"c5", AWX_KIND_PAPER, "Routing", "Noam Shazeer", NULL, NULL};
    const spell_entry_t c5_again = {"c5", AWX_KIND_PAPER, "Routing", "Noam Shazeer", NULL,
                                    "Routers"};
    put_entry(w, &c5);
    put_entry(w, &c5_again);
    assert_int_equal(awx_db_delete(w, "c5"), AWX_OK);
    assert_int_equal(awx_db_commit(w), AWX_OK);
    awx_db_close(w);
    got = suggestion(path, "Shazer", buf, sizeof buf);
    if (!got || strcmp(got, "Shazier") != 0)
        fail_msg("\"Shazer\" after c5 came and went: suggested %s, want Shazier",
                 got ? got : "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corrections),
        cmocka_unit_test(test_present_words_are_found),
        cmocka_unit_test(test_deleted_words_are_not_suggested),
        cmocka_unit_test(test_replaced_words_leave_the_spelling_data),
    };
    return cmocka_run_group_tests(tests, setup, fixture_group_teardown);
}
