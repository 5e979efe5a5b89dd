/* fuzz_proto.c - fuzz target for proto/: the stream reader and validation.
 *
 * The input is a raw byte stream as a peer would send it.  It goes through
 * the reader three times: whole with the default 1 MiB limit, in small
 * slices with a 512-byte limit, and in slices with the msgpack-RPC envelope
 * required (as the daemon reads), so that the limits, the envelope check
 * and the reassembly of split headers are all exercised.  Each message is validated as a request and
 * read as a response; every request that validates is packed again and must
 * validate to the same fields (a round trip the client and daemon rely on).
 * A broken invariant aborts, which the fuzzer reports as a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_proto: invariant broken: %s\n", what);
        abort();
    }
}

static int same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Packs REQ, unpacks and validates it again, and compares. */
static void check_round_trip(const aws_request_t *req)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked msg;
    size_t off = 0;
    aws_request_t again;
    bool have_msgid;
    char err[256];

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    check(aws_request_pack(&pk, req) == 0, "a valid request packs");
    msgpack_unpacked_init(&msg);
    check(msgpack_unpack_next(&msg, sb.data, sb.size, &off)
              == MSGPACK_UNPACK_SUCCESS && off == sb.size,
          "a packed request unpacks whole");
    check(aws_request_parse(&msg.data, &again, &have_msgid, err, sizeof(err))
              == AWS_RPC_OK,
          "a packed request validates");
    check(again.notification == req->notification
              && (req->notification || again.msgid == req->msgid)
              && again.method == req->method && again.limit == req->limit
              && again.offset == req->offset && again.sort == req->sort
              && again.snippets == req->snippets
              && again.facets == req->facets,
          "a round trip keeps every scalar argument");
    check(same_str(again.q, req->q) && same_str(again.section, req->section)
              && same_str(again.id, req->id) && same_str(again.text, req->text)
              && same_str(again.style, req->style)
              && same_str(again.prefix, req->prefix),
          "a round trip keeps every string argument");
    aws_request_free(&again);
    msgpack_unpacked_destroy(&msg);
    msgpack_sbuffer_destroy(&sb);
}

static void take_message(const msgpack_object *obj)
{
    aws_request_t req;
    bool have_msgid;
    char err[256];

    aws_rpc_code_t rc = aws_request_parse(obj, &req, &have_msgid, err,
                                          sizeof(err));
    if (rc == AWS_RPC_OK)
        check_round_trip(&req);
    else
        check(err[0] != '\0' && strchr(err, '\n') == NULL,
              "every refusal has a one-line reason");
    aws_request_free(&req);

    aws_response_t resp;
    if (aws_response_parse(obj, &resp) == 0 && resp.code == AWS_RPC_OK)
        check(resp.result != NULL, "a success response has a result");
    aws_obj_get(obj, "q");
}

/* Feeds DATA to a reader limited to MAX bytes, SLICE bytes at a time,
 * checking the msgpack-RPC envelope when RPC. */
static void run(const uint8_t *data, size_t size, size_t max, size_t slice,
                bool rpc)
{
    aws_rpc_reader_t *r = aws_rpc_reader_new(max);
    if (r == NULL)
        return;
    if (rpc)
        aws_rpc_reader_require_rpc(r);
    size_t at = 0;
    aws_rpc_next_t rc = AWS_RPC_NEED_MORE;
    while (at < size && rc == AWS_RPC_NEED_MORE) {
        size_t n = size - at < slice ? size - at : slice;
        if (aws_rpc_reader_feed(r, data + at, n) != 0)
            break;
        at += n;
        msgpack_object *obj;
        const char *why = NULL;
        while ((rc = aws_rpc_reader_next(r, &obj, &why)) == AWS_RPC_MESSAGE)
            take_message(obj);
        if (rc != AWS_RPC_NEED_MORE) {
            check(why != NULL && strchr(why, '\n') == NULL,
                  "every stream error has a one-line reason");
            check(strstr(why, "msgpack-c refused") == NULL,
                  "msgpack-c unpacks every message the bound scanner passes");
            check(aws_rpc_reader_buffered(r) <= (max ? max : AWS_RPC_MAX_MESSAGE)
                                                    + 64 * 1024,
                  "a refused stream holds at most a message and a slice");
            aws_rpc_reader_error_msgid(r, NULL);
        }
    }
    aws_rpc_reader_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run(data, size, 0, size ? size : 1, false);
    run(data, size, 512, size % 13 + 1, false);
    run(data, size, 0, size % 7 + 1, true);
    return 0;
}
