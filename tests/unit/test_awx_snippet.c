/* test_awx_snippet.c - the shim's snippets and hit records, through awx.h.
 *
 * One temporary database holds two sets of documents for the whole group:
 * hand-written abstracts, each aimed at one property of awx_snippet.cc
 * (stemming, phrases, the choice of window, white space, UTF-8, CJK,
 * wildcards, lengths) and reached by an id: filter so that no other
 * document gets in the way; and a few dozen abstracts made from varied
 * fragments, over which every span of every hit of several queries must
 * lie inside its snippet, on UTF-8 boundaries, on a query word.  A last
 * test puts documents with and without a hit record (awx_doc_t.hit_data)
 * and reads awx_hit_t.data back.  Each document's data is its id.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "test_awx_common.h"
#include "test_awx_snippet_check.h"

/* A long filler sentence with none of the query words of any test. */
#define FILLER "Plain words fill this sentence to push the rest of the text far away. "
#define FILLER4 FILLER FILLER FILLER FILLER

typedef struct aimed {
    const char *id;
    const char *abstract; /* NULL: none */
} aimed_t;

static const aimed_t aimed[] = {
    {"2501.00001", "An expert system. Experts agree; the experts' view of expertise wins."},
    {"2501.00002", "We scale models. Scaled runs and Scaling laws; it scales too. Scalar values."},
    {"2501.00003", "A Mixture of Experts layer, one expert per token; mixtures of experts scale."},
    /* The query words sit together only near the end (> 600 bytes). */
    {"2501.00004", FILLER4 FILLER4 "At last the sparse gating of tokens helps, and "
                   "then more words follow the match here."},
    /* The query words sit near the start of a long text. */
    {"2501.00005", "The sparse gating of tokens comes first. " FILLER4 FILLER4},
    /* One word repeated at the start; both words together much later. */
    {"2501.00006", "Quokka quokka quokka quokka. " FILLER4 "Then quokka meets zephyr at the end."},
    {"2501.00007", "Sparse\n\nrouting\tof   tokens\r\n with  experts ."},
    {"2501.00008", "Na\xc3\xafve caf\xc3\xa9 models: \xc3\x9c" "ber alles, \xc3\xbc" "ber-scaling "
                   "f\xc3\xbcr Transformer routing."},
    /* Invalid UTF-8: a lone continuation byte, 0xFF, a cut 2-byte and a cut
     * 4-byte sequence, an overlong form. */
    {"2501.00009", "bad \xff\xfe bytes \x80 then routing and \xc3 cut \xf0\x9f\x98 experts "
                   "\xc0\xaf end routing."},
    {"2501.00010", "\xe6\x9c\xac\xe6\x96\x87\xe6\x8f\x90\xe5\x87\xba\xe5\xa4\xa7\xe8\xaf\xad"
                   "\xe8\xa8\x80\xe6\xa8\xa1\xe5\x9e\x8b\xe7\x9a\x84\xe7\xbb\xbc\xe8\xbf\xb0"
                   "\xef\xbc\x8c\xe6\xb6\xb5\xe7\x9b\x96\xe9\xa2\x84\xe8\xae\xad\xe7\xbb\x83"
                   "\xe3\x80\x82"},
    {"2501.00011", "We distilled a model by distillation; Distilling helps. A still distiller."},
    {"2501.00012", NULL},
    {"2501.00013", "The lead-in\nof this\ttext   has odd white space and goes on for a while "
                   "longer than the snippet."},
    /* One long multi-byte word around the match, and one at the start. */
    {"2501.00014", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 "
                   "wombat "
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"},
    /* White space before the first word and after the last. */
    {"2501.00015", "\n\n\n\n\n\n  routing comes first and then words follow"},
    {"2501.00016", "Routing\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n"},
    /* Porter2's exceptions change a stem's second letter. */
    {"2501.00017", "Stars dying and lying in the cold, tying knots."},
    {"2501.00018", "Sparse gating of tokens, without routing."},
    /* The match a little way into a sentence, then far into one. */
    {"2501.00019", FILLER4 "Our sentence starts here and the wombat sits in it. " FILLER4},
    {"2501.00020", FILLER4 "Then one long sentence goes on and on and on and on with words "
                   "before the wombat sits in it. " FILLER4},
    /* A common word alone near the start, a rare one alone far on. */
    {"2501.00021", "The model is here. " FILLER4 "A numbat is there. " FILLER},
};
#define N_AIMED (sizeof aimed / sizeof aimed[0])

/* Fragments the varied abstracts are made of: words the queries below
 * match in several forms, multi-byte and CJK text, white space runs,
 * punctuation that splits or joins words. */
static const char *const fragments[] = {
    "routing", "Routed", "routes,", "experts", "Experts'", "expert's", "scaling", "Scaled",
    "\xc3\x9c" "ber", "\xc3\xbc" "ber-models", "na\xc3\xafve", "caf\xc3\xa9",
    "\xe5\xa4\xa7\xe8\xaf\xad\xe8\xa8\x80\xe6\xa8\xa1\xe5\x9e\x8b",
    "\xe8\xaf\xad\xe8\xa8\x80", "3.5", "GPT-4", "cross-entropy", "distillation", "Distilled",
    "(parenthesis)", "\xe2\x80\x9cquoted\xe2\x80\x9d", "\xe2\x80\x94", "\xf0\x9f\x99\x82",
    "\x01" "ctrl",
    "e.g.", "of", "the", "a", "token", "layers.", "Mixture", "\t", "\n", "  ", "don't",
    "\xd0\xbc\xd0\xbe\xd0\xb4\xd0\xb5\xd0\xbb\xd1\x8c", "x", "routing.", "-", "...",
};
#define N_FRAGMENTS (sizeof fragments / sizeof fragments[0])
#define N_VARIED 40

typedef struct snip_state {
    awx_fixture_t fx;
    char varied[N_VARIED][1024];
} snip_state_t;

/* Fills VARIED[I] with a deterministic mix of fragments (a small LCG). */
static void make_varied(snip_state_t *s)
{
    uint32_t x = 12345;
    for (size_t i = 0; i < N_VARIED; i++) {
        char *out = s->varied[i];
        size_t words = 3 + i * 7 % 90, len = 0;
        out[0] = '\0';
        for (size_t w = 0; w < words; w++) {
            x = x * 1103515245u + 12345u;
            const char *f = fragments[(x >> 16) % N_FRAGMENTS];
            if (len + strlen(f) + 2 >= sizeof s->varied[i])
                break;
            len += (size_t)sprintf(out + len, "%s%s", w ? " " : "", f);
        }
        /* White space at either end is test_no_ellipsis_for_*'s. */
        while (len > 0 && (unsigned char)out[len - 1] <= ' ')
            out[--len] = '\0';
        size_t lead = strspn(out, " \t\n");
        memmove(out, out + lead, len - lead + 1);
    }
}

static void put(awx_db_t *db, const char *id, const char *title, const char *abstract)
{
    static const char *none[1] = {NULL};
    awx_doc_t doc;
    memset(&doc, 0, sizeof doc);
    doc.id = id;
    doc.kind = AWX_KIND_PAPER;
    doc.title = title;
    doc.authors = none;
    doc.abstract = abstract;
    doc.sections = none;
    doc.subsections = none;
    doc.categories = none;
    doc.citations = -1;
    doc.data = id;
    doc.data_len = strlen(id);
    awx_status_t st = awx_db_put(db, &doc);
    if (st != AWX_OK)
        fail_msg("put %s: %s: %s", id, awx_status_to_string(st), awx_db_last_error(db));
}

static int group_setup(void **state)
{
    snip_state_t *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->fx.dir = temp_dir();
    snprintf(s->fx.path, sizeof s->fx.path, "%s/db", s->fx.dir);
    make_varied(s);
    awx_db_t *db = open_ok(s->fx.path, AWX_OPEN_WRITE);
    for (size_t i = 0; i < N_AIMED; i++)
        put(db, aimed[i].id, "Aimed", aimed[i].abstract);
    for (size_t i = 0; i < N_VARIED; i++) {
        char id[32];
        snprintf(id, sizeof id, "2502.%05zu", i);
        put(db, id, "Varied", s->varied[i]);
    }
    assert_int_equal(awx_db_commit(db), AWX_OK);
    awx_db_close(db);
    s->fx.db = open_ok(s->fx.path, AWX_OPEN_READ);
    *state = s;
    return 0;
}

static int group_teardown(void **state)
{
    snip_state_t *s = *state;
    awx_db_close(s->fx.db);
    remove_tree(s->fx.dir);
    free(s->fx.dir);
    free(s);
    return 0;
}

static awx_db_t *db_of(void **state)
{
    return ((snip_state_t *)*state)->fx.db;
}

static void test_stem_matching(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "experts id:2501.00001", 0, &h);
    assert_string_equal(h->snippet, aimed[0].abstract);
    /* "expertise" stems to "expertis": no match. */
    assert_string_equal(span_texts(h), "expert|Experts|experts");
    span_at(h, 0, "expert", 0);
    span_at(h, 1, "Experts", 0);
    span_at(h, 2, "experts", 0); /* in "experts'" */
    assert_int_equal(h->highlights[2].length, 7); /* the apostrophe is not in */
    awx_results_free(r);

    r = one_hit(db_of(state), "scaling id:2501.00002", 0, &h);
    assert_string_equal(span_texts(h), "scale|Scaled|Scaling|scales");
    span_at(h, 0, "scale", 0);
    span_at(h, 1, "Scaled", 0);
    span_at(h, 2, "Scaling", 0);
    span_at(h, 3, "scales", 0);
    awx_results_free(r);
}

static void test_stem_exceptions(void **state)
{
    /* English stems "dying", "lying" and "tying" to "die", "lie", "tie":
     * the index finds them by those stems, so the snippet marks them. */
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "dying id:2501.00017", 0, &h);
    assert_string_equal(span_texts(h), "dying");
    awx_results_free(r);
    r = one_hit(db_of(state), "lie tie id:2501.00017", 0, &h);
    assert_string_equal(span_texts(h), "lying|tying");
    awx_results_free(r);
}

static void test_excluded_word_not_marked(void **state)
{
    /* A word the query excludes (here from titles only) is no match to
     * show, though the abstract holds it. */
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "sparse -title:routing id:2501.00018", 0, &h);
    assert_string_equal(span_texts(h), "Sparse");
    awx_results_free(r);
    /* An excluded wildcard too; one the query keeps is marked. */
    r = one_hit(db_of(state), "sparse -title:rout* id:2501.00018", 0, &h);
    assert_string_equal(span_texts(h), "Sparse");
    awx_results_free(r);
    r = one_hit(db_of(state), "sparse rout* id:2501.00018", 0, &h);
    assert_string_equal(span_texts(h), "Sparse|routing");
    awx_results_free(r);
}

static void test_phrase_unstemmed(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "\"Mixture of Experts\" id:2501.00003", 0, &h);
    /* Phrase words match as written (any case): not "expert", not
     * "mixtures"; the stop word "of" is never highlighted. */
    assert_string_equal(span_texts(h), "Mixture|Experts|experts");
    span_at(h, 0, "Mixture", 0);
    span_at(h, 1, "Experts", 0);
    span_at(h, 2, "experts", 0);
    awx_results_free(r);

    /* Outside a phrase a capitalised query word is stemmed as a lower
     * case one is ("Experts" finds "expert"). */
    r = one_hit(db_of(state), "Experts id:2501.00003", 0, &h);
    assert_string_equal(span_texts(h), "Experts|expert|experts");
    awx_results_free(r);
}

static void test_window_near_end(void **state)
{
    const awx_hit_t *h;
    assert_true(strlen(aimed[3].abstract) > 600);
    awx_results_t *r = one_hit(db_of(state), "sparse gating id:2501.00004", 200, &h);
    assert_true(check_passage(aimed[3].abstract, h));
    assert_true(strlen(h->snippet) <= 200 + 4 + 3);
    assert_string_equal(span_texts(h), "sparse|gating");
    awx_results_free(r);

    /* Near the start: from the text's start, no leading "…". */
    r = one_hit(db_of(state), "sparse gating id:2501.00005", 200, &h);
    assert_false(check_passage(aimed[4].abstract, h));
    assert_int_equal(strncmp(h->snippet, "The sparse gating", 17), 0);
    assert_true(strlen(h->snippet) <= 200 + 3);
    assert_string_equal(span_texts(h), "sparse|gating");
    awx_results_free(r);
}

static void test_window_more_words_wins(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "quokka zephyr id:2501.00006", 80, &h);
    assert_true(check_passage(aimed[5].abstract, h));
    assert_non_null(strstr(span_texts(h), "zephyr"));
    assert_non_null(strstr(h->snippet, "quokka meets zephyr"));
    awx_results_free(r);
}

static void test_window_start(void **state)
{
    /* The start of the match's sentence when it is near. */
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "wombat id:2501.00019", 120, &h);
    check_passage(aimed[18].abstract, h);
    assert_int_equal(strncmp(h->snippet, ELLIPSIS, 3), 0);
    assert_non_null(strstr(h->snippet, "Our sentence starts here and the wombat"));
    assert_null(strstr(h->snippet, "away."));
    awx_results_free(r);

    /* Else a few words before the match, the rest after it. */
    r = one_hit(db_of(state), "wombat id:2501.00020", 60, &h);
    check_passage(aimed[19].abstract, h);
    const char *at = strstr(h->snippet, "wombat");
    assert_non_null(at);
    assert_true(at - h->snippet > 3 + 5);
    assert_true(at - h->snippet < 60 / 2);
    assert_true(strlen(h->snippet) <= 60 + 4 + 3);
    awx_results_free(r);
}

static void test_rare_word_wins(void **state)
{
    /* "model" is in many documents, "numbat" in one: the window with
     * "numbat" says more. */
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "model numbat id:2501.00021", 40, &h);
    char got[64];
    snprintf(got, sizeof got, "%s", span_texts(h));
    awx_results_free(r);
    assert_string_equal(got, "numbat");
}

static void test_white_space(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "routing experts id:2501.00007", 0, &h);
    assert_string_equal(h->snippet, "Sparse routing of tokens with experts .");
    assert_string_equal(span_texts(h), "routing|experts");
    span_at(h, 0, "routing", 0);
    span_at(h, 1, "experts", 0);
    awx_results_free(r);
}

static void test_lead_in_white_space(void **state)
{
    /* A query that matches no word of the abstract gets its start; white
     * space runs come out as single spaces there too. */
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "id:2501.00013", 40, &h);
    assert_int_equal(h->n_highlights, 0);
    assert_null(strchr(h->snippet, '\n'));
    assert_null(strchr(h->snippet, '\t'));
    assert_null(strstr(h->snippet, "  "));
    check_passage(aimed[12].abstract, h);
    awx_results_free(r);
}

/* Only white space lies before the first word (or after the last): no
 * text is left out there, so there is no "…" either. */
static void test_no_ellipsis_for_leading_space(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "routing id:2501.00015", 12, &h);
    assert_string_equal(h->snippet, "routing" ELLIPSIS);
    assert_string_equal(span_texts(h), "routing");
    awx_results_free(r);
}

static void test_no_ellipsis_for_trailing_space(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "routing id:2501.00016", 12, &h);
    assert_string_equal(h->snippet, "Routing");
    assert_string_equal(span_texts(h), "Routing");
    awx_results_free(r);
}

static void test_non_ascii(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "routing id:2501.00008", 0, &h);
    assert_string_equal(h->snippet, aimed[7].abstract);
    assert_string_equal(span_texts(h), "routing");
    span_at(h, 0, "routing", 0);
    awx_results_free(r);

    r = one_hit(db_of(state), "\xc3\xbc" "ber id:2501.00008", 0, &h);
    assert_string_equal(span_texts(h), "\xc3\x9c" "ber|\xc3\xbc" "ber");
    span_at(h, 0, "\xc3\x9c" "ber", 0);
    span_at(h, 1, "\xc3\xbc" "ber", 0); /* in "über-scaling" */
    awx_results_free(r);

    /* Invalid bytes: no crash, and the spans still cover the words. */
    r = one_hit(db_of(state), "routing experts id:2501.00009", 0, &h);
    assert_string_equal(span_texts(h), "routing|experts|routing");
    size_t first = (size_t)(strstr(h->snippet, "routing") - h->snippet);
    span_at(h, 0, "routing", 0);
    span_at(h, 1, "experts", 0);
    span_at(h, 2, "routing", first + 1);
    awx_results_free(r);

    /* One long multi-byte word each side: cut on a character boundary. */
    r = one_hit(db_of(state), "wombat id:2501.00014", 30, &h);
    assert_string_equal(span_texts(h), "wombat");
    span_at(h, 0, "wombat", 0);
    awx_results_free(r);
    r = one_hit(db_of(state), "id:2501.00014", 41, &h);
    size_t n = strlen(h->snippet);
    assert_true(n >= 3 && n <= 41 + 3);
    assert_memory_equal(h->snippet + n - 3, ELLIPSIS, 3);
    for (size_t i = 0; i + 3 < n; i += 2)
        assert_memory_equal(h->snippet + i, "\xc3\xa9", 2);
    awx_results_free(r);
}

static void test_cjk(void **state)
{
    const awx_hit_t *h;
    const char *word = "\xe5\xa4\xa7\xe8\xaf\xad\xe8\xa8\x80\xe6\xa8\xa1\xe5\x9e\x8b";
    char q[128];
    snprintf(q, sizeof q, "%s id:2501.00010", word);
    awx_results_t *r = one_hit(db_of(state), q, 0, &h);
    assert_string_equal(h->snippet, aimed[9].abstract);
    assert_string_equal(span_texts(h), word);
    span_at(h, 0, word, 0);
    awx_results_free(r);
}

static void test_wildcard(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "distill* id:2501.00011", 0, &h);
    assert_string_equal(span_texts(h), "distilled|distillation|Distilling|distiller");
    span_at(h, 0, "distilled", 0);
    span_at(h, 1, "distillation", 0);
    span_at(h, 2, "Distilling", 0);
    span_at(h, 3, "distiller", 0);
    awx_results_free(r);
}

static void test_lengths(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "sparse gating id:2501.00004", 30, &h);
    assert_true(check_passage(aimed[3].abstract, h));
    assert_true(strlen(h->snippet) <= 30 + 4 + 3);
    assert_true(h->n_highlights >= 1);
    awx_results_free(r);

    /* Longer than the text: all of it, white space collapsed, no "…". */
    r = one_hit(db_of(state), "sparse gating id:2501.00004", 5000, &h);
    char *whole = collapse(aimed[3].abstract);
    assert_string_equal(h->snippet, whole);
    free(whole);
    assert_null(strstr(h->snippet, ELLIPSIS));
    assert_string_equal(span_texts(h), "sparse|gating");
    awx_results_free(r);
}

static void test_no_abstract_and_filters(void **state)
{
    const awx_hit_t *h;
    awx_results_t *r = one_hit(db_of(state), "aimed id:2501.00012", 0, &h);
    assert_null(h->snippet);
    assert_int_equal(h->n_highlights, 0);
    awx_results_free(r);

    /* Filters only: the start of the abstract, cut after a whole word. */
    r = one_hit(db_of(state), "id:2501.00005", 40, &h);
    assert_string_equal(h->snippet, "The sparse gating of tokens comes first." ELLIPSIS);
    assert_int_equal(h->n_highlights, 0);
    assert_null(h->highlights);
    awx_results_free(r);
}

/* A query over the varied abstracts and what its spans may start with
 * (ASCII case ignored). */
typedef struct varied_query {
    const char *q;
    const char *roots[4];
} varied_query_t;

static void test_varied_abstracts(void **state)
{
    snip_state_t *s = *state;
    static const varied_query_t queries[] = {
        {"routing", {"rout"}},
        {"experts", {"expert"}},
        {"scaling", {"scal"}},
        {"\xc3\xbc" "ber", {"\xc3\xbc" "ber", "\xc3\x9c" "ber"}},
        {"distill*", {"distill"}},
        {"routing experts", {"rout", "expert"}},
        {"\xe8\xaf\xad\xe8\xa8\x80", {"\xe8\xaf\xad\xe8\xa8\x80"}},
        {"token scaling", {"token", "scal"}},
        {"\"mixture of\"", {"mixture"}},
        {"x", {"x"}},
        {"na\xc3\xafve caf\xc3\xa9", {"na\xc3\xafve", "caf\xc3\xa9"}},
        {"\"routing experts\"", {"routing", "experts"}},
        {"cross entropy", {"cross", "entropy"}},
        {"3.5", {"3.5"}},
        {"GPT-4", {"gpt", "4"}},
        {"Distill*", {"distill"}},
        {"model", {"model"}},
    };
    static const unsigned lengths[] = {0, 12, 30, 80, 200, 5000};
    size_t checked = 0;
    for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        for (size_t li = 0; li < sizeof lengths / sizeof lengths[0]; li++) {
            const char *q = queries[qi].q;
            awx_query_t query = {.q = q, .limit = 100, .snippets = true,
                                 .snippet_chars = lengths[li]};
            awx_results_t *r = NULL;
            awx_status_t st = awx_db_search(s->fx.db, &query, &r);
            if (st != AWX_OK)
                fail_msg("query \"%s\": %s", q, awx_db_last_error(s->fx.db));
            for (size_t i = 0; i < awx_results_count(r); i++) {
                const awx_hit_t *h = awx_results_hit(r, i);
                const char *id = hit_id(r, i);
                if (strncmp(id, "2502.", 5) != 0)
                    continue; /* an aimed document */
                const char *abstract = s->varied[atoi(id + 5)];
                check_spans(h);
                assert_non_null(h->snippet);
                if (!valid_utf8(h->snippet))
                    fail_msg("query \"%s\": snippet \"%s\" is not UTF-8", q, h->snippet);
                check_passage(abstract, h);
                /* Only the abstract can match (the title is "Varied"), so
                 * the snippet holds at least one match, and every span is
                 * one of the query's words. */
                if (h->n_highlights == 0)
                    fail_msg("query \"%s\": no span in \"%s\"", q, h->snippet);
                for (size_t k = 0; k < h->n_highlights; k++) {
                    const char *at = h->snippet + h->highlights[k].offset;
                    bool ok = false;
                    for (const char *const *w = queries[qi].roots; *w && !ok; w++)
                        ok = h->highlights[k].length >= strlen(*w) &&
                             strncasecmp(at, *w, strlen(*w)) == 0;
                    if (!ok)
                        fail_msg("query \"%s\": span \"%.*s\" is no query word", q,
                                 (int)h->highlights[k].length, at);
                }
                /* The window is CHARS bytes, or one word when that is longer. */
                unsigned chars = lengths[li] ? lengths[li] : 200;
                if (strlen(h->snippet) > (chars > 16 ? chars : 16) + 7)
                    fail_msg("query \"%s\", %u chars: %zu bytes: \"%s\"", q, chars,
                             strlen(h->snippet), h->snippet);
                checked++;
            }
            awx_results_free(r);
        }
    }
    /* The fragments make most queries match many of the abstracts. */
    assert_true(checked > 1000);
}

static void test_hit_data(void **state)
{
    (void)state;
    char *dir = temp_dir();
    char path[4096];
    snprintf(path, sizeof path, "%s/db", dir);
    awx_db_t *db = open_ok(path, AWX_OPEN_WRITE);
    static const char *none[1] = {NULL};
    awx_doc_t doc;
    memset(&doc, 0, sizeof doc);
    doc.id = "2503.00001";
    doc.title = "Numbat one";
    doc.authors = doc.sections = doc.subsections = doc.categories = none;
    doc.citations = -1;
    /* Binary on purpose: both are opaque bytes, NULs included. */
    doc.data = "FULL\0one";
    doc.data_len = 8;
    doc.hit_data = "HIT\0one";
    doc.hit_data_len = 7;
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    doc.id = "2503.00002";
    doc.title = "Numbat two";
    doc.data = "FULL\0two";
    doc.hit_data = NULL;
    doc.hit_data_len = 0;
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    /* A length without bytes is refused. */
    doc.id = "2503.00003";
    doc.hit_data_len = 3;
    assert_int_equal(awx_db_put(db, &doc), AWX_ERR_INVALID);
    assert_int_equal(awx_db_commit(db), AWX_OK);

    awx_results_t *r = run_query(db, "numbat one");
    assert_int_equal(awx_results_count(r), 2);
    for (size_t i = 0; i < 2; i++) {
        const awx_hit_t *h = awx_results_hit(r, i);
        bool one = h->data_len == 7;
        if (one)
            assert_memory_equal(h->data, "HIT\0one", 7);
        else {
            assert_int_equal(h->data_len, 8);
            assert_memory_equal(h->data, "FULL\0two", 8);
        }
    }
    awx_results_free(r);
    /* get still gives the whole stored form. */
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(awx_db_get(db, "2503.00001", &data, &len), AWX_OK);
    assert_int_equal(len, 8);
    assert_memory_equal(data, "FULL\0one", 8);
    free(data);

    /* Putting the document again without a hit record drops the old one. */
    doc.id = "2503.00001";
    doc.title = "Numbat one";
    doc.data = "FULL\0new";
    doc.hit_data_len = 0;
    assert_int_equal(awx_db_put(db, &doc), AWX_OK);
    assert_int_equal(awx_db_commit(db), AWX_OK);
    r = run_query(db, "numbat id:2503.00001");
    assert_int_equal(awx_results_count(r), 1);
    const awx_hit_t *h = awx_results_hit(r, 0);
    assert_int_equal(h->data_len, 8);
    assert_memory_equal(h->data, "FULL\0new", 8);
    awx_results_free(r);
    awx_db_close(db);
    remove_tree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stem_matching),
        cmocka_unit_test(test_stem_exceptions),
        cmocka_unit_test(test_excluded_word_not_marked),
        cmocka_unit_test(test_phrase_unstemmed),
        cmocka_unit_test(test_window_near_end),
        cmocka_unit_test(test_window_more_words_wins),
        cmocka_unit_test(test_window_start),
        cmocka_unit_test(test_rare_word_wins),
        cmocka_unit_test(test_white_space),
        cmocka_unit_test(test_lead_in_white_space),
        cmocka_unit_test(test_no_ellipsis_for_leading_space),
        cmocka_unit_test(test_no_ellipsis_for_trailing_space),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_cjk),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_no_abstract_and_filters),
        cmocka_unit_test(test_varied_abstracts),
        cmocka_unit_test(test_hit_data),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
