/* awindex.c - index awesome lists into the awsearch Xapian database.
 *
 * The run has four steps, each owned by its own module: parse the lists
 * (listparse.c), merge abstracts from JSON-lines files (papermeta.c) and
 * from the arXiv API or its cache (arxiv.c), write the database (sync.c),
 * and print the report (report.c).  This file parses the command line,
 * wires the steps together and maps outcomes to exit codes.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "arxiv.h"
#include "entry.h"
#include "keep.h"
#include "listparse.h"
#include "papermeta.h"
#include "number.h"
#include "opts.h"
#include "paths.h"
#include "progress.h"
#include "report.h"
#include "sync.h"

enum {
    EXIT_DONE = 0,
    EXIT_FAILURE_OTHER = 1,  /* out of memory, or the report could not be written */
    EXIT_USAGE = 2,
    EXIT_INPUT = 3,
    EXIT_DATABASE = 4,
};

/* How long an incremental run waits for another awindex holding the
 * database's write lock. */
#define LOCK_WAIT_MS 10000

typedef enum tristate { MODE_AUTO, MODE_ALWAYS, MODE_NEVER } tristate_t;

typedef struct options {
    char *db;                 /* malloc'd */
    bool rebuild;
    unsigned jobs;            /* --jobs: processes for --rebuild */
    tristate_t fetch;
    char *arxiv_url;          /* malloc'd */
    char *cache;              /* malloc'd */
    aws_strv_t abstracts;     /* --abstracts files */
    tristate_t progress;
    bool json;
    bool quiet;
    aws_strv_t lists;         /* list files; the bundled one when none given */
    char *synonyms;           /* malloc'd; NULL: none (no bundled file either) */
} options_t;

/* The signal that asked the run to stop, or 0.  A signal handler can only
 * reach a file-scope variable; everything else reads it through the
 * pointer handed to sync.c and arxiv.c. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int signo)
{
    stop_signal = signo;
}

static const char usage_text[] =
    "usage: awindex [OPTIONS] [LIST.md...]\n"
    "\n"
    "Index awesome-list Markdown files into the awsearch database.  With no\n"
    "LIST.md the bundled awesome-llm-training.md is indexed.  Several lists go\n"
    "into one database; an item listed more than once is one document.\n"
    "\n"
    "Without --rebuild the run is incremental: changed entries are replaced,\n"
    "entries gone from the lists named are deleted (so name every list each\n"
    "time) and unchanged ones are not rewritten, all in one transaction.\n"
    "A list that has no item at all, or a compressed or binary one, is\n"
    "refused (exit 3) rather than emptying the database.  A paper this run\n"
    "finds no abstract for keeps the one the database holds (--rebuild too).\n"
    "\n"
    "options:\n"
    "  --db DIR               the database (default $AWSEARCH_DB, else\n"
    "                         $XDG_DATA_HOME/awsearch/db); parents are created\n"
    "  --rebuild              build a fresh database beside the old one and swap\n"
    "                         it in atomically when complete\n"
    "  -j, --jobs N           with --rebuild: write in N processes (1-64, default\n"
    "                         1), each a shard, merged with xapian-compact; with\n"
    "                         under 2000 entries a process, or no xapian-compact\n"
    "                         on $PATH, one process writes everything\n"
    "  --abstracts FILE.jsonl merge paper metadata from JSON lines (arXiv snapshot\n"
    "                         shape: id, title, authors, abstract or summary,\n"
    "                         categories, update_date or published), plain or\n"
    "                         gzip'd, - for standard input; repeatable\n"
    "  --fetch MODE           auto (default): abstracts still missing (in the\n"
    "                         files and the database) come from the cache, else\n"
    "                         the arXiv API, going on offline with a warning;\n"
    "                         always: refetch; never: cache only\n"
    "  --arxiv-url URL        the arXiv API (default $AWSEARCH_ARXIV_URL, else\n"
    "                         http://export.arxiv.org/api/query)\n"
    "  --cache DIR            the abstract cache (default $AWSEARCH_CACHE, else\n"
    "                         $XDG_CACHE_HOME/awsearch)\n"
    "  --progress MODE        auto (default: on a terminal), always or never; the\n"
    "                         progress line goes to stderr\n"
    "  --synonyms FILE        the synonym groups stored in the database (default:\n"
    "                         the bundled synonyms.txt, beside the bundled list)\n"
    "  --json                 print the report as one JSON object on stdout\n"
    "  -q, --quiet            print nothing on stderr unless the run fails\n"
    "  -h, --help             print this help and exit\n"
    "      --version          print the version and exit\n"
    "\n"
    "The report counts documents added, updated, deleted and unchanged, the\n"
    "abstracts from files, fetched, cached, kept from the database and missing,\n"
    "and names every skipped line as FILE:LINE: why (the first 20 of a file;\n"
    "--json has them all).\n"
    "\n"
    "exit status: 0 done (warnings allowed), 2 usage, 3 an input unreadable,\n"
    "binary or not a list, 4 database error (the database is left as it was),\n"
    "1 out of memory, 128+N stopped by signal N (the database is left as it\n"
    "was).\n";

static int out_of_memory(void)
{
    fputs("awindex: out of memory\n", stderr);
    return EXIT_FAILURE_OTHER;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("awindex: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'awindex --help' for more information.\n", stderr);
    return EXIT_USAGE;
}

static int parse_tristate(const char *arg, tristate_t *out)
{
    if (strcmp(arg, "auto") == 0)
        *out = MODE_AUTO;
    else if (strcmp(arg, "always") == 0)
        *out = MODE_ALWAYS;
    else if (strcmp(arg, "never") == 0)
        *out = MODE_NEVER;
    else
        return -1;
    return 0;
}

static int replace_opt(char **dst, const char *arg)
{
    free(*dst);
    *dst = strdup(arg);
    return *dst == NULL ? -1 : 0;
}

static void options_free(options_t *o)
{
    free(o->db);
    free(o->arxiv_url);
    free(o->cache);
    free(o->synonyms);
    aws_strv_free(&o->abstracts);
    aws_strv_free(&o->lists);
}

/* Parses ARGV into O.  Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, options_t *o)
{
    enum { OPT_DB = 256, OPT_REBUILD, OPT_FETCH, OPT_ARXIV_URL, OPT_ABSTRACTS,
           OPT_CACHE, OPT_PROGRESS, OPT_JSON, OPT_VERSION, OPT_SYNONYMS };
    static const struct option longopts[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"rebuild", no_argument, NULL, OPT_REBUILD},
        {"jobs", required_argument, NULL, 'j'},
        {"fetch", required_argument, NULL, OPT_FETCH},
        {"arxiv-url", required_argument, NULL, OPT_ARXIV_URL},
        {"abstracts", required_argument, NULL, OPT_ABSTRACTS},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"progress", required_argument, NULL, OPT_PROGRESS},
        {"json", no_argument, NULL, OPT_JSON},
        {"synonyms", required_argument, NULL, OPT_SYNONYMS},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, OPT_VERSION},
        {NULL, 0, NULL, 0},
    };
    int c;
    int oom = 0;

    char why[160];
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":qhj:", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            oom |= replace_opt(&o->db, optarg);
            break;
        case OPT_REBUILD:
            o->rebuild = true;
            break;
        case 'j':
            if (aws_parse_uint(optarg, 1, 64, &o->jobs) != 0)
                return usage_error("--jobs wants a number from 1 to 64, not '%s'", optarg);
            break;
        case OPT_FETCH:
            if (parse_tristate(optarg, &o->fetch) != 0)
                return usage_error("--fetch wants auto, always or never, not '%s'",
                                   optarg);
            break;
        case OPT_ARXIV_URL:
            oom |= replace_opt(&o->arxiv_url, optarg);
            break;
        case OPT_ABSTRACTS:
            /* Standard input can be read once. */
            if (strcmp(optarg, "-") == 0)
                for (size_t i = 0; i < o->abstracts.n; i++)
                    if (strcmp(o->abstracts.v[i], "-") == 0)
                        return usage_error("%s", "--abstracts - is given twice");
            oom |= aws_strv_push(&o->abstracts, optarg, strlen(optarg));
            break;
        case OPT_CACHE:
            oom |= replace_opt(&o->cache, optarg);
            break;
        case OPT_PROGRESS:
            if (parse_tristate(optarg, &o->progress) != 0)
                return usage_error("--progress wants auto, always or never, not '%s'",
                                   optarg);
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_SYNONYMS:
            oom |= replace_opt(&o->synonyms, optarg);
            break;
        case 'q':
            o->quiet = true;
            break;
        case 'h':
            fputs(usage_text, stdout);
            return EXIT_DONE;
        case OPT_VERSION:
            printf("awindex %s\n", AWS_VERSION);
            return EXIT_DONE;
        default: /* '?' or ':' */
            return usage_error("%s", aws_opt_refusal(c, argv, why, sizeof why));
        }
    }
    if (o->jobs > 1 && !o->rebuild)
        return usage_error("%s only works with --rebuild: an incremental run changes the "
                           "live database in one process", "--jobs");
    for (int i = optind; i < argc; i++)
        oom |= aws_strv_push(&o->lists, argv[i], strlen(argv[i]));
    if (oom != 0)
        return out_of_memory();
    return -1;
}

/* Fills in the defaults of SPEC.md "Where things live". */
static int resolve_defaults(options_t *o)
{
    if (o->db == NULL && (o->db = aws_path_default_db()) == NULL) {
        fputs("awindex: cannot find a home for the database; use --db DIR\n", stderr);
        return EXIT_DATABASE;
    }
    if (o->synonyms == NULL) {
        /* The bundled synonyms file, when the programs have one beside
         * them; without it the database's synonym table is left alone. */
        char *dir = aws_path_datadir();
        if (dir != NULL) {
            size_t need = strlen(dir) + sizeof "/synonyms.txt";
            char *path = malloc(need);
            if (path == NULL) {
                free(dir);
                return out_of_memory();
            }
            snprintf(path, need, "%s/synonyms.txt", dir);
            if (access(path, R_OK) == 0)
                o->synonyms = path;
            else
                free(path);
            free(dir);
        }
    }
    if (o->lists.n == 0) {
        char *dir = aws_path_datadir();
        if (dir == NULL) {
            fputs("awindex: cannot find the bundled list; name a LIST.md\n", stderr);
            return EXIT_INPUT;
        }
        size_t need = strlen(dir) + sizeof "/awesome-llm-training.md";
        char *path = malloc(need);
        int rc = path == NULL ? -1 : 0;
        if (path != NULL) {
            snprintf(path, need, "%s/awesome-llm-training.md", dir);
            /* "<bin>/../share/awsearch/..." reads better resolved; a
             * missing file keeps its name for the exit-3 message. */
            char *resolved = realpath(path, NULL);
            const char *name = resolved != NULL ? resolved : path;
            rc = aws_strv_push(&o->lists, name, strlen(name));
            free(resolved);
        }
        free(path);
        free(dir);
        if (rc != 0)
            return out_of_memory();
    }
    return -1;
}

/* Parses every list into LIST; the problems go to REPORT. */
static int load_lists(const options_t *o, aws_list_t *list, aws_report_t *report,
                      aws_progress_t *progress)
{
    for (size_t i = 0; i < o->lists.n; i++) {
        const char *path = o->lists.v[i];
        const char *binary = NULL;
        size_t read_before = list->n_entries + list->n_duplicates;
        int rc = aws_list_parse_path(list, path, &binary);
        if (rc == -2) {
            int err = errno; /* the progress line's write may change errno */
            aws_progress_finish(progress);
            fprintf(stderr, "awindex: cannot read %s: %s\n", path, strerror(err));
            return EXIT_INPUT;
        }
        if (rc == -3) {
            aws_progress_finish(progress);
            fprintf(stderr, "awindex: %s: looks like %s, not a Markdown list\n", path, binary);
            return EXIT_INPUT;
        }
        if (rc != 0)
            return out_of_memory();
        /* The lists are mirrored: a wrong file name (an abstracts file
         * given without --abstracts, a README whose few bullets are no
         * items) would otherwise delete every document of the database
         * and still exit 0.  So a list must give at least one item that
         * could be read. */
        if (list->n_entries + list->n_duplicates == read_before) {
            aws_progress_finish(progress);
            fprintf(stderr, "awindex: %s: no list items found (is it an awesome list?)\n",
                    path);
            return EXIT_INPUT;
        }
        if (aws_strv_push(&report->lists, path, strlen(path)) != 0)
            return out_of_memory();
        if (stop_signal != 0)
            return -1;
    }
    report->skipped = aws_list_skipped(list);
    for (size_t i = 0; i < list->n_problems; i++) {
        if (aws_report_problem(report, list->problems[i].message) != 0)
            return out_of_memory();
    }
    report->items = list->n_items;
    report->duplicates = list->n_duplicates;
    return -1;
}

/* What the metadata callbacks need. */
typedef struct meta_ctx {
    aws_list_t *list;
    aws_report_t *report;
    size_t *counter;          /* bumped when a paper gets its first abstract */
    bool nomem;
} meta_ctx_t;

static int apply_meta(const aws_paper_meta_t *meta, void *ctx)
{
    meta_ctx_t *mc = ctx;
    aws_entry_t *e = aws_list_find(mc->list, meta->id);

    /* Records for papers that no list names are ignored: the file may be a
     * whole arXiv snapshot. */
    if (e == NULL || e->kind != AWS_ENTRY_PAPER)
        return 0;
    bool had = e->abstract != NULL && e->abstract[0] != '\0';
    if (aws_entry_apply_meta(e, meta) != 0) {
        mc->nomem = true;
        return 1;
    }
    if (!had && e->abstract != NULL && e->abstract[0] != '\0' && mc->counter != NULL)
        (*mc->counter)++;
    return 0;
}

/* The non-zero return of apply_file_meta that means "a signal asked to
 * stop". */
#define META_STOPPED 2

/* apply_meta for --abstracts files: a whole arXiv snapshot takes a while to
 * read, so a signal stops the reading early; run() reports it. */
static int apply_file_meta(const aws_paper_meta_t *meta, void *ctx)
{
    if (stop_signal != 0)
        return META_STOPPED;
    return apply_meta(meta, ctx);
}

static void meta_problem(const char *message, void *ctx)
{
    meta_ctx_t *mc = ctx;

    if (aws_report_problem(mc->report, message) != 0)
        mc->nomem = true;
}

static int load_abstracts(const options_t *o, aws_list_t *list, aws_report_t *report,
                          aws_progress_t *progress)
{
    meta_ctx_t mc = {.list = list, .report = report, .counter = &report->abstracts_files};

    for (size_t i = 0; i < o->abstracts.n; i++) {
        const char *path = o->abstracts.v[i];
        char why[256];
        int rc = aws_paper_meta_load(path, apply_file_meta, meta_problem, &mc, why,
                                     sizeof why);
        if (rc == -2) {
            int err = errno; /* the progress line's write may change errno */
            aws_progress_finish(progress);
            fprintf(stderr, "awindex: cannot read %s: %s\n",
                    strcmp(path, "-") == 0 ? AWS_STDIN_NAME : path, strerror(err));
            return EXIT_INPUT;
        }
        if (rc == -3) {
            aws_progress_finish(progress);
            fprintf(stderr, "awindex: %s: %s\n",
                    strcmp(path, "-") == 0 ? AWS_STDIN_NAME : path, why);
            return EXIT_INPUT;
        }
        if (rc == META_STOPPED)
            break;
        if (rc != 0 || mc.nomem)
            return out_of_memory();
    }
    return -1;
}

static bool needs_abstract(const aws_entry_t *e)
{
    return e->kind == AWS_ENTRY_PAPER && (e->abstract == NULL || e->abstract[0] == '\0');
}

/* Looks up the papers still without an abstract in the cache and, unless
 * --fetch never, on the arXiv API. */
static int fetch_abstracts(const options_t *o, aws_list_t *list, aws_report_t *report,
                           bool progress)
{
    const char **ids = malloc((list->n_entries + 1) * sizeof *ids);
    size_t n = 0;
    char *url = o->arxiv_url != NULL ? strdup(o->arxiv_url) : aws_path_default_arxiv_url();
    char *cache = o->cache != NULL ? strdup(o->cache) : aws_path_default_cache();
    aws_arxiv_report_t ar = {0};
    meta_ctx_t mc = {.list = list, .report = report};
    int rc = -1;

    if (ids == NULL || url == NULL)
        goto oom;
    for (size_t i = 0; i < list->n_entries; i++)
        if (needs_abstract(list->entries[i]))
            ids[n++] = list->entries[i]->id;
    if (n > 0) {
        aws_arxiv_opts_t opts = {
            .url = url,
            .cache_dir = cache,
            .mode = o->fetch == MODE_ALWAYS ? AWS_FETCH_ALWAYS
                    : o->fetch == MODE_NEVER ? AWS_FETCH_NEVER : AWS_FETCH_AUTO,
            .progress = progress,
            .stop = &stop_signal,
        };
        if (aws_arxiv_fetch(ids, n, &opts, apply_meta, &mc, &ar) != 0 || mc.nomem)
            goto oom;
        report->abstracts_fetched = ar.fetched;
        report->abstracts_cached = ar.cached;
        for (size_t i = 0; i < ar.n_messages; i++)
            if (aws_report_warning(report, ar.messages[i]) != 0)
                goto oom;
    }
    goto out;
oom:
    rc = out_of_memory();
out:
    aws_arxiv_report_clear(&ar);
    free(ids);
    free(url);
    free(cache);
    return rc;
}

/* Gives the papers still without an abstract the one the database holds
 * (keep.h).  Returns -1 to go on, or the exit status. */
static int keep_abstracts(const options_t *o, aws_list_t *list, aws_report_t *report)
{
    char *errmsg = NULL;
    aws_sync_status_t st = aws_keep_abstracts(list, o->db, &report->abstracts_kept, &errmsg);
    int rc = -1;

    if (st == AWS_SYNC_DB_ERROR) {
        fprintf(stderr, "awindex: %s\n", errmsg);
        rc = EXIT_DATABASE;
    } else if (st != AWS_SYNC_OK) {
        rc = out_of_memory();
    }
    free(errmsg);
    return rc;
}

/* The "lists" metadata: the absolute paths of the lists, one a line. */
static char *lists_metadata(const aws_strv_t *lists)
{
    size_t cap = 1, n = 0;
    char *out = malloc(cap);

    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < lists->n; i++) {
        char *abs = realpath(lists->v[i], NULL);
        const char *name = abs != NULL ? abs : lists->v[i];
        size_t len = strlen(name);
        char *grown = realloc(out, cap + len + 1);
        if (grown == NULL) {
            free(abs);
            free(out);
            return NULL;
        }
        out = grown;
        cap += len + 1;
        if (n > 0)
            out[n++] = '\n';
        memcpy(out + n, name, len);
        n += len;
        out[n] = '\0';
        free(abs);
    }
    return out;
}

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* Everything after the options: returns the exit status. */
static int run(options_t *o)
{
    aws_list_t list;
    aws_report_t report;
    aws_progress_t progress;
    char *errmsg = NULL;
    char *lists_meta = NULL;
    aws_synonyms_t *synonyms = NULL;
    double started = now_seconds();
    bool show_progress = o->progress == MODE_ALWAYS ||
                         (o->progress == MODE_AUTO && !o->quiet && isatty(STDERR_FILENO));
    int rc;

    aws_list_init(&list);
    aws_report_init(&report);
    aws_progress_init(&progress, show_progress, stderr);
    report.rebuild = o->rebuild;
    if ((report.db_path = strdup(o->db)) == NULL) {
        rc = out_of_memory();
        goto out;
    }

    if (o->synonyms != NULL &&
        aws_synonyms_load(o->synonyms, &report, &synonyms, &errmsg) != 0) {
        fprintf(stderr, "awindex: %s\n", errmsg != NULL ? errmsg : o->synonyms);
        rc = errmsg != NULL ? EXIT_INPUT : out_of_memory();
        goto out;
    }
    aws_progress_start(&progress, "reading lists", 0);
    if ((rc = load_lists(o, &list, &report, &progress)) >= 0)
        goto out;
    /* Each step returns early when a signal asks to stop, which is
     * reported below, before the database is opened. */
    aws_progress_start(&progress, "reading abstracts", 0);
    if (stop_signal == 0 && (rc = load_abstracts(o, &list, &report, &progress)) >= 0)
        goto out;
    aws_progress_finish(&progress);
    /* The database's abstracts come before the cache and the API (it is
     * itself a cache of them: a plain run after one with a whole snapshot
     * would otherwise ask arXiv for every paper of it again), except with
     * --fetch always, which asks for every one and keeps the database's
     * only where the API had nothing, as when offline. */
    if (stop_signal == 0 && o->fetch != MODE_ALWAYS &&
        (rc = keep_abstracts(o, &list, &report)) >= 0)
        goto out;
    if (stop_signal == 0 && (rc = fetch_abstracts(o, &list, &report, show_progress)) >= 0)
        goto out;
    if (stop_signal == 0 && o->fetch == MODE_ALWAYS &&
        (rc = keep_abstracts(o, &list, &report)) >= 0)
        goto out;
    for (size_t i = 0; i < list.n_entries; i++) {
        if (list.entries[i]->kind != AWS_ENTRY_PAPER)
            continue;
        report.papers++;
        if (needs_abstract(list.entries[i]))
            report.abstracts_missing++;
    }
    if (stop_signal != 0) {
        rc = 128 + stop_signal;
        fprintf(stderr, "awindex: stopped by signal %d; the database was not touched\n",
                (int)stop_signal);
        goto out;
    }

    if ((lists_meta = lists_metadata(&report.lists)) == NULL) {
        rc = out_of_memory();
        goto out;
    }
    aws_sync_opts_t sopts = {
        .db_path = o->db,
        .rebuild = o->rebuild,
        .jobs = o->jobs,
        .lock_wait_ms = LOCK_WAIT_MS,
        .lists_metadata = lists_meta,
        .stop = &stop_signal,
        .progress = &progress,
        .synonyms = synonyms,
    };
    aws_sync_status_t st = aws_sync_run(&list, &sopts, &report, &errmsg);
    aws_progress_finish(&progress);
    switch (st) {
    case AWS_SYNC_OK:
        rc = EXIT_DONE;
        break;
    case AWS_SYNC_STOPPED:
        fprintf(stderr, "awindex: stopped by signal %d; %s was left as it was\n",
                (int)stop_signal, o->db);
        rc = 128 + stop_signal;
        goto out;
    case AWS_SYNC_DB_ERROR:
        fprintf(stderr, "awindex: %s\n", errmsg != NULL ? errmsg : o->db);
        rc = EXIT_DATABASE;
        goto out;
    case AWS_SYNC_NOMEM:
    default:
        rc = out_of_memory();
        goto out;
    }

    report.seconds = now_seconds() - started;
    if (!o->quiet)
        aws_report_print_text(&report, stderr);
    if (o->json && aws_report_print_json(&report, stdout) != 0) {
        fputs("awindex: cannot write the JSON report\n", stderr);
        rc = EXIT_FAILURE_OTHER;
    }
out:
    aws_progress_finish(&progress);
    free(errmsg);
    free(lists_meta);
    aws_synonyms_free(synonyms);
    aws_report_free(&report);
    aws_list_free(&list);
    return rc;
}

int main(int argc, char **argv)
{
    options_t o = {0};
    int rc = parse_args(argc, argv, &o);

    if (rc < 0)
        rc = resolve_defaults(&o);
    if (rc < 0) {
        install_signals();
        rc = run(&o);
    }
    options_free(&o);
    return rc;
}
