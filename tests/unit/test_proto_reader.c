/* test_proto_reader.c - unit tests of proto/'s stream reader: framing.
 *
 * Streams are built with msgpack-c's packer (or written byte by byte where
 * the bytes themselves are the point) and fed whole, in slices, one byte at
 * a time, and through the zero-copy reserve/consumed pair; messages must
 * come out whole, in order, never early, and bad bytes must stop the stream
 * after the messages before them.  The limits are test_proto_bound's.  The
 * mocks at the msgpack-c seam are described in test_proto_support.h.
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

/* ------------------------------------------------------------ framing */

static void test_one_message(void **state)
{
    fixture_t *f = *state;
    pack_ping(&f->pk, 7);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    expect_msgid(f->r, 7);
    assert_int_equal(aws_rpc_reader_offset(f->r), f->sb.size);
    expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
    assert_int_equal(aws_rpc_reader_buffered(f->r), 0);
}

static void test_byte_at_a_time(void **state)
{
    fixture_t *f = *state;
    size_t ends[3];
    for (uint32_t i = 0; i < 3; i++) {
        pack_ping(&f->pk, 100 + i);
        ends[i] = f->sb.size;
    }
    uint32_t got = 0;
    for (size_t b = 0; b < f->sb.size; b++) {
        assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data + b, 1), 0);
        if (b + 1 == ends[got]) {
            expect_msgid(f->r, 100 + got);
            assert_int_equal(aws_rpc_reader_offset(f->r), ends[got]);
            got++;
        }
        /* No message may appear before its last byte. */
        expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
    }
    assert_int_equal(got, 3);
    assert_int_equal(unpack_calls, 3);
}

static void test_many_in_one_feed(void **state)
{
    fixture_t *f = *state;
    for (uint32_t i = 0; i < 5000; i++)
        pack_ping(&f->pk, i);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    for (uint32_t i = 0; i < 5000; i++)
        expect_msgid(f->r, i);
    expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
    assert_int_equal(aws_rpc_reader_offset(f->r), f->sb.size);
}

/* The zero-copy path the daemon uses from libuv's alloc_cb and read_cb,
 * with reads of awkward sizes. */
static void test_reserve_consumed(void **state)
{
    fixture_t *f = *state;
    for (uint32_t i = 0; i < 300; i++)
        pack_ping(&f->pk, i);
    uint32_t want = 0;
    size_t at = 0, step = 1;
    while (at < f->sb.size) {
        char *buf;
        size_t cap;
        assert_int_equal(aws_rpc_reader_reserve(f->r, 13, &buf, &cap), 0);
        assert_true(cap >= 13);
        size_t n = step < cap ? step : cap;
        if (n > f->sb.size - at)
            n = f->sb.size - at;
        memcpy(buf, f->sb.data + at, n);
        aws_rpc_reader_consumed(f->r, n);
        at += n;
        step = step * 7 % 101 + 1;
        msgpack_object *obj;
        while (aws_rpc_reader_next(f->r, &obj, NULL) == AWS_RPC_MESSAGE)
            assert_int_equal(obj->via.array.ptr[1].via.u64, want++);
    }
    assert_int_equal(want, 300);
}

/* Random slicing of a stream of every msgpack type, in every width, must
 * give back exactly what was packed: the scanner and msgpack-c agree on
 * where each message ends. */
static void pack_every_type(msgpack_packer *pk)
{
    static char blob[70000];
    memset(blob, 'x', sizeof(blob));
    const size_t str_sizes[] = {0, 31, 32, 255, 256, 65535, 65536};
    const size_t ext_sizes[] = {1, 2, 3, 4, 8, 16, 17, 255, 256, 65536};

    msgpack_pack_array(pk, 15);
    msgpack_pack_nil(pk);
    msgpack_pack_true(pk);
    msgpack_pack_false(pk);
    msgpack_pack_array(pk, 12);
    msgpack_pack_fix_uint8(pk, 200);
    msgpack_pack_fix_uint16(pk, 60000);
    msgpack_pack_fix_uint32(pk, 4000000000u);
    msgpack_pack_fix_uint64(pk, UINT64_MAX);
    msgpack_pack_fix_int8(pk, -100);
    msgpack_pack_fix_int16(pk, -30000);
    msgpack_pack_fix_int32(pk, -2000000000);
    msgpack_pack_fix_int64(pk, INT64_MIN);
    msgpack_pack_fix_int8(pk, 5);
    msgpack_pack_int(pk, -1);
    msgpack_pack_int(pk, 127);
    msgpack_pack_int(pk, -32);
    msgpack_pack_float(pk, 1.5f);
    msgpack_pack_double(pk, -2.25);
    msgpack_pack_array(pk, 7);
    for (size_t i = 0; i < 7; i++) {
        msgpack_pack_str(pk, str_sizes[i]);
        msgpack_pack_str_body(pk, blob, str_sizes[i]);
    }
    msgpack_pack_array(pk, 7);
    for (size_t i = 0; i < 7; i++) {
        msgpack_pack_bin(pk, str_sizes[i]);
        msgpack_pack_bin_body(pk, blob, str_sizes[i]);
    }
    msgpack_pack_array(pk, 10);
    for (size_t i = 0; i < 10; i++)
        msgpack_pack_ext_with_body(pk, blob, ext_sizes[i], (int8_t)i);
    msgpack_pack_map(pk, 16);
    for (int i = 0; i < 16; i++) {
        msgpack_pack_int(pk, i);
        msgpack_pack_array(pk, 0);
    }
    msgpack_pack_map(pk, 0);
    msgpack_pack_array(pk, 16);
    for (int i = 0; i < 16; i++)
        msgpack_pack_nil(pk);
    msgpack_pack_map(pk, 1);
    aws_rpc_pack_key(pk, "k");
    msgpack_pack_map(pk, 1);
    aws_rpc_pack_key(pk, "k");
    msgpack_pack_str(pk, 0);
    msgpack_pack_uint64(pk, 0);
    msgpack_pack_str(pk, 3);
    msgpack_pack_str_body(pk, "end", 3);
}

static void test_every_type_any_slicing(void **state)
{
    fixture_t *f = *state;
    pack_every_type(&f->pk);
    size_t one = f->sb.size;
    pack_every_type(&f->pk);
    pack_ping(&f->pk, 9);

    msgpack_unpacked want;
    msgpack_unpacked_init(&want);
    size_t off = 0;
    assert_int_equal(msgpack_unpack_next(&want, f->sb.data, one, &off),
                     MSGPACK_UNPACK_SUCCESS);

    uint32_t seed = 12345;
    for (int round = 0; round < 20; round++) {
        aws_rpc_reader_t *r = aws_rpc_reader_new(0);
        assert_non_null(r);
        int got = 0;
        size_t at = 0;
        while (at < f->sb.size) {
            seed = seed * 1103515245u + 12345u;
            size_t n = (seed >> 16) % (round < 10 ? 7 : 9000) + 1;
            if (n > f->sb.size - at)
                n = f->sb.size - at;
            assert_int_equal(aws_rpc_reader_feed(r, f->sb.data + at, n), 0);
            at += n;
            msgpack_object *obj;
            const char *why = NULL;
            aws_rpc_next_t rc;
            while ((rc = aws_rpc_reader_next(r, &obj, &why)) == AWS_RPC_MESSAGE) {
                if (got < 2)
                    assert_true(msgpack_object_equal(*obj, want.data));
                else
                    assert_int_equal(obj->via.array.ptr[1].via.u64, 9);
                got++;
            }
            if (rc != AWS_RPC_NEED_MORE)
                fail_msg("round %d: %s", round, why);
        }
        assert_int_equal(got, 3);
        aws_rpc_reader_free(r);
    }
    msgpack_unpacked_destroy(&want);
}

static void test_truncated_needs_more(void **state)
{
    fixture_t *f = *state;
    pack_ping(&f->pk, 1);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size - 1), 0);
    expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
    expect_next(f->r, AWS_RPC_NEED_MORE, NULL);
    assert_int_equal(unpack_calls, 0);
    assert_int_equal(aws_rpc_reader_buffered(f->r), f->sb.size - 1);
}

/* ------------------------------------------------------------ bad bytes */

static void test_c1_is_malformed(void **state)
{
    fixture_t *f = *state;
    pack_ping(&f->pk, 5);
    size_t good = f->sb.size;
    msgpack_sbuffer_write(&f->sb, "\x92\x01\xc1", 3);
    pack_ping(&f->pk, 6);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    /* The message before the bad byte still comes out, then the error,
     * naming the bad byte's offset, for good. */
    expect_msgid(f->r, 5);
    expect_next(f->r, AWS_RPC_ERR_MALFORMED, "0xc1");
    char at[32];
    snprintf(at, sizeof(at), "byte %zu:", good + 2);
    expect_next(f->r, AWS_RPC_ERR_MALFORMED, at);
    assert_int_equal(unpack_calls, 1);
    assert_false(aws_rpc_reader_error_msgid(f->r, NULL));
}

static void test_garbage_after_error_not_buffered(void **state)
{
    fixture_t *f = *state;
    static char junk[256 * 1024];
    memset(junk, 0xc1, sizeof(junk));
    assert_int_equal(aws_rpc_reader_feed(f->r, junk, sizeof(junk)), 0);
    expect_next(f->r, AWS_RPC_ERR_MALFORMED, "byte 0:");
    assert_true(aws_rpc_reader_buffered(f->r) <= 64 * 1024);
}

/* With require_rpc, the first bytes of each message must open a
 * msgpack-RPC envelope; the rest is left to the request validation. */
static void test_rpc_envelope(void **state)
{
    (void)state;
    static const struct {
        const char *bytes;
        size_t len;
        const char *why; /* NULL: a message comes out */
    } cases[] = {
        {"\x94\x00\x07\xa4ping\x90", 9, NULL},
        {"\x94\x01\x07\xc0\xa4pong", 9, NULL},
        {"\x93\x02\xa4ping\x90", 8, NULL},
        /* Longer encodings than needed are still msgpack-RPC. */
        {"\x94\xcc\x00\xcf\0\0\0\0\0\0\0\x07\xa4ping\x90", 18, NULL},
        {"\xdc\x00\x03\xd0\x02\xa4ping\x90", 11, NULL},
        {"\xdd\x00\x00\x00\x04\x00\xd1\x00\x07\x05\x90", 11, NULL},
        /* What follows the msgid is aws_request_parse's to judge. */
        {"\x94\x00\x01\x05\x05", 5, NULL},
        {"\x05", 1, "byte 0: not a msgpack-RPC message: the message is not an "
                   "array (expected [0, msgid, method, params], "
                   "[1, msgid, error, result] or [2, method, params])"},
        {"GET / HTTP/1.1\r\n", 16, "byte 0: not a msgpack-RPC message: the "
                                   "message is not an array"},
        {"\x81\xa1q\xa1x", 5, "byte 0: not a msgpack-RPC message: the message "
                              "is not an array"},
        {"\x92\x00\x01", 3, "byte 0: not a msgpack-RPC message: the array does "
                            "not have 3 or 4 elements"},
        {"\x95\x00", 2, "the array does not have 3 or 4 elements"},
        {"\x90", 1, "the array does not have 3 or 4 elements"},
        {"\x94\xa1x", 3, "byte 1: not a msgpack-RPC message: message[0] is "
                         "not an integer"},
        {"\x94\xc0", 2, "byte 1: not a msgpack-RPC message: message[0] is not "
                        "an integer"},
        {"\x94\x03", 2, "byte 1: not a msgpack-RPC message: message[0] is not "
                        "0 or 1 (4 elements) or 2 (3 elements)"},
        {"\x94\x02", 2, "message[0] is not 0 or 1 (4 elements) or 2"},
        {"\x93\x00", 2, "message[0] is not 0 or 1 (4 elements) or 2"},
        {"\x93\x01", 2, "message[0] is not 0 or 1 (4 elements) or 2"},
        {"\x94\xff", 2, "message[0] is not 0 or 1 (4 elements) or 2"},
        {"\x94\xd0\xfe", 3, "byte 1: not a msgpack-RPC message: message[0]"},
        {"\x94\x00\xa1" "7", 4, "byte 2: not a msgpack-RPC message: the msgid "
                               "is not an integer"},
        {"\x94\x01\xcb", 3, "byte 2: not a msgpack-RPC message: the msgid is "
                           "not an integer"},
        {"\x94\x00\xff", 3, "byte 2: not a msgpack-RPC message: the msgid is "
                           "not an unsigned 32-bit integer"},
        {"\x94\x01\xcf\0\0\0\x01\0\0\0\0", 11, "byte 2: not a msgpack-RPC "
         "message: the msgid is not an unsigned 32-bit integer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aws_rpc_reader_t *r = aws_rpc_reader_new(0);
        assert_non_null(r);
        aws_rpc_reader_require_rpc(r);
        assert_int_equal(aws_rpc_reader_feed(r, cases[i].bytes, cases[i].len),
                         0);
        msgpack_object *obj;
        const char *why = NULL;
        aws_rpc_next_t rc = aws_rpc_reader_next(r, &obj, &why);
        if (cases[i].why == NULL && rc != AWS_RPC_MESSAGE)
            fail_msg("case %zu: %s", i, why);
        if (cases[i].why != NULL
            && (rc != AWS_RPC_ERR_MALFORMED || strstr(why, cases[i].why) == NULL))
            fail_msg("case %zu: got %d '%s'", i, (int)rc, why ? why : "");
        aws_rpc_reader_free(r);
    }

    /* The offset counts from the start of the stream, after the messages
     * that were fine. */
    aws_rpc_reader_t *r = aws_rpc_reader_new(0);
    assert_non_null(r);
    aws_rpc_reader_require_rpc(r);
    assert_int_equal(aws_rpc_reader_feed(r, "\x94\x00\x07\xa4ping\x90\x05", 10),
                     0);
    expect_msgid(r, 7);
    expect_next(r, AWS_RPC_ERR_MALFORMED, "byte 9: not a msgpack-RPC message");
    aws_rpc_reader_free(r);
}

/* Random bytes never keep a require_rpc reader waiting: within a few bytes
 * they fail the envelope (or a limit).  Without the envelope check some
 * would: a first byte 0xda announces a string of up to 64 KiB. */
static void test_rpc_envelope_refuses_random_bytes(void **state)
{
    (void)state;
    static unsigned char junk[4096];
    uint32_t seed = 2024;
    for (int round = 0; round < 500; round++) {
        for (size_t i = 0; i < sizeof(junk); i++) {
            seed = seed * 1664525u + 1013904223u;
            junk[i] = (unsigned char)(seed >> 24);
        }
        aws_rpc_reader_t *r = aws_rpc_reader_new(0);
        assert_non_null(r);
        aws_rpc_reader_require_rpc(r);
        assert_int_equal(aws_rpc_reader_feed(r, junk, sizeof(junk)), 0);
        msgpack_object *obj;
        aws_rpc_next_t rc;
        while ((rc = aws_rpc_reader_next(r, &obj, NULL)) == AWS_RPC_MESSAGE)
            ;
        if (rc == AWS_RPC_NEED_MORE)
            fail_msg("round %d: random bytes left the reader waiting", round);
        aws_rpc_reader_free(r);
    }
}

/* Out of memory growing the buffer: reserve and feed say so, and the
 * reader still works once memory is back. */
static void test_buffer_out_of_memory(void **state)
{
    fixture_t *f = *state;
    char *buf;
    size_t cap;
    static char big[100000];
    expand_fails = true;
    assert_int_equal(aws_rpc_reader_reserve(f->r, sizeof(big), &buf, &cap), -1);
    assert_int_equal(aws_rpc_reader_feed(f->r, big, sizeof(big)), -1);
    expand_fails = false;
    pack_ping(&f->pk, 3);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    expect_msgid(f->r, 3);
}

/* msgpack-c failing on a message the scanner passed: out of memory is
 * ERR_NOMEM, a parse error MALFORMED (the two parsers disagree, so the
 * stream cannot be trusted); both stick, with the message's offset. */
static void test_unpacker_failures(void **state)
{
    fixture_t *f = *state;
    pack_ping(&f->pk, 1);
    pack_ping(&f->pk, 2);
    assert_int_equal(aws_rpc_reader_feed(f->r, f->sb.data, f->sb.size), 0);
    expect_msgid(f->r, 1);
    unpack_fails_with = MSGPACK_UNPACK_NOMEM_ERROR;
    char want[64];
    snprintf(want, sizeof(want), "byte %zu: out of memory", f->sb.size / 2);
    expect_next(f->r, AWS_RPC_ERR_NOMEM, want);
    expect_next(f->r, AWS_RPC_ERR_NOMEM, want);

    aws_rpc_reader_t *r = aws_rpc_reader_new(0);
    assert_non_null(r);
    assert_int_equal(aws_rpc_reader_feed(r, f->sb.data, f->sb.size), 0);
    unpack_fails_with = MSGPACK_UNPACK_PARSE_ERROR;
    msgpack_object *obj;
    const char *why = NULL;
    assert_int_equal(aws_rpc_reader_next(r, &obj, &why), AWS_RPC_ERR_MALFORMED);
    assert_string_equal(why, "byte 0: msgpack-c refused a message the bound "
                             "scanner accepted");
    aws_rpc_reader_free(r);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_envelope),
        cmocka_unit_test(test_rpc_envelope_refuses_random_bytes),
        cmocka_unit_test_setup_teardown(test_one_message, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_byte_at_a_time, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_many_in_one_feed, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_reserve_consumed, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_every_type_any_slicing, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_truncated_needs_more, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_c1_is_malformed, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_garbage_after_error_not_buffered, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_buffer_out_of_memory, proto_setup,
                                        proto_teardown),
        cmocka_unit_test_setup_teardown(test_unpacker_failures, proto_setup,
                                        proto_teardown),
    };
    return cmocka_run_group_tests_name("proto reader", tests, NULL, NULL);
}
