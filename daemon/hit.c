/* hit.c - turn one search result of the shim into SPEC.md's `hit` map. */
#include "hit.h"

#include <string.h>

#include "proto.h"
#include "stored.h"

/* The stored-form fields a hit copies, in the order they are packed. */
static const char *const stored_keys[] = {
    "id", "kind", "title", "authors", "year", "section", "url", "citations",
};

int aws_hit_pack(msgpack_packer *pk, const awx_hit_t *hit)
{
    msgpack_unpacked entry;
    if (aws_stored_unpack(hit->data, hit->data_len, &entry) != 0) {
        msgpack_unpacked_destroy(&entry);
        return -1;
    }

    int rc = msgpack_pack_map(pk, AWS_HIT_KEYS);
    for (size_t i = 0; rc == 0 && i < sizeof stored_keys / sizeof *stored_keys;
         i++) {
        const msgpack_object *v = aws_obj_get(&entry.data, stored_keys[i]);
        rc = aws_rpc_pack_key(pk, stored_keys[i]);
        if (rc == 0)
            rc = v != NULL ? msgpack_pack_object(pk, *v) : msgpack_pack_nil(pk);
    }
    msgpack_unpacked_destroy(&entry);

    if (rc == 0)
        rc = aws_rpc_pack_key(pk, "score");
    if (rc == 0)
        rc = msgpack_pack_int(pk, hit->percent);
    if (rc == 0)
        rc = aws_rpc_pack_key(pk, "snippet");
    if (rc == 0)
        rc = aws_rpc_pack_str(pk, hit->snippet);
    if (rc == 0)
        rc = aws_rpc_pack_key(pk, "highlights");
    /* Spans are only meaningful against a snippet: without one the list is
     * empty whatever the shim returned. */
    size_t n = hit->snippet != NULL ? hit->n_highlights : 0;
    if (rc == 0)
        rc = msgpack_pack_array(pk, n);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        rc = msgpack_pack_array(pk, 2);
        if (rc == 0)
            rc = msgpack_pack_uint32(pk, hit->highlights[i].offset);
        if (rc == 0)
            rc = msgpack_pack_uint32(pk, hit->highlights[i].length);
    }
    return rc == 0 ? 0 : -2;
}
