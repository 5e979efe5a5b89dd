/* request.c - validating msgpack-RPC requests into aws_request_t, and back.
 *
 * One table says which named arguments each method takes and which it
 * requires; aws_request_parse checks a message against it and stops at the
 * first problem with a message naming the position or argument, and
 * aws_request_pack writes only what the same table allows, so that whatever
 * the client packs the daemon accepts.  Strings are copied out of the msgpack
 * zone, because the request travels to a worker thread while the reader
 * moves on to the next message.
 */
#include "proto.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The named arguments of every method (SPEC.md "Wire protocol"). */
typedef enum arg {
    ARG_Q, ARG_LIMIT, ARG_OFFSET, ARG_SORT, ARG_SECTION, ARG_SNIPPETS,
    ARG_FACETS, ARG_ID, ARG_TEXT, ARG_STYLE, ARG_PREFIX, ARG_COUNT_
} arg_t;

#define BIT(a) (1u << (a))

static const char *const arg_names[ARG_COUNT_] = {
    [ARG_Q] = "q",           [ARG_LIMIT] = "limit",
    [ARG_OFFSET] = "offset", [ARG_SORT] = "sort",
    [ARG_SECTION] = "section", [ARG_SNIPPETS] = "snippets",
    [ARG_FACETS] = "facets", [ARG_ID] = "id",
    [ARG_TEXT] = "text",     [ARG_STYLE] = "style",
    [ARG_PREFIX] = "prefix",
};

/* Which arguments a method takes, and which it cannot do without.
 * related's "exactly one of id and text" is checked on its own. */
static const struct {
    unsigned takes, requires;
} method_args[AWS_METHOD_COUNT_] = {
    [AWS_METHOD_SEARCH] = {BIT(ARG_Q) | BIT(ARG_LIMIT) | BIT(ARG_OFFSET)
                               | BIT(ARG_SORT) | BIT(ARG_SECTION)
                               | BIT(ARG_SNIPPETS) | BIT(ARG_FACETS),
                           BIT(ARG_Q)},
    [AWS_METHOD_RELATED] = {BIT(ARG_ID) | BIT(ARG_TEXT) | BIT(ARG_LIMIT), 0},
    [AWS_METHOD_GET] = {BIT(ARG_ID), BIT(ARG_ID)},
    [AWS_METHOD_CITE] = {BIT(ARG_ID) | BIT(ARG_STYLE), BIT(ARG_ID)},
    [AWS_METHOD_SUGGEST] = {BIT(ARG_PREFIX) | BIT(ARG_LIMIT), BIT(ARG_PREFIX)},
    [AWS_METHOD_STATS] = {0, 0},
    [AWS_METHOD_PING] = {0, 0},
};

static const char *const sort_names[] = {
    [AWS_SORT_RELEVANCE] = "relevance",
    [AWS_SORT_YEAR] = "year",
    [AWS_SORT_CITATIONS] = "citations",
};

#define DEFAULT_LIMIT 10u
#define DEFAULT_STYLE "bibtex"

void aws_request_init(aws_request_t *req, aws_method_t method)
{
    memset(req, 0, sizeof(*req));
    req->method = method;
    req->limit = DEFAULT_LIMIT;
    req->offset = 0;
    req->sort = AWS_SORT_RELEVANCE;
    req->snippets = true;
    req->facets = false;
}

void aws_request_free(aws_request_t *req)
{
    char **strs[] = {&req->q, &req->section, &req->id,
                     &req->text, &req->style, &req->prefix};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
        free(*strs[i]);
        *strs[i] = NULL;
    }
}

/* ------------------------------------------------------------ parsing */

/* What one parse needs to say where it failed. */
typedef struct parse {
    aws_request_t *req;
    char *errbuf;
    size_t errlen;
} parse_t;

static aws_rpc_code_t fail(parse_t *ps, aws_rpc_code_t code, const char *fmt,
                           ...)
{
    if (ps->errbuf != NULL && ps->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->errbuf, ps->errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Copies at most 40 bytes of peer text into OUT for an error message,
 * every byte that is not printable ASCII shown as '?'. */
static const char *quote(char out[48], const char *s, size_t len)
{
    size_t n = len < 40 ? len : 40, i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (len > n) {
        memcpy(out + i, "...", 3);
        i += 3;
    }
    out[i] = '\0';
    return out;
}

/* Index of the first byte of S that is not well-formed UTF-8 (overlong
 * forms, surrogates and code points past U+10FFFF included), or LEN. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xc2 && c <= 0xdf) {
            n = 1, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3, cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i <= n)
            return i;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return i;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
            || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
            return i;
        i += n + 1;
    }
    return len;
}

/* Takes V as the string argument NAME: a UTF-8 string without NUL bytes, at
 * most MAX bytes, and not empty when NONEMPTY.  Stores a copy in *OUT. */
static aws_rpc_code_t take_str(parse_t *ps, const char *name,
                               const msgpack_object *v, size_t max,
                               bool nonempty, char **out)
{
    if (v->type != MSGPACK_OBJECT_STR)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: expected a string", name);
    const char *s = v->via.str.ptr;
    size_t len = v->via.str.size;
    if (len > max)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: longer than %zu bytes", name, max);
    if (nonempty && len == 0)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: must not be empty", name);
    if (memchr(s, '\0', len) != NULL)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: contains a NUL byte", name);
    size_t bad = utf8_invalid_at((const unsigned char *)s, len);
    if (bad < len)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: not valid UTF-8 at byte %zu", name, bad);
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return fail(ps, AWS_RPC_INTERNAL, "out of memory copying params[0].%s",
                    name);
    memcpy(copy, s, len);
    copy[len] = '\0';
    *out = copy;
    return AWS_RPC_OK;
}

static aws_rpc_code_t take_uint(parse_t *ps, const char *name,
                                const msgpack_object *v, unsigned lo,
                                unsigned hi, unsigned *out)
{
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER || v->via.u64 < lo
        || v->via.u64 > hi) {
        if (lo == 1)
            return fail(ps, AWS_RPC_BAD_REQUEST,
                        "params[0].%s: expected a positive integer <= %u",
                        name, hi);
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: expected an integer from %u to %u", name,
                    lo, hi);
    }
    *out = (unsigned)v->via.u64;
    return AWS_RPC_OK;
}

static aws_rpc_code_t take_bool(parse_t *ps, const char *name,
                                const msgpack_object *v, bool *out)
{
    if (v->type != MSGPACK_OBJECT_BOOLEAN)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].%s: expected true or false", name);
    *out = v->via.boolean;
    return AWS_RPC_OK;
}

static bool str_is(const msgpack_object *v, const char *s)
{
    size_t len = strlen(s);
    return v->type == MSGPACK_OBJECT_STR && v->via.str.size == len
           && memcmp(v->via.str.ptr, s, len) == 0;
}

static aws_rpc_code_t take_arg(parse_t *ps, arg_t a, const msgpack_object *v)
{
    aws_request_t *req = ps->req;
    const char *name = arg_names[a];

    switch (a) {
    case ARG_Q:
        return take_str(ps, name, v, AWS_RPC_MAX_QUERY, false, &req->q);
    case ARG_SECTION:
        return take_str(ps, name, v, AWS_RPC_MAX_QUERY, true, &req->section);
    case ARG_ID:
        return take_str(ps, name, v, AWS_RPC_MAX_QUERY, true, &req->id);
    case ARG_TEXT:
        return take_str(ps, name, v, AWS_RPC_MAX_TEXT, true, &req->text);
    case ARG_PREFIX:
        return take_str(ps, name, v, AWS_RPC_MAX_QUERY, false, &req->prefix);
    case ARG_LIMIT:
        /* search may ask for no hits at all (total and facets only). */
        return take_uint(ps, name, v,
                         req->method == AWS_METHOD_SEARCH ? 0 : 1,
                         AWS_RPC_MAX_LIMIT, &req->limit);
    case ARG_OFFSET:
        return take_uint(ps, name, v, 0, AWS_RPC_MAX_OFFSET, &req->offset);
    case ARG_SNIPPETS:
        return take_bool(ps, name, v, &req->snippets);
    case ARG_FACETS:
        return take_bool(ps, name, v, &req->facets);
    case ARG_SORT:
        for (size_t i = 0; i < sizeof(sort_names) / sizeof(sort_names[0]); i++)
            if (str_is(v, sort_names[i])) {
                req->sort = (aws_sort_order_t)i;
                return AWS_RPC_OK;
            }
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params[0].sort: expected \"relevance\", \"year\" or "
                    "\"citations\"");
    case ARG_STYLE:
        if (!str_is(v, DEFAULT_STYLE))
            return fail(ps, AWS_RPC_BAD_REQUEST,
                        "params[0].style: expected \"bibtex\"");
        return take_str(ps, name, v, AWS_RPC_MAX_QUERY, true, &req->style);
    case ARG_COUNT_:
        break;
    }
    return fail(ps, AWS_RPC_INTERNAL, "argument %d has no parser", (int)a);
}

static const char *type_name(const msgpack_object *v)
{
    switch (v->type) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "a boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "an integer";
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: return "a float";
    case MSGPACK_OBJECT_STR: return "a string";
    case MSGPACK_OBJECT_ARRAY: return "an array";
    case MSGPACK_OBJECT_MAP: return "a map";
    case MSGPACK_OBJECT_BIN: return "a bin";
    case MSGPACK_OBJECT_EXT: return "an ext";
    }
    return "an unknown type";
}

static aws_rpc_code_t parse_args(parse_t *ps, const msgpack_object *params)
{
    aws_request_t *req = ps->req;
    const char *mname = aws_method_name(req->method);
    unsigned takes = method_args[req->method].takes, seen = 0;
    char q[48];

    if (params->type != MSGPACK_OBJECT_ARRAY)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params: expected an array holding one map of arguments, "
                    "got %s", type_name(params));
    if (params->via.array.size > 1)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "params: expected at most one element (a map of "
                    "arguments), got %u", (unsigned)params->via.array.size);
    if (params->via.array.size == 1) {
        const msgpack_object *map = &params->via.array.ptr[0];
        if (map->type != MSGPACK_OBJECT_MAP)
            return fail(ps, AWS_RPC_BAD_REQUEST,
                        "params[0]: expected a map of named arguments, got %s",
                        type_name(map));
        for (uint32_t i = 0; i < map->via.map.size; i++) {
            const msgpack_object *k = &map->via.map.ptr[i].key;
            const msgpack_object *v = &map->via.map.ptr[i].val;
            if (k->type != MSGPACK_OBJECT_STR)
                return fail(ps, AWS_RPC_BAD_REQUEST,
                            "params[0]: argument names must be strings, key %u "
                            "is %s", (unsigned)i, type_name(k));
            arg_t a;
            for (a = 0; a < ARG_COUNT_; a++)
                if ((takes & BIT(a)) && str_is(k, arg_names[a]))
                    break;
            if (a == ARG_COUNT_)
                return fail(ps, AWS_RPC_BAD_REQUEST,
                            "unknown argument '%s' for %s",
                            quote(q, k->via.str.ptr, k->via.str.size), mname);
            if (seen & BIT(a))
                return fail(ps, AWS_RPC_BAD_REQUEST,
                            "params[0]: argument '%s' given twice",
                            arg_names[a]);
            seen |= BIT(a);
            aws_rpc_code_t rc = take_arg(ps, a, v);
            if (rc != AWS_RPC_OK)
                return rc;
        }
    }

    unsigned missing = method_args[req->method].requires & ~seen;
    for (arg_t a = 0; a < ARG_COUNT_; a++)
        if (missing & BIT(a))
            return fail(ps, AWS_RPC_BAD_REQUEST, "%s: missing argument '%s'",
                        mname, arg_names[a]);
    if (req->method == AWS_METHOD_RELATED
        && (req->id == NULL) == (req->text == NULL))
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "related: give exactly one of 'id' and 'text'");
    if (req->method == AWS_METHOD_CITE && req->style == NULL) {
        req->style = strdup(DEFAULT_STYLE);
        if (req->style == NULL)
            return fail(ps, AWS_RPC_INTERNAL, "out of memory");
    }
    return AWS_RPC_OK;
}

/* Reads the envelope: [0, msgid, method, params] or [2, method, params]. */
static aws_rpc_code_t parse_message(parse_t *ps, const msgpack_object *obj,
                                    bool *have_msgid)
{
    aws_request_t *req = ps->req;
    char q[48];

    if (obj->type != MSGPACK_OBJECT_ARRAY
        || (obj->via.array.size != 3 && obj->via.array.size != 4))
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "message: expected an array of 4 (request) or 3 "
                    "(notification) elements");
    const msgpack_object *e = obj->via.array.ptr;
    uint32_t size = obj->via.array.size;
    if (e[0].type != MSGPACK_OBJECT_POSITIVE_INTEGER
        || (e[0].via.u64 != 0 && e[0].via.u64 != 2))
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "message[0]: expected the type 0 (request) or 2 "
                    "(notification)");
    if (e[0].via.u64 == 0 && size != 4)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "message: a request has 4 elements "
                    "[0, msgid, method, params]");
    if (e[0].via.u64 == 2 && size != 3)
        return fail(ps, AWS_RPC_BAD_REQUEST,
                    "message: a notification has 3 elements "
                    "[2, method, params]");

    if (size == 4) {
        if (e[1].type != MSGPACK_OBJECT_POSITIVE_INTEGER
            || e[1].via.u64 > UINT32_MAX)
            return fail(ps, AWS_RPC_BAD_REQUEST,
                        "msgid: expected an unsigned 32-bit integer");
        req->msgid = (uint32_t)e[1].via.u64;
        *have_msgid = true;
    } else {
        req->notification = true;
    }

    const msgpack_object *method = &e[size - 2];
    if (method->type != MSGPACK_OBJECT_STR)
        return fail(ps, AWS_RPC_BAD_REQUEST, "method: expected a string");
    if (method->via.str.size > AWS_RPC_MAX_METHOD)
        return fail(ps, AWS_RPC_BAD_REQUEST, "method: longer than %u bytes",
                    AWS_RPC_MAX_METHOD);
    aws_method_t m;
    for (m = 0; m < AWS_METHOD_COUNT_; m++)
        if (str_is(method, aws_method_name(m)))
            break;
    if (m == AWS_METHOD_COUNT_)
        return fail(ps, AWS_RPC_UNKNOWN_METHOD, "unknown method '%s'",
                    quote(q, method->via.str.ptr, method->via.str.size));
    req->method = m;
    return parse_args(ps, &e[size - 1]);
}

aws_rpc_code_t aws_request_parse(const msgpack_object *obj, aws_request_t *req,
                                 bool *have_msgid, char *errbuf, size_t errlen)
{
    parse_t ps = {req, errbuf, errlen};
    bool dummy;

    if (have_msgid == NULL)
        have_msgid = &dummy;
    *have_msgid = false;
    aws_request_init(req, AWS_METHOD_PING);
    if (errbuf != NULL && errlen > 0)
        errbuf[0] = '\0';
    if (obj == NULL)
        return fail(&ps, AWS_RPC_BAD_REQUEST, "message: missing");
    aws_rpc_code_t rc = parse_message(&ps, obj, have_msgid);
    if (rc != AWS_RPC_OK)
        aws_request_free(req);
    return rc;
}

/* ------------------------------------------------------------ packing */

/* Does REQ give argument A a value other than its default? */
static bool arg_given(const aws_request_t *req, arg_t a)
{
    switch (a) {
    case ARG_Q: return req->q != NULL;
    case ARG_LIMIT: return req->limit != DEFAULT_LIMIT;
    case ARG_OFFSET: return req->offset != 0;
    case ARG_SORT: return req->sort != AWS_SORT_RELEVANCE;
    case ARG_SECTION: return req->section != NULL;
    case ARG_SNIPPETS: return !req->snippets;
    case ARG_FACETS: return req->facets;
    case ARG_ID: return req->id != NULL;
    case ARG_TEXT: return req->text != NULL;
    case ARG_STYLE:
        return req->style != NULL && strcmp(req->style, DEFAULT_STYLE) != 0;
    case ARG_PREFIX: return req->prefix != NULL;
    case ARG_COUNT_: break;
    }
    return false;
}

static int pack_arg(msgpack_packer *pk, const aws_request_t *req, arg_t a)
{
    if (aws_rpc_pack_key(pk, arg_names[a]) != 0)
        return -1;
    switch (a) {
    case ARG_Q: return aws_rpc_pack_str(pk, req->q);
    case ARG_LIMIT: return msgpack_pack_unsigned_int(pk, req->limit);
    case ARG_OFFSET: return msgpack_pack_unsigned_int(pk, req->offset);
    case ARG_SORT:
        if ((unsigned)req->sort >= sizeof(sort_names) / sizeof(sort_names[0]))
            return -1;
        return aws_rpc_pack_str(pk, sort_names[req->sort]);
    case ARG_SECTION: return aws_rpc_pack_str(pk, req->section);
    case ARG_SNIPPETS:
        return req->snippets ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case ARG_FACETS:
        return req->facets ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
    case ARG_ID: return aws_rpc_pack_str(pk, req->id);
    case ARG_TEXT: return aws_rpc_pack_str(pk, req->text);
    case ARG_STYLE: return aws_rpc_pack_str(pk, req->style);
    case ARG_PREFIX: return aws_rpc_pack_str(pk, req->prefix);
    case ARG_COUNT_: break;
    }
    return -1;
}

int aws_request_pack(msgpack_packer *pk, const aws_request_t *req)
{
    if ((unsigned)req->method >= AWS_METHOD_COUNT_)
        return -1;
    unsigned takes = method_args[req->method].takes, give = 0, n = 0;
    for (arg_t a = 0; a < ARG_COUNT_; a++)
        if ((takes & BIT(a)) && arg_given(req, a)) {
            give |= BIT(a);
            n++;
        }

    if (req->notification) {
        if (msgpack_pack_array(pk, 3) != 0 || msgpack_pack_uint8(pk, 2) != 0)
            return -1;
    } else {
        if (msgpack_pack_array(pk, 4) != 0 || msgpack_pack_uint8(pk, 0) != 0
            || msgpack_pack_uint32(pk, req->msgid) != 0)
            return -1;
    }
    if (aws_rpc_pack_str(pk, aws_method_name(req->method)) != 0)
        return -1;
    if (n == 0)
        return msgpack_pack_array(pk, 0) != 0 ? -1 : 0;
    if (msgpack_pack_array(pk, 1) != 0 || msgpack_pack_map(pk, n) != 0)
        return -1;
    for (arg_t a = 0; a < ARG_COUNT_; a++)
        if ((give & BIT(a)) && pack_arg(pk, req, a) != 0)
            return -1;
    return 0;
}
