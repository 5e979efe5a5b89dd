/* stored.c - read fields of an entry's stored form (docs/stored-form.md). */
#include "stored.h"

#include "proto.h"

int aws_stored_unpack(const void *data, size_t len, msgpack_unpacked *result)
{
    size_t off = 0;
    msgpack_unpacked_init(result);
    msgpack_unpack_return rc =
        msgpack_unpack_next(result, (const char *)data, len, &off);
    if (rc != MSGPACK_UNPACK_SUCCESS || off != len ||
        result->data.type != MSGPACK_OBJECT_MAP)
        return -1;
    return 0;
}

bool aws_stored_str(const msgpack_object *entry, const char *key,
                    const char **s, size_t *len)
{
    const msgpack_object *o = aws_obj_get(entry, key);
    if (o == NULL || o->type != MSGPACK_OBJECT_STR)
        return false;
    *s = o->via.str.ptr;
    *len = o->via.str.size;
    return true;
}

bool aws_stored_int(const msgpack_object *entry, const char *key, int64_t *out)
{
    const msgpack_object *o = aws_obj_get(entry, key);
    if (o == NULL)
        return false;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return false;
        *out = (int64_t)o->via.u64;
        return true;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return true;
    }
    return false;
}

const msgpack_object_array *aws_stored_array(const msgpack_object *entry,
                                             const char *key)
{
    const msgpack_object *o = aws_obj_get(entry, key);
    if (o == NULL || o->type != MSGPACK_OBJECT_ARRAY)
        return NULL;
    return &o->via.array;
}
