/* awx_prefix.cc - THE prefix table: field names, term prefixes, parsing.
 *
 * Indexing (awx_index.cc) and query parsing (here) both take their
 * prefixes from the one table below, so a field can never be indexed under
 * one prefix and searched under another.  Prefixes follow Xapian's
 * conventions: upper case, multi-letter ones start with X, and terms after
 * them are lower case, so no two prefixes can be confused.
 */
#include <cstdlib>
#include <cctype>
#include <cstring>

#include "awx_internal.h"

extern "C" {
#include "ids.h"
}

namespace {

enum field_type {
    FREE_TEXT,  /* words, stemmed like plain text */
    BOOLEAN,    /* exact lower-case terms, used as filters */
    AUTHOR,     /* boolean filter over unstemmed, positional author words */
    ID,         /* boolean filter on the unique id, normalised first */
    NUMBER,     /* a value slot: "name:A..B" ranges, "name:N" exactly */
};

struct field {
    aws__field_id id;
    const char *name;   /* the query language's "name:"; NULL: no field */
    const char *prefix;
    field_type type;
    bool exclusive;     /* a document has at most one term with it */
    bool plain;         /* plain words (no field named) search it */
    Xapian::valueno slot; /* NUMBER fields: their value slot */
};

const field fields[AWS__F_COUNT] = {
    {AWS__F_TITLE, "title", "S", FREE_TEXT, false, true, 0},
    {AWS__F_ABSTRACT, "abstract", "XA", FREE_TEXT, false, true, 0},
    {AWS__F_SECTION, "section", "XS", FREE_TEXT, false, true, 0},
    {AWS__F_AUTHOR, "author", "A", AUTHOR, false, true, 0},
    {AWS__F_KIND, "kind", "K", BOOLEAN, true, false, 0},
    {AWS__F_ID, "id", "Q", ID, true, false, 0},
    {AWS__F_HAS, "has", "XH", BOOLEAN, false, false, 0},
    {AWS__F_CATEGORY, "category", "XC", BOOLEAN, false, false, 0},
    /* The section filter of awx_query_t; not a query-language field. */
    {AWS__F_SECTION_EXACT, nullptr, "XSF", BOOLEAN, false, false, 0},
    {AWS__F_YEAR, "year", "", NUMBER, true, false, AWS__SLOT_YEAR},
    {AWS__F_CITATIONS, "citations", "", NUMBER, true, false, AWS__SLOT_CITATIONS},
};

/* Xapian's glass backend refuses terms over 245 bytes. */
const size_t max_term = 240;

/* FNV-1a: enough to keep two long URLs that share 200 bytes apart. */
std::string hash_hex(const std::string &s)
{
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    static const char digits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; i--, h >>= 4)
        out[i] = digits[h & 15];
    return out;
}

/* author: searches the A terms, the names' words unstemmed (their
 * stemmed ZA twins serve plain words), so the value is parsed with a
 * parser that has no stemmer.  Xapian 1.4 hands a
 * free-text field processor single words only (a quoted phrase or a
 * hyphenated name is dropped), so author: is a boolean field, which gets
 * the whole value, quoted or not, and the value is parsed here as a phrase
 * of A-prefixed words: author:Smith, author:smith and
 * author:"Jean-François Kagy" all work. */
class author_processor : public Xapian::FieldProcessor {
  public:
    explicit author_processor(std::string *problem) : problem_(problem) {}
    Xapian::Query operator()(const std::string &value) override
    {
        std::string quoted;
        for (char c : value)
            if (c != '"')
                quoted += c;
        if (quoted.find_first_not_of(" \t") == std::string::npos)
            return Xapian::Query::MatchNothing;
        bool wildcard = quoted.back() == '*';
        Xapian::QueryParser qp;
        qp.set_stemming_strategy(Xapian::QueryParser::STEM_NONE);
        unsigned flags = Xapian::QueryParser::FLAG_CJK_NGRAM;
        if (wildcard && quoted.find(' ') == std::string::npos) {
            flags |= Xapian::QueryParser::FLAG_WILDCARD;
            qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                                 Xapian::QueryParser::FLAG_WILDCARD);
        } else {
            flags |= Xapian::QueryParser::FLAG_PHRASE;
            quoted = "\"" + quoted + "\"";
        }
        try {
            return qp.parse_query(quoted, flags, aws__prefix(AWS__F_AUTHOR));
        } catch (const Xapian::QueryParserError &e) {
            if (problem_->empty())
                *problem_ = "author:" + value + ": " + e.get_msg();
            return Xapian::Query::MatchNothing;
        }
    }

  private:
    std::string *problem_;
};

/* Boolean values are indexed in lower case (kind:paper, has:code,
 * category:cs.cl); a user may type them in any case. */
class lower_processor : public Xapian::FieldProcessor {
  public:
    explicit lower_processor(const std::string &prefix) : prefix_(prefix) {}
    Xapian::Query operator()(const std::string &value) override
    {
        return Xapian::Query(prefix_ + Xapian::Unicode::tolower(value));
    }

  private:
    std::string prefix_;
};

/* year:2024 and citations:10 without a range: that number exactly.  The
 * range processors see "year:2023..2024" before this does. */
class number_processor : public Xapian::FieldProcessor {
  public:
    number_processor(const std::string &name, Xapian::valueno slot, std::string *problem)
        : name_(name), slot_(slot), problem_(problem) {}
    Xapian::Query operator()(const std::string &value) override
    {
        char *end = nullptr;
        double n = std::strtod(value.c_str(), &end);
        if (value.empty() || *end != '\0') {
            if (problem_->empty())
                *problem_ = name_ + ":" + value + ": " + name_ +
                            ": needs a number or a range such as " + name_ + ":2023..2024";
            return Xapian::Query::MatchNothing;
        }
        std::string v = Xapian::sortable_serialise(n);
        return Xapian::Query(Xapian::Query::OP_VALUE_RANGE, slot_, v, v);
    }

  private:
    std::string name_;
    Xapian::valueno slot_;
    std::string *problem_;
};

/* year:2023..2024, citations:10..: Xapian's number ranges.  A range that
 * starts after it ends would match nothing, without a word why: it is
 * refused with the reason instead. */
class range_processor : public Xapian::NumberRangeProcessor {
  public:
    range_processor(Xapian::valueno slot, const std::string &name, std::string *problem)
        : Xapian::NumberRangeProcessor(slot, name + ":"), name_(name), problem_(problem) {}
    Xapian::Query operator()(const std::string &begin, const std::string &end) override
    {
        char *b_end = nullptr, *e_end = nullptr;
        double b = std::strtod(begin.c_str(), &b_end);
        double e = std::strtod(end.c_str(), &e_end);
        if (!begin.empty() && !end.empty() && *b_end == '\0' && *e_end == '\0' && b > e &&
            problem_->empty())
            *problem_ = name_ + ":" + begin + ".." + end + ": the range starts after it ends";
        return Xapian::NumberRangeProcessor::operator()(begin, end);
    }

  private:
    std::string name_;
    std::string *problem_;
};

/* id: accepts what a user copies: 2401.04088v2, arXiv:2401.04088,
 * https://arxiv.org/abs/2401.04088, a GitHub URL, Owner/Name. */
class id_processor : public Xapian::FieldProcessor {
  public:
    Xapian::Query operator()(const std::string &value) override
    {
        char norm[AWS_ID_MAX];
        if (aws_id_normalise(value.c_str(), norm) == 0)
            return Xapian::Query(aws__id_term(norm));
        return Xapian::Query(aws__id_term(value));
    }
};

} // namespace

const std::string &aws__prefix(aws__field_id f)
{
    /* Built once per process on first use; C++11 makes this thread-safe
     * and it is constant afterwards. */
    static const std::vector<std::string> prefixes = [] {
        std::vector<std::string> v(AWS__F_COUNT);
        for (const field &fd : fields)
            v[fd.id] = fd.prefix;
        return v;
    }();
    return prefixes[f];
}

std::string aws__id_term(const std::string &id)
{
    const std::string &q = aws__prefix(AWS__F_ID);
    if (q.size() + id.size() <= max_term)
        return q + id;
    return q + id.substr(0, 200) + "#" + hash_hex(id);
}

std::string aws__section_term(const std::string &section)
{
    std::string t = aws__prefix(AWS__F_SECTION_EXACT) + Xapian::Unicode::tolower(section);
    if (t.size() > max_term)
        t = t.substr(0, 200) + "#" + hash_hex(t);
    return t;
}

/* When TERM is PREFIX followed by a word (a lower-case or non-ASCII
 * byte, not the upper case that continues a longer prefix), the word. */
static bool strip(const std::string &term, size_t at, const std::string &prefix,
                  std::string *word)
{
    if (term.compare(at, prefix.size(), prefix) != 0 || term.size() <= at + prefix.size())
        return false;
    unsigned char c = static_cast<unsigned char>(term[at + prefix.size()]);
    if (c >= 'A' && c <= 'Z')
        return false;
    *word = term.substr(at + prefix.size());
    return true;
}

std::string aws__plain_form(const std::string &term)
{
    bool stemmed = !term.empty() && term[0] == 'Z';
    std::string word;
    for (const field &fd : fields) {
        if (fd.type != FREE_TEXT && fd.type != AUTHOR)
            continue;
        if (stemmed && strip(term, 1, fd.prefix, &word))
            return "Z" + word;
        if (strip(term, 0, fd.prefix, &word))
            return word;
    }
    return "";
}

bool aws__is_topic_term(const std::string &term)
{
    std::string word;
    return !term.empty() && term[0] == 'Z' &&
           (strip(term, 1, aws__prefix(AWS__F_TITLE), &word) ||
            strip(term, 1, aws__prefix(AWS__F_ABSTRACT), &word)) &&
           word.size() >= 2 && word.find_first_not_of("0123456789.,") != std::string::npos;
}

/* Words too common to find anything.  Queries drop them (except inside
 * phrases) and indexing keeps only their unstemmed, positional terms. */
static const char *const stopwords[] = {
    "a", "about", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "has",
    "have", "how", "i", "if", "in", "into", "is", "it", "its", "of", "on", "or", "our",
    "so", "than", "that", "the", "their", "then", "there", "these", "they", "this", "to",
    "was", "we", "were", "what", "when", "where", "which", "while", "who", "why", "will",
    "with", "you", "your", nullptr};


namespace {
struct stop_words : Xapian::SimpleStopper {
    stop_words()
    {
        for (const char *const *w = stopwords; *w; w++)
            add(*w);
    }
};
} // namespace

/* A stopper owned by what it is given to (a term generator, which may
 * outlive any one thread). */
static Xapian::Stopper *stopper_new()
{
    return (new stop_words)->release();
}

/* The stopper every parser of this thread uses: building one is a fifth of
 * setting up a parser.  Not released to Xapian (whose reference counts are
 * not atomic, so it is not shared between threads either); it outlives
 * every parser of its thread. */
static const Xapian::Stopper *stopper()
{
    static thread_local const stop_words s;
    return &s;
}

bool aws__is_stopword(const std::string &word)
{
    return (*stopper())(word);
}

Xapian::Stem aws__stemmer()
{
    /* Built once a thread (the spelling corrector and the synonym keys ask
     * for one per query word); a copy shares it, and like the stopper it
     * never leaves the thread, as Xapian's reference counts are not
     * atomic. */
    static thread_local const Xapian::Stem stem("english");
    return stem;
}

void aws__termgen_setup(Xapian::TermGenerator &tg)
{
    tg.set_stemmer(aws__stemmer());
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    tg.set_stopper(stopper_new());
    tg.set_stopper_strategy(Xapian::TermGenerator::STOP_STEMMED);
    tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
}

unsigned aws__query_flags()
{
    return Xapian::QueryParser::FLAG_DEFAULT | Xapian::QueryParser::FLAG_PHRASE |
           Xapian::QueryParser::FLAG_BOOLEAN | Xapian::QueryParser::FLAG_LOVEHATE |
           Xapian::QueryParser::FLAG_WILDCARD | Xapian::QueryParser::FLAG_PURE_NOT |
           Xapian::QueryParser::FLAG_CJK_NGRAM;
}

void aws__queryparser_setup(Xapian::QueryParser &qp, const Xapian::Database &db,
                            std::string *problem)
{
    qp.set_database(db);
    qp.set_stemmer(aws__stemmer());
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_stopper(stopper());
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                         Xapian::QueryParser::FLAG_WILDCARD);
    /* The empty field name is the default: a plain word becomes an OR over
     * every free-text field. */
    for (const field &fd : fields) {
        if (fd.plain)
            qp.add_prefix("", fd.prefix);
        if (!fd.name)
            continue;
        switch (fd.type) {
        case FREE_TEXT:
            qp.add_prefix(fd.name, fd.prefix);
            break;
        case BOOLEAN:
            qp.add_boolean_prefix(fd.name, (new lower_processor(fd.prefix))->release(),
                                  fd.exclusive);
            break;
        case AUTHOR:
            qp.add_boolean_prefix(fd.name, (new author_processor(problem))->release(),
                                  fd.exclusive);
            break;
        case ID:
            qp.add_boolean_prefix(fd.name, (new id_processor)->release(),
                                  fd.exclusive);
            break;
        case NUMBER:
            /* Ranges work on value slots: "year:2023..2024", "citations:10..". */
            qp.add_rangeprocessor(
                (new range_processor(fd.slot, fd.name, problem))->release());
            qp.add_boolean_prefix(
                fd.name, (new number_processor(fd.name, fd.slot, problem))->release(),
                fd.exclusive);
            break;
        }
    }
}

/* When every word of Q is "-word", returns the words without their "-"
 * in *POSITIVE.  Xapian 1.4 ignores the "-" of a query that has nothing
 * but excluded words ("-dpo" finds dpo), where a user means "everything
 * but these". */
static bool only_excluded(const char *q, std::string *positive)
{
    bool in_quote = false, word_start = true, any = false;
    for (const char *p = q; *p; p++) {
        char c = *p;
        if (!in_quote && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
            word_start = true;
            *positive += ' ';
            continue;
        }
        if (word_start) {
            if (c != '-')
                return false;
            word_start = false;
            any = true;
            continue;
        }
        if (c == '"')
            in_quote = !in_quote;
        *positive += c;
    }
    return any;
}

bool aws__is_operator(const std::string &word)
{
    static const char *const ops[] = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ"};
    std::string head = word.substr(0, word.find('/'));
    for (const char *op : ops)
        if (head == op)
            return true;
    return false;
}

/* Q with its words in lower case.  The parser leaves a capitalised word
 * unstemmed, taking it for a name, so "Transformer" found 5 entries where
 * "transformer" finds 12: people type titles and sentence starts in
 * capitals, and the index has every word in lower case.  Operators keep
 * their case, and so does a word with a field ("id:", "section:"), whose
 * processor decides what case means. */
static std::string lower_words(const char *q)
{
    std::string out;
    const char *p = q;
    while (*p) {
        if (std::isspace(static_cast<unsigned char>(*p))) {
            out += *p++;
            continue;
        }
        const char *b = p;
        while (*p && !std::isspace(static_cast<unsigned char>(*p)))
            p++;
        std::string word(b, static_cast<size_t>(p - b));
        if (aws__is_operator(word) || word.find(':') != std::string::npos)
            out += word;
        else
            out += Xapian::Unicode::tolower(word);
    }
    return out;
}

Xapian::Query aws__parse(Xapian::QueryParser &qp, const std::string &problem, const char *q)
{
    if (!q || std::strspn(q, " \t\r\n") == std::strlen(q))
        return Xapian::Query::MatchAll;
    std::string lowered = lower_words(q);
    q = lowered.c_str();
    std::string positive;
    Xapian::Query parsed;
    if (only_excluded(q, &positive))
        parsed = Xapian::Query(Xapian::Query::OP_AND_NOT, Xapian::Query::MatchAll,
                               qp.parse_query(positive, aws__query_flags()));
    else
        parsed = qp.parse_query(q, aws__query_flags());
    if (!problem.empty())
        throw aws__error(AWX_ERR_QUERY_SYNTAX, "query syntax: " + problem);
    return parsed;
}
