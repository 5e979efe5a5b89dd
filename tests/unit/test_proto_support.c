/* test_proto_support.c - mocks and helpers shared by the proto reader tests.
 *
 * See test_proto_support.h for the contract of each mock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_proto_support.h"

msgpack_unpack_return __real_msgpack_unpacker_next_with_size(
    msgpack_unpacker *mpac, msgpack_unpacked *result, size_t *p_bytes);
msgpack_unpack_return __wrap_msgpack_unpacker_next_with_size(
    msgpack_unpacker *mpac, msgpack_unpacked *result, size_t *p_bytes);
bool __real_msgpack_unpacker_expand_buffer(msgpack_unpacker *mpac,
                                           size_t size);
bool __wrap_msgpack_unpacker_expand_buffer(msgpack_unpacker *mpac, size_t size);

unsigned unpack_calls;
msgpack_unpack_return unpack_fails_with;
bool expand_fails;

msgpack_unpack_return __wrap_msgpack_unpacker_next_with_size(
    msgpack_unpacker *mpac, msgpack_unpacked *result, size_t *p_bytes)
{
    unpack_calls++;
    if (unpack_fails_with != 0) {
        msgpack_unpack_return rc = unpack_fails_with;
        unpack_fails_with = 0;
        return rc;
    }
    return __real_msgpack_unpacker_next_with_size(mpac, result, p_bytes);
}

bool __wrap_msgpack_unpacker_expand_buffer(msgpack_unpacker *mpac, size_t size)
{
    if (expand_fails)
        return false;
    return __real_msgpack_unpacker_expand_buffer(mpac, size);
}

int proto_setup(void **state)
{
    proto_fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    msgpack_sbuffer_init(&f->sb);
    msgpack_packer_init(&f->pk, &f->sb, msgpack_sbuffer_write);
    f->r = aws_rpc_reader_new(0);
    assert_non_null(f->r);
    unpack_calls = 0;
    unpack_fails_with = 0;
    expand_fails = false;
    *state = f;
    return 0;
}

int proto_teardown(void **state)
{
    proto_fixture_t *f = *state;
    aws_rpc_reader_free(f->r);
    msgpack_sbuffer_destroy(&f->sb);
    free(f);
    return 0;
}

void pack_ping(msgpack_packer *pk, uint32_t msgid)
{
    msgpack_pack_array(pk, 4);
    msgpack_pack_uint8(pk, 0);
    msgpack_pack_uint32(pk, msgid);
    aws_rpc_pack_str(pk, "ping");
    msgpack_pack_array(pk, 0);
}

void expect_msgid(aws_rpc_reader_t *r, uint32_t msgid)
{
    msgpack_object *obj = NULL;
    const char *why = NULL;
    aws_rpc_next_t rc = aws_rpc_reader_next(r, &obj, &why);
    if (rc != AWS_RPC_MESSAGE)
        fail_msg("expected a message, got %d (%s)", (int)rc,
                 why ? why : "no reason");
    assert_int_equal(obj->type, MSGPACK_OBJECT_ARRAY);
    assert_int_equal(obj->via.array.size, 4);
    assert_int_equal(obj->via.array.ptr[1].via.u64, msgid);
}

void expect_next(aws_rpc_reader_t *r, aws_rpc_next_t want, const char *why_has)
{
    msgpack_object *obj = NULL;
    const char *why = NULL;
    aws_rpc_next_t rc = aws_rpc_reader_next(r, &obj, &why);
    if (rc != want)
        fail_msg("expected %d, got %d (%s)", (int)want, (int)rc,
                 why ? why : "no reason");
    if (why_has != NULL) {
        assert_non_null(why);
        if (strstr(why, why_has) == NULL)
            fail_msg("reason '%s' lacks '%s'", why, why_has);
    }
}
