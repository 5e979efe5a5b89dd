/* test_daemon_hit.c - SPEC.md `hit` maps built from stored entries.
 *
 * A hit takes eight fields from the document's stored form and three from
 * the shim's result.  The cases give aws_hit_pack a hand-made awx_hit_t (no
 * database) and read the packed map back with msgpack-c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <msgpack.h>

#include "hit.h"
#include "proto.h"

static void pack_s(msgpack_packer *pk, const char *s)
{
    msgpack_pack_str(pk, strlen(s));
    msgpack_pack_str_body(pk, s, strlen(s));
}

/* The eight key/value pairs of a hit record, in the hit's order (as
 * aws_entry_pack_hit writes them).  YEAR 0 and CITATIONS -1 are nil. */
static void pack_hit_pairs(msgpack_packer *pk, int year, long citations,
                           const char *section)
{
    pack_s(pk, "id");
    pack_s(pk, "2401.04088");
    pack_s(pk, "kind");
    pack_s(pk, "paper");
    pack_s(pk, "title");
    pack_s(pk, "Mixtral of Experts");
    pack_s(pk, "authors");
    msgpack_pack_array(pk, 2);
    pack_s(pk, "Albert Q. Jiang");
    pack_s(pk, "Alexandre Sablayrolles");
    pack_s(pk, "year");
    if (year > 0)
        msgpack_pack_int(pk, year);
    else
        msgpack_pack_nil(pk);
    pack_s(pk, "section");
    if (section != NULL)
        pack_s(pk, section);
    else
        msgpack_pack_nil(pk);
    pack_s(pk, "url");
    pack_s(pk, "https://arxiv.org/abs/2401.04088");
    pack_s(pk, "citations");
    if (citations >= 0)
        msgpack_pack_long(pk, citations);
    else
        msgpack_pack_nil(pk);
}

/* A full stored entry, as the indexer writes it (fewer keys, same kind). */
static void pack_full_entry(msgpack_sbuffer *sb)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 10);
    pack_hit_pairs(&pk, 2024, 912, "Mixture of Experts");
    pack_s(&pk, "abstract");
    pack_s(&pk, "We introduce Mixtral 8x7B.");
    pack_s(&pk, "links");
    msgpack_pack_array(&pk, 0);
}

/* Packs HIT, checks the return code and unpacks the result into U. */
static void pack_and_read(const awx_hit_t *hit, msgpack_sbuffer *out,
                          msgpack_unpacked *u)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    assert_int_equal(aws_hit_pack(&pk, hit), 0);
    size_t off = 0;
    msgpack_unpacked_init(u);
    assert_int_equal(msgpack_unpack_next(u, out->data, out->size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, out->size);
    assert_int_equal(u->data.type, MSGPACK_OBJECT_MAP);
    assert_int_equal(u->data.via.map.size, AWS_HIT_KEYS);
}

static void assert_str(const msgpack_object *map, const char *key,
                       const char *want)
{
    const msgpack_object *o = aws_obj_get(map, key);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    assert_int_equal(o->via.str.size, strlen(want));
    assert_memory_equal(o->via.str.ptr, want, strlen(want));
}

static void assert_uint(const msgpack_object *map, const char *key, uint64_t want)
{
    const msgpack_object *o = aws_obj_get(map, key);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_POSITIVE_INTEGER);
    assert_int_equal(o->via.u64, want);
}

static void assert_nil(const msgpack_object *map, const char *key)
{
    const msgpack_object *o = aws_obj_get(map, key);
    assert_non_null(o);
    assert_int_equal(o->type, MSGPACK_OBJECT_NIL);
}

static void test_full_hit(void **state)
{
    (void)state;
    msgpack_sbuffer data, out;
    msgpack_sbuffer_init(&data);
    msgpack_sbuffer_init(&out);
    pack_full_entry(&data);
    static const awx_span_t spans[] = {{0, 7}, {11, 7}};
    awx_hit_t hit = {
        .docid = 3, .percent = 87, .weight = 12.5,
        .data = data.data, .data_len = data.size,
        .snippet = "Mixture of Experts layers", .highlights = spans,
        .n_highlights = 2,
    };
    msgpack_unpacked u;
    pack_and_read(&hit, &out, &u);
    const msgpack_object *m = &u.data;

    assert_str(m, "id", "2401.04088");
    assert_str(m, "kind", "paper");
    assert_str(m, "title", "Mixtral of Experts");
    assert_str(m, "section", "Mixture of Experts");
    assert_str(m, "url", "https://arxiv.org/abs/2401.04088");
    assert_str(m, "snippet", "Mixture of Experts layers");
    assert_uint(m, "year", 2024);
    assert_uint(m, "citations", 912);
    assert_uint(m, "score", 87);
    const msgpack_object *a = aws_obj_get(m, "authors");
    assert_non_null(a);
    assert_int_equal(a->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(a->via.array.size, 2);
    /* Fields a hit does not carry stay out of it. */
    assert_null(aws_obj_get(m, "abstract"));
    assert_null(aws_obj_get(m, "links"));

    const msgpack_object *h = aws_obj_get(m, "highlights");
    assert_non_null(h);
    assert_int_equal(h->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(h->via.array.size, 2);
    const msgpack_object *second = &h->via.array.ptr[1];
    assert_int_equal(second->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(second->via.array.size, 2);
    assert_int_equal(second->via.array.ptr[0].via.u64, 11);
    assert_int_equal(second->via.array.ptr[1].via.u64, 7);

    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&data);
}

static void test_missing_fields_are_nil(void **state)
{
    (void)state;
    msgpack_sbuffer data, out;
    msgpack_sbuffer_init(&data);
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &data, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 3);
    pack_s(&pk, "id");
    pack_s(&pk, "huggingface/transformers");
    pack_s(&pk, "kind");
    pack_s(&pk, "repo");
    pack_s(&pk, "year");
    msgpack_pack_nil(&pk);

    /* Spans without a snippet mean nothing and are dropped. */
    static const awx_span_t spans[] = {{0, 3}};
    awx_hit_t hit = {.percent = 100, .data = data.data, .data_len = data.size,
                     .snippet = NULL, .highlights = spans, .n_highlights = 1};
    msgpack_unpacked u;
    pack_and_read(&hit, &out, &u);
    const msgpack_object *m = &u.data;
    assert_str(m, "id", "huggingface/transformers");
    assert_str(m, "kind", "repo");
    assert_nil(m, "title");
    assert_nil(m, "authors");
    assert_nil(m, "year");
    assert_nil(m, "section");
    assert_nil(m, "url");
    assert_nil(m, "citations");
    assert_nil(m, "snippet");
    assert_uint(m, "score", 100);
    const msgpack_object *h = aws_obj_get(m, "highlights");
    assert_non_null(h);
    assert_int_equal(h->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(h->via.array.size, 0);

    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&data);
}

/* A hit record as the indexer writes it (aws_entry_pack_hit). */
static void pack_record(msgpack_sbuffer *sb, int year, long citations, const char *section)
{
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    msgpack_pack_map(&pk, 8);
    pack_hit_pairs(&pk, year, citations, section);
}

/* The packed hit of DATA/LEN (with a fixed score and snippet) in OUT;
 * returns aws_hit_pack's result. */
static int pack_hit_of(const void *data, size_t len, msgpack_sbuffer *out)
{
    static const awx_span_t spans[] = {{0, 7}};
    awx_hit_t hit = {.percent = 50, .data = data, .data_len = len,
                     .snippet = "Mixture of Experts", .highlights = spans,
                     .n_highlights = 1};
    msgpack_packer pk;
    msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
    return aws_hit_pack(&pk, &hit);
}

static void test_hit_record(void **state)
{
    (void)state;
    /* A record is copied as it is; the hit must equal the one picked out
     * of the whole stored form, byte for byte. */
    msgpack_sbuffer rec, full, a, b;
    msgpack_sbuffer_init(&rec);
    msgpack_sbuffer_init(&full);
    msgpack_sbuffer_init(&a);
    msgpack_sbuffer_init(&b);
    pack_record(&rec, 2024, 912, "Mixture of Experts");
    pack_full_entry(&full);
    assert_int_equal(pack_hit_of(rec.data, rec.size, &a), 0);
    assert_int_equal(pack_hit_of(full.data, full.size, &b), 0);
    assert_int_equal(a.size, b.size);
    assert_memory_equal(a.data, b.data, a.size);
    msgpack_sbuffer_destroy(&a);
    msgpack_sbuffer_destroy(&b);
    msgpack_sbuffer_destroy(&full);

    /* Nil year, section and citations, and integers past 32 bits. */
    msgpack_sbuffer_clear(&rec);
    pack_record(&rec, 0, -1, NULL);
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_unpacked u;
    awx_hit_t hit = {.percent = 1, .data = rec.data, .data_len = rec.size};
    pack_and_read(&hit, &out, &u);
    assert_nil(&u.data, "year");
    assert_nil(&u.data, "section");
    assert_nil(&u.data, "citations");
    assert_str(&u.data, "title", "Mixtral of Experts");
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_clear(&out);
    msgpack_sbuffer_clear(&rec);
    pack_record(&rec, 2024, 5000000000L, "S");
    hit.data = rec.data;
    hit.data_len = rec.size;
    pack_and_read(&hit, &out, &u);
    assert_uint(&u.data, "citations", 5000000000ULL);
    msgpack_unpacked_destroy(&u);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&rec);
}

static void test_damaged_hit_record(void **state)
{
    (void)state;
    msgpack_sbuffer rec, out;
    msgpack_sbuffer_init(&rec);
    msgpack_sbuffer_init(&out);
    pack_record(&rec, 2024, 912, "Mixture of Experts");
    /* Every truncation is refused (no copy of half a record goes out),
     * and so is a record with a byte too many. */
    for (size_t n = 0; n < rec.size; n++) {
        msgpack_sbuffer_clear(&out);
        assert_int_equal(pack_hit_of(rec.data, n, &out), -1);
    }
    char *longer = malloc(rec.size + 1);
    assert_non_null(longer);
    memcpy(longer, rec.data, rec.size);
    longer[rec.size] = '\0';
    msgpack_sbuffer_clear(&out);
    assert_int_equal(pack_hit_of(longer, rec.size + 1, &out), -1);
    free(longer);

    /* Every single byte changed: either refused, or a whole map of eleven
     * keys (the general path read it), never a broken reply. */
    char *copy = malloc(rec.size);
    assert_non_null(copy);
    for (size_t i = 0; i < rec.size; i++) {
        for (int v = 0; v < 256; v += 7) {
            memcpy(copy, rec.data, rec.size);
            copy[i] = (char)v;
            msgpack_sbuffer_clear(&out);
            int rc = pack_hit_of(copy, rec.size, &out);
            if (rc != 0) {
                assert_int_equal(rc, -1);
                continue;
            }
            msgpack_unpacked u;
            msgpack_unpacked_init(&u);
            size_t off = 0;
            assert_int_equal(msgpack_unpack_next(&u, out.data, out.size, &off),
                             MSGPACK_UNPACK_SUCCESS);
            assert_int_equal(off, out.size);
            assert_int_equal(u.data.type, MSGPACK_OBJECT_MAP);
            assert_int_equal(u.data.via.map.size, AWS_HIT_KEYS);
            msgpack_unpacked_destroy(&u);
        }
    }
    free(copy);
    msgpack_sbuffer_destroy(&out);
    msgpack_sbuffer_destroy(&rec);
}

static void test_damaged_stored_form(void **state)
{
    (void)state;
    msgpack_sbuffer out;
    msgpack_sbuffer_init(&out);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &out, msgpack_sbuffer_write);

    /* Not msgpack at all, an array instead of a map, a map followed by
     * stray bytes, and nothing: each is refused before anything is packed. */
    static const char garbage[] = "\xc1\xc1\xc1";
    static const char array[] = "\x92\x01\x02";
    static const char trailing[] = "\x81\xa2id\xa1x\x00";
    const struct { const char *p; size_t n; } cases[] = {
        {garbage, 3}, {array, 3}, {trailing, 7}, {"", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        awx_hit_t hit = {.data = cases[i].p, .data_len = cases[i].n};
        assert_int_equal(aws_hit_pack(&pk, &hit), -1);
        assert_int_equal(out.size, 0);
    }
    msgpack_sbuffer_destroy(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_hit),
        cmocka_unit_test(test_missing_fields_are_nil),
        cmocka_unit_test(test_damaged_stored_form),
        cmocka_unit_test(test_hit_record),
        cmocka_unit_test(test_damaged_hit_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
