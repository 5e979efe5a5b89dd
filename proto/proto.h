/* proto.h - awsearch's msgpack-RPC message layer, without sockets.
 *
 * Bytes in, messages out: a streaming reader (feed bytes, take whole
 * messages), one validation step from a msgpack value to a typed request,
 * and encoders for requests, responses and errors.  Shared by the daemon,
 * the client, the unit tests and the fuzzer.  See SPEC.md "Wire protocol".
 *
 * Everything a peer controls is bounded before memory is taken from a
 * declared length: message size, nesting depth, string, array and map
 * lengths.  A violation is reported, never allocated.
 */
#ifndef AWS_PROTO_H
#define AWS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>

/* ------------------------------------------------------------ error codes */

typedef enum aws_rpc_code {
    AWS_RPC_OK = 0,
    AWS_RPC_BAD_REQUEST = 1,
    AWS_RPC_UNKNOWN_METHOD = 2,
    AWS_RPC_QUERY_SYNTAX = 3,
    AWS_RPC_NOT_FOUND = 4,
    AWS_RPC_TOO_LARGE = 5,
    AWS_RPC_BUSY = 6,
    AWS_RPC_INTERNAL = 7,
    AWS_RPC_UNAVAILABLE = 8,
} aws_rpc_code_t;

/* SPEC.md's name for CODE ("bad_request", ...); never NULL. */
const char *aws_rpc_code_name(aws_rpc_code_t code);

/* ------------------------------------------------------------ limits */

#define AWS_RPC_MAX_MESSAGE   (1024u * 1024u) /* bytes in one message */
#define AWS_RPC_MAX_DEPTH     16u             /* nesting of arrays/maps */
#define AWS_RPC_MAX_METHOD    64u             /* bytes in a method name */
#define AWS_RPC_MAX_QUERY     4096u           /* bytes in q / prefix / id */
#define AWS_RPC_MAX_TEXT      (64u * 1024u)   /* bytes in related's text */
#define AWS_RPC_MAX_LIMIT     1000u           /* search/related/suggest limit */
#define AWS_RPC_MAX_OFFSET    100000u         /* search offset (Xapian keeps
                                                 offset+limit hits in memory) */

/* ------------------------------------------------------------ stream reader */

typedef struct aws_rpc_reader aws_rpc_reader_t;

typedef enum aws_rpc_next {
    AWS_RPC_NEED_MORE = 0,  /* no whole message buffered yet */
    AWS_RPC_MESSAGE,        /* *OBJ is the next message */
    AWS_RPC_ERR_TOO_LARGE,  /* a message passes max_message or its element
                               budget: close after replying */
    AWS_RPC_ERR_MALFORMED,  /* not msgpack, or nested too deep: close the stream */
    AWS_RPC_ERR_NOMEM,
} aws_rpc_next_t;

/* A reader for one stream; MAX_MESSAGE 0 means AWS_RPC_MAX_MESSAGE.
 * Returns NULL when out of memory.  Free with aws_rpc_reader_free.
 * A client reading responses should pass a larger MAX_MESSAGE (a search of
 * 1000 hits with snippets can pass 1 MiB); the daemon reading requests
 * passes 0. */
aws_rpc_reader_t *aws_rpc_reader_new(size_t max_message);
void aws_rpc_reader_free(aws_rpc_reader_t *r);

/* msgpack-c spends a 24-byte msgpack_object on every array element and map
 * key and value, so the memory a message costs is bounded by its element
 * count, not its size: 1 MiB of one-byte nils would take 24 MiB.  A reader
 * therefore also refuses (ERR_TOO_LARGE) a message declaring more elements
 * than max_message / AWS_RPC_BYTES_PER_ELEMENT (at least 64), which keeps
 * a message's objects under 1.5 times its size; set_max_elements changes
 * that budget for a stream. */
#define AWS_RPC_BYTES_PER_ELEMENT 16u
size_t aws_rpc_reader_default_elements(size_t max_message);
void aws_rpc_reader_set_max_elements(aws_rpc_reader_t *r, size_t n);

/* From now on every message on R must open as msgpack-RPC does: an array
 * of 4 starting with 0 or 1 and an unsigned 32-bit msgid, or an array of 3
 * starting with 2.  Anything else is ERR_MALFORMED as soon as its first
 * bytes show it, so a peer sending garbage (an HTTP request, random bytes)
 * is refused at once instead of being waited on for the rest of a
 * "message" that will never come.  What follows the envelope's head
 * (method, params, error, result) is aws_request_parse's and
 * aws_response_parse's to check.  The daemon and the client both want
 * this; readers without it take any msgpack. */
void aws_rpc_reader_require_rpc(aws_rpc_reader_t *r);

/* Zero-copy feeding (for libuv's alloc_cb/read_cb): reserve room for at least
 * WANT bytes and get the buffer to read into, then report how many bytes
 * arrived.  reserve returns 0, or -1 when out of memory. */
int aws_rpc_reader_reserve(aws_rpc_reader_t *r, size_t want, char **buf,
                           size_t *cap);
void aws_rpc_reader_consumed(aws_rpc_reader_t *r, size_t n);

/* Copies LEN bytes of DATA into the reader; 0, or -1 when out of memory.
 * Once the stream has failed, the rest of DATA is dropped, not buffered. */
int aws_rpc_reader_feed(aws_rpc_reader_t *r, const void *data, size_t len);

/* Takes the next whole message.  On AWS_RPC_MESSAGE, *OBJ points into
 * memory that stays valid until the next call of aws_rpc_reader_next (or
 * aws_rpc_reader_free): copy what must outlive it.  On an error, *WHY (when
 * not NULL) is a static one-line reason with the byte offset in the stream
 * where it was found written into the reader's buffer, valid as *OBJ.
 *
 * Every byte is checked as it arrives; the messages that came whole before
 * a bad byte are still handed out first, then the error, and from then on
 * the same error on every call.  ERR_TOO_LARGE: a message, or a length its
 * header declares, passes MAX_MESSAGE (a 5-byte header declaring 4 billion
 * elements is refused before anything is allocated for it), or its headers
 * declare more elements than the element budget above.  ERR_MALFORMED: the
 * byte 0xc1, nesting deeper than AWS_RPC_MAX_DEPTH, or (after
 * aws_rpc_reader_require_rpc) a message that cannot be msgpack-RPC.
 * proto/README.md has the rules in full. */
aws_rpc_next_t aws_rpc_reader_next(aws_rpc_reader_t *r, msgpack_object **obj,
                                   const char **why);

/* Bytes consumed from the stream so far (for error messages): the stream
 * offset where the next message not yet taken begins. */
uint64_t aws_rpc_reader_offset(const aws_rpc_reader_t *r);

/* After aws_rpc_reader_next returned an error: when the failing message began
 * [0, msgid, ...] and its msgid was read before the problem, stores it in
 * *MSGID and returns true, so that (for instance) too_large can be answered
 * to the right request before the stream is closed.  False otherwise. */
bool aws_rpc_reader_error_msgid(const aws_rpc_reader_t *r, uint32_t *msgid);

/* Bytes held in the reader and not yet taken as messages. */
size_t aws_rpc_reader_buffered(const aws_rpc_reader_t *r);

/* ------------------------------------------------------------ requests */

typedef enum aws_method {
    AWS_METHOD_SEARCH = 0,
    AWS_METHOD_RELATED,
    AWS_METHOD_GET,
    AWS_METHOD_CITE,
    AWS_METHOD_SUGGEST,
    AWS_METHOD_STATS,
    AWS_METHOD_PING,
    AWS_METHOD_COUNT_,
} aws_method_t;

const char *aws_method_name(aws_method_t m);

typedef enum aws_sort_order {
    AWS_SORT_RELEVANCE = 0,
    AWS_SORT_YEAR,
    AWS_SORT_CITATIONS,
} aws_sort_order_t;

/* A validated request.  Owns its strings (malloc'd copies, NULL when the
 * argument was not given); fields a method does not take keep their
 * defaults.  Free with aws_request_free. */
typedef struct aws_request {
    uint32_t msgid;
    bool notification;        /* [2, method, params]: no reply is sent */
    aws_method_t method;
    char *q;                  /* search */
    unsigned limit;           /* search/related/suggest; default 10 */
    unsigned offset;          /* search; default 0 */
    aws_sort_order_t sort;    /* search; default relevance */
    char *section;            /* search */
    bool snippets;            /* search; default true */
    bool facets;              /* search; default false */
    char *id;                 /* related/get/cite */
    char *text;               /* related */
    char *style;              /* cite; default "bibtex" */
    char *prefix;             /* suggest */
} aws_request_t;

/* Sets every field of REQ to its default, for METHOD. */
void aws_request_init(aws_request_t *req, aws_method_t method);
void aws_request_free(aws_request_t *req);

/* Validates OBJ as a msgpack-RPC request or notification and fills REQ.
 * Arguments as SPEC.md's method table: search needs q (may be empty) and
 * takes limit 0..AWS_RPC_MAX_LIMIT (0: total and facets only) and offset
 * 0..AWS_RPC_MAX_OFFSET; related needs exactly one of id and text; get and
 * cite need id; suggest needs prefix; related/suggest limits are
 * 1..AWS_RPC_MAX_LIMIT; cite's style is "bibtex" only, and after a
 * successful parse of cite REQ->style is never NULL.  Strings must be UTF-8
 * without NUL bytes; id, section and text must not be empty.  On failure REQ
 * owns no strings (aws_request_free stays harmless); for a notification
 * REQ->notification is set as soon as it is known, so that the caller can
 * drop the error silently as msgpack-RPC asks.
 * Returns AWS_RPC_OK, or the code of the first problem found with a one-line
 * message in ERRBUF (ERRLEN bytes) naming the argument or position.  When
 * the msgid could be read it is in REQ->msgid even on failure, and
 * *HAVE_MSGID says so (a reply can then be sent; otherwise the peer broke
 * the protocol and the stream is closed). */
aws_rpc_code_t aws_request_parse(const msgpack_object *obj, aws_request_t *req,
                                 bool *have_msgid, char *errbuf, size_t errlen);

/* Encodes REQ as a request ([0, msgid, method, [{args}]], or
 * [2, method, [{args}]] when REQ->notification) with only the arguments the
 * method takes that differ from the defaults ([] when none do).  Returns 0,
 * or -1 on failure. */
int aws_request_pack(msgpack_packer *pk, const aws_request_t *req);

/* ------------------------------------------------------------ responses */

/* Writes "[1, MSGID, nil, " as the head of a success response; the caller
 * then packs exactly one result object. */
int aws_rpc_pack_result_head(msgpack_packer *pk, uint32_t msgid);

/* Writes a whole error response [1, MSGID, {"code":, "message":}, nil]. */
int aws_rpc_pack_error(msgpack_packer *pk, uint32_t msgid, aws_rpc_code_t code,
                       const char *message);

/* Packs a NUL-terminated string, or nil when S is NULL. */
int aws_rpc_pack_str(msgpack_packer *pk, const char *s);
/* Packs a map key (a NUL-terminated string). */
int aws_rpc_pack_key(msgpack_packer *pk, const char *key);

/* A response as the client sees it: pointers into the message's memory. */
typedef struct aws_response {
    uint32_t msgid;
    aws_rpc_code_t code;       /* AWS_RPC_OK on success */
    const char *message;       /* error text (not NUL-terminated) */
    size_t message_len;
    const msgpack_object *result; /* success: the result object */
} aws_response_t;

/* Reads OBJ as a response; 0, or -1 when it is not one. */
int aws_response_parse(const msgpack_object *obj, aws_response_t *resp);

/* ------------------------------------------------------------ object access */

/* Looks up KEY in the map OBJ; NULL when OBJ is no map or lacks KEY. */
const msgpack_object *aws_obj_get(const msgpack_object *obj, const char *key);

#endif /* AWS_PROTO_H */
