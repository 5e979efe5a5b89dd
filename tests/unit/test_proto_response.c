/* test_proto_response.c - unit tests of response encoding and reading.
 *
 * Responses packed with aws_rpc_pack_result_head / aws_rpc_pack_error must
 * read back through aws_response_parse unchanged; responses in every wrong
 * shape (written as msgpack literals, test_proto_lit.c) must be refused;
 * and the names and object helpers must answer for every value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

/* From test_proto_lit.c. */
void lit_pack(msgpack_packer *pk, const char *lit);

typedef struct fixture {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked msg;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    msgpack_sbuffer_init(&f->sb);
    msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
    msgpack_unpacked_init(&f->msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    msgpack_unpacked_destroy(&f->msg);
    msgpack_sbuffer_destroy(&f->sb);
    free(f);
    return 0;
}

/* Unpacks what F's packer wrote so far (one message) and resets the
 * buffer for the next. */
static const msgpack_object *unpack(fixture_t *f)
{
    size_t off = 0;
    msgpack_unpacked_destroy(&f->msg);
    assert_int_equal(msgpack_unpack_next(&f->msg, f->sb.data, f->sb.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, f->sb.size);
    msgpack_sbuffer_clear(&f->sb);
    return &f->msg.data;
}

static void test_result_round_trip(void **state)
{
    fixture_t *f = *state;
    aws_response_t resp;

    assert_int_equal(aws_rpc_pack_result_head(&f->pk, 4000000000u), 0);
    msgpack_pack_map(&f->pk, 2);
    aws_rpc_pack_key(&f->pk, "total");
    msgpack_pack_uint32(&f->pk, 42);
    aws_rpc_pack_key(&f->pk, "corrected");
    aws_rpc_pack_str(&f->pk, NULL);
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.msgid, 4000000000u);
    assert_int_equal(resp.code, AWS_RPC_OK);
    assert_null(resp.message);
    assert_non_null(resp.result);
    const msgpack_object *total = aws_obj_get(resp.result, "total");
    assert_non_null(total);
    assert_int_equal(total->via.u64, 42);
    const msgpack_object *corrected = aws_obj_get(resp.result, "corrected");
    assert_non_null(corrected);
    assert_int_equal(corrected->type, MSGPACK_OBJECT_NIL);

    /* ping's result is a bare string. */
    assert_int_equal(aws_rpc_pack_result_head(&f->pk, 0), 0);
    aws_rpc_pack_str(&f->pk, "pong");
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.result->type, MSGPACK_OBJECT_STR);
    assert_int_equal(resp.result->via.str.size, 4);
    assert_memory_equal(resp.result->via.str.ptr, "pong", 4);
}

static void test_error_round_trip(void **state)
{
    fixture_t *f = *state;
    aws_response_t resp;

    for (aws_rpc_code_t c = AWS_RPC_BAD_REQUEST; c <= AWS_RPC_UNAVAILABLE; c++) {
        char text[64];
        snprintf(text, sizeof(text), "trouble number %d", (int)c);
        assert_int_equal(aws_rpc_pack_error(&f->pk, 17 + c, c, text), 0);
        const msgpack_object *obj = unpack(f);
        assert_int_equal(aws_response_parse(obj, &resp), 0);
        assert_int_equal(resp.msgid, 17 + c);
        assert_int_equal(resp.code, c);
        assert_int_equal(resp.message_len, strlen(text));
        assert_memory_equal(resp.message, text, resp.message_len);
        /* The wire form is SPEC.md's: {"code": int, "message": str}, nil. */
        const msgpack_object *err = &obj->via.array.ptr[2];
        assert_int_equal(aws_obj_get(err, "code")->via.u64, c);
        assert_int_equal(obj->via.array.ptr[3].type, MSGPACK_OBJECT_NIL);
    }

    /* Without a message, the code's name stands in. */
    assert_int_equal(aws_rpc_pack_error(&f->pk, 1, AWS_RPC_BUSY, NULL), 0);
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.code, AWS_RPC_BUSY);
    assert_int_equal(resp.message_len, 4);
    assert_memory_equal(resp.message, "busy", 4);
}

/* What other msgpack-RPC peers may send: a bare error string, a code this
 * version does not know, an error map without a message. */
static void test_lenient_errors(void **state)
{
    fixture_t *f = *state;
    aws_response_t resp;

    lit_pack(&f->pk, "[1, 3, \"it broke\", nil]");
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.code, AWS_RPC_INTERNAL);
    assert_int_equal(resp.message_len, 8);
    assert_memory_equal(resp.message, "it broke", 8);

    lit_pack(&f->pk, "[1, 3, {\"code\": 42, \"message\": \"new\"}, nil]");
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.code, AWS_RPC_INTERNAL);
    assert_memory_equal(resp.message, "new", 3);

    lit_pack(&f->pk, "[1, 3, {\"code\": 4}, nil]");
    assert_int_equal(aws_response_parse(unpack(f), &resp), 0);
    assert_int_equal(resp.code, AWS_RPC_NOT_FOUND);
    assert_null(resp.message);
    assert_int_equal(resp.message_len, 0);
}

static void test_bad_responses(void **state)
{
    fixture_t *f = *state;
    static const char *const bad[] = {
        "5",
        "[1, 3, nil]",
        "[1, 3, nil, nil, nil]",
        "[0, 3, nil, nil]",
        "[2, 3, nil, nil]",
        "[\"1\", 3, nil, nil]",
        "[1, -3, nil, nil]",
        "[1, 4294967296, nil, nil]",
        "[1, \"3\", nil, nil]",
        "[1, 3, {\"message\": \"no code\"}, nil]",
        "[1, 3, {\"code\": \"1\", \"message\": \"x\"}, nil]",
        "[1, 3, {\"code\": 0, \"message\": \"ok is no error\"}, nil]",
        "[1, 3, {\"code\": -1, \"message\": \"x\"}, nil]",
        "[1, 3, {\"code\": 1, \"message\": 5}, nil]",
        "[1, 3, 7, nil]",
        "[1, 3, [1, \"neovim style\"], nil]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        aws_response_t resp;
        lit_pack(&f->pk, bad[i]);
        if (aws_response_parse(unpack(f), &resp) != -1)
            fail_msg("accepted %s", bad[i]);
    }
    aws_response_t resp;
    assert_int_equal(aws_response_parse(NULL, &resp), -1);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const codes[] = {
        "ok", "bad_request", "unknown_method", "query_syntax", "not_found",
        "too_large", "busy", "internal", "unavailable",
    };
    for (int c = 0; c <= AWS_RPC_UNAVAILABLE; c++)
        assert_string_equal(aws_rpc_code_name((aws_rpc_code_t)c), codes[c]);
    assert_string_equal(aws_rpc_code_name((aws_rpc_code_t)99), "unknown_code");

    static const char *const methods[] = {
        "search", "related", "get", "cite", "suggest", "stats", "ping",
    };
    for (int m = 0; m < AWS_METHOD_COUNT_; m++)
        assert_string_equal(aws_method_name((aws_method_t)m), methods[m]);
    assert_string_equal(aws_method_name(AWS_METHOD_COUNT_), "unknown");
}

static void test_obj_get(void **state)
{
    fixture_t *f = *state;
    lit_pack(&f->pk, "{1: \"int key\", \"qq\": 1, \"q\": 2, bin\"b\": 3, "
                     "\"\": 4}");
    const msgpack_object *map = unpack(f);
    assert_int_equal(aws_obj_get(map, "q")->via.u64, 2);
    assert_int_equal(aws_obj_get(map, "qq")->via.u64, 1);
    assert_int_equal(aws_obj_get(map, "")->via.u64, 4);
    assert_null(aws_obj_get(map, "b"));
    assert_null(aws_obj_get(map, "qqq"));
    assert_null(aws_obj_get(NULL, "q"));

    lit_pack(&f->pk, "[\"q\", 2]");
    assert_null(aws_obj_get(unpack(f), "q"));
}

static void test_pack_str(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(aws_rpc_pack_str(&f->pk, NULL), 0);
    assert_int_equal(unpack(f)->type, MSGPACK_OBJECT_NIL);
    assert_int_equal(aws_rpc_pack_str(&f->pk, ""), 0);
    const msgpack_object *o = unpack(f);
    assert_int_equal(o->type, MSGPACK_OBJECT_STR);
    assert_int_equal(o->via.str.size, 0);
    assert_int_equal(aws_rpc_pack_key(&f->pk, "snippet"), 0);
    o = unpack(f);
    assert_int_equal(o->via.str.size, 7);
    assert_memory_equal(o->via.str.ptr, "snippet", 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_result_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_error_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lenient_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_responses, setup, teardown),
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_obj_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pack_str, setup, teardown),
    };
    return cmocka_run_group_tests_name("proto responses", tests, NULL, NULL);
}
