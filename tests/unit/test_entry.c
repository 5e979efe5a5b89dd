/* test_entry.c - unit tests for indexer/entry.c: string vectors, merging
 * two listings of one item, the stored form and the hit record (read back
 * with msgpack-c's own unpacker, so the test does not trust the packer it
 * checks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "entry.h"

static void push(aws_strv_t *sv, const char *s)
{
    assert_int_equal(aws_strv_push(sv, s, strlen(s)), 0);
}

/* A paper entry as the parser would make it. */
static aws_entry_t *make_paper(void)
{
    aws_entry_t *e = calloc(1, sizeof *e);
    assert_non_null(e);
    e->kind = AWS_ENTRY_PAPER;
    e->id = strdup("2401.13160");
    e->title = strdup("SpacTor-T5");
    push(&e->authors, "Ke Ye");
    push(&e->authors, "Jean-Fran\xc3\xa7ois Kagy");
    push(&e->sections, "Pretrain");
    push(&e->subsections, "");
    e->year = 2024;
    e->citations = -1;
    e->url = strdup("https://arxiv.org/abs/2401.13160");
    push(&e->links, "http://arxiv.org/pdf/2401.13160v1.pdf");
    e->source = strdup("list.md:25");
    return e;
}

static void test_strv(void **state)
{
    (void)state;
    aws_strv_t sv = {NULL, 0, 0};
    for (int i = 0; i < 100; i++)
        push(&sv, i % 2 ? "odd" : "even");
    assert_int_equal(sv.n, 100);
    assert_true(aws_strv_contains(&sv, "odd"));
    assert_false(aws_strv_contains(&sv, "three"));
    assert_int_equal(aws_strv_push_unique(&sv, "odd"), 0);
    assert_int_equal(sv.n, 100);
    assert_int_equal(aws_strv_push_unique(&sv, "three"), 0);
    assert_int_equal(sv.n, 101);
    /* LEN bytes are copied, not up to a NUL. */
    assert_int_equal(aws_strv_push(&sv, "abcdef", 3), 0);
    assert_string_equal(sv.v[101], "abc");
    aws_strv_free(&sv);
    assert_null(sv.v);
    assert_int_equal(sv.n, 0);
}

static void test_kind_names(void **state)
{
    (void)state;
    assert_string_equal(aws_entry_kind_name(AWS_ENTRY_PAPER), "paper");
    assert_string_equal(aws_entry_kind_name(AWS_ENTRY_REPO), "repo");
    assert_string_equal(aws_entry_kind_name(AWS_ENTRY_LINK), "link");
}

static void test_merge(void **state)
{
    (void)state;
    aws_entry_t *a = make_paper();
    aws_entry_t *b = make_paper();
    /* The second listing: another section and subsection, one new link,
     * a citation count and a code link. */
    aws_strv_free(&b->sections);
    aws_strv_free(&b->subsections);
    push(&b->sections, "Scaling");
    push(&b->subsections, "Other");
    push(&b->links, "https://github.com/o/n");
    b->citations = 12;
    b->has_code = true;
    b->abstract = strdup("An abstract.");

    assert_int_equal(aws_entry_merge(a, b), 0);
    assert_int_equal(a->sections.n, 2);
    assert_string_equal(a->sections.v[1], "Scaling");
    assert_int_equal(a->subsections.n, 2);
    assert_string_equal(a->subsections.v[0], "");
    assert_string_equal(a->subsections.v[1], "Other");
    assert_int_equal(a->links.n, 2);
    assert_int_equal(a->citations, 12);
    assert_true(a->has_code);
    assert_string_equal(a->abstract, "An abstract.");
    assert_string_equal(a->source, "list.md:25");
    assert_int_equal(a->authors.n, 2);

    /* Merging the same listing again changes nothing. */
    assert_int_equal(aws_entry_merge(a, b), 0);
    assert_int_equal(a->sections.n, 2);
    assert_int_equal(a->links.n, 2);

    /* The same section under another subsection is a new listing. */
    aws_strv_free(&b->subsections);
    push(&b->subsections, "Survey");
    assert_int_equal(aws_entry_merge(a, b), 0);
    assert_int_equal(a->sections.n, 3);
    assert_string_equal(a->subsections.v[2], "Survey");

    aws_entry_free(a);
    aws_entry_free(b);
    aws_entry_free(NULL);
}

/* Finds KEY in the map O, failing the test when it is absent. */
static const msgpack_object *get(const msgpack_object *o, const char *key)
{
    assert_int_equal(o->type, MSGPACK_OBJECT_MAP);
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen(key)
            && memcmp(kv->key.via.str.ptr, key, kv->key.via.str.size) == 0)
            return &kv->val;
    }
    fail_msg("key %s missing from the stored form", key);
    return NULL;
}

static void assert_str(const msgpack_object *o, const char *want)
{
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    assert_int_equal(o->via.str.size, strlen(want));
    assert_memory_equal(o->via.str.ptr, want, strlen(want));
}

static void test_pack(void **state)
{
    (void)state;
    aws_entry_t *e = make_paper();
    push(&e->sections, "Scaling");
    push(&e->subsections, "Other");
    char *buf;
    size_t len;
    assert_int_equal(aws_entry_pack(e, &buf, &len), 0);

    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&u, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, len);
    const msgpack_object *m = &u.data;
    assert_int_equal(m->via.map.size, 17);
    assert_str(get(m, "id"), "2401.13160");
    assert_str(get(m, "kind"), "paper");
    assert_str(get(m, "title"), "SpacTor-T5");
    const msgpack_object *authors = get(m, "authors");
    assert_int_equal(authors->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(authors->via.array.size, 2);
    assert_str(&authors->via.array.ptr[1], "Jean-Fran\xc3\xa7ois Kagy");
    assert_int_equal(get(m, "abstract")->type, MSGPACK_OBJECT_NIL);
    assert_str(get(m, "section"), "Pretrain");
    assert_int_equal(get(m, "sections")->via.array.size, 2);
    /* The first listing had no subsection; the stored list holds only the
     * real one. */
    assert_int_equal(get(m, "subsection")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(m, "subsections")->via.array.size, 1);
    assert_str(&get(m, "subsections")->via.array.ptr[0], "Other");
    assert_int_equal(get(m, "year")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(get(m, "year")->via.u64, 2024);
    assert_int_equal(get(m, "citations")->type, MSGPACK_OBJECT_NIL);
    assert_str(get(m, "url"), "https://arxiv.org/abs/2401.13160");
    assert_int_equal(get(m, "links")->via.array.size, 1);
    assert_int_equal(get(m, "has_code")->type, MSGPACK_OBJECT_BOOLEAN);
    assert_false(get(m, "has_code")->via.boolean);
    assert_int_equal(get(m, "categories")->via.array.size, 0);
    assert_int_equal(get(m, "published")->type, MSGPACK_OBJECT_NIL);
    assert_str(get(m, "source"), "list.md:25");
    msgpack_unpacked_destroy(&u);

    /* Known citations and a repo. */
    e->citations = 0;
    e->kind = AWS_ENTRY_REPO;
    e->has_code = true;
    char *buf2;
    size_t len2;
    assert_int_equal(aws_entry_pack(e, &buf2, &len2), 0);
    msgpack_unpacked_init(&u);
    off = 0;
    assert_int_equal(msgpack_unpack_next(&u, buf2, len2, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(get(&u.data, "citations")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(get(&u.data, "citations")->via.u64, 0);
    assert_str(get(&u.data, "kind"), "repo");
    assert_true(get(&u.data, "has_code")->via.boolean);
    msgpack_unpacked_destroy(&u);

    free(buf);
    free(buf2);
    aws_entry_free(e);
}

static void test_pack_empty_entry(void **state)
{
    (void)state;
    /* A zeroed entry still packs every key: strings as "", lists empty. */
    aws_entry_t e;
    memset(&e, 0, sizeof e);
    e.citations = -1;
    char *buf;
    size_t len;
    assert_int_equal(aws_entry_pack(&e, &buf, &len), 0);
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&u, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_str(get(&u.data, "id"), "");
    assert_int_equal(get(&u.data, "section")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(&u.data, "year")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    free(buf);
}

/* The keys of the hit record, in docs/stored-form.md's order. */
static const char *const hit_keys[] = {"id", "kind", "title", "authors",
                                       "year", "section", "url", "citations"};
#define N_HIT_KEYS (sizeof hit_keys / sizeof hit_keys[0])

/* Unpacks E's hit record into U, asserting that it is one map of exactly
 * the eight hit keys, each once, with nothing after it.  U points into
 * *BUF, which the caller frees after destroying U. */
static void unpack_hit(const aws_entry_t *e, msgpack_unpacked *u, char **bufp)
{
    char *buf;
    size_t len, off = 0;
    assert_int_equal(aws_entry_pack_hit(e, &buf, &len), 0);
    *bufp = buf;
    msgpack_unpacked_init(u);
    assert_int_equal(msgpack_unpack_next(u, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, len);
    const msgpack_object *m = &u->data;
    assert_int_equal(m->type, MSGPACK_OBJECT_MAP);
    assert_int_equal(m->via.map.size, N_HIT_KEYS);
    /* Exactly the hit's keys in the hit's order: the daemon copies a
     * record in that order as it is (daemon/hit.c), and takes a slower
     * path for any other. */
    for (size_t k = 0; k < N_HIT_KEYS; k++) {
        const msgpack_object *key = &m->via.map.ptr[k].key;
        assert_int_equal(key->type, MSGPACK_OBJECT_STR);
        if (key->via.str.size != strlen(hit_keys[k]) ||
            memcmp(key->via.str.ptr, hit_keys[k], key->via.str.size) != 0)
            fail_msg("key %zu of the hit record is not %s", k, hit_keys[k]);
    }
}

/* Asserts that every hit key of E's hit record has the value the stored
 * form gives it: a hit shows what a get would. */
static void assert_hit_matches_stored(const aws_entry_t *e)
{
    msgpack_unpacked hit, full;
    char *hit_buf, *buf;
    unpack_hit(e, &hit, &hit_buf);
    size_t len, off = 0;
    assert_int_equal(aws_entry_pack(e, &buf, &len), 0);
    msgpack_unpacked_init(&full);
    assert_int_equal(msgpack_unpack_next(&full, buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    for (size_t k = 0; k < N_HIT_KEYS; k++)
        if (!msgpack_object_equal(*get(&hit.data, hit_keys[k]), *get(&full.data, hit_keys[k])))
            fail_msg("hit key %s differs from the stored form", hit_keys[k]);
    msgpack_unpacked_destroy(&hit);
    msgpack_unpacked_destroy(&full);
    free(hit_buf);
    free(buf);
}

static void test_pack_hit(void **state)
{
    (void)state;
    aws_entry_t *e = make_paper();
    push(&e->sections, "Scaling");
    e->abstract = strdup("Not in the hit record.");
    msgpack_unpacked u;
    char *buf;
    unpack_hit(e, &u, &buf);
    const msgpack_object *m = &u.data;
    assert_str(get(m, "id"), "2401.13160");
    assert_str(get(m, "kind"), "paper");
    assert_str(get(m, "title"), "SpacTor-T5");
    const msgpack_object *authors = get(m, "authors");
    assert_int_equal(authors->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(authors->via.array.size, 2);
    assert_str(&authors->via.array.ptr[0], "Ke Ye");
    assert_str(&authors->via.array.ptr[1], "Jean-Fran\xc3\xa7ois Kagy");
    assert_int_equal(get(m, "year")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(get(m, "year")->via.u64, 2024);
    /* The first section only. */
    assert_str(get(m, "section"), "Pretrain");
    assert_str(get(m, "url"), "https://arxiv.org/abs/2401.13160");
    assert_int_equal(get(m, "citations")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    free(buf);
    assert_hit_matches_stored(e);

    /* A repo: no year, no section, citations known (zero is a count). */
    e->kind = AWS_ENTRY_REPO;
    e->year = 0;
    e->citations = 0;
    aws_strv_free(&e->sections);
    unpack_hit(e, &u, &buf);
    assert_str(get(&u.data, "kind"), "repo");
    assert_int_equal(get(&u.data, "year")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(&u.data, "section")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(&u.data, "citations")->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(get(&u.data, "citations")->via.u64, 0);
    msgpack_unpacked_destroy(&u);
    free(buf);
    assert_hit_matches_stored(e);

    /* A link with a count past 32 bits. */
    e->kind = AWS_ENTRY_LINK;
    e->citations = 5000000000L;
    unpack_hit(e, &u, &buf);
    assert_str(get(&u.data, "kind"), "link");
    assert_int_equal(get(&u.data, "citations")->via.u64, 5000000000ULL);
    msgpack_unpacked_destroy(&u);
    free(buf);
    assert_hit_matches_stored(e);
    aws_entry_free(e);

    /* A zeroed entry: strings "", no authors, nil for the unknowns. */
    aws_entry_t z;
    memset(&z, 0, sizeof z);
    z.citations = -1;
    unpack_hit(&z, &u, &buf);
    assert_str(get(&u.data, "id"), "");
    assert_str(get(&u.data, "title"), "");
    assert_str(get(&u.data, "url"), "");
    assert_int_equal(get(&u.data, "authors")->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(get(&u.data, "authors")->via.array.size, 0);
    assert_int_equal(get(&u.data, "year")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(&u.data, "section")->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(get(&u.data, "citations")->type, MSGPACK_OBJECT_NIL);
    msgpack_unpacked_destroy(&u);
    free(buf);
    assert_hit_matches_stored(&z);
}

static void test_digest(void **state)
{
    (void)state;
    char a[17], b[17], c[17];
    aws_entry_digest("", 0, a);
    /* FNV-1a 64 of the empty input is its offset basis. */
    assert_string_equal(a, "cbf29ce484222325");
    aws_entry_digest("a", 1, b);
    assert_string_equal(b, "af63dc4c8601ec8c");

    aws_entry_t *e = make_paper();
    char *p1, *p2;
    size_t l1, l2;
    assert_int_equal(aws_entry_pack(e, &p1, &l1), 0);
    assert_int_equal(aws_entry_pack(e, &p2, &l2), 0);
    aws_entry_digest(p1, l1, a);
    aws_entry_digest(p2, l2, b);
    assert_string_equal(a, b);
    free(p2);
    e->citations = 3;
    assert_int_equal(aws_entry_pack(e, &p2, &l2), 0);
    aws_entry_digest(p2, l2, c);
    assert_string_not_equal(a, c);
    free(p1);
    free(p2);
    aws_entry_free(e);
}

static void test_clear(void **state)
{
    (void)state;
    aws_entry_t *e = make_paper();
    aws_entry_clear(e);
    assert_null(e->id);
    assert_null(e->title);
    assert_int_equal(e->authors.n, 0);
    assert_int_equal(e->citations, -1);
    aws_entry_clear(e);
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strv),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_pack),
        cmocka_unit_test(test_pack_empty_entry),
        cmocka_unit_test(test_pack_hit),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
