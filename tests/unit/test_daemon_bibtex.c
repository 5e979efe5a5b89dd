/* test_daemon_bibtex.c - BibTeX records and keys from stored entries.
 *
 * Each case packs a stored-form map the way the indexer does
 * (docs/stored-form.md), formats it and checks the key and the fields a
 * reference manager reads.  No database is involved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "bibtex.h"

/* A stored entry under construction; every string field may be NULL for
 * nil, and AUTHORS/CATEGORIES end with NULL. */
typedef struct entry_spec {
    const char *id, *kind, *title, *url;
    const char *const *authors;
    const char *const *categories;
    int year; /* 0: nil */
} entry_spec_t;

static void pack_strv(msgpack_packer *pk, const char *const *v)
{
    size_t n = 0;
    while (v != NULL && v[n] != NULL)
        n++;
    msgpack_pack_array(pk, n);
    for (size_t i = 0; i < n; i++) {
        msgpack_pack_str(pk, strlen(v[i]));
        msgpack_pack_str_body(pk, v[i], strlen(v[i]));
    }
}

static void pack_kv(msgpack_packer *pk, const char *key, const char *value)
{
    msgpack_pack_str(pk, strlen(key));
    msgpack_pack_str_body(pk, key, strlen(key));
    if (value == NULL) {
        msgpack_pack_nil(pk);
        return;
    }
    msgpack_pack_str(pk, strlen(value));
    msgpack_pack_str_body(pk, value, strlen(value));
}

/* Formats SPEC; the caller frees *KEY and *TEXT. */
static void format(const entry_spec_t *spec, char **key, char **text)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 7);
    pack_kv(&pk, "id", spec->id);
    pack_kv(&pk, "kind", spec->kind);
    pack_kv(&pk, "title", spec->title);
    pack_kv(&pk, "url", spec->url);
    msgpack_pack_str(&pk, 7);
    msgpack_pack_str_body(&pk, "authors", 7);
    pack_strv(&pk, spec->authors);
    msgpack_pack_str(&pk, 10);
    msgpack_pack_str_body(&pk, "categories", 10);
    pack_strv(&pk, spec->categories);
    msgpack_pack_str(&pk, 4);
    msgpack_pack_str_body(&pk, "year", 4);
    if (spec->year != 0)
        msgpack_pack_int(&pk, spec->year);
    else
        msgpack_pack_nil(&pk);

    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&u, sb.data, sb.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(aws_bibtex_format(&u.data, key, text), 0);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&sb);
}

/* Every brace in TEXT that is not escaped must pair up. */
static void assert_balanced(const char *text)
{
    int depth = 0;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\\' && (p[1] == '{' || p[1] == '}')) {
            p++;
            continue;
        }
        if (*p == '{')
            depth++;
        if (*p == '}')
            assert_true(--depth >= 0);
    }
    assert_int_equal(depth, 0);
}

static void assert_contains(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("\"%s\" not found in:\n%s", needle, text);
}

static void test_paper(void **state)
{
    (void)state;
    const char *authors[] = {"Ke Ye", "Heinrich Jiang", "Afshin Rostamizadeh", NULL};
    const char *cats[] = {"cs.CL", "cs.LG", NULL};
    entry_spec_t e = {
        .id = "2401.13160", .kind = "paper",
        .title = "SpacTor-T5: Pre-training T5 Models with Span Corruption",
        .url = "https://arxiv.org/abs/2401.13160",
        .authors = authors, .categories = cats, .year = 2024,
    };
    char *key, *text;
    format(&e, &key, &text);
    assert_string_equal(key, "ye2024spactor");
    assert_true(strncmp(text, "@article{ye2024spactor,\n", 24) == 0);
    assert_contains(text, "  author = {Ke Ye and Heinrich Jiang and Afshin Rostamizadeh},\n");
    /* Words whose case matters are braced, so that sentence-case styles
     * keep them; "Pre-training" and "Models" are left to the style. */
    assert_contains(text, "  title = {{SpacTor-T5}: Pre-training {T5} Models with Span Corruption},\n");
    assert_contains(text, "  year = {2024},\n");
    assert_contains(text, "  eprint = {2401.13160},\n");
    assert_contains(text, "  archivePrefix = {arXiv},\n");
    assert_contains(text, "  primaryClass = {cs.CL},\n");
    assert_contains(text, "  journal = {arXiv preprint arXiv:2401.13160},\n");
    assert_contains(text, "  url = {https://arxiv.org/abs/2401.13160},\n");
    assert_true(text[strlen(text) - 1] == '\n');
    assert_balanced(text);
    free(key);
    free(text);
}

static void test_title_case_protection(void **state)
{
    (void)state;
    static const struct {
        const char *title, *field;
    } cases[] = {
        {"Mixtral of Experts", "  title = {Mixtral of Experts},\n"},
        {"The Pile: An 800GB Dataset", "  title = {The Pile: An {800GB} Dataset},\n"},
        {"MoE-Mamba and LLMs beat GPT-3.5.", "  title = {{MoE-Mamba} and {LLMs} beat {GPT-3.5}.},\n"},
        {"R&D on {x}_y for T5", "  title = {R\\&D on \\{x\\}\\_y for {T5}},\n"},
        {"Ünreasonable QLoRA", "  title = {Ünreasonable {QLoRA}},\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        entry_spec_t e = {.id = "2401.00001", .kind = "paper", .title = cases[i].title,
                          .year = 2024};
        char *key, *text;
        format(&e, &key, &text);
        assert_contains(text, cases[i].field);
        assert_balanced(text);
        free(key);
        free(text);
    }
}

static void test_key_skips_stop_words_and_folds_accents(void **state)
{
    (void)state;
    const char *a1[] = {"Leo Gao", NULL};
    entry_spec_t e1 = {.id = "2101.00027", .kind = "paper",
                       .title = "The Pile: An 800GB Dataset of Diverse Text",
                       .authors = a1, .year = 2020};
    const char *a2[] = {"Thomas M\xc3\xbcller", NULL};
    entry_spec_t e2 = {.id = "2301.00001", .kind = "paper",
                       .title = "\"On\" the Ünreasonable Scaling", .authors = a2,
                       .year = 2023};
    const char *a3[] = {"Ye, Ke", NULL};
    entry_spec_t e3 = {.id = "2401.13160", .kind = "paper", .title = "A",
                       .authors = a3, .year = 0};
    char *key, *text;

    format(&e1, &key, &text);
    assert_string_equal(key, "gao2020pile");
    free(key);
    free(text);

    format(&e2, &key, &text);
    assert_string_equal(key, "muller2023unreasonable");
    assert_contains(text, "author = {Thomas M\xc3\xbcller}");
    free(key);
    free(text);

    /* "Last, First" names key by the part before the comma; a title made
     * of stop words and a missing year leave just the name. */
    format(&e3, &key, &text);
    assert_string_equal(key, "ye");
    assert_true(strstr(text, "year =") == NULL);
    free(key);
    free(text);
}

static void test_escaping(void **state)
{
    (void)state;
    const char *authors[] = {"A_B {Team}", NULL};
    entry_spec_t e = {.id = "2402.00001", .kind = "paper",
                      .title = "50% of {C} & D_x #1 $ ~ ^ \\ line\nbreak",
                      .url = "https://example.org/a b{c}", .authors = authors,
                      .year = 2024};
    char *key, *text;
    format(&e, &key, &text);
    assert_string_equal(key, "team202450");
    assert_contains(text, "title = {50\\% of \\{C\\} \\& D\\_x \\#1 \\$ "
                          "\\textasciitilde{} \\textasciicircum{} "
                          "\\textbackslash{} line break}");
    assert_contains(text, "author = {A\\_B \\{Team\\}}");
    assert_contains(text, "url = {https://example.org/a%20b%7Bc%7D}");
    assert_balanced(text);
    free(key);
    free(text);
}

static void test_repo_and_link(void **state)
{
    (void)state;
    entry_spec_t repo = {.id = "huggingface/transformers", .kind = "repo",
                         .title = "Transformers",
                         .url = "https://github.com/huggingface/transformers"};
    entry_spec_t link = {.id = "https://www.deepspeed.ai/tutorials/",
                         .kind = "link", .title = "DeepSpeed tutorials",
                         .url = "https://www.deepspeed.ai/tutorials/"};
    char *key, *text;

    format(&repo, &key, &text);
    assert_string_equal(key, "huggingfacetransformers");
    assert_true(strncmp(text, "@misc{huggingfacetransformers,\n", 31) == 0);
    assert_contains(text, "  note = {GitHub repository},\n");
    assert_contains(text, "  howpublished = {\\url{https://github.com/huggingface/transformers}},\n");
    assert_true(strstr(text, "eprint") == NULL);
    assert_true(strstr(text, "author") == NULL);
    assert_balanced(text);
    free(key);
    free(text);

    format(&link, &key, &text);
    assert_string_equal(key, "deepspeeddeepspeed");
    assert_true(strncmp(text, "@misc{", 6) == 0);
    assert_true(strstr(text, "GitHub") == NULL);
    assert_balanced(text);
    free(key);
    free(text);
}

/* A stored string is not NUL-terminated: a link id that ends in "e:" with
 * "//host/" right after it in memory must key by "e", not read on into the
 * bytes that follow it (which once made the key "host"). */
static void test_link_id_stays_in_bounds(void **state)
{
    (void)state;
    char *buf = malloc(7);
    assert_non_null(buf);
    memcpy(buf, "e://ho/", 7);
    msgpack_object_kv kv[2];
    memset(kv, 0, sizeof kv);
    kv[0].key.type = MSGPACK_OBJECT_STR;
    kv[0].key.via.str.ptr = "id";
    kv[0].key.via.str.size = 2;
    kv[0].val.type = MSGPACK_OBJECT_STR;
    kv[0].val.via.str.ptr = buf;
    kv[0].val.via.str.size = 2; /* "e:" */
    kv[1].key.type = MSGPACK_OBJECT_STR;
    kv[1].key.via.str.ptr = "kind";
    kv[1].key.via.str.size = 4;
    kv[1].val.type = MSGPACK_OBJECT_STR;
    kv[1].val.via.str.ptr = "link";
    kv[1].val.via.str.size = 4;
    msgpack_object entry;
    memset(&entry, 0, sizeof entry);
    entry.type = MSGPACK_OBJECT_MAP;
    entry.via.map.size = 2;
    entry.via.map.ptr = kv;

    char *key, *text;
    assert_int_equal(aws_bibtex_format(&entry, &key, &text), 0);
    assert_string_equal(key, "e");
    free(key);
    free(text);
    free(buf);
}

static void test_nothing_known(void **state)
{
    (void)state;
    entry_spec_t e = {.id = NULL, .kind = NULL, .title = NULL};
    char *key, *text;
    format(&e, &key, &text);
    assert_string_equal(key, "anon");
    assert_string_equal(text, "@misc{anon,\n}\n");
    free(key);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper),
        cmocka_unit_test(test_title_case_protection),
        cmocka_unit_test(test_key_skips_stop_words_and_folds_accents),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_repo_and_link),
        cmocka_unit_test(test_link_id_stays_in_bounds),
        cmocka_unit_test(test_nothing_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
