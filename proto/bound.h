/* bound.h - the pre-scan that holds a msgpack stream to its limits.
 *
 * Private to proto/.  msgpack-c allocates n * sizeof(msgpack_object) as soon
 * as it reads an array or map header, before the elements arrive, so a
 * five-byte message can ask for gigabytes.  The reader therefore runs every
 * byte through this scanner as it arrives and hands msgpack-c only messages
 * the scanner has seen whole and within limits.  The scanner allocates
 * nothing: it keeps a fixed stack of element counts and never looks back at
 * bytes it has passed, so the reader may feed it one byte at a time.
 */
#ifndef AWS_PROTO_BOUND_H
#define AWS_PROTO_BOUND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

typedef struct aws__bound {
    uint64_t max;              /* bytes allowed in one message */
    uint64_t max_elements;     /* array elements + map keys and values */
    uint64_t elements;         /* declared so far in the current message */
    uint64_t offset;           /* stream bytes scanned so far */
    uint64_t msg_start;        /* stream offset of the current message */
    uint64_t elem_start;       /* stream offset of the current element */
    uint64_t pending;          /* element slots owed by open containers */
    uint64_t skip;             /* payload bytes still to pass over */
    uint64_t remaining[AWS_RPC_MAX_DEPTH]; /* slots left per open container */
    unsigned depth;            /* open containers */
    unsigned char hdr[10];     /* type byte and length/value bytes so far */
    unsigned hdr_have, hdr_need;
    bool in_message;
    /* What the head of the current message shows, so that an error found
     * later in it (a 2 MiB argument) can still be answered by msgid. */
    bool rpc;                  /* messages must open as msgpack-RPC ones */
    bool top_array;            /* the message is an array */
    uint64_t top_size;         /* its declared length */
    uint64_t top_started;      /* its elements begun so far */
    uint64_t elem_index;       /* index of the element being read at depth 1 */
    int head_type;             /* message[0] when a small integer, else -1 */
    bool msgid_known;
    uint32_t msgid;
    size_t complete;           /* whole messages scanned, not yet taken */
    aws_rpc_next_t error;      /* AWS_RPC_NEED_MORE while the stream is sound */
    char why[256];             /* the error, one line */
} aws__bound_t;

/* Readies B for a new stream whose messages may be MAX bytes long and
 * declare at most MAX_ELEMENTS elements in all (msgpack-c spends a
 * msgpack_object, 24 bytes, on each, so a message of one-byte nils would
 * otherwise cost 24 times its size). */
void aws__bound_init(aws__bound_t *b, uint64_t max, uint64_t max_elements);

/* Scans the LEN bytes at P, which follow every byte scanned before.  Stops at
 * the first violation (B->error, B->why) and then scans nothing more. */
void aws__bound_scan(aws__bound_t *b, const unsigned char *p, size_t len);

#endif /* AWS_PROTO_BOUND_H */
