/* bench_related.c - related-paper quality, leave one out, beside a title-query baseline.
 *
 * Usage: bench_related [--header] [--check] NAME MODE LABELS_DB BLIND_DB
 *
 * The lists' "##" sections are the labels.  LABELS_DB is a list indexed as
 * it is; BLIND_DB is the same list indexed after every heading was
 * replaced by one constant (bench/run-related-bench.sh makes both), so the
 * two hold the same ids but BLIND_DB knows nothing of sections.  For every
 * paper P whose section holds at least one other entry, each ranking gives
 * ten entries other than P, and the score is the share of its top 5 and
 * top 10 that sit in one of P's sections (a missing hit counts as a miss).
 *
 * The rankings, all in this one run, in process through the shim:
 *
 *   chance    what a random ordering of the other entries would score;
 *   title     the baseline: P's title words as a plain query (awx_db_search)
 *             on BLIND_DB, P itself dropped;
 *   related   awx_db_related(P) on BLIND_DB: relevance feedback over title,
 *             abstract and authors, with no section to lean on, so P's own
 *             label cannot leak into the ranking that is judged;
 *   passage   awx_db_related with P's title as the text (what an editor
 *             sends), on BLIND_DB, P dropped: the same words as the
 *             baseline, through pseudo-relevance feedback;
 *   +sect     awx_db_related(P) on LABELS_DB, where the ranking may boost
 *             P's own section: that uses the label being scored, so it is
 *             shown for reference and never judged.
 *
 * One table row per call (NAME and MODE label it); --header prints the
 * table's head first.  The row ends "yes" when related beats title at both
 * depths; with --check the exit status is 1 when it does not.  A related
 * ranking that returns P itself is a bug and makes the exit status 3.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "awx.h"
#include "stored.h"

#define DEPTH 10

/* One entry of LABELS_DB: its id, kind, title and every section. */
typedef struct label {
    char *id;
    char *title;
    char **sections;
    size_t n_sections;
    bool paper;
} label_t;

typedef struct labels {
    label_t *v;
    size_t n, cap;
} labels_t;

/* The summed shares of one ranking over the papers scored. */
typedef struct score {
    double at5, at10;
} score_t;

static void die(const char *what, awx_db_t *db)
{
    fprintf(stderr, "bench_related: %s: %s\n", what, db ? awx_db_last_error(db) : "");
    exit(2);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        fprintf(stderr, "bench_related: out of memory\n");
        exit(2);
    }
    return p;
}

static char *xstrndup(const char *s, size_t len)
{
    char *out = xmalloc(len + 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return out;
}

static int collect_id(const char *id, const char *digest, void *ctx)
{
    labels_t *l = ctx;
    (void)digest;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 256;
        label_t *v = realloc(l->v, l->cap * sizeof *v);
        if (v == NULL) {
            fprintf(stderr, "bench_related: out of memory\n");
            exit(2);
        }
        l->v = v;
    }
    l->v[l->n++] = (label_t){.id = xstrndup(id, strlen(id))};
    return 0;
}

/* Fills LAB's kind, title and sections from its stored form in DB. */
static void load_label(awx_db_t *db, label_t *lab)
{
    void *data = NULL;
    size_t len = 0;
    if (awx_db_get(db, lab->id, &data, &len) != AWX_OK)
        die(lab->id, db);
    msgpack_unpacked u;
    if (aws_stored_unpack(data, len, &u) != 0) {
        fprintf(stderr, "bench_related: %s: the stored form is no msgpack map\n", lab->id);
        exit(2);
    }
    const char *s;
    size_t n;
    lab->paper = aws_stored_str(&u.data, "kind", &s, &n) && n == 5 && memcmp(s, "paper", 5) == 0;
    lab->title = aws_stored_str(&u.data, "title", &s, &n) ? xstrndup(s, n) : xstrndup("", 0);
    const msgpack_object_array *secs = aws_stored_array(&u.data, "sections");
    size_t count = secs ? secs->size : 0;
    lab->sections = xmalloc(count * sizeof *lab->sections);
    for (size_t i = 0; i < count; i++)
        if (secs->ptr[i].type == MSGPACK_OBJECT_STR)
            lab->sections[lab->n_sections++] =
                xstrndup(secs->ptr[i].via.str.ptr, secs->ptr[i].via.str.size);
    msgpack_unpacked_destroy(&u);
    free(data);
}

static int by_id(const void *a, const void *b)
{
    return strcmp(((const label_t *)a)->id, ((const label_t *)b)->id);
}

static const label_t *find_label(const labels_t *l, const char *id)
{
    label_t key = {.id = (char *)id};
    return bsearch(&key, l->v, l->n, sizeof *l->v, by_id);
}

static bool share_section(const label_t *a, const label_t *b)
{
    for (size_t i = 0; i < a->n_sections; i++)
        for (size_t j = 0; j < b->n_sections; j++)
            if (strcmp(a->sections[i], b->sections[j]) == 0)
                return true;
    return false;
}

/* How many other entries share a section with P. */
static size_t neighbours(const labels_t *l, const label_t *p)
{
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += &l->v[i] != p && share_section(p, &l->v[i]);
    return n;
}

/* The id in a hit's stored form, malloc'd. */
static char *hit_id(const awx_hit_t *h)
{
    msgpack_unpacked u;
    const char *s;
    size_t n;
    if (aws_stored_unpack(h->data, h->data_len, &u) != 0 || !aws_stored_str(&u.data, "id", &s, &n)) {
        fprintf(stderr, "bench_related: a hit without a stored id\n");
        exit(2);
    }
    char *id = xstrndup(s, n);
    msgpack_unpacked_destroy(&u);
    return id;
}

/* Adds the shares of P's section among the first DEPTH hits of R other
 * than P to SC.  Returns true when R held P itself. */
static bool score_hits(const labels_t *l, const label_t *p, const awx_results_t *r, score_t *sc)
{
    size_t rank = 0, same5 = 0, same10 = 0;
    bool self = false;
    for (size_t i = 0; i < awx_results_count(r) && rank < DEPTH; i++) {
        char *id = hit_id(awx_results_hit(r, i));
        if (strcmp(id, p->id) == 0) {
            self = true;
            free(id);
            continue;
        }
        const label_t *h = find_label(l, id);
        bool same = h != NULL && share_section(p, h);
        same5 += same && rank < 5;
        same10 += same;
        rank++;
        free(id);
    }
    sc->at5 += same5 / 5.0;
    sc->at10 += same10 / (double)DEPTH;
    return self;
}

/* The title as a plain query: letters and digits only, lower case, so
 * that no punctuation, field prefix or operator of the query language
 * changes what the words mean. */
static char *title_query(const char *title)
{
    size_t len = strlen(title);
    char *q = xmalloc(len + 1);
    for (size_t i = 0; i <= len; i++) {
        unsigned char c = (unsigned char)title[i];
        if (c >= 'A' && c <= 'Z')
            q[i] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80 || c == '\0')
            q[i] = (char)c;
        else
            q[i] = ' ';
    }
    return q;
}

static awx_db_t *open_db(const char *path)
{
    awx_db_t *db = NULL;
    char *err = NULL;
    if (awx_db_open(path, AWX_OPEN_READ, 0, &db, &err) != AWX_OK) {
        fprintf(stderr, "bench_related: %s\n", err ? err : path);
        exit(2);
    }
    return db;
}

static void print_header(void)
{
    printf("# Related papers, leave one out; labels: the list's \"##\" sections.\n"
           "# For each paper P whose section holds another entry: the share of the top 5\n"
           "# and top 10 entries other than P that share a section with P (percent).\n"
           "# title   = baseline: P's title words as a plain query, P dropped.\n"
           "# related = awx_db_related(P).  Both run on a database of the same list with\n"
           "#           every heading replaced by one constant: neither ranking can see any\n"
           "#           section, so P's own label cannot leak into what is judged.\n"
           "# passage = awx_db_related with P's title as the text, P dropped (same database).\n"
           "# +sect   = awx_db_related(P) on the real database, where it may boost P's own\n"
           "#           section: circular, for reference only, never judged.\n"
           "# chance  = the expected share of a random ordering of the other entries.\n"
           "# beats   = related > title at both depths.\n");
    printf("%-26s %-6s %6s | %5s %5s | %5s %5s | %5s %5s | %5s %5s | %5s %5s | %s\n", "list",
           "abstr.", "papers", "ch@5", "ch@10", "ti@5", "ti@10", "re@5", "re@10", "pa@5", "pa@10",
           "+s@5", "+s@10", "beats");
}

int main(int argc, char **argv)
{
    bool header = false, check = false;
    int a = 1;
    for (; a < argc && argv[a][0] == '-'; a++) {
        if (strcmp(argv[a], "--header") == 0)
            header = true;
        else if (strcmp(argv[a], "--check") == 0)
            check = true;
        else
            break;
    }
    if (argc - a != 4) {
        fprintf(stderr, "usage: bench_related [--header] [--check] NAME MODE LABELS_DB BLIND_DB\n");
        return 2;
    }
    const char *name = argv[a], *mode = argv[a + 1];
    awx_db_t *ldb = open_db(argv[a + 2]);
    awx_db_t *bdb = open_db(argv[a + 3]);

    labels_t l = {0};
    if (awx_db_foreach_id(ldb, collect_id, &l) != AWX_OK)
        die("walking the ids", ldb);
    for (size_t i = 0; i < l.n; i++)
        load_label(ldb, &l.v[i]);
    qsort(l.v, l.n, sizeof *l.v, by_id);

    score_t chance = {0}, title = {0}, related = {0}, passage = {0}, sect = {0};
    size_t papers = 0;
    bool self = false;
    awx_query_t opts = {.limit = DEPTH};
    awx_query_t titleq = {.limit = DEPTH + 1};
    for (size_t i = 0; i < l.n; i++) {
        const label_t *p = &l.v[i];
        size_t near = p->paper ? neighbours(&l, p) : 0;
        if (near == 0)
            continue;
        papers++;
        double share = (double)near / (double)(l.n - 1);
        chance.at5 += share;
        chance.at10 += share;

        awx_results_t *r = NULL;
        char *q = title_query(p->title);
        titleq.q = q;
        if (awx_db_search(bdb, &titleq, &r) != AWX_OK)
            die(p->id, bdb);
        score_hits(&l, p, r, &title);
        awx_results_free(r);
        free(q);

        if (p->title[0] != '\0') {
            if (awx_db_related(bdb, NULL, p->title, &titleq, &r) != AWX_OK)
                die(p->id, bdb);
            score_hits(&l, p, r, &passage);
            awx_results_free(r);
        }

        if (awx_db_related(bdb, p->id, NULL, &opts, &r) != AWX_OK)
            die(p->id, bdb);
        self |= score_hits(&l, p, r, &related);
        awx_results_free(r);

        if (awx_db_related(ldb, p->id, NULL, &opts, &r) != AWX_OK)
            die(p->id, ldb);
        self |= score_hits(&l, p, r, &sect);
        awx_results_free(r);
    }

    if (header)
        print_header();
    double d = papers ? 100.0 / (double)papers : 0.0;
    bool beats = papers > 0 && related.at5 > title.at5 && related.at10 > title.at10;
    printf("%-26s %-6s %6zu | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f "
           "| %s\n",
           name, mode, papers, chance.at5 * d, chance.at10 * d, title.at5 * d, title.at10 * d,
           related.at5 * d, related.at10 * d, passage.at5 * d, passage.at10 * d, sect.at5 * d,
           sect.at10 * d, beats ? "yes" : "NO");
    if (self)
        fprintf(stderr, "bench_related: %s: a related ranking returned the paper itself\n", name);

    for (size_t i = 0; i < l.n; i++) {
        for (size_t j = 0; j < l.v[i].n_sections; j++)
            free(l.v[i].sections[j]);
        free(l.v[i].sections);
        free(l.v[i].title);
        free(l.v[i].id);
    }
    free(l.v);
    awx_db_close(ldb);
    awx_db_close(bdb);
    if (self)
        return 3;
    return check && !beats ? 1 : 0;
}
