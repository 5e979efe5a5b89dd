/* test_listreal.c - the list parser over the real lists in $AWS_SHARED_DATA
 * (the bundled list and every sibling list), checked against counts made
 * here by a simpler method, plus the repairs the issue names and the
 * stability of the output.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "listparse.h"

/* The parser's promise: every item is an entry, a merge or a skip. */
static void assert_accounted(const aws_list_t *l)
{
    assert_int_equal(l->n_items, l->n_entries + l->n_duplicates + aws_list_skipped(l));
}

static const aws_entry_t *must_find(const aws_list_t *l, const char *id)
{
    const aws_entry_t *e = aws_list_find(l, id);
    if (e == NULL)
        fail_msg("no entry %s", id);
    return e;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Counts the items of a list the simple way: lines that start with '-' but
 * not "--", after the first "## " line.  Distinct ids are counted apart
 * from the parser too: an item's key is the arXiv id after "`arXiv, " or
 * "arxiv.org/abs/" in its first (joined) line, else the text between the
 * first "](" and the next ')', lower-cased when it is a GitHub URL cut to
 * owner/name. */
static void simple_count(const char *text, size_t *items, size_t *distinct)
{
    size_t n_keys = 0, cap = 64;
    char **keys = malloc(cap * sizeof *keys);
    assert_non_null(keys);
    *items = 0;
    bool body = false;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        if (eol == NULL)
            eol = p + strlen(p);
        if (strncmp(p, "## ", 3) == 0)
            body = true;
        if (body && p[0] == '-' && p[1] != '-') {
            (*items)++;
            /* The first line plus its hard-wrapped continuation. */
            const char *end = eol;
            while (end[0] == '\n' && end[1] == ' ' && end[2] == ' ') {
                const char *e2 = strchr(end + 1, '\n');
                end = e2 ? e2 : end + strlen(end);
            }
            char *line = strndup(p, (size_t)(end - p));
            char key[512] = "";
            char *a = strstr(line, "`arXiv, ");
            char *b = strstr(line, "arxiv.org/abs/");
            char *c = strstr(line, "](");
            if (a != NULL) {
                sscanf(a + 8, "%511[0-9.]", key);
            } else if (b != NULL && strncmp(line, "- **", 4) == 0) {
                sscanf(b + 14, "%511[0-9.]", key);
            } else if (c != NULL) {
                char url[512] = "";
                sscanf(c + 2, "%511[^)]", url);
                const char *gh = strstr(url, "github.com/");
                const char *arx = strstr(url, "arxiv.org/abs/");
                if (gh != NULL && gh - url <= 12) {
                    char owner[200] = "", name[200] = "";
                    sscanf(gh + 11, "%199[^/]/%199[^/?#]", owner, name);
                    snprintf(key, sizeof key, "%s/%s", owner, name);
                    for (char *k = key; *k; k++)
                        *k = (char)(*k >= 'A' && *k <= 'Z' ? *k + 32 : *k);
                } else if (arx != NULL) {
                    sscanf(arx + 14, "%511[0-9.]", key);
                } else {
                    memcpy(key, url, sizeof key);
                }
            }
            free(line);
            bool seen = false;
            for (size_t i = 0; i < n_keys && !seen; i++)
                seen = strcmp(keys[i], key) == 0;
            if (!seen && key[0] != '\0') {
                if (n_keys == cap) {
                    cap *= 2;
                    keys = realloc(keys, cap * sizeof *keys);
                    assert_non_null(keys);
                }
                keys[n_keys++] = strdup(key);
            }
        }
        p = *eol ? eol + 1 : eol;
    }
    *distinct = n_keys;
    for (size_t i = 0; i < n_keys; i++)
        free(keys[i]);
    free(keys);
}

/* Parses one real list and checks it against simple_count; returns the
 * parsed list for further checks. */
static void check_real_list(aws_list_t *l, const char *rel)
{
    const char *dir = getenv("AWS_SHARED_DATA");
    if (dir == NULL)
        fail_msg("AWS_SHARED_DATA is not set");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    size_t len, items, distinct;
    char *text = read_all(path, &len);
    simple_count(text, &items, &distinct);
    free(text);

    aws_list_init(l);
    assert_int_equal(aws_list_parse_file(l, path), 0);
    print_message("%s: %zu items, %zu entries, %zu duplicates, %zu problems\n", rel,
                  l->n_items, l->n_entries, l->n_duplicates, l->n_problems);
    assert_int_equal(l->n_items, items);
    assert_int_equal(aws_list_skipped(l), 0);
    assert_int_equal(l->n_entries, distinct);
    assert_accounted(l);

    /* Stable output: every entry has an id, a title and a URL, and packs. */
    for (size_t i = 0; i < l->n_entries; i++) {
        const aws_entry_t *e = l->entries[i];
        assert_true(e->id != NULL && e->id[0] != '\0');
        assert_true(e->title != NULL && e->title[0] != '\0');
        assert_true(e->url != NULL && e->url[0] != '\0');
        assert_true(e->sections.n > 0 && e->sections.n == e->subsections.n);
        if (e->kind == AWS_ENTRY_PAPER)
            assert_int_not_equal(e->year, 0);
        char *buf;
        size_t blen;
        assert_int_equal(aws_entry_pack(e, &buf, &blen), 0);
        free(buf);
    }
}

static void test_real_bundled_list(void **state)
{
    (void)state;
    aws_list_t l;
    check_real_list(&l, "awesome-llm-training.md");
    /* The one problem is the note that mojibake was repaired. */
    assert_int_equal(l.n_problems, 1);
    assert_int_equal(l.problems[0].skipped, 0);
    assert_non_null(strstr(l.problems[0].message, "repaired mojibake"));

    const aws_entry_t *e = must_find(&l, "2401.13160");
    assert_true(aws_strv_contains(&e->authors, "Jean-Fran\xc3\xa7ois Kagy"));
    e = must_find(&l, "https://mp.weixin.qq.com/s?__biz=MzAxMTk4NDkwNw==&mid=2247494110&idx=2"
                      "&sn=52bfbf2d51d1704efc596263bccf23db");
    assert_string_equal(e->title, "\xe8\xb4\xab\xe7\xa9\xb7\xe8\xae\xa9\xe6\x88\x91\xe9\xa2\x84"
                                  "\xe8\xae\xad\xe7\xbb\x83");
    e = must_find(&l, "https://www.bilibili.com/video/BV1xB4y1m7Xi/?spm_id_from=333.788"
                      "&vd_source=1453a06a1e0b377f5c40946333b4423a");
    /* "Pathways 论文精读【论文精读】_哔哩哔哩_bilibili" */
    assert_string_equal(e->title, "Pathways \xe8\xae\xba\xe6\x96\x87\xe7\xb2\xbe\xe8\xaf\xbb"
                                  "\xe3\x80\x90\xe8\xae\xba\xe6\x96\x87\xe7\xb2\xbe\xe8\xaf\xbb"
                                  "\xe3\x80\x91_\xe5\x93\x94\xe5\x93\xa9\xe5\x93\x94\xe5\x93\xa9"
                                  "_bilibili");
    /* The venue item takes its id from the arxiv link. */
    e = must_find(&l, "2304.01373");
    assert_int_equal(e->kind, AWS_ENTRY_PAPER);
    /* No damaged text is left anywhere: "√", "¬∑" and "Ë" appear only in
     * mojibake in this list. */
    for (size_t i = 0; i < l.n_entries; i++) {
        e = l.entries[i];
        assert_null(strstr(e->title, "\xe2\x88\x9a"));
        assert_null(strstr(e->title, "\xc3\x8b"));
        for (size_t j = 0; j < e->authors.n; j++)
            assert_null(strstr(e->authors.v[j], "\xe2\x88\x9a"));
        if (e->abstract != NULL)
            assert_null(strstr(e->abstract, "\xc2\xac\xe2\x88\x91"));
    }
    aws_list_free(&l);
}

static void test_real_sibling_lists(void **state)
{
    (void)state;
    const char *lists[] = {
        "lists/awesome_llm_agents.md",
        "lists/awesome_llm_applications.md",
        "lists/awesome_llm_reasoning.md",
        "lists/awesome_multimod_llm.md",
        "lists/part1_awesome_multimod_llm.md",
    };
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        aws_list_t l;
        check_real_list(&l, lists[i]);
        /* These lists are correct UTF-8: nothing may be "repaired".  The
         * reasoning list has one stray line ("jj") inside an item. */
        for (size_t j = 0; j < l.n_problems; j++) {
            const char *m = l.problems[j].message;
            if (strstr(m, "awesome_llm_reasoning.md:47: stray text \"jj\"") == NULL)
                fail_msg("unexpected problem: %s", m);
        }
        aws_list_free(&l);
    }
}

/* Parsing is a pure function of the text: two parses give byte-identical
 * stored forms, and a list read twice only adds duplicates. */
static void test_stable(void **state)
{
    (void)state;
    aws_list_t a, b;
    check_real_list(&a, "awesome-llm-training.md");
    check_real_list(&b, "awesome-llm-training.md");
    assert_int_equal(a.n_entries, b.n_entries);
    for (size_t i = 0; i < a.n_entries; i++) {
        char *pa, *pb;
        size_t la, lb;
        assert_int_equal(aws_entry_pack(a.entries[i], &pa, &la), 0);
        assert_int_equal(aws_entry_pack(b.entries[i], &pb, &lb), 0);
        assert_int_equal(la, lb);
        assert_memory_equal(pa, pb, la);
        free(pa);
        free(pb);
    }
    size_t entries = b.n_entries, items = b.n_items;
    char path[4096];
    snprintf(path, sizeof path, "%s/awesome-llm-training.md", getenv("AWS_SHARED_DATA"));
    assert_int_equal(aws_list_parse_file(&b, path), 0);
    assert_int_equal(b.n_entries, entries);
    assert_int_equal(b.n_items, 2 * items);
    assert_int_equal(b.n_duplicates, items + (items - entries));
    assert_accounted(&b);
    aws_list_free(&a);
    aws_list_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_bundled_list),
        cmocka_unit_test(test_real_sibling_lists),
        cmocka_unit_test(test_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
