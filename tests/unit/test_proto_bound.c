/* test_proto_bound.c - unit tests of the limits proto/'s reader enforces.
 *
 * Nesting, declared lengths, message size and the element budget, each at
 * and just past its limit; hostile headers (a 5-byte message declaring 4
 * billion elements) must be refused before msgpack-c is asked to unpack
 * anything, which the wrapped unpacker counts (test_proto_support.h), and a
 * 2 MiB message before it is all buffered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"
#include "test_proto_support.h"

typedef proto_fixture_t fixture_t;

/* ------------------------------------------------------------ nesting */

static void test_depth_limit(void **state)
{
    fixture_t *f = *state;
    /* AWS_RPC_MAX_DEPTH containers, the innermost empty: accepted. */
    for (unsigned i = 0; i + 1 < AWS_RPC_MAX_DEPTH; i++)
        msgpack_pack_array(&f->pk, 1);
    msgpack_pack_array(&f->pk, 0);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    msgpack_object *obj;
    assert_int_equal(aws_rpc_reader_next(f->r, &obj, NULL), AWS_RPC_MESSAGE);
    for (unsigned i = 0; i + 1 < AWS_RPC_MAX_DEPTH; i++) {
        assert_int_equal(obj->type, MSGPACK_OBJECT_ARRAY);
        obj = &obj->via.array.ptr[0];
    }
    assert_int_equal(obj->via.array.size, 0);

    /* One more level, even of maps, is refused before msgpack-c sees it. */
    unpack_calls = 0;
    msgpack_sbuffer_clear(&f->sb);
    for (unsigned i = 0; i < AWS_RPC_MAX_DEPTH; i++) {
        msgpack_pack_map(&f->pk, 1);
        msgpack_pack_nil(&f->pk);
    }
    msgpack_pack_array(&f->pk, 0);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    expect_next(f->r, AWS_RPC_ERR_MALFORMED, "nested deeper than 16");
    assert_int_equal(unpack_calls, 0);
}

/* ------------------------------------------------------------ sizes */

/* 0xdd 0xff 0xff 0xff 0xff: five bytes declaring a 4-billion-element array.
 * msgpack-c would allocate 4G * sizeof(msgpack_object) at the header; the
 * reader refuses it without ever calling msgpack-c's unpacker. */
static void test_huge_array_header(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(aws_rpc_reader_feed(f->r, "\xdd\xff\xff\xff\xff", 5), 0);
    expect_next(f->r, AWS_RPC_ERR_TOO_LARGE, "an array of 4294967295 elements would take");
    expect_next(f->r, AWS_RPC_ERR_TOO_LARGE, "byte 0:");
    assert_int_equal(unpack_calls, 0);
}

static void test_huge_map_header_nested(void **state)
{
    fixture_t *f = *state;
    msgpack_pack_array(&f->pk, 4);
    msgpack_pack_uint8(&f->pk, 0);
    msgpack_pack_uint32(&f->pk, 31);
    aws_rpc_pack_str(&f->pk, "search");
    msgpack_pack_array(&f->pk, 1);
    size_t at = f->sb.size;
    msgpack_sbuffer_write(&f->sb, "\xdf\x7f\xff\xff\xff", 5);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    char want[64];
    snprintf(want, sizeof(want), "byte %zu: a map of 2147483647 pairs", at);
    expect_next(f->r, AWS_RPC_ERR_TOO_LARGE, want);
    assert_int_equal(unpack_calls, 0);
    /* The msgid was read before the bad header: too_large can name it. */
    uint32_t msgid = 0;
    assert_true(aws_rpc_reader_error_msgid(f->r, &msgid));
    assert_int_equal(msgid, 31);
}

/* Each pending element needs a byte: an array16 of 98 elements cannot fit
 * in a 100-byte message after 5 bytes of headers, small as 98 is. */
static void test_declared_count_against_limit(void **state)
{
    (void)state;
    aws_rpc_reader_t *r = aws_rpc_reader_new(100);
    assert_non_null(r);
    aws_rpc_reader_set_max_elements(r, 1000);
    assert_int_equal(aws_rpc_reader_feed(r, "\x92\x01\xdc\x00\x62", 5), 0);
    /* [1, array of 98]: 5 header bytes + 97 more elements + 1 = 103 > 100. */
    msgpack_object *obj;
    const char *why = NULL;
    assert_int_equal(aws_rpc_reader_next(r, &obj, &why), AWS_RPC_ERR_TOO_LARGE);
    assert_non_null(strstr(why, "an array of 98 elements"));
    aws_rpc_reader_free(r);

    r = aws_rpc_reader_new(100);
    assert_non_null(r);
    aws_rpc_reader_set_max_elements(r, 1000);
    /* [1, array of 95 nils] is 3 + 2 + 95 = 100 bytes: exactly the limit. */
    char msg[100] = "\x92\x01\xdc\x00\x5f";
    memset(msg + 5, 0xc0, 95);
    assert_int_equal(aws_rpc_reader_feed(r, msg, sizeof(msg)), 0);
    assert_int_equal(aws_rpc_reader_next(r, &obj, &why), AWS_RPC_MESSAGE);
    assert_int_equal(obj->via.array.ptr[1].via.array.size, 95);
    aws_rpc_reader_free(r);
}

static void test_string_exactly_at_limit(void **state)
{
    (void)state;
    char msg[66];
    memset(msg, 'a', sizeof(msg));
    aws_rpc_reader_t *r = aws_rpc_reader_new(64);
    assert_non_null(r);
    msg[0] = (char)0xd9; /* str8 of 62 bytes: 64 in all */
    msg[1] = 62;
    assert_int_equal(aws_rpc_reader_feed(r, msg, 64), 0);
    msgpack_object *obj;
    const char *why = NULL;
    assert_int_equal(aws_rpc_reader_next(r, &obj, &why), AWS_RPC_MESSAGE);
    assert_int_equal(obj->via.str.size, 62);
    msg[1] = 63; /* one byte more than fits */
    assert_int_equal(aws_rpc_reader_feed(r, msg, 2), 0);
    assert_int_equal(aws_rpc_reader_next(r, &obj, &why), AWS_RPC_ERR_TOO_LARGE);
    assert_non_null(strstr(why, "byte 64: a string of 63 bytes"));
    aws_rpc_reader_free(r);
}

/* A request whose q is a 2 MiB string is refused at the string's header,
 * long before the 2 MiB arrive, and its msgid is still known. */
static void test_two_mib_string(void **state)
{
    fixture_t *f = *state;
    size_t big = 2u * 1024 * 1024;
    char *q = malloc(big);
    assert_non_null(q);
    memset(q, 'q', big);
    msgpack_pack_array(&f->pk, 4);
    msgpack_pack_uint8(&f->pk, 0);
    msgpack_pack_uint32(&f->pk, 77);
    aws_rpc_pack_str(&f->pk, "search");
    msgpack_pack_array(&f->pk, 1);
    msgpack_pack_map(&f->pk, 1);
    aws_rpc_pack_key(&f->pk, "q");
    msgpack_pack_str(&f->pk, big);
    msgpack_pack_str_body(&f->pk, q, big);
    free(q);

    size_t fed = 0;
    aws_rpc_next_t rc = AWS_RPC_NEED_MORE;
    const char *why = NULL;
    while (fed < f->sb.size && rc == AWS_RPC_NEED_MORE) {
        size_t n = f->sb.size - fed < 4096 ? f->sb.size - fed : 4096;
        assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data + fed, n), 0);
        fed += n;
        rc = aws_rpc_reader_next(f->r, NULL, &why);
    }
    assert_int_equal(rc, AWS_RPC_ERR_TOO_LARGE);
    assert_int_equal(fed, 4096);
    assert_non_null(strstr(why, "a string of 2097152 bytes"));
    uint32_t msgid = 0;
    assert_true(aws_rpc_reader_error_msgid(f->r, &msgid));
    assert_int_equal(msgid, 77);
    assert_int_equal(unpack_calls, 0);
}

/* Packs a request [0, 9, "search", [N elements]] of about 2 MiB, each
 * element a nine-byte integer (INTS) or a four-byte string. */
static void pack_two_mib(msgpack_packer *pk, msgpack_sbuffer *sb, bool ints)
{
    unsigned n = ints ? 240000 : 500000;
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    msgpack_pack_uint32(pk, 9);
    aws_rpc_pack_str(pk, "search");
    msgpack_pack_array(pk, n);
    for (unsigned i = 0; i < n; i++) {
        if (ints)
            msgpack_pack_fix_uint64(pk, i);
        else
            aws_rpc_pack_str(pk, "abc");
    }
    assert_true(sb->size > 2u * 1000 * 1000);
}

/* Feeds F's stream in 64 KiB reads until the reader refuses it; that must
 * happen by the end of the first read past the limit, before the message
 * is all buffered, and before msgpack-c is asked to unpack any of it. */
static const char *feed_until_refused(fixture_t *f)
{
    size_t fed = 0;
    aws_rpc_next_t rc = AWS_RPC_NEED_MORE;
    const char *why = NULL;
    while (fed < f->sb.size && rc == AWS_RPC_NEED_MORE) {
        size_t n = f->sb.size - fed < 65536 ? f->sb.size - fed : 65536;
        assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data + fed, n), 0);
        fed += n;
        rc = aws_rpc_reader_next(f->r, NULL, &why);
    }
    assert_int_equal(rc, AWS_RPC_ERR_TOO_LARGE);
    assert_true(fed <= AWS_RPC_MAX_MESSAGE + 65536);
    assert_true(aws_rpc_reader_buffered(f->r) <= AWS_RPC_MAX_MESSAGE + 65536);
    assert_int_equal(unpack_calls, 0);
    uint32_t msgid = 0;
    assert_true(aws_rpc_reader_error_msgid(f->r, &msgid));
    assert_int_equal(msgid, 9);
    return why;
}

/* 500000 four-byte strings: each string header is modest, but the elements
 * still owed need a byte each, so a string header is refused as soon as the
 * message could no longer end within the limit. */
static void test_two_mib_of_small_strings(void **state)
{
    fixture_t *f = *state;
    aws_rpc_reader_set_max_elements(f->r, SIZE_MAX);
    pack_two_mib(&f->pk, &f->sb, false);
    const char *why = feed_until_refused(f);
    assert_non_null(strstr(why, "a string of 3 bytes would take the message "
                                "past the 1048576-byte limit"));
}

/* 240000 nine-byte integers: no header declares anything, so the message
 * is refused by its running length as soon as it passes 1 MiB. */
static void test_two_mib_of_integers(void **state)
{
    fixture_t *f = *state;
    aws_rpc_reader_set_max_elements(f->r, SIZE_MAX);
    pack_two_mib(&f->pk, &f->sb, true);
    const char *why = feed_until_refused(f);
    assert_non_null(strstr(why, "runs past the 1048576-byte limit"));
}

/* 1 MiB of one-byte nils would cost msgpack-c 24 MiB of objects: the
 * element budget (1 MiB / 16 = 65536 by default) refuses it at the header,
 * counting every container of the message. */
static void test_element_budget(void **state)
{
    fixture_t *f = *state;
    size_t budget = aws_rpc_reader_default_elements(AWS_RPC_MAX_MESSAGE);
    assert_int_equal(budget, 65536);
    assert_int_equal(aws_rpc_reader_default_elements(100), 64);

    /* Exactly the budget: accepted. */
    msgpack_pack_array(&f->pk, (uint32_t)budget);
    for (size_t i = 0; i < budget; i++)
        msgpack_pack_nil(&f->pk);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    msgpack_object *obj;
    assert_int_equal(aws_rpc_reader_next(f->r, &obj, NULL), AWS_RPC_MESSAGE);
    assert_int_equal(obj->via.array.size, budget);
    assert_int_equal(unpack_calls, 1);

    /* Over it, spread over a map and an array: refused at the array, whose
     * offset counts from the start of the stream. */
    size_t first = f->sb.size;
    msgpack_sbuffer_clear(&f->sb);
    msgpack_pack_array(&f->pk, 2);
    msgpack_pack_map(&f->pk, 20000);
    for (int i = 0; i < 20000; i++) {
        msgpack_pack_int(&f->pk, i);
        msgpack_pack_nil(&f->pk);
    }
    size_t at = f->sb.size;
    msgpack_pack_array(&f->pk, 30000);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    char want[96];
    snprintf(want, sizeof(want), "byte %zu: an array of 30000 elements would "
             "take the message past 65536 elements", first + at);
    expect_next(f->r, AWS_RPC_ERR_TOO_LARGE, want);
    assert_int_equal(unpack_calls, 1);
}

/* A 1 MiB message is allowed, and the limit is per message, not per
 * stream: two of them in a row both come through. */
static void test_limit_is_per_message(void **state)
{
    fixture_t *f = *state;
    size_t body = AWS_RPC_MAX_MESSAGE - 5; /* bin32 header: 5 bytes */
    char *blob = calloc(1, body);
    assert_non_null(blob);
    for (int i = 0; i < 2; i++) {
        msgpack_pack_bin(&f->pk, body);
        msgpack_pack_bin_body(&f->pk, blob, body);
    }
    free(blob);
    assert_int_equal(f->sb.size, 2 * AWS_RPC_MAX_MESSAGE);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    msgpack_object *obj;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(aws_rpc_reader_next(f->r, &obj, NULL), AWS_RPC_MESSAGE);
        assert_int_equal(obj->type, MSGPACK_OBJECT_BIN);
        assert_int_equal(obj->via.bin.size, body);
    }
    expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
}

/* Only the msgid of a request is offered: a notification has none. */
static void test_error_msgid_needs_request(void **state)
{
    fixture_t *f = *state;
    msgpack_pack_array(&f->pk, 3);
    msgpack_pack_uint8(&f->pk, 2);
    msgpack_pack_uint32(&f->pk, 44);
    msgpack_sbuffer_write(&f->sb, "\xdd\xff\xff\xff\xff", 5);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    expect_next(f->r, AWS_RPC_ERR_TOO_LARGE, NULL);
    assert_false(aws_rpc_reader_error_msgid(f->r, NULL));
}

/* A msgid in a signed format counts when it is not negative (msgpack-c
 * reads it as a positive integer too), and not when it is. */
static void test_error_msgid_signed_formats(void **state)
{
    (void)state;
    static const struct {
        const char *head;
        size_t len;
        bool known;
        uint32_t msgid;
    } cases[] = {
        {"\x94\x00\xd0\x05", 4, true, 5},
        {"\x94\x00\xd1\x01\x00", 5, true, 256},
        {"\x94\x00\xd0\xfb", 4, false, 0},
        {"\x94\x00\xd3\xff\xff\xff\xff\xff\xff\xff\xff", 11, false, 0},
        {"\x94\x00\xcf\x00\x00\x00\x01\x00\x00\x00\x00", 11, false, 0},
        {"\x94\x00\xce\xff\xff\xff\xff", 7, true, UINT32_MAX},
        {"\x94\x01\x07", 3, false, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aws_rpc_reader_t *r = aws_rpc_reader_new(0);
        assert_non_null(r);
        assert_int_equal(aws_rpc_reader_feed(r, cases[i].head, cases[i].len), 0);
        assert_int_equal(aws_rpc_reader_feed(r, "\xa0\xdd\xff\xff\xff\xff", 6),
                         0);
        assert_int_equal(aws_rpc_reader_next(r, NULL, NULL),
                         AWS_RPC_ERR_TOO_LARGE);
        uint32_t msgid = 0;
        assert_int_equal(aws_rpc_reader_error_msgid(r, &msgid), cases[i].known);
        assert_int_equal(msgid, cases[i].msgid);
        aws_rpc_reader_free(r);
    }
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_depth_limit, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_huge_array_header, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_huge_map_header_nested, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_declared_count_against_limit, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_string_exactly_at_limit, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_two_mib_string, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_two_mib_of_small_strings, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_two_mib_of_integers, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_element_budget, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_limit_is_per_message, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_error_msgid_needs_request, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_error_msgid_signed_formats, proto_setup,
                                        proto_teardown),
    };
    return cmocka_run_group_tests_name("proto bound", tests, NULL, NULL);
}
