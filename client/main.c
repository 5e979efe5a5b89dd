/* main.c - awsearch: one query in, ranked results out (the thin client).
 *
 * Parses the command line (SPEC.md "Command lines"), packs one msgpack-RPC
 * request, sends it to awsearchd (starting it when nobody serves the
 * socket), and prints the reply for people or, with --json, for scripts.
 * Nothing that can wait is done before the request is sent: start-up time
 * is most of what a user waits for.
 *
 * Exit status: 0 results, 1 no results (or no entry with that id), 2 usage
 * or query error, 3 no daemon reachable or the daemon cannot serve.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "conn.h"
#include "json.h"
#include "number.h"
#include "opts.h"
#include "paths.h"
#include "proto.h"
#include "render.h"
#include "text.h"

#define EXIT_RESULTS 0
#define EXIT_NONE 1
#define EXIT_USAGE 2
#define EXIT_DAEMON 3

/* Replies can be far larger than requests: 1000 hits with snippets. */
#define REPLY_MAX (64u * 1024u * 1024u)

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

/* Everything the command line says; strings point into argv or are the
 * request's own copies. */
typedef struct options {
    aws_request_t req;
    bool json;
    enum color_mode color;
    const char *socket;
    const char *db;
    bool autostart;
    int modes;               /* how many of --related, --show, ... */
    const char *search_only; /* a search-only flag given, for the error */
} options_t;

enum {
    OPT_OFFSET = 256, OPT_SORT, OPT_SECTION, OPT_FACETS, OPT_RELATED,
    OPT_RELATED_TEXT, OPT_SHOW, OPT_CITE, OPT_STATS, OPT_JSON, OPT_COLOR,
    OPT_SOCKET, OPT_DB, OPT_NO_AUTOSTART, OPT_VERSION,
};

static const struct option long_options[] = {
    { "limit", required_argument, NULL, 'n' },
    { "offset", required_argument, NULL, OPT_OFFSET },
    { "sort", required_argument, NULL, OPT_SORT },
    { "section", required_argument, NULL, OPT_SECTION },
    { "facets", no_argument, NULL, OPT_FACETS },
    { "related", required_argument, NULL, OPT_RELATED },
    { "related-text", required_argument, NULL, OPT_RELATED_TEXT },
    { "show", required_argument, NULL, OPT_SHOW },
    { "cite", required_argument, NULL, OPT_CITE },
    { "stats", no_argument, NULL, OPT_STATS },
    { "json", no_argument, NULL, OPT_JSON },
    { "color", required_argument, NULL, OPT_COLOR },
    { "colour", required_argument, NULL, OPT_COLOR },
    { "socket", required_argument, NULL, OPT_SOCKET },
    { "db", required_argument, NULL, OPT_DB },
    { "no-autostart", no_argument, NULL, OPT_NO_AUTOSTART },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

#define USAGE "usage: awsearch [OPTIONS] QUERY..."
static const char usage_line[] = USAGE "  (awsearch --help lists the options)";

static void print_help(void)
{
    printf("%s\n\n"
           "Search the awesome-list index served by awsearchd.\n\n"
           "  -n, --limit N          show N hits (default 10, at most 1000; a search\n"
           "                         with 0 shows only the total)\n"
           "      --offset N         skip the first N hits\n"
           "      --sort ORDER       relevance (default), year or citations\n"
           "      --section NAME     only entries listed under section NAME\n"
           "      --facets           also count the hits per section and year\n"
           "      --related ID       entries like the entry ID\n"
           "      --related-text TEXT  entries like TEXT (- reads it from standard\n"
           "                         input; at most 64 KiB)\n"
           "      --show ID          print every field of the entry ID\n"
           "      --cite ID          print a BibTeX record for the entry ID\n"
           "      --stats            print the index figures\n"
           "      --json             print the daemon's result as JSON\n"
           "      --color WHEN       auto (default), always or never\n"
           "      --socket PATH      the daemon's socket\n"
           "      --db DIR           the database a started daemon opens\n"
           "      --no-autostart     fail instead of starting awsearchd\n"
           "  -h, --help             print this help\n"
           "      --version          print the version\n\n"
           "Query syntax: words, \"phrases\", AND OR NOT, +word -word, NEAR,\n"
           "prefix*, title: author: abstract: section: kind: id:, has:code,\n"
           "year:2023..2024, citations:10.., an arXiv id or URL alone;\n"
           "abbreviations such as moe, rlhf, lora also find their long\n"
           "forms (see awsearch(1)).\n"
           "Exit status: 0 results, 1 no results, 2 usage or query error,\n"
           "3 no daemon reachable.\n",
           USAGE);
}

static int usage_error(const char *fmt, const char *what)
{
    fputs("awsearch: ", stderr);
    fprintf(stderr, fmt, what);
    fprintf(stderr, "; %s\n", usage_line);
    return EXIT_USAGE;
}

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (!d) {
        fputs("awsearch: out of memory\n", stderr);
        exit(EXIT_DAEMON);
    }
    return d;
}

/* Sets the mode method M taking the string argument ARG into *SLOT. */
static void set_mode(options_t *o, aws_method_t m, char **slot, const char *arg)
{
    o->modes++;
    o->req.method = m;
    if (slot) {
        free(*slot);
        *slot = dup_or_die(arg);
    }
}

/* The text of --related-text -: standard input, whole, up to the
 * protocol's bound (one byte more tells the daemon it is too long).
 * Returns it malloc'd, or NULL when it cannot be read. */
static char *read_stdin_text(void)
{
    size_t cap = AWS_RPC_MAX_TEXT + 2, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return NULL;
    while (len < cap - 1) {
        size_t n = fread(buf + len, 1, cap - 1 - len, stdin);
        if (n == 0)
            break;
        len += n;
    }
    if (ferror(stdin)) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    return buf;
}

/* Whether the short option getopt just refused (optopt) starts a word
 * with a minus in front ("lora -quantization"): one dash and at least
 * three letters. */
static bool excluded_word(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] != '-' || arg[1] != optopt || optopt == 0)
            continue;
        size_t n = 0;
        const char *p = arg + 1;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            p++, n++;
        if (*p == '\0' && n >= 3)
            return true;
    }
    return false;
}

/* Fills O from the command line.  Returns -1 when all is well, else the
 * exit status (after printing help, the version or a usage error). */
static int parse_args(int argc, char **argv, options_t *o)
{
    int c;

    char why[160];
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":n:h", long_options, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (aws_parse_uint(optarg, 0, AWS_RPC_MAX_LIMIT, &o->req.limit) != 0)
                return usage_error("--limit wants a number from 0 to 1000, "
                                   "not '%s'", optarg);
            break;
        case OPT_OFFSET:
            if (aws_parse_uint(optarg, 0, AWS_RPC_MAX_OFFSET, &o->req.offset) != 0)
                return usage_error("--offset wants a number from 0 to 100000, "
                                   "not '%s'", optarg);
            o->search_only = "--offset";
            break;
        case OPT_SORT:
            if (!strcmp(optarg, "relevance"))
                o->req.sort = AWS_SORT_RELEVANCE;
            else if (!strcmp(optarg, "year"))
                o->req.sort = AWS_SORT_YEAR;
            else if (!strcmp(optarg, "citations"))
                o->req.sort = AWS_SORT_CITATIONS;
            else
                return usage_error("--sort wants relevance, year or citations, "
                                   "not '%s'", optarg);
            o->search_only = "--sort";
            break;
        case OPT_SECTION:
            free(o->req.section);
            o->req.section = dup_or_die(optarg);
            o->search_only = "--section";
            break;
        case OPT_FACETS:
            o->req.facets = true;
            o->search_only = "--facets";
            break;
        case OPT_RELATED:
            set_mode(o, AWS_METHOD_RELATED, &o->req.id, optarg);
            break;
        case OPT_RELATED_TEXT:
            set_mode(o, AWS_METHOD_RELATED, &o->req.text, optarg);
            if (strcmp(optarg, "-") == 0) {
                free(o->req.text);
                o->req.text = read_stdin_text();
                if (!o->req.text)
                    return usage_error("%s", "cannot read the text from standard input");
            }
            break;
        case OPT_SHOW:
            set_mode(o, AWS_METHOD_GET, &o->req.id, optarg);
            break;
        case OPT_CITE:
            set_mode(o, AWS_METHOD_CITE, &o->req.id, optarg);
            break;
        case OPT_STATS:
            set_mode(o, AWS_METHOD_STATS, NULL, NULL);
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_COLOR:
            if (!strcmp(optarg, "auto"))
                o->color = COLOR_AUTO;
            else if (!strcmp(optarg, "always"))
                o->color = COLOR_ALWAYS;
            else if (!strcmp(optarg, "never"))
                o->color = COLOR_NEVER;
            else
                return usage_error("--color wants auto, always or never, "
                                   "not '%s'", optarg);
            break;
        case OPT_SOCKET:
            o->socket = optarg;
            break;
        case OPT_DB:
            o->db = optarg;
            break;
        case OPT_NO_AUTOSTART:
            o->autostart = false;
            break;
        case 'h':
            print_help();
            return EXIT_RESULTS;
        case OPT_VERSION:
            printf("awsearch %s\n", AWS_VERSION);
            return EXIT_RESULTS;
        default: /* '?' or ':' */
            aws_opt_refusal(c, argv, why, sizeof why);
            /* "lora -quantization": an excluded word, not an option. */
            if (c == '?' && excluded_word(argc, argv))
                strncat(why, " (to exclude a word, put -- before the query)",
                        sizeof why - strlen(why) - 1);
            return usage_error("%s", why);
        }
    }
    if (o->modes > 1)
        return usage_error("%s", "--related, --related-text, --show, --cite "
                           "and --stats exclude each other");
    if (o->modes == 1 && optind < argc)
        return usage_error("query words '%s' given with --related, --show, "
                           "--cite or --stats", argv[optind]);
    if (o->modes == 1 && o->search_only)
        return usage_error("%s only applies to a search", o->search_only);
    if (o->modes == 0) {
        if (optind >= argc)
            return usage_error("%s", "no query given");
        size_t len = 0;
        for (int i = optind; i < argc; i++)
            len += strlen(argv[i]) + 1;
        char *q = malloc(len);
        if (!q)
            return usage_error("%s", "out of memory");
        q[0] = '\0';
        for (int i = optind; i < argc; i++) {
            if (i > optind)
                strcat(q, " ");
            strcat(q, argv[i]);
        }
        o->req.method = AWS_METHOD_SEARCH;
        o->req.q = q;
    }
    return -1;
}

/* Whether the LEN bytes at S contain the word WORD (memmem is a GNU
 * extension, and this build asks for POSIX). */
static bool mentions(const char *s, size_t len, const char *word)
{
    size_t n = strlen(word);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(s + i, word, n))
            return true;
    return false;
}

/* Prints "awsearch: HEAD<message>TAIL" on stderr, the daemon's message
 * sanitised so that it stays one line and cannot drive the terminal. */
static void put_error(const char *head, const char *msg, size_t len,
                      const char *tail)
{
    fprintf(stderr, "awsearch: %s", head);
    aws_text_put(stderr, msg, len);
    fprintf(stderr, "%s\n", tail);
}

/* When the daemon's message MSG (LEN bytes) starts "params[0].FIELD: ",
 * writes what the user called that field, and ": ", into HEAD and returns
 * the length of that start; else 0. */
static size_t user_field(const char *msg, size_t len, char *head, size_t headlen)
{
    static const struct {
        const char *field, *name;
    } names[] = {
        {"q", "the query"},          {"limit", "-n/--limit"},
        {"offset", "--offset"},      {"sort", "--sort"},
        {"section", "--section"},    {"id", "the id"},
        {"text", "--related-text"},
    };
    static const char lead[] = "params[0].";
    size_t n = sizeof lead - 1;
    if (len <= n || memcmp(msg, lead, n) != 0)
        return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t f = strlen(names[i].field);
        if (len >= n + f + 2 && memcmp(msg + n, names[i].field, f) == 0 &&
            msg[n + f] == ':' && msg[n + f + 1] == ' ') {
            snprintf(head, headlen, "%s: ", names[i].name);
            return n + f + 2;
        }
    }
    return 0;
}

/* Whether the database the daemon reports (SERVED, LEN bytes) is ASKED:
 * both resolved where they exist, else compared as absolute paths. */
static bool same_db(const char *asked, const char *served, size_t len)
{
    char *s = strndup(served, len);
    char *a = aws_path_absolute(asked);
    if (!s || !a) {
        free(s);
        free(a);
        return true; /* out of memory: no warning rather than a wrong one */
    }
    char ra[PATH_MAX], rs[PATH_MAX];
    bool same = strcmp(realpath(a, ra) ? ra : a, realpath(s, rs) ? rs : s) == 0;
    free(s);
    free(a);
    return same;
}

/* Asks REQ on FD after the main request, with a reader of its own (the
 * first reply's objects live in the other); true when the daemon answered
 * with a result, in *RESP (valid until RD is freed). */
static bool ask(int fd, const aws_request_t *req, aws_rpc_reader_t *rd,
                aws_response_t *resp)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    char err[256];
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    bool ok = aws_request_pack(&pk, req) == 0 &&
              aws_conn_call(fd, sb.data, sb.size, req->msgid, rd, resp, err, sizeof err) == 0 &&
              resp->code == AWS_RPC_OK && resp->result;
    msgpack_sbuffer_destroy(&sb);
    return ok;
}

/* With --db, warns when the daemon that answered serves another database:
 * a daemon already running keeps the one it was started with, and --db
 * only picks what a newly started daemon opens. */
static void check_db(const options_t *o, int fd)
{
    aws_rpc_reader_t *rd = aws_rpc_reader_new(64 * 1024);
    aws_request_t req;
    aws_response_t resp;
    aws_request_init(&req, AWS_METHOD_STATS);
    req.msgid = 2;
    if (rd && ask(fd, &req, rd, &resp)) {
        const msgpack_object *p = aws_obj_get(resp.result, "db_path");
        if (p && p->type == MSGPACK_OBJECT_STR &&
            !same_db(o->db, p->via.str.ptr, p->via.str.size)) {
            fprintf(stderr, "awsearch: warning: the daemon on %s serves ", o->socket);
            aws_text_put(stderr, p->via.str.ptr, p->via.str.size);
            fprintf(stderr, ", not %s (--db only picks what a newly started daemon "
                    "opens: stop that daemon, or give another --socket)\n", o->db);
        }
    }
    aws_request_free(&req);
    aws_rpc_reader_free(rd);
}

/* After a search with --section found nothing: when no entry at all is in
 * a section of that name (most likely a typo), says so on stderr with the
 * names there are, from the facets of the whole index. */
static void section_hint(const options_t *o, int fd)
{
    aws_rpc_reader_t *rd = aws_rpc_reader_new(AWS_RPC_MAX_MESSAGE);
    aws_request_t req;
    aws_response_t resp;
    aws_request_init(&req, AWS_METHOD_SEARCH);
    req.msgid = 3;
    req.limit = 0;
    req.facets = true;
    req.q = strdup("");
    if (rd && req.q && ask(fd, &req, rd, &resp)) {
        const msgpack_object *facets = aws_obj_get(resp.result, "facets");
        const msgpack_object *sections = aws_obj_get(facets, "section");
        if (sections && sections->type == MSGPACK_OBJECT_MAP) {
            const msgpack_object_map *m = &sections->via.map;
            size_t want = strlen(o->req.section);
            bool known = false;
            for (uint32_t i = 0; i < m->size && !known; i++) {
                const msgpack_object *k = &m->ptr[i].key;
                known = k->type == MSGPACK_OBJECT_STR && k->via.str.size == want &&
                        strncasecmp(k->via.str.ptr, o->req.section, want) == 0;
            }
            if (!known && m->size > 0) {
                fprintf(stderr, "awsearch: no section is named '%s'; the sections are ",
                        o->req.section);
                for (uint32_t i = 0; i < m->size; i++) {
                    if (m->ptr[i].key.type != MSGPACK_OBJECT_STR)
                        continue;
                    fputs(i ? ", " : "", stderr);
                    aws_text_put(stderr, m->ptr[i].key.via.str.ptr, m->ptr[i].key.via.str.size);
                }
                fputc('\n', stderr);
            }
        }
    }
    aws_request_free(&req);
    aws_rpc_reader_free(rd);
}

/* Prints the daemon's error RESP and returns the exit status it means. */
static int report_error(const options_t *o, const aws_response_t *resp)
{
    size_t len = resp->message_len > 1000 ? 1000 : resp->message_len;
    const char *msg = resp->message ? resp->message : "";
    char head[128], tail[PATH_MAX + 128];

    switch (resp->code) {
    case AWS_RPC_QUERY_SYNTAX:
        put_error("query error: ", msg, len, "");
        return EXIT_USAGE;
    case AWS_RPC_BAD_REQUEST: {
        /* The daemon names the field ("params[0].q: not valid UTF-8 at
         * byte 3"); the user knows it as the query or an option. */
        size_t skip = user_field(msg, len, head, sizeof head);
        if (skip > 0) {
            put_error(head, msg + skip, len - skip, "");
            return EXIT_USAGE;
        }
    }
        /* fall through */
    case AWS_RPC_TOO_LARGE:
        snprintf(head, sizeof head, "the daemon refused the request (%s): ",
                 aws_rpc_code_name(resp->code));
        put_error(head, msg, len, "");
        return EXIT_USAGE;
    case AWS_RPC_NOT_FOUND:
        put_error("", msg, len, "");
        return EXIT_NONE;
    case AWS_RPC_UNAVAILABLE:
        /* A new user's first search lands here: say what to run, unless
         * the daemon's message already does. */
        if (mentions(msg, len, "`awindex"))
            snprintf(tail, sizeof tail, " (with no list named, awindex "
                     "indexes the bundled list)");
        else if (mentions(msg, len, "awindex"))
            tail[0] = '\0'; /* the daemon said why awindex cannot help */
        else
            snprintf(tail, sizeof tail, "; build the index with 'awindex%s%s' "
                     "(with no list named, it indexes the bundled list)",
                     o->db ? " --db " : "", o->db ? o->db : "");
        put_error("", msg, len, tail);
        return EXIT_DAEMON;
    case AWS_RPC_BUSY:
        put_error("the daemon is busy: ", msg, len, "");
        return EXIT_DAEMON;
    default:
        snprintf(head, sizeof head, "the daemon failed (%s): ",
                 aws_rpc_code_name(resp->code));
        put_error(head, msg, len, "");
        return EXIT_DAEMON;
    }
}

/* Whether a search or related RESULT found anything: hits, or with
 * --limit 0 (counts only) a total above zero. */
static bool found(const options_t *o, const msgpack_object *result)
{
    const msgpack_object *hits = aws_obj_get(result, "hits");
    const msgpack_object *total = aws_obj_get(result, "total");
    if (hits && hits->type == MSGPACK_OBJECT_ARRAY && hits->via.array.size)
        return true;
    return o->req.limit == 0 && total &&
           total->type == MSGPACK_OBJECT_POSITIVE_INTEGER && total->via.u64 > 0;
}

/* Prints the successful RESULT; returns the exit status. */
static int print_result(const options_t *o, const msgpack_object *result)
{
    bool listing = o->req.method == AWS_METHOD_SEARCH ||
                   o->req.method == AWS_METHOD_RELATED;
    if (o->json) {
        aws_json_write(stdout, result);
        putchar('\n');
        if (listing)
            return found(o, result) ? EXIT_RESULTS : EXIT_NONE;
        return EXIT_RESULTS;
    }
    aws_render_t r = { .out = stdout, .width = aws_text_columns(STDOUT_FILENO) };
    if (o->color == COLOR_ALWAYS) {
        r.color = true;
    } else if (o->color == COLOR_AUTO) {
        /* no-color.org: a NO_COLOR that is set and not empty turns it off. */
        const char *term = getenv("TERM");
        const char *no_color = getenv("NO_COLOR");
        r.color = isatty(STDOUT_FILENO) && !(no_color && *no_color) &&
                  !(term && !strcmp(term, "dumb"));
    }
    switch (o->req.method) {
    case AWS_METHOD_SEARCH:
    case AWS_METHOD_RELATED:
        aws_render_hits(&r, result, o->req.offset,
                        o->req.method == AWS_METHOD_RELATED);
        return found(o, result) ? EXIT_RESULTS : EXIT_NONE;
    case AWS_METHOD_GET:
        aws_render_entry(&r, result);
        return EXIT_RESULTS;
    case AWS_METHOD_CITE:
        if (aws_render_cite(&r, result) != 0) {
            fprintf(stderr, "awsearch: the daemon's citation has no text\n");
            return EXIT_DAEMON;
        }
        return EXIT_RESULTS;
    default:
        aws_render_stats(&r, result);
        return EXIT_RESULTS;
    }
}

/* Sends the request and prints the reply; returns the exit status. */
static int run(options_t *o)
{
    char err[1024];
    char *owned_socket = NULL;
    int status = EXIT_DAEMON;

    if (!o->socket) {
        owned_socket = aws_path_default_socket();
        if (!owned_socket) {
            fputs("awsearch: cannot work out the socket path (no HOME or "
                  "XDG_RUNTIME_DIR); give --socket PATH\n", stderr);
            return EXIT_DAEMON;
        }
        o->socket = owned_socket;
    }

    msgpack_sbuffer sbuf;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sbuf);
    msgpack_packer_init(&pk, &sbuf, msgpack_sbuffer_write);
    o->req.msgid = 1;
    aws_rpc_reader_t *rd = aws_rpc_reader_new(REPLY_MAX);
    if (!rd || aws_request_pack(&pk, &o->req) != 0) {
        fputs("awsearch: cannot encode the request\n", stderr);
        goto out;
    }

    int fd = aws_conn_open(o->socket, o->db, o->autostart, err, sizeof err);
    if (fd < 0) {
        /* ERR may quote the daemon's stderr: sanitise it like its replies. */
        put_error("", err, strlen(err), "");
        goto out;
    }
    aws_response_t resp;
    if (aws_conn_call(fd, sbuf.data, sbuf.size, o->req.msgid, rd, &resp, err,
                      sizeof err) != 0) {
        fprintf(stderr, "awsearch: %s: %s\n", o->socket, err);
        close(fd);
        goto out;
    }
    if (o->db)
        check_db(o, fd);
    if (resp.code != AWS_RPC_OK || !resp.result)
        status = report_error(o, &resp);
    else
        status = print_result(o, resp.result);
    if (status == EXIT_NONE && o->req.method == AWS_METHOD_SEARCH && o->req.section)
        section_hint(o, fd);
    close(fd);

    /* A reader that closed the pipe early (awsearch q | head -1) has what
     * it wanted: that is a normal end, not an error to report. */
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (errno != EPIPE) {
            fprintf(stderr, "awsearch: cannot write the output: %s\n",
                    strerror(errno));
            status = EXIT_USAGE;
        }
    }
out:
    aws_rpc_reader_free(rd);
    msgpack_sbuffer_destroy(&sbuf);
    free(owned_socket);
    return status;
}

int main(int argc, char **argv)
{
    options_t o = { .color = COLOR_AUTO, .autostart = true };

    signal(SIGPIPE, SIG_IGN);
    /* One write at the end instead of one per line, even on a terminal. */
    setvbuf(stdout, NULL, _IOFBF, 64 * 1024);
    aws_request_init(&o.req, AWS_METHOD_SEARCH);
    int status = parse_args(argc, argv, &o);
    if (status < 0)
        status = run(&o);
    aws_request_free(&o.req);
    /* Output already failed with EPIPE must not be retried by exit(). */
    if (ferror(stdout))
        _exit(status);
    return status;
}
