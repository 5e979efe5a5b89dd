/* awx_search.cc - a user's query in, ranked hits, facets and a correction out.
 *
 * The query is parsed with the prefix table's QueryParser, filtered by an
 * exact section when asked, sorted by relevance or by a value slot with
 * relevance breaking ties, and, for facets, run over every match so the
 * counts are exact rather than estimated.
 */
#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <vector>

#include "awx_internal.h"

extern "C" {
#include "ids.h"
}

namespace {

/* When Q is nothing but an entry's id as a user pastes it (2401.04088v2,
 * arXiv:2401.04088, https://arxiv.org/abs/2401.04088, a GitHub repository
 * URL), the normalised id in *ID.  Xapian's parser would split such a
 * query into number and word terms that find nothing useful.  A link's
 * URL, or a repository's owner/name, is its id too, but also looks like
 * words: it counts as an id only when an entry has it (with or without a
 * final slash). */
bool id_query(const Xapian::Database &db, const char *q, std::string *id)
{
    if (!q)
        return false;
    size_t len = std::strlen(q);
    char norm[AWS_ID_MAX];
    if (aws_arxiv_id_parse(q, len, norm) == 0 || aws_github_repo_parse(q, len, norm) == 0) {
        *id = norm;
        return true;
    }
    if (aws_id_normalise(q, norm) != 0 || !*norm || std::strpbrk(norm, " \t\r\n") ||
        !std::strchr(norm, '/'))
        return false;
    std::string candidate = norm;
    std::string other = candidate.back() == '/' ? candidate.substr(0, candidate.size() - 1)
                                                : candidate + "/";
    for (const std::string &c : {candidate, other}) {
        if (!c.empty() && db.term_exists(aws__id_term(c))) {
            *id = c;
            return true;
        }
    }
    return false;
}

/* The title phrase's weight against the words' own.  Typing a title of
 * the bundled and sibling lists (188 titles of plain words) found that
 * entry first 142 times without the phrase, 184 at 1, 186 at 2; the two
 * left are repositories named like the paper. */
const double title_phrase_weight = 2.0;

/* The phrase's weight keeps Xapian from skipping any match it might lift,
 * so every match is weighed: on lists up to this size that is a small
 * cost (95 -> 111 us a search on the bundled list); on a 100k list a
 * query of common words took 250 ms instead of 2, so there it is left
 * out. */
const Xapian::doccount title_phrase_max_entries = 20000;

/* When Q is nothing but a few plain words (no quotes, fields,
 * operators, wildcards or signs), the phrase of those words in titles,
 * to add weight to the entries whose title holds the query as typed: a
 * user who types a title means that paper, while BM25 alone put a paper
 * with an abstract full of "instruction tuning" above the one titled
 * "Visual Instruction Tuning".  An empty query otherwise. */
Xapian::Query title_phrase(const Xapian::Database &x, const char *q)
{
    if (x.get_doccount() > title_phrase_max_entries)
        return Xapian::Query();
    std::vector<Xapian::Query> terms;
    const char *p = q;
    while (*p) {
        while (std::isspace(static_cast<unsigned char>(*p)))
            p++;
        const char *b = p;
        while (*p && !std::isspace(static_cast<unsigned char>(*p))) {
            unsigned char c = static_cast<unsigned char>(*p);
            if (!(std::isalnum(c) || c == '-' || c >= 0x80))
                return Xapian::Query();
            p++;
        }
        if (p == b)
            break;
        std::string word(b, static_cast<size_t>(p - b));
        if (word[0] == '-' || aws__is_operator(word))
            return Xapian::Query();
        /* The indexer splits "Fine-Tuning" into two words. */
        size_t from = 0;
        while (from <= word.size()) {
            size_t to = word.find('-', from);
            if (to == std::string::npos)
                to = word.size();
            if (to > from)
                terms.emplace_back(aws__prefix(AWS__F_TITLE) +
                                   Xapian::Unicode::tolower(word.substr(from, to - from)));
            from = to + 1;
        }
    }
    if (terms.size() < 2 || terms.size() > 12)
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(), terms.size());
}

/* Q with every word that is an arXiv id or URL (outside quotes) written as
 * the filter id:ID, so "2401.04088v2 2402.07871" finds both papers and
 * "mixtral https://arxiv.org/abs/2401.04088" that one. */
std::string ids_as_filters(const std::string &q)
{
    auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
    std::string out;
    size_t i = 0;
    while (i < q.size()) {
        size_t b = i;
        if (space(q[i])) {
            out += q[i++];
            continue;
        }
        bool quoted = false;
        while (i < q.size() && (quoted || !space(q[i]))) {
            quoted = q[i] == '"' ? !quoted : quoted;
            i++;
        }
        char norm[AWS_ID_MAX];
        if (q[b] != '"' && aws_arxiv_id_parse(q.c_str() + b, i - b, norm) == 0)
            out += std::string("id:") + norm;
        else
            out.append(q, b, i - b);
    }
    return out;
}

void check_query(const awx_query_t *q)
{
    if (!q)
        throw aws__error(AWX_ERR_INVALID, "no query given");
    int sort = aws__enum_value(q->sort);
    if (sort != AWX_SORT_RELEVANCE && sort != AWX_SORT_YEAR && sort != AWX_SORT_CITATIONS)
        throw aws__error(AWX_ERR_INVALID, "bad sort order " + std::to_string(sort));
}

} // namespace

extern "C" awx_status_t awx_db_search(awx_db_t *db, const awx_query_t *query,
                                      awx_results_t **out)
{
    if (out)
        *out = nullptr;
    if (!db || !out)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        check_query(query);
        const Xapian::Database &x = db->rdb;
        std::unique_ptr<awx_results> r(new awx_results);

        std::string problem, id;
        Xapian::QueryParser qp;
        Xapian::Query q;
        std::string corrected;
        if (id_query(x, query->q, &id)) {
            q = Xapian::Query(aws__id_term(id));
        } else {
            aws__queryparser_setup(qp, x, &problem);
            std::string text = query->q ? ids_as_filters(query->q) : "";
            q = aws__synonyms_parse(x, qp, problem, query->q ? text.c_str() : nullptr);
            Xapian::Query phrase = query->q ? title_phrase(x, query->q) : Xapian::Query();
            if (!phrase.empty())
                q = Xapian::Query(Xapian::Query::OP_AND_MAYBE, q,
                                  Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, phrase,
                                                title_phrase_weight));
            /* The query as typed: the corrector leaves ids alone, and the
             * text above has them rewritten as id: filters. */
            corrected = query->q ? aws__spelling_correct(x, query->q) : "";
        }
        if (!corrected.empty()) {
            r->has_corrected = true;
            r->corrected = corrected;
        }
        if (query->section)
            q = Xapian::Query(Xapian::Query::OP_FILTER, q,
                              Xapian::Query(aws__section_term(query->section)));

        Xapian::Enquire enq(x);
        enq.set_query(q);
        if (query->sort == AWX_SORT_YEAR)
            enq.set_sort_by_value_then_relevance(AWS__SLOT_YEAR, true);
        else if (query->sort == AWX_SORT_CITATIONS)
            enq.set_sort_by_value_then_relevance(AWS__SLOT_CITATIONS, true);

        std::unique_ptr<Xapian::MatchSpy> sections;
        Xapian::ValueCountMatchSpy years(AWS__SLOT_YEAR);
        /* Xapian counts exactly the matches it visits and estimates the
         * rest, and with nothing asked it may visit none ("year:2024" with
         * no limit counted 0).  It visits at least check_at_least: so the
         * count is exact up to exact_up_to matches, the cost of which is
         * small next to a search, and always exact when only a count is
         * asked for (limit 0) or facets need every match anyway. */
        const Xapian::doccount exact_up_to = 1000;
        Xapian::doccount check_at_least =
            std::max<Xapian::doccount>(exact_up_to, query->offset + query->limit);
        if (query->limit == 0)
            check_at_least = x.get_doccount();
        if (query->facets) {
            sections.reset(aws__section_spy_new());
            enq.add_matchspy(sections.get());
            enq.add_matchspy(&years);
            check_at_least = x.get_doccount();
        }
        Xapian::MSet mset = enq.get_mset(query->offset, query->limit, check_at_least);
        aws__results_fill(*r, x, q, mset, query->snippets, query->snippet_chars);
        if (query->facets) {
            aws__facets_collect(*r, sections.get(), years);
            enq.clear_matchspies();
        }
        *out = r.release();
        return AWX_OK;
    });
}
