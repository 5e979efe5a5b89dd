/* awx_related.cc - "what else should I read": relevance feedback.
 *
 * For a document: its own terms, ranked by Xapian's expansion (ESet over
 * an RSet holding the document), form the query, mixed with its sections
 * and its authors.  For a passage of text: its words that the index knows
 * form a first query, whose top documents become the RSet for the same
 * expansion (pseudo-relevance feedback).  The source document itself is
 * always excluded.
 */
#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>

#include "awx_internal.h"

namespace {

/* How many expansion terms make the query. */
const Xapian::termcount eset_size = 40;

/* How many of the text query's top documents may feed the expansion, and
 * how close to the best one's weight they must come. */
const Xapian::doccount feedback_docs = 3;
const double feedback_cutoff = 0.5;

/* The expansion's weight against the passage's own words. */
const double expansion_weight = 0.5;

/* Weights of the list's own structure against the expanded terms, as
 * measured by bench/run-related-bench.sh: co-authors at 1.0 pulled in
 * their other papers on other topics; at 0.3 five of six lists scored
 * better (awesome_llm_agents a little worse). */
const double section_boost = 2.0;
const double author_boost = 0.3;

/* Longest passage related-by-text looks at; editors send paragraphs. */
const size_t text_max = 64 * 1024;

/* Expansion keeps the stemmed words of titles and abstracts, which match
 * every form of a word; boolean terms (kind, id, has) say nothing about
 * the topic, and the unstemmed twins would count each word twice. */
class word_decider : public Xapian::ExpandDecider {
  public:
    bool operator()(const std::string &term) const override
    {
        return aws__is_topic_term(term);
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

Xapian::Query related_to_doc(const Xapian::Database &x, Xapian::docid did)
{
    Xapian::Enquire enq(x);
    Xapian::RSet rset;
    rset.add_document(did);
    word_decider decider;
    Xapian::ESet eset = enq.get_eset(eset_size, rset, &decider);
    Xapian::Query q = terms_query(eset);
    if (q.empty())
        return q;
    Xapian::Query sec = prefixed_terms(x, did, aws__prefix(AWS__F_SECTION_EXACT), section_boost);
    Xapian::Query au = prefixed_terms(x, did, aws__prefix(AWS__F_AUTHOR), author_boost);
    /* Sections and authors only add weight to documents the words found;
     * on their own they would rank a whole section above the topic. */
    if (!sec.empty())
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, sec);
    if (!au.empty())
        q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q, au);
    return q;
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
    Xapian::ESet eset = enq.get_eset(eset_size, rset, &decider);
    Xapian::Query more = terms_query(eset);
    if (more.empty())
        return first;
    return Xapian::Query(Xapian::Query::OP_OR, first,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, more, expansion_weight));
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
            q = related_to_text(x, text);
        }
        if (!q.empty()) {
            Xapian::Enquire enq(x);
            enq.set_query(q);
            Xapian::MSet mset = enq.get_mset(query_opts->offset, query_opts->limit);
            aws__results_fill(*r, x, q, nullptr, mset, query_opts->snippets,
                              query_opts->snippet_chars);
        }
        *out = r.release();
        return AWX_OK;
    });
}
