/* hit.c - turn one search result of the shim into SPEC.md's `hit` map. */
#include "hit.h"

#include <stdint.h>
#include <string.h>

#include "proto.h"
#include "stored.h"

/* The stored-form fields a hit copies, in the order they are packed. */
static const char *const stored_keys[] = {
    "id", "kind", "title", "authors", "year", "section", "url", "citations",
};

#define N_STORED (sizeof stored_keys / sizeof *stored_keys)

/* Bytes of msgpack being checked, never read past END. */
typedef struct cursor {
    const unsigned char *p, *end;
} cursor_t;

/* The big-endian unsigned integer of N bytes at C's position, consumed. */
static bool take_uint(cursor_t *c, size_t n, uint64_t *v)
{
    if ((size_t)(c->end - c->p) < n)
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++)
        *v = *v << 8 | c->p[i];
    c->p += n;
    return true;
}

/* A string (any of msgpack's four forms), consumed: its bytes in *S, *N. */
static bool take_str(cursor_t *c, const unsigned char **s, uint64_t *n)
{
    if (c->p >= c->end)
        return false;
    unsigned char t = *c->p++;
    if ((t & 0xE0) == 0xA0)
        *n = t & 0x1F;
    else if (!(t == 0xD9 && take_uint(c, 1, n)) && !(t == 0xDA && take_uint(c, 2, n)) &&
             !(t == 0xDB && take_uint(c, 4, n)))
        return false;
    if ((uint64_t)(c->end - c->p) < *n)
        return false;
    *s = c->p;
    c->p += *n;
    return true;
}

/* Nil, consumed. */
static bool take_nil(cursor_t *c)
{
    if (c->p >= c->end || *c->p != 0xC0)
        return false;
    c->p++;
    return true;
}

/* An integer of any form, or nil, consumed. */
static bool take_int_or_nil(cursor_t *c)
{
    if (take_nil(c))
        return true;
    if (c->p >= c->end)
        return false;
    unsigned char t = *c->p++;
    uint64_t v;
    if (t <= 0x7F || t >= 0xE0)
        return true;
    if (t >= 0xCC && t <= 0xD3) /* uint8..64, int8..64 */
        return take_uint(c, (size_t)1 << ((t - 0xCC) & 3), &v);
    return false;
}

/* An array of strings, consumed. */
static bool take_str_array(cursor_t *c)
{
    if (c->p >= c->end)
        return false;
    unsigned char t = *c->p++;
    uint64_t n;
    if ((t & 0xF0) == 0x90)
        n = t & 0x0F;
    else if (!(t == 0xDC && take_uint(c, 2, &n)) && !(t == 0xDD && take_uint(c, 4, &n)))
        return false;
    const unsigned char *s;
    uint64_t len;
    for (uint64_t i = 0; i < n; i++)
        if (!take_str(c, &s, &len))
            return false;
    return true;
}

/* Whether DATA/LEN is exactly a hit record (docs/stored-form.md): a map of
 * the eight keys above, in that order, each with a value of its type.
 * Then its entries are the hit's first eight as they are, and are copied
 * without unpacking (a sixth of a search's instructions before). */
static bool is_hit_record(const void *data, size_t len)
{
    cursor_t c = {data, (const unsigned char *)data + len};
    if (len == 0 || *c.p++ != (0x80 | N_STORED))
        return false;
    for (size_t i = 0; i < N_STORED; i++) {
        const unsigned char *k;
        uint64_t klen;
        if (!take_str(&c, &k, &klen) || klen != strlen(stored_keys[i]) ||
            memcmp(k, stored_keys[i], klen) != 0)
            return false;
        const unsigned char *s;
        uint64_t n;
        bool ok;
        switch (i) {
        case 3: /* authors */
            ok = take_str_array(&c);
            break;
        case 4: /* year */
        case 7: /* citations */
            ok = take_int_or_nil(&c);
            break;
        case 5: /* section */
            ok = take_nil(&c) || take_str(&c, &s, &n);
            break;
        default:
            ok = take_str(&c, &s, &n);
            break;
        }
        if (!ok)
            return false;
    }
    return c.p == c.end;
}

/* The hit's first eight entries from any stored entry map (a full stored
 * form, or a record this daemon does not know): unpacked and picked. */
static int pack_picked(msgpack_packer *pk, const awx_hit_t *hit)
{
    msgpack_unpacked entry;
    if (aws_stored_unpack(hit->data, hit->data_len, &entry) != 0) {
        msgpack_unpacked_destroy(&entry);
        return -1;
    }
    int rc = msgpack_pack_map(pk, AWS_HIT_KEYS);
    for (size_t i = 0; rc == 0 && i < N_STORED; i++) {
        const msgpack_object *v = aws_obj_get(&entry.data, stored_keys[i]);
        rc = aws_rpc_pack_key(pk, stored_keys[i]);
        if (rc == 0)
            rc = v != NULL ? msgpack_pack_object(pk, *v) : msgpack_pack_nil(pk);
    }
    msgpack_unpacked_destroy(&entry);
    return rc == 0 ? 0 : -2;
}

int aws_hit_pack(msgpack_packer *pk, const awx_hit_t *hit)
{
    int rc;
    if (is_hit_record(hit->data, hit->data_len)) {
        rc = msgpack_pack_map(pk, AWS_HIT_KEYS);
        if (rc == 0)
            rc = pk->callback(pk->data, (const char *)hit->data + 1, hit->data_len - 1);
    } else {
        rc = pack_picked(pk, hit);
        if (rc == -1)
            return -1;
    }

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
