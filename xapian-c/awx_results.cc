/* awx_results.cc - the results of a search or related query, and their accessors.
 *
 * An awx_results_t owns every string and array its hits and facets point
 * to; the caller reads it through the accessors and frees it whole.
 */
#include <memory>

#include "awx_internal.h"

void aws__results_fill(awx_results &r, const Xapian::Database &db, const Xapian::Query &query,
                       const Xapian::MSet &mset, bool snippets,
                       unsigned snippet_chars)
{
    std::unique_ptr<aws__snippeter> snip;
    if (snippets && !mset.empty())
        snip.reset(new aws__snippeter(db, mset, query));
    if (snippet_chars == 0)
        snippet_chars = 200;
    r.total = mset.get_matches_estimated();
    r.hits.clear();
    r.hits.resize(mset.size());
    size_t i = 0;
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end(); ++m, ++i) {
        aws__hit &h = r.hits[i];
        Xapian::Document doc = m.get_document();
        h.data = doc.get_value(AWS__SLOT_HIT);
        if (h.data.empty())
            h.data = doc.get_data();
        if (snippets) {
            /* The snippet shows the body text around the matches; an
             * entry without an abstract or description has none (its
             * title is in the hit already). */
            std::string text = doc.get_value(AWS__SLOT_ABSTRACT);
            if (!text.empty()) {
                snip->make(text, snippet_chars, &h.snippet, &h.spans);
                h.has_snippet = true;
            }
        }
        h.hit.docid = *m;
        h.hit.rank = static_cast<unsigned>(i);
        h.hit.percent = m.get_percent();
        h.hit.weight = m.get_weight();
    }
    /* Pointers last: nothing above moves a string once this starts. */
    for (aws__hit &h : r.hits) {
        h.hit.data = h.data.data();
        h.hit.data_len = h.data.size();
        h.hit.snippet = h.has_snippet ? h.snippet.c_str() : nullptr;
        h.hit.highlights = h.spans.empty() ? nullptr : h.spans.data();
        h.hit.n_highlights = h.spans.size();
    }
}

extern "C" size_t awx_results_count(const awx_results_t *r)
{
    return r ? r->hits.size() : 0;
}

extern "C" uint64_t awx_results_total(const awx_results_t *r)
{
    return r ? r->total : 0;
}

extern "C" const awx_hit_t *awx_results_hit(const awx_results_t *r, size_t i)
{
    return r && i < r->hits.size() ? &r->hits[i].hit : nullptr;
}

extern "C" const char *awx_results_corrected(const awx_results_t *r)
{
    return r && r->has_corrected ? r->corrected.c_str() : nullptr;
}

extern "C" size_t awx_results_facet_count(const awx_results_t *r, awx_facet_kind_t kind)
{
    int k = aws__enum_value(kind);
    if (!r || (k != AWX_FACET_SECTION && k != AWX_FACET_YEAR))
        return 0;
    return r->facets[k].size();
}

extern "C" const awx_facet_t *awx_results_facet(const awx_results_t *r,
                                                awx_facet_kind_t kind, size_t i)
{
    if (i >= awx_results_facet_count(r, kind))
        return nullptr;
    return &r->facets[kind][i];
}

extern "C" void awx_results_free(awx_results_t *r)
{
    delete r;
}
