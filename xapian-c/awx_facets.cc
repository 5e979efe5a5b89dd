/* awx_facets.cc - counts per section and per year over all matches.
 *
 * Years come from Xapian's ValueCountMatchSpy on the year slot.  Sections
 * need a spy of their own: a document listed under two sections holds
 * both in one value (joined by AWS__SECTION_SEP) and counts once for each.
 */
#include <algorithm>
#include <cstdio>
#include <map>

#include "awx_internal.h"

namespace {

class section_spy : public Xapian::MatchSpy {
  public:
    void operator()(const Xapian::Document &doc, double) override
    {
        std::string v = doc.get_value(AWS__SLOT_SECTIONS);
        size_t start = 0;
        while (start <= v.size() && !v.empty()) {
            size_t end = v.find(AWS__SECTION_SEP, start);
            if (end == std::string::npos)
                end = v.size();
            if (end > start)
                ++counts[v.substr(start, end - start)];
            start = end + 1;
        }
    }
    std::string name() const override { return "awsearch.SectionSpy"; }
    std::map<std::string, uint64_t> counts;
};

void store(awx_results &r, awx_facet_kind_t kind,
           std::vector<std::pair<std::string, uint64_t>> &items)
{
    r.facet_values[kind].clear();
    r.facets[kind].clear();
    r.facet_values[kind].reserve(items.size());
    for (auto &it : items)
        r.facet_values[kind].push_back(it.first);
    /* The strings are in place and the vector is not resized again, so
     * their c_str() pointers stay valid for the results' lifetime. */
    for (size_t i = 0; i < items.size(); i++)
        r.facets[kind].push_back(awx_facet_t{r.facet_values[kind][i].c_str(), items[i].second});
}

} // namespace

Xapian::MatchSpy *aws__section_spy_new()
{
    return new section_spy;
}

void aws__facets_collect(awx_results &r, Xapian::MatchSpy *sections,
                         const Xapian::ValueCountMatchSpy &years)
{
    const section_spy *s = static_cast<const section_spy *>(sections);
    std::vector<std::pair<std::string, uint64_t>> items(s->counts.begin(), s->counts.end());
    std::stable_sort(items.begin(), items.end(),
                     [](const std::pair<std::string, uint64_t> &a,
                        const std::pair<std::string, uint64_t> &b) {
                         return a.second > b.second;
                     });
    store(r, AWX_FACET_SECTION, items);

    std::vector<std::pair<double, uint64_t>> ys;
    for (Xapian::TermIterator t = years.values_begin(); t != years.values_end(); ++t)
        ys.emplace_back(Xapian::sortable_unserialise(*t), t.get_termfreq());
    std::sort(ys.begin(), ys.end(),
              [](const std::pair<double, uint64_t> &a, const std::pair<double, uint64_t> &b) {
                  return a.first > b.first;
              });
    items.clear();
    for (auto &y : ys) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", y.first);
        items.emplace_back(buf, y.second);
    }
    store(r, AWX_FACET_YEAR, items);
}
