/* bound.c - the pre-scan that holds a msgpack stream to its limits.
 *
 * A byte-at-a-time state machine over the msgpack encoding (the type bytes
 * of the public msgpack specification).  For each element it learns, from
 * the header alone, how many bytes or child elements follow, and it checks
 * that promise against what the message may still hold: every element owed
 * by an open container needs at least one more byte, so a header declaring
 * more elements or payload bytes than the message limit leaves room for is
 * refused at once, before msgpack-c would allocate for it.  So is a header
 * that takes the message past its element budget.  Nesting is bounded by
 * the fixed stack, and the unused type byte 0xc1 is refused.  In rpc mode
 * the first bytes of each message must also open a msgpack-RPC envelope, so
 * that a peer sending anything else is refused at once rather than waited
 * on for the rest of a "message" that will never come.
 */
#include "bound.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void aws__bound_init(aws__bound_t *b, uint64_t max, uint64_t max_elements)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
    b->max_elements = max_elements;
    b->head_type = -1;
    b->error = AWS_RPC_NEED_MORE;
}

static void fail(aws__bound_t *b, aws_rpc_next_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->why, sizeof(b->why), fmt, ap);
    va_end(ap);
    b->error = code;
}

/* Bytes of the current message seen so far, its header bytes included. */
static uint64_t message_used(const aws__bound_t *b)
{
    return b->offset - b->msg_start;
}

/* Would EXTRA more bytes still fit, beside one byte for every owed slot? */
static bool fits(const aws__bound_t *b, uint64_t extra)
{
    return message_used(b) + b->pending + b->skip + extra <= b->max;
}

/* An element has ended: close every container it completes, and the
 * message when the outermost one closes. */
static void element_done(aws__bound_t *b)
{
    for (;;) {
        if (b->depth == 0) {
            b->complete++;
            b->in_message = false;
            return;
        }
        if (b->remaining[b->depth - 1] > 0)
            return;
        b->depth--;
    }
}

/* Refuses a message that cannot be msgpack-RPC, in rpc mode. */
static void not_rpc(aws__bound_t *b, const char *what)
{
    fail(b, AWS_RPC_ERR_MALFORMED,
         "byte %llu: not a msgpack-RPC message: %s (expected "
         "[0, msgid, method, params], [1, msgid, error, result] or "
         "[2, method, params])",
         (unsigned long long)b->elem_start, what);
}

/* An integer element has ended.  Remembers message[0] and message[1] of a
 * request so that a later error in the same message can name its msgid,
 * and in rpc mode checks them against the msgpack-RPC envelope. */
static void int_done(aws__bound_t *b, bool nonneg, uint64_t value)
{
    if (b->depth == 1 && b->top_array) {
        if (b->elem_index == 0) {
            b->head_type = nonneg && value < 16 ? (int)value : -1;
            if (b->rpc && (b->head_type < 0 || b->head_type > 2
                           || (b->head_type == 2) != (b->top_size == 3))) {
                not_rpc(b, "message[0] is not 0 or 1 (4 elements) or 2 "
                           "(3 elements)");
                return;
            }
        } else if (b->elem_index == 1 && b->head_type >= 0
                   && b->head_type <= 1) {
            bool ok = nonneg && value <= UINT32_MAX;
            if (ok && b->head_type == 0) {
                b->msgid_known = true;
                b->msgid = (uint32_t)value;
            } else if (!ok && b->rpc) {
                not_rpc(b, "the msgid is not an unsigned 32-bit integer");
                return;
            }
        }
    }
    element_done(b);
}

/* In rpc mode, a message's first bytes must show an array of 3 or 4 that
 * starts with integers: the type, then (for requests and responses) the
 * msgid.  Checked at each type byte C, before its element is read. */
static bool rpc_envelope_ok(aws__bound_t *b, unsigned char c)
{
    bool is_array = (c >= 0x90 && c <= 0x9f) || c == 0xdc || c == 0xdd;
    bool is_int = c <= 0x7f || c >= 0xe0 || (c >= 0xcc && c <= 0xd3);
    if (b->depth == 0 && !is_array) {
        not_rpc(b, "the message is not an array");
        return false;
    }
    if (b->depth == 1 && b->top_array && b->elem_index == 0 && !is_int) {
        not_rpc(b, "message[0] is not an integer");
        return false;
    }
    if (b->depth == 1 && b->top_array && b->elem_index == 1
        && b->head_type >= 0 && b->head_type <= 1 && !is_int) {
        not_rpc(b, "the msgid is not an integer");
        return false;
    }
    return true;
}

static void open_container(aws__bound_t *b, uint64_t n, bool is_map)
{
    if (b->depth >= AWS_RPC_MAX_DEPTH) {
        fail(b, AWS_RPC_ERR_MALFORMED,
             "byte %llu: arrays and maps nested deeper than %u",
             (unsigned long long)b->elem_start, AWS_RPC_MAX_DEPTH);
        return;
    }
    uint64_t slots = is_map ? 2 * n : n;
    if (!fits(b, slots)) {
        fail(b, AWS_RPC_ERR_TOO_LARGE,
             "byte %llu: %s of %llu %s would take the message past the "
             "%llu-byte limit",
             (unsigned long long)b->elem_start, is_map ? "a map" : "an array",
             (unsigned long long)n, is_map ? "pairs" : "elements",
             (unsigned long long)b->max);
        return;
    }
    if (b->elements + slots > b->max_elements) {
        fail(b, AWS_RPC_ERR_TOO_LARGE,
             "byte %llu: %s of %llu %s would take the message past %llu "
             "elements",
             (unsigned long long)b->elem_start, is_map ? "a map" : "an array",
             (unsigned long long)n, is_map ? "pairs" : "elements",
             (unsigned long long)b->max_elements);
        return;
    }
    b->elements += slots;
    if (b->depth == 0) {
        if (b->rpc && (n < 3 || n > 4)) {
            not_rpc(b, "the array does not have 3 or 4 elements");
            return;
        }
        b->top_array = !is_map;
        b->top_size = n;
    }
    if (slots == 0) {
        element_done(b);
        return;
    }
    b->remaining[b->depth++] = slots;
    b->pending += slots;
}

static void open_payload(aws__bound_t *b, uint64_t len, const char *what)
{
    if (!fits(b, len)) {
        fail(b, AWS_RPC_ERR_TOO_LARGE,
             "byte %llu: %s of %llu bytes would take the message past the "
             "%llu-byte limit",
             (unsigned long long)b->elem_start, what, (unsigned long long)len,
             (unsigned long long)b->max);
        return;
    }
    if (len == 0)
        element_done(b);
    else
        b->skip = len;
}

/* Big-endian unsigned value of the N bytes at P. */
static uint64_t be(const unsigned char *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Header bytes that follow type byte C (length, ext type or value bytes);
 * 0 for the one-byte types handled in begin_element. */
static unsigned header_extra(unsigned char c)
{
    static const unsigned char extra[0x20] = {
        /* c0 */ 0, 0, 0, 0,
        /* c4 bin8/16/32 */ 1, 2, 4,
        /* c7 ext8/16/32: length, then the ext type byte */ 2, 3, 5,
        /* ca float32/64 */ 4, 8,
        /* cc uint8..64 */ 1, 2, 4, 8,
        /* d0 int8..64 */ 1, 2, 4, 8,
        /* d4 fixext1..16: the ext type byte */ 1, 1, 1, 1, 1,
        /* d9 str8/16/32 */ 1, 2, 4,
        /* dc array16/32 */ 2, 4,
        /* de map16/32 */ 2, 4,
    };
    return c >= 0xc0 && c <= 0xdf ? extra[c - 0xc0] : 0;
}

/* The header of the current element is complete in b->hdr. */
static void header_done(aws__bound_t *b)
{
    const unsigned char *h = b->hdr;
    unsigned n = b->hdr_have - 1; /* bytes after the type byte */
    unsigned char c = h[0];

    switch (c) {
    case 0xc4: case 0xc5: case 0xc6:
        open_payload(b, be(h + 1, n), "a bin");
        break;
    case 0xc7: case 0xc8: case 0xc9:
        open_payload(b, be(h + 1, n - 1), "an ext");
        break;
    case 0xca: case 0xcb:
        element_done(b);
        break;
    case 0xcc: case 0xcd: case 0xce: case 0xcf:
        int_done(b, true, be(h + 1, n));
        break;
    case 0xd0: case 0xd1: case 0xd2: case 0xd3:
        /* msgpack-c reads a non-negative value in a signed format as a
         * positive integer, so only the sign bit decides. */
        int_done(b, (h[1] & 0x80) == 0, be(h + 1, n));
        break;
    case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8:
        open_payload(b, 1u << (c - 0xd4), "an ext");
        break;
    case 0xd9: case 0xda: case 0xdb:
        open_payload(b, be(h + 1, n), "a string");
        break;
    case 0xdc: case 0xdd:
        open_container(b, be(h + 1, n), false);
        break;
    default: /* 0xde, 0xdf */
        open_container(b, be(h + 1, n), true);
        break;
    }
}

/* C is the type byte of a new element. */
static void begin_element(aws__bound_t *b, unsigned char c)
{
    if (!b->in_message) {
        b->in_message = true;
        b->msg_start = b->offset - 1;
        b->top_array = false;
        b->top_started = 0;
        b->head_type = -1;
        b->msgid_known = false;
        b->elements = 0;
    }
    b->elem_start = b->offset - 1;
    if (b->depth > 0) {
        b->remaining[b->depth - 1]--;
        b->pending--;
        if (b->depth == 1 && b->top_array)
            b->elem_index = b->top_started++;
    }
    if (b->rpc && !rpc_envelope_ok(b, c))
        return;

    if (c <= 0x7f) {
        int_done(b, true, c);
    } else if (c <= 0x8f) {
        open_container(b, c & 0x0f, true);
    } else if (c <= 0x9f) {
        open_container(b, c & 0x0f, false);
    } else if (c <= 0xbf) {
        open_payload(b, c & 0x1f, "a string");
    } else if (c == 0xc0 || c == 0xc2 || c == 0xc3) {
        element_done(b);
    } else if (c == 0xc1) {
        fail(b, AWS_RPC_ERR_MALFORMED,
             "byte %llu: 0xc1 is not a msgpack type",
             (unsigned long long)b->elem_start);
    } else if (c >= 0xe0) {
        int_done(b, false, 0);
    } else {
        b->hdr[0] = c;
        b->hdr_have = 1;
        b->hdr_need = 1 + header_extra(c);
    }
}

void aws__bound_scan(aws__bound_t *b, const unsigned char *p, size_t len)
{
    size_t i = 0;

    while (i < len && b->error == AWS_RPC_NEED_MORE) {
        if (b->skip > 0) {
            /* The header already proved that the payload fits. */
            uint64_t n = len - i < b->skip ? len - i : b->skip;
            i += (size_t)n;
            b->offset += n;
            b->skip -= n;
            if (b->skip == 0)
                element_done(b);
            continue;
        }
        unsigned char c = p[i++];
        b->offset++;
        if (b->in_message && message_used(b) > b->max) {
            fail(b, AWS_RPC_ERR_TOO_LARGE,
                 "byte %llu: the message from byte %llu runs past the "
                 "%llu-byte limit",
                 (unsigned long long)(b->offset - 1),
                 (unsigned long long)b->msg_start,
                 (unsigned long long)b->max);
            return;
        }
        if (b->hdr_need > 0) {
            b->hdr[b->hdr_have++] = c;
            if (b->hdr_have == b->hdr_need) {
                b->hdr_need = 0;
                header_done(b);
            }
            continue;
        }
        begin_element(b, c);
    }
}
