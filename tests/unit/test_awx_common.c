/* test_awx_common.c - temporary databases and a small corpus for the shim's tests. */
/* nftw is an X/Open function. */
#define _XOPEN_SOURCE 700

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test_awx_common.h"

const corpus_entry_t corpus[] = {
    {"2401.04088", AWX_KIND_PAPER, "Mixtral of Experts",
     {"Albert Q. Jiang", "Alexandre Sablayrolles"},
     "We introduce Mixtral 8x7B (a <tiny> & fast model), a Sparse Mixture of Experts "
     "language model. Each layer routes every token to two experts.",
     {"Mixture of Experts"}, 2024, 500, true, "cs.LG"},
    {"2101.03961", AWX_KIND_PAPER,
     "Switch Transformers: Scaling to Trillion Parameter Models with Simple and "
     "Efficient Sparsity",
     {"William Fedus", "Barret Zoph", "Noam Shazeer"},
     "Mixture of experts models select different parameters for each example. "
     "We simplify the routing algorithm and reduce communication costs.",
     {"Mixture of Experts", "Scaling Laws"}, 2021, 1500, true, "cs.LG"},
    {"2203.02155", AWX_KIND_PAPER,
     "Training language models to follow instructions with human feedback",
     {"Long Ouyang", "Jeff Wu"},
     "We fine-tune language models with reinforcement learning from human feedback "
     "(RLHF) so that they follow instructions.",
     {"Alignment"}, 2022, 3000, false, "cs.CL"},
    {"2305.18290", AWX_KIND_PAPER,
     "Direct Preference Optimization: Your Language Model is Secretly a Reward Model",
     {"Rafael Rafailov", "Archit Sharma"},
     "DPO optimizes the policy directly from preferences, without the reward model "
     "and reinforcement learning loop of RLHF.",
     {"Alignment"}, 2023, 800, true, "cs.LG"},
    {"2001.08361", AWX_KIND_PAPER, "Scaling Laws for Neural Language Models",
     {"Jared Kaplan", "Sam McCandlish"},
     "We study empirical scaling laws for language model performance on the "
     "cross-entropy loss, across model size, dataset size and compute.",
     {"Scaling Laws"}, 2020, -1, false, "cs.LG"},
    {"huggingface/trl", AWX_KIND_REPO, "huggingface/trl", {NULL},
     "Train transformer language models with reinforcement learning.",
     {"Alignment"}, 0, -1, true, NULL},
    {"https://example.com/blog/distillation", AWX_KIND_LINK,
     "Knowledge distillation explained", {NULL}, NULL,
     {"Distillation"}, 0, -1, false, NULL},
    {"2402.00001", AWX_KIND_PAPER, "大语言模型 survey",
     {"Jean-François Kagy", "Ada Smith"},
     "A survey of large language models: 大语言模型的综述 covers pretraining.",
     {"Surveys"}, 2024, 3, false, "cs.CL"},
    {"2310.00002", AWX_KIND_PAPER, "Distilling step-by-step",
     {"Cheng-Yu Hsieh", "John Smithson"},
     "Knowledge distillation trains smaller models that outperform larger ones.",
     {"Distillation"}, 2023, 10, false, "cs.CL"},
};
const size_t corpus_len = sizeof corpus / sizeof corpus[0];

static size_t count_list(const char *const *v, size_t max)
{
    size_t n = 0;
    while (n < max && v[n])
        n++;
    return n;
}

void corpus_doc(const corpus_entry_t *e, const char *digest, awx_doc_t *doc)
{
    static const char *none[1] = {NULL};
    memset(doc, 0, sizeof *doc);
    doc->id = e->id;
    doc->kind = e->kind;
    doc->title = e->title;
    doc->authors = e->authors;
    doc->n_authors = count_list(e->authors, 4);
    doc->abstract = e->abstract;
    doc->sections = e->sections;
    doc->n_sections = count_list(e->sections, 3);
    doc->subsections = none;
    doc->n_subsections = 0;
    doc->categories = &e->category;
    doc->n_categories = e->category ? 1 : 0;
    doc->year = e->year;
    doc->citations = e->citations;
    doc->has_code = e->has_code;
    doc->data = e->id;
    doc->data_len = strlen(e->id);
    doc->digest = digest;
}

const corpus_entry_t *corpus_find(const char *id)
{
    for (size_t i = 0; i < corpus_len; i++)
        if (strcmp(corpus[i].id, id) == 0)
            return &corpus[i];
    return NULL;
}

char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/test_awx.XXXXXX", base && *base ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char *copy = strdup(dir);
    assert_non_null(copy);
    return copy;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void remove_tree(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

void corpus_build(const char *path)
{
    awx_db_t *db = NULL;
    char *err = NULL;
    assert_int_equal(awx_db_open(path, AWX_OPEN_WRITE, 0, &db, &err), AWX_OK);
    for (size_t i = 0; i < corpus_len; i++) {
        awx_doc_t doc;
        corpus_doc(&corpus[i], NULL, &doc);
        assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    }
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);
}

const char *hit_id(const awx_results_t *r, size_t i)
{
    static char buf[512];
    const awx_hit_t *h = awx_results_hit(r, i);
    assert_non_null(h);
    assert_true(h->data_len < sizeof buf);
    memcpy(buf, h->data, h->data_len);
    buf[h->data_len] = '\0';
    return buf;
}

bool has_hit(const awx_results_t *r, const char *id)
{
    for (size_t i = 0; i < awx_results_count(r); i++)
        if (strcmp(hit_id(r, i), id) == 0)
            return true;
    return false;
}

awx_results_t *run_query(awx_db_t *db, const char *q)
{
    awx_query_t query = {.q = q, .limit = 100};
    awx_results_t *r = NULL;
    awx_status_t st = awx_db_search(db, &query, &r);
    if (st != AWX_OK)
        fail_msg("query \"%s\": %s: %s", q, awx_status_to_string(st), awx_db_last_error(db));
    assert_non_null(r);
    return r;
}

size_t count_hits(awx_db_t *db, const char *q)
{
    awx_results_t *r = run_query(db, q);
    size_t n = awx_results_count(r);
    awx_results_free(r);
    return n;
}

int fixture_group_setup(void **state)
{
    awx_fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->dir = temp_dir();
    snprintf(f->path, sizeof f->path, "%s/db", f->dir);
    *state = f;
    return 0;
}

int fixture_corpus_setup(void **state)
{
    fixture_group_setup(state);
    awx_fixture_t *f = *state;
    corpus_build(f->path);
    f->db = open_ok(f->path, AWX_OPEN_READ);
    return 0;
}

int fixture_group_teardown(void **state)
{
    awx_fixture_t *f = *state;
    awx_db_close(f->db);
    remove_tree(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

int fixture_reset(void **state)
{
    awx_fixture_t *f = *state;
    remove_tree(f->dir);
    assert_int_equal(mkdir(f->dir, 0700), 0);
    return 0;
}

awx_db_t *fixture_db(void **state)
{
    return ((awx_fixture_t *)*state)->db;
}

awx_db_t *open_ok(const char *path, awx_open_mode_t mode)
{
    awx_db_t *db = NULL;
    char *err = NULL;
    awx_status_t st = awx_db_open(path, mode, 0, &db, &err);
    if (st != AWX_OK)
        fail_msg("open %s: %s", path, err ? err : awx_status_to_string(st));
    assert_null(err);
    return db;
}
