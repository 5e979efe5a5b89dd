/* reader.c - the stream reader: bytes in, whole msgpack messages out.
 *
 * Built on msgpack-c's streaming unpacker (the call sequence of msgpack-c's
 * example/lib_buffer_unpack.c): bytes are read straight into the unpacker's
 * buffer, and msgpack_unpacker_next turns them into objects in a zone.  In
 * front of it sits the bound scanner (bound.c), which sees every byte as it
 * arrives; the unpacker is asked for a message only once the scanner has seen
 * that message whole and within limits, so msgpack-c never allocates from a
 * length nobody has checked, and never holds half a message.
 *
 * The reader owns the unpacker, the last message handed out (its zone and the
 * buffer it points into) and the text of the last error.
 */
#include "proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bound.h"

/* Room the unpacker starts with; it grows to what the reads ask for. */
#define READER_INITIAL_BUFFER (16u * 1024u)
/* aws_rpc_reader_feed copies in slices of this size, so that a stream which
 * has already failed is not copied any further. */
#define READER_FEED_SLICE (64u * 1024u)

struct aws_rpc_reader {
    msgpack_unpacker up;
    msgpack_unpacked msg;   /* the message last handed out */
    aws__bound_t bound;
    uint64_t taken;         /* stream bytes of the messages handed out */
    aws_rpc_next_t failed;  /* an error the unpacker itself reported */
    char why[256];
};

aws_rpc_reader_t *aws_rpc_reader_new(size_t max_message)
{
    aws_rpc_reader_t *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    if (!msgpack_unpacker_init(&r->up, READER_INITIAL_BUFFER)) {
        free(r);
        return NULL;
    }
    msgpack_unpacked_init(&r->msg);
    if (max_message == 0)
        max_message = AWS_RPC_MAX_MESSAGE;
    aws__bound_init(&r->bound, max_message,
                    aws_rpc_reader_default_elements(max_message));
    r->failed = AWS_RPC_NEED_MORE;
    return r;
}

void aws_rpc_reader_free(aws_rpc_reader_t *r)
{
    if (r == NULL)
        return;
    msgpack_unpacked_destroy(&r->msg);
    msgpack_unpacker_destroy(&r->up);
    free(r);
}

size_t aws_rpc_reader_default_elements(size_t max_message)
{
    size_t n = max_message / AWS_RPC_BYTES_PER_ELEMENT;
    return n < 64 ? 64 : n;
}

void aws_rpc_reader_set_max_elements(aws_rpc_reader_t *r, size_t n)
{
    r->bound.max_elements = n;
}

void aws_rpc_reader_require_rpc(aws_rpc_reader_t *r)
{
    r->bound.rpc = true;
}

int aws_rpc_reader_reserve(aws_rpc_reader_t *r, size_t want, char **buf,
                           size_t *cap)
{
    if (!msgpack_unpacker_reserve_buffer(&r->up, want ? want : 1))
        return -1;
    *buf = msgpack_unpacker_buffer(&r->up);
    *cap = msgpack_unpacker_buffer_capacity(&r->up);
    return 0;
}

void aws_rpc_reader_consumed(aws_rpc_reader_t *r, size_t n)
{
    const unsigned char *fresh =
        (const unsigned char *)msgpack_unpacker_buffer(&r->up);
    msgpack_unpacker_buffer_consumed(&r->up, n);
    aws__bound_scan(&r->bound, fresh, n);
}

int aws_rpc_reader_feed(aws_rpc_reader_t *r, const void *data, size_t len)
{
    const char *p = data;

    /* Once the stream has failed nothing more will be unpacked from it, so
     * the rest of DATA is dropped rather than buffered. */
    while (len > 0 && r->bound.error == AWS_RPC_NEED_MORE) {
        size_t slice = len < READER_FEED_SLICE ? len : READER_FEED_SLICE;
        char *buf;
        size_t cap;
        if (aws_rpc_reader_reserve(r, slice, &buf, &cap) != 0)
            return -1;
        memcpy(buf, p, slice);
        aws_rpc_reader_consumed(r, slice);
        p += slice;
        len -= slice;
    }
    return 0;
}

static aws_rpc_next_t reader_fail(aws_rpc_reader_t *r, aws_rpc_next_t code,
                                  const char *what)
{
    snprintf(r->why, sizeof(r->why), "byte %llu: %s",
             (unsigned long long)r->taken, what);
    r->failed = code;
    return code;
}

aws_rpc_next_t aws_rpc_reader_next(aws_rpc_reader_t *r, msgpack_object **obj,
                                   const char **why)
{
    /* The previous message's objects, and its hold on the buffer, go now. */
    msgpack_unpacked_destroy(&r->msg);
    if (obj != NULL)
        *obj = NULL;

    if (r->failed == AWS_RPC_NEED_MORE && r->bound.complete > 0) {
        size_t size = 0;
        msgpack_unpack_return ret =
            msgpack_unpacker_next_with_size(&r->up, &r->msg, &size);
        if (ret == MSGPACK_UNPACK_SUCCESS) {
            r->bound.complete--;
            r->taken += size;
            if (obj != NULL)
                *obj = &r->msg.data;
            return AWS_RPC_MESSAGE;
        }
        if (ret == MSGPACK_UNPACK_NOMEM_ERROR)
            reader_fail(r, AWS_RPC_ERR_NOMEM, "out of memory unpacking a message");
        else
            /* The scanner saw a whole, sound message here; msgpack-c
             * disagreeing means one of the two is wrong, and the stream can
             * no longer be trusted either way. */
            reader_fail(r, AWS_RPC_ERR_MALFORMED,
                        "msgpack-c refused a message the bound scanner accepted");
    }

    if (r->failed != AWS_RPC_NEED_MORE) {
        if (why != NULL)
            *why = r->why;
        return r->failed;
    }
    if (r->bound.error != AWS_RPC_NEED_MORE) {
        if (why != NULL)
            *why = r->bound.why;
        return r->bound.error;
    }
    return AWS_RPC_NEED_MORE;
}

uint64_t aws_rpc_reader_offset(const aws_rpc_reader_t *r)
{
    return r->taken;
}

bool aws_rpc_reader_error_msgid(const aws_rpc_reader_t *r, uint32_t *msgid)
{
    if (r->bound.error == AWS_RPC_NEED_MORE || !r->bound.msgid_known
        || r->bound.complete > 0)
        return false;
    if (msgid != NULL)
        *msgid = r->bound.msgid;
    return true;
}

size_t aws_rpc_reader_buffered(const aws_rpc_reader_t *r)
{
    return r->up.used - r->up.off;
}
