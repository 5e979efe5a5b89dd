/* awx_search.cc - a user's query in, ranked hits, facets and a correction out.
 *
 * The query is parsed with the prefix table's QueryParser, filtered by an
 * exact section when asked, sorted by relevance or by a value slot with
 * relevance breaking ties, and, for facets, run over every match so the
 * counts are exact rather than estimated.
 */
#include <memory>

#include "awx_internal.h"

namespace {

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

        std::string problem;
        Xapian::QueryParser qp;
        aws__queryparser_setup(qp, x, &problem);
        Xapian::Query q = aws__parse(qp, problem, query->q);
        std::string corrected = query->q ? aws__spelling_correct(x, query->q) : "";
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
        Xapian::doccount check_at_least = 0;
        if (query->facets) {
            sections.reset(aws__section_spy_new());
            enq.add_matchspy(sections.get());
            enq.add_matchspy(&years);
            check_at_least = x.get_doccount();
        }
        Xapian::MSet mset = enq.get_mset(query->offset, query->limit, check_at_least);
        aws__results_fill(*r, x, q, query->q, mset, query->snippets, query->snippet_chars);
        if (query->facets) {
            aws__facets_collect(*r, sections.get(), years);
            enq.clear_matchspies();
        }
        *out = r.release();
        return AWX_OK;
    });
}
