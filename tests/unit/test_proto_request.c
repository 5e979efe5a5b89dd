/* test_proto_request.c - unit tests of request validation and packing.
 *
 * Every malformed shape of [0, msgid, method, params] and of each method's
 * arguments, written as msgpack literals (test_proto_lit.c), must give the
 * right code and a message naming the position or argument; every method
 * must survive aws_request_pack -> reader -> aws_request_parse unchanged;
 * and the requests written by Debian's python3-msgpack for the fuzz corpus
 * (tests/fuzz/corpus/proto/valid-*) must be accepted.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

/* From test_proto_lit.c. */
void lit_pack(msgpack_packer *pk, const char *lit);

/* The outcome of parsing one literal: the request stays valid until the
 * next parse_lit call (or the teardown) frees it. */
typedef struct parsed {
    aws_request_t req;
    bool have_msgid;
    char err[256];
} parsed_t;

static int setup(void **state)
{
    parsed_t *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    parsed_t *p = *state;
    aws_request_free(&p->req);
    free(p);
    return 0;
}

static aws_rpc_code_t parse_lit(parsed_t *p, const char *lit)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked msg;
    size_t off = 0;

    aws_request_free(&p->req);
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    lit_pack(&pk, lit);
    msgpack_unpacked_init(&msg);
    assert_int_equal(msgpack_unpack_next(&msg, sb.data, sb.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    aws_rpc_code_t rc = aws_request_parse(&msg.data, &p->req, &p->have_msgid,
                                          p->err, sizeof(p->err));
    msgpack_unpacked_destroy(&msg);
    msgpack_sbuffer_destroy(&sb);
    return rc;
}

typedef struct bad_case {
    const char *lit;
    aws_rpc_code_t code;
    const char *message;  /* the whole error message */
    bool have_msgid;
} bad_case_t;

static const bad_case_t bad_cases[] = {
    /* The envelope. */
    {"5", AWS_RPC_BAD_REQUEST,
     "message: expected an array of 4 (request) or 3 (notification) elements",
     false},
    {"{\"method\": \"ping\"}", AWS_RPC_BAD_REQUEST,
     "message: expected an array of 4 (request) or 3 (notification) elements",
     false},
    {"[0, 1, \"ping\", [], 5]", AWS_RPC_BAD_REQUEST,
     "message: expected an array of 4 (request) or 3 (notification) elements",
     false},
    {"[]", AWS_RPC_BAD_REQUEST,
     "message: expected an array of 4 (request) or 3 (notification) elements",
     false},
    {"[0, 1, \"ping\"]", AWS_RPC_BAD_REQUEST,
     "message: a request has 4 elements [0, msgid, method, params]", false},
    {"[2, \"ping\", [], 1]", AWS_RPC_BAD_REQUEST,
     "message: a notification has 3 elements [2, method, params]", false},
    {"[1, 1, nil, nil]", AWS_RPC_BAD_REQUEST,
     "message[0]: expected the type 0 (request) or 2 (notification)", false},
    {"[\"0\", 1, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "message[0]: expected the type 0 (request) or 2 (notification)", false},
    {"[-1, 1, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "message[0]: expected the type 0 (request) or 2 (notification)", false},
    {"[0.0, 1, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "message[0]: expected the type 0 (request) or 2 (notification)", false},
    /* The msgid. */
    {"[0, -1, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "msgid: expected an unsigned 32-bit integer", false},
    {"[0, 4294967296, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "msgid: expected an unsigned 32-bit integer", false},
    {"[0, \"7\", \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "msgid: expected an unsigned 32-bit integer", false},
    {"[0, 1.5, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "msgid: expected an unsigned 32-bit integer", false},
    {"[0, nil, \"ping\", []]", AWS_RPC_BAD_REQUEST,
     "msgid: expected an unsigned 32-bit integer", false},
    /* The method: from here on the msgid is known and a reply can go. */
    {"[0, 1, 5, []]", AWS_RPC_BAD_REQUEST, "method: expected a string", true},
    {"[0, 1, bin\"ping\", []]", AWS_RPC_BAD_REQUEST,
     "method: expected a string", true},
    {"[0, 1, nil, []]", AWS_RPC_BAD_REQUEST, "method: expected a string", true},
    {"[0, 1, x*65, []]", AWS_RPC_BAD_REQUEST, "method: longer than 64 bytes",
     true},
    {"[0, 1, \"foo\", []]", AWS_RPC_UNKNOWN_METHOD, "unknown method 'foo'",
     true},
    {"[0, 1, \"PING\", []]", AWS_RPC_UNKNOWN_METHOD, "unknown method 'PING'",
     true},
    {"[0, 1, \"pin\", []]", AWS_RPC_UNKNOWN_METHOD, "unknown method 'pin'",
     true},
    {"[0, 1, \"ping\\0\", []]", AWS_RPC_UNKNOWN_METHOD,
     "unknown method 'ping?'", true},
    {"[0, 1, x*64, []]", AWS_RPC_UNKNOWN_METHOD,
     "unknown method 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'", true},
    /* params. */
    {"[0, 1, \"ping\", {}]", AWS_RPC_BAD_REQUEST,
     "params: expected an array holding one map of arguments, got a map",
     true},
    {"[0, 1, \"ping\", nil]", AWS_RPC_BAD_REQUEST,
     "params: expected an array holding one map of arguments, got nil", true},
    {"[0, 1, \"ping\", [{}, {}]]", AWS_RPC_BAD_REQUEST,
     "params: expected at most one element (a map of arguments), got 2", true},
    {"[0, 1, \"search\", [\"q\"]]", AWS_RPC_BAD_REQUEST,
     "params[0]: expected a map of named arguments, got a string", true},
    {"[0, 1, \"search\", [[\"q\", \"x\"]]]", AWS_RPC_BAD_REQUEST,
     "params[0]: expected a map of named arguments, got an array", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", 1: \"x\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0]: argument names must be strings, key 1 is an integer", true},
    {"[0, 1, \"search\", [{bin\"q\": \"x\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0]: argument names must be strings, key 0 is a bin", true},
    {"[0, 1, \"search\", [{\"foo\": 1}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'foo' for search", true},
    {"[0, 1, \"search\", [{\"Q\": \"x\"}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'Q' for search", true},
    {"[0, 1, \"get\", [{\"id\": \"x\", \"limit\": 5}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'limit' for get", true},
    {"[0, 1, \"ping\", [{\"x\": 1}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'x' for ping", true},
    {"[0, 1, \"stats\", [{\"q\": \"x\"}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'q' for stats", true},
    {"[0, 1, \"search\", [{\"q\": \"a\", \"q\": \"b\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0]: argument 'q' given twice", true},
    /* search's arguments, each with a wrong type and out of range. */
    {"[0, 1, \"search\", []]", AWS_RPC_BAD_REQUEST,
     "search: missing argument 'q'", true},
    {"[0, 1, \"search\", [{}]]", AWS_RPC_BAD_REQUEST,
     "search: missing argument 'q'", true},
    {"[0, 1, \"search\", [{\"limit\": 3}]]", AWS_RPC_BAD_REQUEST,
     "search: missing argument 'q'", true},
    {"[0, 1, \"search\", [{\"q\": 5}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: expected a string", true},
    {"[0, 1, \"search\", [{\"q\": nil}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: expected a string", true},
    {"[0, 1, \"search\", [{\"q\": bin\"moe\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: expected a string", true},
    {"[0, 1, \"search\", [{\"q\": x*4097}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: longer than 4096 bytes", true},
    {"[0, 1, \"search\", [{\"q\": \"a\\0b\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: contains a NUL byte", true},
    {"[0, 1, \"search\", [{\"q\": \"ab\\xff\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 2", true},
    {"[0, 1, \"search\", [{\"q\": \"\\xc3\\x28\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 0", true},
    {"[0, 1, \"search\", [{\"q\": \"a\\xc0\\x80\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 1", true},
    {"[0, 1, \"search\", [{\"q\": \"\\xed\\xa0\\x80\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 0", true},
    {"[0, 1, \"search\", [{\"q\": \"\\xf4\\x90\\x80\\x80\"}]]",
     AWS_RPC_BAD_REQUEST, "params[0].q: not valid UTF-8 at byte 0", true},
    {"[0, 1, \"search\", [{\"q\": \"\\xe0\\x80\\xaf\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 0", true},
    {"[0, 1, \"search\", [{\"q\": \"ok \\xe2\\x82\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].q: not valid UTF-8 at byte 3", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": -1}]]", AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": 1001}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": 18446744073709551615}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": \"10\"}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": 10.0}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"limit\": true}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected an integer from 0 to 1000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"offset\": -5}]]", AWS_RPC_BAD_REQUEST,
     "params[0].offset: expected an integer from 0 to 100000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"offset\": 100001}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].offset: expected an integer from 0 to 100000", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"sort\": \"random\"}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].sort: expected \"relevance\", \"year\" or \"citations\"",
     true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"sort\": \"Year\"}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].sort: expected \"relevance\", \"year\" or \"citations\"",
     true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"sort\": 1}]]", AWS_RPC_BAD_REQUEST,
     "params[0].sort: expected \"relevance\", \"year\" or \"citations\"",
     true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"section\": 5}]]",
     AWS_RPC_BAD_REQUEST, "params[0].section: expected a string", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"section\": \"\"}]]",
     AWS_RPC_BAD_REQUEST, "params[0].section: must not be empty", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"snippets\": 1}]]",
     AWS_RPC_BAD_REQUEST, "params[0].snippets: expected true or false", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"snippets\": \"yes\"}]]",
     AWS_RPC_BAD_REQUEST, "params[0].snippets: expected true or false", true},
    {"[0, 1, \"search\", [{\"q\": \"x\", \"facets\": nil}]]",
     AWS_RPC_BAD_REQUEST, "params[0].facets: expected true or false", true},
    /* related. */
    {"[0, 1, \"related\", []]", AWS_RPC_BAD_REQUEST,
     "related: give exactly one of 'id' and 'text'", true},
    {"[0, 1, \"related\", [{\"limit\": 5}]]", AWS_RPC_BAD_REQUEST,
     "related: give exactly one of 'id' and 'text'", true},
    {"[0, 1, \"related\", [{\"id\": \"2401.13160\", \"text\": \"moe\"}]]",
     AWS_RPC_BAD_REQUEST, "related: give exactly one of 'id' and 'text'",
     true},
    {"[0, 1, \"related\", [{\"text\": \"\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].text: must not be empty", true},
    {"[0, 1, \"related\", [{\"text\": x*65537}]]", AWS_RPC_BAD_REQUEST,
     "params[0].text: longer than 65536 bytes", true},
    {"[0, 1, \"related\", [{\"text\": 1}]]", AWS_RPC_BAD_REQUEST,
     "params[0].text: expected a string", true},
    {"[0, 1, \"related\", [{\"id\": \"\"}]]", AWS_RPC_BAD_REQUEST,
     "params[0].id: must not be empty", true},
    {"[0, 1, \"related\", [{\"id\": \"x\", \"limit\": 0}]]", AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected a positive integer <= 1000", true},
    {"[0, 1, \"related\", [{\"id\": \"x\", \"offset\": 2}]]",
     AWS_RPC_BAD_REQUEST, "unknown argument 'offset' for related", true},
    /* get, cite, suggest. */
    {"[0, 1, \"get\", []]", AWS_RPC_BAD_REQUEST, "get: missing argument 'id'",
     true},
    {"[0, 1, \"get\", [{\"id\": 2401}]]", AWS_RPC_BAD_REQUEST,
     "params[0].id: expected a string", true},
    {"[0, 1, \"get\", [{\"id\": x*4097}]]", AWS_RPC_BAD_REQUEST,
     "params[0].id: longer than 4096 bytes", true},
    {"[0, 1, \"cite\", [{\"style\": \"bibtex\"}]]", AWS_RPC_BAD_REQUEST,
     "cite: missing argument 'id'", true},
    {"[0, 1, \"cite\", [{\"id\": \"x\", \"style\": \"apa\"}]]",
     AWS_RPC_BAD_REQUEST, "params[0].style: expected \"bibtex\"", true},
    {"[0, 1, \"suggest\", []]", AWS_RPC_BAD_REQUEST,
     "suggest: missing argument 'prefix'", true},
    {"[0, 1, \"suggest\", [{\"prefix\": \"mo\", \"limit\": 0}]]",
     AWS_RPC_BAD_REQUEST,
     "params[0].limit: expected a positive integer <= 1000", true},
    {"[0, 1, \"suggest\", [{\"prefix\": [\"mo\"]}]]", AWS_RPC_BAD_REQUEST,
     "params[0].prefix: expected a string", true},
    /* A notification is checked the same way, and has no msgid. */
    {"[2, \"search\", [{\"foo\": 1}]]", AWS_RPC_BAD_REQUEST,
     "unknown argument 'foo' for search", false},
    {"[2, \"nope\", []]", AWS_RPC_UNKNOWN_METHOD, "unknown method 'nope'",
     false},
};

static void test_bad_requests(void **state)
{
    parsed_t *p = *state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        const bad_case_t *c = &bad_cases[i];
        aws_rpc_code_t rc = parse_lit(p, c->lit);
        if (rc != c->code || strcmp(p->err, c->message) != 0
            || p->have_msgid != c->have_msgid)
            fail_msg("%s\n  got %s '%s' have_msgid=%d\n  want %s '%s' "
                     "have_msgid=%d",
                     c->lit, aws_rpc_code_name(rc), p->err, p->have_msgid,
                     aws_rpc_code_name(c->code), c->message, c->have_msgid);
        if (p->have_msgid)
            assert_int_equal(p->req.msgid, 1);
        /* A failed parse owns no strings. */
        assert_null(p->req.q);
        assert_null(p->req.id);
        assert_null(p->req.text);
    }
}

static void test_search_defaults(void **state)
{
    parsed_t *p = *state;
    assert_int_equal(parse_lit(p, "[0, 7, \"search\", [{\"q\": \"moe scaling\"}]]"),
                     AWS_RPC_OK);
    assert_true(p->have_msgid);
    assert_false(p->req.notification);
    assert_int_equal(p->req.msgid, 7);
    assert_int_equal(p->req.method, AWS_METHOD_SEARCH);
    assert_string_equal(p->req.q, "moe scaling");
    assert_int_equal(p->req.limit, 10);
    assert_int_equal(p->req.offset, 0);
    assert_int_equal(p->req.sort, AWS_SORT_RELEVANCE);
    assert_null(p->req.section);
    assert_true(p->req.snippets);
    assert_false(p->req.facets);
    assert_string_equal(p->err, "");
}

static void test_search_every_argument(void **state)
{
    parsed_t *p = *state;
    assert_int_equal(
        parse_lit(p, "[0, 4294967295, \"search\", [{\"q\": \"Fran\\xc3\\xa7ois "
                  "\\xe8\\xb4\\xab \\xf0\\x9f\\x98\\x80\", \"limit\": 1000, "
                  "\"offset\": 100000, \"sort\": \"citations\", \"section\": "
                  "\"Mixture of Experts\", \"snippets\": false, "
                  "\"facets\": true}]]"),
        AWS_RPC_OK);
    assert_int_equal(p->req.msgid, UINT32_MAX);
    assert_string_equal(p->req.q, "Fran\xc3\xa7ois \xe8\xb4\xab \xf0\x9f\x98\x80");
    assert_int_equal(p->req.limit, 1000);
    assert_int_equal(p->req.offset, 100000);
    assert_int_equal(p->req.sort, AWS_SORT_CITATIONS);
    assert_string_equal(p->req.section, "Mixture of Experts");
    assert_false(p->req.snippets);
    assert_true(p->req.facets);

    assert_int_equal(parse_lit(p, "[0, 0, \"search\", [{\"q\": \"\", \"limit\": 0,"
                               " \"sort\": \"year\"}]]"),
                     AWS_RPC_OK);
    assert_string_equal(p->req.q, "");
    assert_int_equal(p->req.limit, 0);
    assert_int_equal(p->req.sort, AWS_SORT_YEAR);
    assert_int_equal(parse_lit(p, "[0, 0, \"search\", [{\"q\": x*4096}]]"),
                     AWS_RPC_OK);
    assert_int_equal(strlen(p->req.q), 4096);
    assert_int_equal(parse_lit(p, "[0, 0, \"search\", [{\"q\": \"x\", \"sort\": "
                               "\"relevance\"}]]"),
                     AWS_RPC_OK);
    assert_int_equal(p->req.sort, AWS_SORT_RELEVANCE);
}

static void test_other_methods(void **state)
{
    parsed_t *p = *state;
    assert_int_equal(parse_lit(p, "[0, 2, \"related\", [{\"id\": \"2401.13160\"}]]"),
                     AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_RELATED);
    assert_string_equal(p->req.id, "2401.13160");
    assert_null(p->req.text);
    assert_int_equal(p->req.limit, 10);

    assert_int_equal(parse_lit(p, "[0, 2, \"related\", [{\"text\": x*65536, "
                               "\"limit\": 1}]]"),
                     AWS_RPC_OK);
    assert_int_equal(strlen(p->req.text), 65536);
    assert_null(p->req.id);
    assert_int_equal(p->req.limit, 1);

    assert_int_equal(parse_lit(p, "[0, 3, \"get\", [{\"id\": \"owner/name\"}]]"),
                     AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_GET);
    assert_string_equal(p->req.id, "owner/name");

    assert_int_equal(parse_lit(p, "[0, 4, \"cite\", [{\"id\": \"2401.13160\"}]]"),
                     AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_CITE);
    assert_string_equal(p->req.style, "bibtex");
    assert_int_equal(parse_lit(p, "[0, 4, \"cite\", [{\"id\": \"x\", \"style\": "
                               "\"bibtex\"}]]"),
                     AWS_RPC_OK);
    assert_string_equal(p->req.style, "bibtex");

    assert_int_equal(parse_lit(p, "[0, 5, \"suggest\", [{\"prefix\": \"mix\", "
                               "\"limit\": 3}]]"),
                     AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_SUGGEST);
    assert_string_equal(p->req.prefix, "mix");
    assert_int_equal(p->req.limit, 3);

    assert_int_equal(parse_lit(p, "[0, 6, \"stats\", []]"), AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_STATS);
    assert_int_equal(parse_lit(p, "[0, 7, \"ping\", [{}]]"), AWS_RPC_OK);
    assert_int_equal(p->req.method, AWS_METHOD_PING);
}

static void test_notification(void **state)
{
    parsed_t *p = *state;
    assert_int_equal(parse_lit(p, "[2, \"ping\", []]"), AWS_RPC_OK);
    assert_true(p->req.notification);
    assert_false(p->have_msgid);
    assert_int_equal(p->req.method, AWS_METHOD_PING);
    assert_int_equal(parse_lit(p, "[2, \"search\", [{\"q\": \"moe\"}]]"),
                     AWS_RPC_OK);
    assert_true(p->req.notification);
    assert_string_equal(p->req.q, "moe");
    /* A failing notification still says it was one. */
    assert_int_equal(parse_lit(p, "[2, \"search\", [{\"q\": 1}]]"),
                     AWS_RPC_BAD_REQUEST);
    assert_true(p->req.notification);
}

/* A short error buffer gets a truncated, terminated message; none at all
 * is allowed too. */
static void test_small_error_buffer(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_unpacked msg;
    size_t off = 0;
    char small[8];
    aws_request_t r;
    bool hm;

    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    lit_pack(&pk, "[0, 1, \"nope\", []]");
    msgpack_unpacked_init(&msg);
    assert_int_equal(msgpack_unpack_next(&msg, sb.data, sb.size, &off),
                     MSGPACK_UNPACK_SUCCESS);
    memset(small, 'z', sizeof(small));
    assert_int_equal(aws_request_parse(&msg.data, &r, &hm, small, sizeof(small)),
                     AWS_RPC_UNKNOWN_METHOD);
    assert_string_equal(small, "unknown");
    assert_int_equal(aws_request_parse(&msg.data, &r, NULL, NULL, 0),
                     AWS_RPC_UNKNOWN_METHOD);
    assert_int_equal(aws_request_parse(NULL, &r, &hm, small, sizeof(small)),
                     AWS_RPC_BAD_REQUEST);
    aws_request_free(&r);
    msgpack_unpacked_destroy(&msg);
    msgpack_sbuffer_destroy(&sb);
}

/* ------------------------------------------------------------ round trips */

/* Packs IN, reads it back through a reader as the daemon would, and parses
 * it into OUT. */
static void round_trip(const aws_request_t *in, aws_request_t *out)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    assert_int_equal(aws_request_pack(&pk, in), 0);
    aws_rpc_reader_t *r = aws_rpc_reader_new(0);
    assert_non_null(r);
    assert_int_equal(aws_rpc_reader_feed(r, sb.data, sb.size), 0);
    msgpack_object *obj;
    assert_int_equal(aws_rpc_reader_next(r, &obj, NULL), AWS_RPC_MESSAGE);
    bool hm;
    char e[256];
    aws_rpc_code_t rc = aws_request_parse(obj, out, &hm, e, sizeof(e));
    if (rc != AWS_RPC_OK)
        fail_msg("%s: %s", aws_method_name(in->method), e);
    assert_int_equal(hm, !in->notification);
    assert_int_equal(aws_rpc_reader_next(r, &obj, NULL), AWS_RPC_NEED_MORE);
    aws_rpc_reader_free(r);
    msgpack_sbuffer_destroy(&sb);
}

static void assert_str_same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        assert_ptr_equal(a, b);
    else
        assert_string_equal(a, b);
}

static void assert_same_request(const aws_request_t *a, const aws_request_t *b)
{
    assert_int_equal(a->msgid, b->msgid);
    assert_int_equal(a->notification, b->notification);
    assert_int_equal(a->method, b->method);
    assert_str_same(a->q, b->q);
    assert_int_equal(a->limit, b->limit);
    assert_int_equal(a->offset, b->offset);
    assert_int_equal(a->sort, b->sort);
    assert_str_same(a->section, b->section);
    assert_int_equal(a->snippets, b->snippets);
    assert_int_equal(a->facets, b->facets);
    assert_str_same(a->id, b->id);
    assert_str_same(a->text, b->text);
    assert_str_same(a->prefix, b->prefix);
}

static void test_round_trip_every_method(void **state)
{
    (void)state;
    aws_request_t in, out;
    char q[] = "mixture \"of experts\" author:ye", section[] = "Pretraining",
         id[] = "2401.13160", text[] = "sparse gating networks",
         prefix[] = "distil", bibtex[] = "bibtex";

    for (aws_method_t m = 0; m < AWS_METHOD_COUNT_; m++) {
        /* Defaults plus whatever the method requires. */
        aws_request_init(&in, m);
        in.msgid = 1000 + m;
        if (m == AWS_METHOD_SEARCH)
            in.q = q;
        if (m == AWS_METHOD_RELATED || m == AWS_METHOD_GET
            || m == AWS_METHOD_CITE)
            in.id = id;
        if (m == AWS_METHOD_SUGGEST)
            in.prefix = prefix;
        round_trip(&in, &out);
        assert_same_request(&in, &out);
        if (m == AWS_METHOD_CITE)
            assert_string_equal(out.style, "bibtex");
        aws_request_free(&out);

        /* The same as a notification. */
        in.notification = true;
        round_trip(&in, &out);
        assert_int_equal(out.msgid, 0);
        out.msgid = in.msgid;
        assert_same_request(&in, &out);
        aws_request_free(&out);
    }

    /* Every search argument away from its default. */
    aws_request_init(&in, AWS_METHOD_SEARCH);
    in.msgid = UINT32_MAX;
    in.q = q;
    in.limit = 0;
    in.offset = 40;
    in.sort = AWS_SORT_YEAR;
    in.section = section;
    in.snippets = false;
    in.facets = true;
    round_trip(&in, &out);
    assert_same_request(&in, &out);
    aws_request_free(&out);

    /* related by text, with a limit; cite with its style spelt out. */
    aws_request_init(&in, AWS_METHOD_RELATED);
    in.text = text;
    in.limit = 1000;
    round_trip(&in, &out);
    assert_same_request(&in, &out);
    aws_request_free(&out);
    aws_request_init(&in, AWS_METHOD_CITE);
    in.id = id;
    in.style = bibtex;
    round_trip(&in, &out);
    assert_same_request(&in, &out);
    aws_request_free(&out);

    /* Fields a method does not take are not sent, so the daemon never sees
     * an argument it would refuse. */
    aws_request_init(&in, AWS_METHOD_GET);
    in.id = id;
    in.q = q;
    in.limit = 3;
    in.facets = true;
    round_trip(&in, &out);
    assert_string_equal(out.id, id);
    assert_null(out.q);
    assert_int_equal(out.limit, 10);
    assert_false(out.facets);
    aws_request_free(&out);
}

/* Only what differs from the defaults is packed: ping is [0, 9, "ping", []]
 * and a plain search carries q alone. */
static void test_pack_is_minimal(void **state)
{
    (void)state;
    msgpack_sbuffer sb, want;
    msgpack_packer pk, wpk;
    aws_request_t in;
    char q[] = "moe";

    msgpack_sbuffer_init(&sb);
    msgpack_sbuffer_init(&want);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    msgpack_packer_init(&wpk, &want, msgpack_sbuffer_write);
    aws_request_init(&in, AWS_METHOD_PING);
    in.msgid = 9;
    assert_int_equal(aws_request_pack(&pk, &in), 0);
    lit_pack(&wpk, "[0, 9, \"ping\", []]");
    aws_request_init(&in, AWS_METHOD_SEARCH);
    in.msgid = 10;
    in.q = q;
    assert_int_equal(aws_request_pack(&pk, &in), 0);
    lit_pack(&wpk, "[0, 10, \"search\", [{\"q\": \"moe\"}]]");
    assert_int_equal(sb.size, want.size);
    assert_memory_equal(sb.data, want.data, sb.size);
    msgpack_sbuffer_destroy(&sb);
    msgpack_sbuffer_destroy(&want);
}

/* The requests Debian's python3-msgpack wrote for the fuzz corpus (an
 * encoder we did not write) are all accepted. */
static void test_python_msgpack_requests(void **state)
{
    (void)state;
    const char *src = getenv("AWS_SOURCE_DIR");
    assert_non_null(src);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/proto", src);
    DIR *d = opendir(dir);
    assert_non_null(d);
    int seen = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "valid-", 6) != 0)
            continue;
        char path[4096 + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof(buf), fp);
        fclose(fp);
        aws_rpc_reader_t *r = aws_rpc_reader_new(0);
        assert_non_null(r);
        assert_int_equal(aws_rpc_reader_feed(r, buf, n), 0);
        msgpack_object *obj;
        const char *why = NULL;
        int msgs = 0;
        aws_rpc_next_t rc;
        while ((rc = aws_rpc_reader_next(r, &obj, &why)) == AWS_RPC_MESSAGE) {
            aws_request_t out;
            bool hm;
            char e[256];
            if (aws_request_parse(obj, &out, &hm, e, sizeof(e)) != AWS_RPC_OK)
                fail_msg("%s: %s", de->d_name, e);
            aws_request_free(&out);
            msgs++;
        }
        if (rc != AWS_RPC_NEED_MORE)
            fail_msg("%s: %s", de->d_name, why);
        assert_true(msgs > 0);
        aws_rpc_reader_free(r);
        seen++;
    }
    closedir(d);
    assert_true(seen >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_search_every_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_methods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_notification, setup, teardown),
        cmocka_unit_test(test_small_error_buffer),
        cmocka_unit_test(test_round_trip_every_method),
        cmocka_unit_test(test_pack_is_minimal),
        cmocka_unit_test(test_python_msgpack_requests),
    };
    return cmocka_run_group_tests_name("proto requests", tests, NULL, NULL);
}
