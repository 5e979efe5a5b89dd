/* awx_internal.h - what the shim's C++ files share behind awx.h.
 *
 * The handle, the results, the value slots, the prefix table's entry
 * points and the one exception guard that keeps C++ exceptions out of C.
 * Nothing here is visible to C callers.
 */
#ifndef AWX_INTERNAL_H
#define AWX_INTERNAL_H

#include <sys/stat.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <xapian.h>

#include "awx.h"

/* Value slots.  The document data is the indexer's opaque stored form, so
 * everything the shim itself must read back (for sorting, facets, snippets,
 * suggestions and the id walk) is kept in a value slot of its own. */
enum aws__slot : Xapian::valueno {
    AWS__SLOT_DIGEST = 0,    /* the indexer's content hash */
    AWS__SLOT_YEAR = 1,      /* sortable_serialise(year) */
    AWS__SLOT_CITATIONS = 2, /* sortable_serialise(citations) */
    AWS__SLOT_SECTIONS = 3,  /* every "##" section, joined by AWS__SECTION_SEP */
    AWS__SLOT_ID = 4,        /* the id as given (the Q term may be hashed) */
    AWS__SLOT_TITLE = 5,     /* the title, for suggestions and snippets */
    AWS__SLOT_ABSTRACT = 6,  /* the abstract, for snippets */
    AWS__SLOT_HIT = 7,       /* the indexer's hit record: values are not
                              * compressed, document data is, and inflating
                              * it was half the cost of a page of hits */
};
#define AWS__SECTION_SEP '\x1f'

/* What stat(2) said of a file: enough to tell it was replaced. */
struct aws__stamp {
    bool ok = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    struct timespec mtim {}, ctim{};
};

/* The database handle.  RDB is what every read goes through; for a
 * writable handle it shares WDB's internals, so reads see pending writes. */
struct awx_db {
    std::string path;
    bool writable = false;
    bool in_txn = false;
    Xapian::Database rdb;
    Xapian::WritableDatabase wdb;
    /* What PATH was when RDB was opened, so awx_db_reopen can tell a
     * stub file swapped by awx_rebuild_finish from an updated database. */
    dev_t path_dev = 0;
    ino_t path_ino = 0;
    std::string path_target;
    /* The path and the version file as they were when RDB last caught up
     * (read-only handles): while both are unchanged, reopening is a no-op. */
    bool stamps_valid = false;
    aws__stamp path_stamp, version_stamp;
    bool remote = false; /* on a network filesystem: never trust stamps */
    /* Spelling data of the documents put since the last flush: word ->
     * number of documents.  Adding it once per word at commit time rather
     * than once per occurrence keeps indexing close to the engine's floor. */
    std::unordered_map<std::string, Xapian::termcount> spelling;
    /* awx_db_counts of the revision COUNTS_REV of database COUNTS_UUID. */
    bool counts_valid = false;
    Xapian::rev counts_rev = 0;
    std::string counts_uuid;
    awx_counts_t counts{};
    std::string last_error;
};

/* One hit and the storage its awx_hit_t points into. */
struct aws__hit {
    std::string data;
    std::string snippet;
    bool has_snippet = false;
    std::vector<awx_span_t> spans;
    awx_hit_t hit{};
};

struct awx_results {
    std::vector<aws__hit> hits;  /* never resized after hit pointers are set */
    uint64_t total = 0;
    bool has_corrected = false;
    std::string corrected;
    std::vector<std::string> facet_values[2];
    std::vector<awx_facet_t> facets[2];
};

/* An error the shim raises itself, carrying its status and message; the
 * guard below turns it into a return value like any Xapian exception. */
struct aws__error : std::runtime_error {
    awx_status_t status;
    aws__error(awx_status_t s, const std::string &msg)
        : std::runtime_error(msg), status(s) {}
};

/* Maps the exception being handled (call only inside a catch block) to a
 * status and stores its message in *MSG.  Never throws. */
awx_status_t aws__caught(std::string *msg) noexcept;

/* Runs BODY, returning its status, or the mapped status of whatever it
 * throws with the message kept on DB (which may be NULL). */
template <typename F>
awx_status_t aws__guard(awx_db *db, F &&body) noexcept
{
    try {
        if (db)
            db->last_error.clear();
        return body();
    } catch (...) {
        std::string msg;
        awx_status_t st = aws__caught(&msg);
        if (db) {
            try {
                db->last_error.swap(msg);
            } catch (...) {
            }
        }
        return st;
    }
}

/* The int a C caller stored in an enum field.  C may store any int there;
 * in C++ loading a value outside the enumerators is undefined, so the
 * shim copies the bytes out before checking them. */
template <typename E>
int aws__enum_value(const E &e)
{
    int v;
    static_assert(sizeof v == sizeof e, "C enums are int-sized");
    std::memcpy(&v, &e, sizeof v);
    return v;
}

/* malloc'd copy of S (NUL-terminated), or throws std::bad_alloc. */
char *aws__strdup(const std::string &s);

/* --------------------------------------------------------- prefix table */

/* Fields of the prefix table that the index side names directly. */
enum aws__field_id {
    AWS__F_TITLE,
    AWS__F_ABSTRACT,
    AWS__F_SECTION,
    AWS__F_AUTHOR,
    AWS__F_KIND,
    AWS__F_ID,
    AWS__F_HAS,
    AWS__F_CATEGORY,
    AWS__F_SECTION_EXACT,
    AWS__F_YEAR,
    AWS__F_CITATIONS,
    AWS__F_COUNT
};

/* The term prefix of field F. */
const std::string &aws__prefix(aws__field_id f);

/* The unique-id term of ID ("Q" + id, hashed when too long for Xapian). */
std::string aws__id_term(const std::string &id);

/* The boolean term that the section filter looks for. */
std::string aws__section_term(const std::string &section);

/* A TermGenerator set up as the query side expects (stemmer, strategy,
 * CJK n-grams). */
void aws__termgen_setup(Xapian::TermGenerator &tg);

/* A QueryParser over DB that knows every field of the prefix table.
 * Field values it refuses (year:recent) are reported in *PROBLEM, which
 * must outlive QP: an exception thrown through Xapian's parser leaks. */
void aws__queryparser_setup(Xapian::QueryParser &qp, const Xapian::Database &db,
                            std::string *problem);

/* For a term of a free-text field (title, abstract, section, author),
 * the same word as an unprefixed term ("ZXAexpert" -> "Zexpert",
 * "Sexperts" -> "experts"); "" for any other term. */
std::string aws__plain_form(const std::string &term);

/* True for a stemmed title or abstract word ("ZSexpert", "ZXAexpert"):
 * what relevance feedback builds its queries from. */
bool aws__is_topic_term(const std::string &term);

/* The query flags the shim parses user queries with. */
unsigned aws__query_flags();

/* Parses Q (empty or blank: every document) with QP, set up with
 * PROBLEM as above; a refused value throws AWX_ERR_QUERY_SYNTAX. */
Xapian::Query aws__parse(Xapian::QueryParser &qp, const std::string &problem, const char *q);

/* True for the words queries drop as too common ("of", "the"). */
bool aws__is_stopword(const std::string &word);

/* Whether WORD is one of the query parser's operators, which count only
 * in capitals: AND, OR, NOT, XOR, NEAR, ADJ, and NEAR/n, ADJ/n. */
bool aws__is_operator(const std::string &word);

/* The English stemmer shared by indexing, parsing and snippets. */
Xapian::Stem aws__stemmer();

/* ------------------------------------------------------------- spelling */

/* Notes the unstemmed words of field F of D (being put into DB) for the
 * spelling data; Xapian gets them at the next flush. */
void aws__spelling_note(awx_db *db, const Xapian::Document &d, aws__field_id f);

/* Hands DB's pending spelling data to Xapian (before a commit). */
void aws__spelling_flush(awx_db *db);

/* Takes the words of D, a document of DB about to be replaced or deleted,
 * out of the spelling data: each counts one document less, from the
 * pending counts while they hold it, else from Xapian's data. */
void aws__spelling_forget(awx_db *db, const Xapian::Document &d);

/* Q with each word that no document has replaced by the nearest word of
 * the spelling data; "" when nothing was replaced. */
std::string aws__spelling_correct(const Xapian::Database &db, const std::string &q);

/* ------------------------------------------------------------- synonyms */

/* The synonym-table key of TEXT: its words lower-cased and stemmed, each
 * with the "Z" prefix of stemmed terms, joined by single spaces. */
std::string aws__synonym_key(const std::string &text);

/* Parses Q as aws__parse does, but a run of plain words that spells a
 * member of one of DB's synonym groups also searches the group's other
 * members ("moe" also finds "mixture of experts"). */
Xapian::Query aws__synonyms_parse(const Xapian::Database &db, Xapian::QueryParser &qp,
                                  const std::string &problem, const char *q);

/* ---------------------------------------------------------------- paths */

/* What a database path is on disk, looked at before Xapian touches it. */
enum aws__path_kind {
    AWS__PATH_MISSING,   /* nothing there */
    AWS__PATH_EMPTY_DIR, /* an empty folder: a database may be created */
    AWS__PATH_DB_DIR,    /* a folder holding a Xapian database */
    AWS__PATH_STUB,      /* a Xapian stub database file */
    AWS__PATH_DB_FILE,   /* a single-file (compacted) glass database */
    AWS__PATH_OTHER,     /* anything else: never to be touched */
};

/* Classifies PATH; for AWS__PATH_OTHER *WHY says what was found. */
aws__path_kind aws__classify(const std::string &path, std::string *why);

/* The folder a single-database stub file at STUB names, resolved against
 * the stub's own folder as Xapian does; "" when it names none. */
std::string aws__stub_target(const std::string &stub);

/* ------------------------------------------------------------ searching */

/* The document with unique id ID, or 0 when there is none. */
Xapian::docid aws__find(const Xapian::Database &db, const std::string &id);

/* Fills R's hits from MSET, the result of QUERY on DB (ranks count from
 * 0 at the query's offset), with a snippet of SNIPPET_CHARS bytes per hit
 * when SNIPPETS is set. */
void aws__results_fill(awx_results &r, const Xapian::Database &db,
                       const Xapian::Query &query, const Xapian::MSet &mset,
                       bool snippets, unsigned snippet_chars);

/* Snippets (awx_snippet.cc): made once per search from QUERY's words and
 * wildcards (weighted by their frequencies in MSET, QUERY's result on
 * DB), then asked for one hit's snippet at a time.  Not shared between
 * threads. */
class aws__snippeter {
  public:
    struct match;
    aws__snippeter(const Xapian::Database &db, const Xapian::MSet &mset,
                   const Xapian::Query &query);
    ~aws__snippeter();
    /* The passage of TEXT, about CHARS bytes, that holds the most of the
     * query's words, as plain text in *OUT with the byte spans of the
     * matched words in *SPANS; the start of TEXT and no spans when no
     * query word occurs in it. */
    void make(const std::string &text, unsigned chars, std::string *out,
              std::vector<awx_span_t> *spans);

  private:
    enum kind { KIND_STEM, KIND_EXACT, KIND_PREFIX, KIND_CJK };
    struct word {
        std::string text; /* a stem, a lower-case word or a prefix */
        kind how;
        double weight; /* while the words are added: the largest term frequency */
    };
    void add(const std::string &text, kind how, double tf);
    bool could_match(const std::string &text, size_t b, size_t e) const;
    int classify(const std::string &lower);
    void find(const std::string &text, std::vector<match> *out);

    Xapian::Stem stemmer_;
    std::vector<word> words_;
    std::vector<double> weights_; /* each word's weight, by index */
    /* A bit for each two-byte start (lower case) of a stem or an exact
     * word, and for every start with a prefix's first byte: a text word
     * that starts otherwise cannot match and is never copied, hashed or
     * stemmed. */
    std::vector<uint64_t> starts_ = std::vector<uint64_t>(65536 / 64);
    /* Every text word seen in this search: the query word it matches, or -1. */
    std::unordered_map<std::string, int> seen_;
    std::vector<match> matches_;
};

/* A MatchSpy counting every section of every match (a document in two
 * sections counts once for each). */
Xapian::MatchSpy *aws__section_spy_new();

/* Copies the counts of the section and year spies into R, best first. */
void aws__facets_collect(awx_results &r, Xapian::MatchSpy *sections,
                         const Xapian::ValueCountMatchSpy &years);

#endif /* AWX_INTERNAL_H */
