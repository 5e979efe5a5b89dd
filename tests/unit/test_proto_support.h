/* test_proto_support.h - mocks and helpers shared by the proto reader tests.
 *
 * Implemented in test_proto_support.c, which is linked into
 * test_proto_reader and test_proto_bound; their links wrap two msgpack-c
 * functions (-Wl,--wrap, see proto/CMakeLists.txt):
 * - msgpack_unpacker_next_with_size counts the calls in unpack_calls and
 *   forwards each to msgpack-c unchanged, so a test can prove that a hostile
 *   header was refused before msgpack-c was ever asked to unpack (and
 *   allocate for) it; when unpack_fails_with is not 0 it returns that code
 *   once instead, as msgpack-c does when out of memory.
 * - msgpack_unpacker_expand_buffer forwards, or reports failure (as when out
 *   of memory) while expand_fails is set.
 * proto_setup resets all three for each test.
 */
#ifndef TEST_PROTO_SUPPORT_H
#define TEST_PROTO_SUPPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

extern unsigned unpack_calls;
extern msgpack_unpack_return unpack_fails_with;
extern bool expand_fails;

/* A packer writing into sb, and a reader with the default limits. */
typedef struct proto_fixture {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    aws_rpc_reader_t *r;
} proto_fixture_t;

int proto_setup(void **state);
int proto_teardown(void **state);

/* Packs [0, MSGID, "ping", []]. */
void pack_ping(msgpack_packer *pk, uint32_t msgid);

/* Takes the next message from R, which must be a request with MSGID. */
void expect_msgid(aws_rpc_reader_t *r, uint32_t msgid);

/* Takes the next result from R, which must be WANT, with a reason holding
 * WHY_HAS when that is not NULL. */
void expect_next(aws_rpc_reader_t *r, aws_rpc_next_t want, const char *why_has);

#endif /* TEST_PROTO_SUPPORT_H */
