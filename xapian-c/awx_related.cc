/* awx_related.cc - "what else should I read": relevance feedback.
 *
 * For a document: its own terms, ranked by Xapian's expansion (ESet over
 * an RSet holding the document), with its title words once more, form the
 * query, mixed with its sections, its authors' names and a mild prior for
 * cited papers.  For a passage of text: its words that the index knows
 * form a first query, whose top documents become the RSet for the same
 * expansion (pseudo-relevance feedback).  The source document itself is
 * always excluded.  bench/related-results.md has the measurements behind
 * the weights.
 */
#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>

#include "awx_internal.h"

namespace {

/* How many expansion terms make the query. */
const Xapian::termcount eset_size = 40;

/* How many of the text query's top documents may feed the expansion, and
 * how close to the best one's weight they must come. */
const Xapian::doccount feedback_docs = 3;
const double feedback_cutoff = 0.5;

/* The expansion's weight against the paper's own title words. */
const double expansion_weight = 0.5;

/* Of a passage, the feedback brings at most half as many terms as the
 * passage has, at a quarter of their weight.  Forty terms at half weight
 * drowned a short passage: "router sends each token to two experts" put
 * a paper heavy with "token" first and Mixtral third, where a plain search
 * puts Mixtral first.  Measured with a sentence from each of the 29
 * abstracts of the bundled list as the passage, and 4 topical passages:
 * the source paper first 25 of 29 times before, 27 now, and the paper a
 * topical passage describes first 0 of 4 times before, 3 now. */
const double text_expansion_share = 0.5;
const double text_expansion_weight = 0.25;
const double title_query_weight = 0.3;

/* Weights of the list's own structure against the expanded terms, as
 * measured by bench/run-related-bench.sh (bench/related-results.md):
 * co-authors at 1.0 pulled in their other papers on other topics; at 0.3
 * five of six lists scored better.  Authors are matched as whole names. */
const double section_boost = 2.0;
const double author_boost = 0.3;

/* The most a citation count adds to a related paper's weight: a mild
 * prior that orders papers the words found about equally, never one that
 * ranks a famous paper above the topic.  A title word weighs 1 to 5. */
const double citation_prior = 0.5;

/* Longest passage related-by-text looks at; editors send paragraphs. */
const size_t text_max = 64 * 1024;

/* English function words, as the English stemmer leaves them ("onli",
 * "veri"): in a collection of a few hundred entries they are not rare
 * enough for the weighting to ignore, and expansion picks them. */
const char *const stop_words[] = {
    "a", "about", "abov", "after", "again", "all", "also", "am", "an", "and", "ani", "are",
    "as", "at", "be", "been", "befor", "being", "between", "both", "but", "by", "can",
    "could", "did", "do", "doe", "down", "dure", "each", "even", "few", "for", "from",
    "further", "had", "has", "have", "here", "how", "howev", "i", "if", "in", "into", "is",
    "it", "its", "itself", "just", "more", "most", "much", "must", "new", "no", "nor", "not",
    "now", "of", "off", "on", "onc", "one", "onli", "or", "other", "our", "out", "over",
    "own", "same", "should", "so", "some", "such", "than", "that", "the", "their", "them",
    "then", "there", "these", "they", "this", "those", "though", "through", "thus", "to",
    "too", "toward", "two", "under", "until", "up", "us", "use", "veri", "via", "was", "we",
    "were", "what", "when", "where", "whether", "which", "while", "who", "whi", "will",
    "with", "within", "without", "would", "yet", "you", "your"};

/* The word of a prefixed term: "ZSexpert", "ZXAexpert", "Ajiang" -> the
 * lower-case rest after the upper-case prefix. */
std::string word_of(const std::string &term)
{
    size_t p = 0;
    while (p < term.size() && term[p] >= 'A' && term[p] <= 'Z')
        p++;
    return term.substr(p);
}

bool is_stop_word(const std::string &word)
{
    for (const char *s : stop_words)
        if (word == s)
            return true;
    return false;
}

/* Expansion keeps the stemmed words of titles and abstracts, which match
 * every form of a word; boolean terms (kind, id, has) say nothing about
 * the topic, the unstemmed twins would count each word twice, and stop
 * words match everything. */
class word_decider : public Xapian::ExpandDecider {
  public:
    bool operator()(const std::string &term) const override
    {
        return aws__is_topic_term(term) && !is_stop_word(word_of(term));
    }
};

Xapian::Query terms_query(const Xapian::ESet &eset)
{
    std::vector<Xapian::Query> subs;
    for (Xapian::ESetIterator t = eset.begin(); t != eset.end(); ++t)
        subs.emplace_back(*t);
    return Xapian::Query(Xapian::Query::OP_OR, subs.begin(), subs.end());
}

/* The terms of DOC with PREFIX (e.g. its sections or its authors), OR'd
 * and scaled by BOOST. */
Xapian::Query prefixed_terms(const Xapian::Database &x, Xapian::docid did,
                             const std::string &prefix, double boost)
{
    std::vector<Xapian::Query> subs;
    Xapian::TermIterator t = x.termlist_begin(did), end = x.termlist_end(did);
    for (t.skip_to(prefix); t != end; ++t) {
        const std::string term = *t;
        if (term.compare(0, prefix.size(), prefix) != 0)
            break;
        /* A longer prefix that starts like this one (XS, XSF) continues in
         * upper case; the wanted terms continue in lower case. */
        if (term.size() > prefix.size() &&
            !(term[prefix.size()] >= 'A' && term[prefix.size()] <= 'Z'))
            subs.emplace_back(term);
    }
    if (subs.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                         Xapian::Query(Xapian::Query::OP_OR, subs.begin(), subs.end()), boost);
}

/* Weight log(1 + citations), scaled so that the most cited document of
 * the database gets citation_prior; documents without a count get none. */
class citation_source : public Xapian::ValuePostingSource {
  public:
    citation_source() : Xapian::ValuePostingSource(AWS__SLOT_CITATIONS) {}

    void init(const Xapian::Database &db) override
    {
        Xapian::ValuePostingSource::init(db);
        double top = Xapian::sortable_unserialise(db.get_value_upper_bound(AWS__SLOT_CITATIONS));
        scale_ = top > 0 ? citation_prior / std::log1p(top) : 0.0;
        set_maxweight(top > 0 ? citation_prior : 0.0);
    }

    double get_weight() const override
    {
        double c = Xapian::sortable_unserialise(get_value());
        return c > 0 ? scale_ * std::log1p(c) : 0.0;
    }

    Xapian::PostingSource *clone() const override { return new citation_source; }

  private:
    double scale_ = 0.0;
};

/* The (stemmed) words of TEXT that the index knows, the rarest first. */
Xapian::Query text_query(const Xapian::Database &x, const std::string &text)
{
    Xapian::Document d;
    Xapian::TermGenerator tg;
    aws__termgen_setup(tg);
    tg.set_document(d);
    tg.index_text(text, 1, aws__prefix(AWS__F_TITLE));
    tg.index_text(text, 1, aws__prefix(AWS__F_ABSTRACT));
    std::vector<std::pair<double, std::string>> scored;
    double n = static_cast<double>(x.get_doccount()) + 1.0;
    for (Xapian::TermIterator t = d.termlist_begin(); t != d.termlist_end(); ++t) {
        const std::string term = *t;
        if (!word_decider()(term))
            continue;
        Xapian::doccount tf = x.get_termfreq(term);
        if (tf == 0)
            continue;
        scored.emplace_back(t.get_wdf() * std::log(n / tf), term);
    }
    std::sort(scored.begin(), scored.end(),
              [](const std::pair<double, std::string> &a,
                 const std::pair<double, std::string> &b) { return a.first > b.first; });
    if (scored.size() > eset_size)
        scored.resize(eset_size);
    std::vector<Xapian::Query> subs;
    for (auto &s : scored)
        subs.emplace_back(s.second);
    return Xapian::Query(Xapian::Query::OP_OR, subs.begin(), subs.end());
}

/* Each author of DID as a phrase of his or her name words.  The A terms
 * are positional and the indexer leaves a gap between two names, so runs
 * of consecutive positions give the names back; a single name word
 * ("wang", "li") would link unrelated papers.  OR'd and scaled by BOOST. */
Xapian::Query author_phrases(const Xapian::Database &x, Xapian::docid did, double boost)
{
    const std::string &prefix = aws__prefix(AWS__F_AUTHOR);
    std::map<Xapian::termpos, std::string> at;
    Xapian::TermIterator t = x.termlist_begin(did), end = x.termlist_end(did);
    for (t.skip_to(prefix); t != end; ++t) {
        const std::string term = *t;
        if (term.compare(0, prefix.size(), prefix) != 0)
            break;
        /* Longer prefixes starting with A continue in upper case. */
        if (term.size() == prefix.size() ||
            (term[prefix.size()] >= 'A' && term[prefix.size()] <= 'Z'))
            continue;
        for (Xapian::PositionIterator p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at[*p] = term;
    }
    std::vector<Xapian::Query> names, words;
    auto flush = [&] {
        if (words.size() == 1)
            names.push_back(words[0]);
        else if (!words.empty())
            names.emplace_back(Xapian::Query::OP_PHRASE, words.begin(), words.end(),
                               static_cast<Xapian::termcount>(words.size()));
        words.clear();
    };
    Xapian::termpos last = 0;
    for (const auto &a : at) {
        if (!words.empty() && a.first != last + 1)
            flush();
        words.emplace_back(a.second);
        last = a.first;
    }
    flush();
    if (names.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                         Xapian::Query(Xapian::Query::OP_OR, names.begin(), names.end()), boost);
}

/* The stemmed title words of DID (stop words left out), OR'd. */
Xapian::Query title_words(const Xapian::Database &x, Xapian::docid did)
{
    const std::string zs = "Z" + aws__prefix(AWS__F_TITLE);
    std::vector<Xapian::Query> subs;
    Xapian::TermIterator t = x.termlist_begin(did), end = x.termlist_end(did);
    for (t.skip_to(zs); t != end; ++t) {
        const std::string term = *t;
        if (term.compare(0, zs.size(), zs) != 0)
            break;
        if (word_decider()(term))
            subs.emplace_back(term);
    }
    return Xapian::Query(Xapian::Query::OP_OR, subs.begin(), subs.end());
}

/* DID's title as a user would type it, parsed as search parses queries
 * (synonyms included), so related always has at least what a plain
 * title query finds; the stemmed title words when the title does not
 * parse (a stray quote or operator word). */
Xapian::Query title_query(const Xapian::Database &x, Xapian::docid did)
{
    std::string title = x.get_document(did).get_value(AWS__SLOT_TITLE);
    try {
        std::string problem;
        Xapian::QueryParser qp;
        aws__queryparser_setup(qp, x, &problem);
        Xapian::Query q = aws__synonyms_parse(x, qp, problem, title.c_str());
        if (!q.empty())
            return q;
    } catch (const aws__error &) {
    } catch (const Xapian::QueryParserError &) {
    }
    return title_words(x, did);
}

Xapian::Query related_to_doc(const Xapian::Database &x, Xapian::docid did)
{
    Xapian::Enquire enq(x);
    Xapian::RSet rset;
    rset.add_document(did);
    word_decider decider;
    Xapian::ESet eset = enq.get_eset(eset_size, rset, &decider);
    /* The expansion favours rare words, and of a paper with an abstract
     * those are mostly abstract words: its title words go in once more, at
     * twice the expansion's weight, so that they count however long the
     * abstract is (measured in bench/related-results.md). */
    Xapian::Query q(Xapian::Query::OP_OR,
                    Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, terms_query(eset),
                                  expansion_weight),
                    title_words(x, did));
    /* The title as search would parse it adds the synonyms of its words
     * ("MoE" reaches "mixture of experts" papers); at full weight it
     * would turn related into a title search (bench/related-results.md). */
    q = Xapian::Query(Xapian::Query::OP_OR, q,
                      Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, title_query(x, did),
                                    title_query_weight));
    if (q.empty())
        return q;
    Xapian::Query sec = prefixed_terms(x, did, aws__prefix(AWS__F_SECTION_EXACT), section_boost);
    Xapian::Query au = author_phrases(x, did, author_boost);
    /* Sections, authors and citations only add weight to documents the
     * words found; on their own they would rank a whole section (or the
     * most cited papers) above the topic. */
    if (!sec.empty())
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, sec);
    if (!au.empty())
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, au);
    /* The Query owns the source once released. */
    return Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                         Xapian::Query((new citation_source)->release()));
}

Xapian::Query related_to_text(const Xapian::Database &x, const std::string &text)
{
    Xapian::Query first = text_query(x, text);
    if (first.empty())
        return first;
    Xapian::Enquire enq(x);
    enq.set_query(first);
    Xapian::MSet top = enq.get_mset(0, feedback_docs);
    if (top.empty())
        return first;
    Xapian::RSet rset;
    double best = top.begin().get_weight();
    for (Xapian::MSetIterator m = top.begin(); m != top.end(); ++m)
        if (m.get_weight() >= best * feedback_cutoff)
            rset.add_document(*m);
    word_decider decider;
    Xapian::termcount passage_terms = 0;
    for (auto t = first.get_unique_terms_begin(); t != first.get_unique_terms_end(); ++t)
        passage_terms++;
    Xapian::termcount size = std::min<Xapian::termcount>(
        eset_size, std::max<Xapian::termcount>(
                       1, static_cast<Xapian::termcount>(passage_terms * text_expansion_share)));
    Xapian::ESet eset = enq.get_eset(size, rset, &decider);
    Xapian::Query more = terms_query(eset);
    if (more.empty())
        return first;
    return Xapian::Query(Xapian::Query::OP_OR, first,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, more,
                                       text_expansion_weight));
}

} // namespace

extern "C" awx_status_t awx_db_related(awx_db_t *db, const char *id, const char *text,
                                       const awx_query_t *query_opts, awx_results_t **out)
{
    if (out)
        *out = nullptr;
    if (!db || !out)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!query_opts)
            throw aws__error(AWX_ERR_INVALID, "no query options given");
        if ((id == nullptr) == (text == nullptr))
            throw aws__error(AWX_ERR_INVALID, "related needs exactly one of an id or a text");
        const Xapian::Database &x = db->rdb;
        std::unique_ptr<awx_results> r(new awx_results);
        Xapian::Query q;
        if (id) {
            Xapian::docid did = aws__find(x, id);
            if (!did)
                throw aws__error(AWX_ERR_NOT_FOUND,
                                 std::string("no document with id \"") + id + "\"");
            q = related_to_doc(x, did);
            q = Xapian::Query(Xapian::Query::OP_AND_NOT, q, Xapian::Query(aws__id_term(id)));
        } else {
            size_t len = std::strlen(text);
            if (len > text_max)
                throw aws__error(AWX_ERR_INVALID, "related text of " + std::to_string(len) +
                                                      " bytes; at most " +
                                                      std::to_string(text_max));
            /* Blank text is empty text: the caller sent nothing to relate. */
            if (std::strspn(text, " \t\r\n\f\v") == len)
                throw aws__error(AWX_ERR_INVALID, "related text is empty or blank");
            q = related_to_text(x, text);
        }
        if (!q.empty()) {
            Xapian::Enquire enq(x);
            enq.set_query(q);
            Xapian::MSet mset = enq.get_mset(query_opts->offset, query_opts->limit);
            aws__results_fill(*r, x, q, mset, query_opts->snippets,
                              query_opts->snippet_chars);
        }
        *out = r.release();
        return AWX_OK;
    });
}
