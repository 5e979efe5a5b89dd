/* response.c - encoding and reading msgpack-RPC responses, and names.
 *
 * The daemon writes responses as [1, msgid, nil, result] or
 * [1, msgid, {"code": int, "message": str}, nil]; the client reads them back
 * with aws_response_parse, whose pointers stay inside the message object.
 */
#include "proto.h"

#include <string.h>

const char *aws_rpc_code_name(aws_rpc_code_t code)
{
    switch (code) {
    case AWS_RPC_OK: return "ok";
    case AWS_RPC_BAD_REQUEST: return "bad_request";
    case AWS_RPC_UNKNOWN_METHOD: return "unknown_method";
    case AWS_RPC_QUERY_SYNTAX: return "query_syntax";
    case AWS_RPC_NOT_FOUND: return "not_found";
    case AWS_RPC_TOO_LARGE: return "too_large";
    case AWS_RPC_BUSY: return "busy";
    case AWS_RPC_INTERNAL: return "internal";
    case AWS_RPC_UNAVAILABLE: return "unavailable";
    }
    return "unknown_code";
}

const char *aws_method_name(aws_method_t m)
{
    static const char *const names[AWS_METHOD_COUNT_] = {
        [AWS_METHOD_SEARCH] = "search",   [AWS_METHOD_RELATED] = "related",
        [AWS_METHOD_GET] = "get",         [AWS_METHOD_CITE] = "cite",
        [AWS_METHOD_SUGGEST] = "suggest", [AWS_METHOD_STATS] = "stats",
        [AWS_METHOD_PING] = "ping",
    };
    return (unsigned)m < AWS_METHOD_COUNT_ ? names[m] : "unknown";
}

int aws_rpc_pack_str(msgpack_packer *pk, const char *s)
{
    if (s == NULL)
        return msgpack_pack_nil(pk);
    size_t len = strlen(s);
    if (msgpack_pack_str(pk, len) != 0)
        return -1;
    return msgpack_pack_str_body(pk, s, len);
}

int aws_rpc_pack_key(msgpack_packer *pk, const char *key)
{
    return aws_rpc_pack_str(pk, key);
}

int aws_rpc_pack_result_head(msgpack_packer *pk, uint32_t msgid)
{
    if (msgpack_pack_array(pk, 4) != 0 || msgpack_pack_uint8(pk, 1) != 0
        || msgpack_pack_uint32(pk, msgid) != 0 || msgpack_pack_nil(pk) != 0)
        return -1;
    return 0;
}

int aws_rpc_pack_error(msgpack_packer *pk, uint32_t msgid, aws_rpc_code_t code,
                       const char *message)
{
    if (message == NULL)
        message = aws_rpc_code_name(code);
    if (msgpack_pack_array(pk, 4) != 0 || msgpack_pack_uint8(pk, 1) != 0
        || msgpack_pack_uint32(pk, msgid) != 0 || msgpack_pack_map(pk, 2) != 0
        || aws_rpc_pack_key(pk, "code") != 0
        || msgpack_pack_int(pk, (int)code) != 0
        || aws_rpc_pack_key(pk, "message") != 0
        || aws_rpc_pack_str(pk, message) != 0 || msgpack_pack_nil(pk) != 0)
        return -1;
    return 0;
}

const msgpack_object *aws_obj_get(const msgpack_object *obj, const char *key)
{
    if (obj == NULL || obj->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t len = strlen(key);
    for (uint32_t i = 0; i < obj->via.map.size; i++) {
        const msgpack_object_kv *kv = &obj->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == len
            && memcmp(kv->key.via.str.ptr, key, len) == 0)
            return &kv->val;
    }
    return NULL;
}

/* Reads the error object of a response.  The contract is a map with an
 * integer code and a string message; a bare string (what some msgpack-RPC
 * peers send) is taken as an internal error with that text, and a code this
 * version does not know is reported as internal with its message kept. */
static int parse_error_object(const msgpack_object *err, aws_response_t *resp)
{
    if (err->type == MSGPACK_OBJECT_STR) {
        resp->code = AWS_RPC_INTERNAL;
        resp->message = err->via.str.ptr;
        resp->message_len = err->via.str.size;
        return 0;
    }
    const msgpack_object *code = aws_obj_get(err, "code");
    const msgpack_object *msg = aws_obj_get(err, "message");
    if (code == NULL || code->type != MSGPACK_OBJECT_POSITIVE_INTEGER
        || code->via.u64 == 0)
        return -1;
    if (msg != NULL && msg->type == MSGPACK_OBJECT_STR) {
        resp->message = msg->via.str.ptr;
        resp->message_len = msg->via.str.size;
    } else if (msg != NULL && msg->type != MSGPACK_OBJECT_NIL) {
        return -1;
    }
    resp->code = code->via.u64 <= AWS_RPC_UNAVAILABLE
                     ? (aws_rpc_code_t)code->via.u64
                     : AWS_RPC_INTERNAL;
    return 0;
}

int aws_response_parse(const msgpack_object *obj, aws_response_t *resp)
{
    memset(resp, 0, sizeof(*resp));
    resp->code = AWS_RPC_OK;
    if (obj == NULL || obj->type != MSGPACK_OBJECT_ARRAY
        || obj->via.array.size != 4)
        return -1;
    const msgpack_object *e = obj->via.array.ptr;
    if (e[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER || e[0].via.u64 != 1)
        return -1;
    if (e[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER
        || e[1].via.u64 > UINT32_MAX)
        return -1;
    resp->msgid = (uint32_t)e[1].via.u64;
    if (e[2].type == MSGPACK_OBJECT_NIL) {
        resp->result = &e[3];
        return 0;
    }
    return parse_error_object(&e[2], resp);
}
