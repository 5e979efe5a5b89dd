/* awx_suggest.cc - completions of a typed prefix from the titles.
 *
 * Best first: whole titles that start with what was typed, then the typed
 * text with its last word completed from the title words (the most
 * frequent words first), then other titles whose words match.
 */
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>

#include "awx_internal.h"

namespace {

/* Title words looked at for completing the last word; enough to rank the
 * frequent ones first without walking a huge vocabulary. */
const size_t word_scan_max = 2000;

/* Longest prefix worth completing. */
const size_t prefix_max = 256;

struct collector {
    unsigned limit;
    std::set<std::string> seen;  /* lower-cased, to drop duplicates */
    std::vector<std::string> out;

    bool full() const { return out.size() >= limit; }
    void add(const std::string &s)
    {
        if (full() || s.empty())
            return;
        if (seen.insert(Xapian::Unicode::tolower(s)).second)
            out.push_back(s);
    }
};

/* Titles matching PREFIX as a partial query on the title field. */
std::vector<std::string> matching_titles(const Xapian::Database &x, const std::string &prefix,
                                         unsigned limit)
{
    std::vector<std::string> titles;
    Xapian::QueryParser qp;
    qp.set_database(x);
    qp.set_default_op(Xapian::Query::OP_AND);
    qp.set_max_expansion(100, Xapian::Query::WILDCARD_LIMIT_MOST_FREQUENT,
                         Xapian::QueryParser::FLAG_PARTIAL);
    Xapian::Query q;
    try {
        q = qp.parse_query(prefix,
                           Xapian::QueryParser::FLAG_PARTIAL | Xapian::QueryParser::FLAG_CJK_NGRAM,
                           aws__prefix(AWS__F_TITLE));
    } catch (const Xapian::QueryParserError &) {
        /* Half-typed text often is not a valid query; words still help. */
        return titles;
    }
    Xapian::Enquire enq(x);
    enq.set_query(q);
    Xapian::MSet mset = enq.get_mset(0, limit);
    for (Xapian::MSetIterator m = mset.begin(); m != mset.end(); ++m)
        titles.push_back(m.get_document().get_value(AWS__SLOT_TITLE));
    return titles;
}

/* Completions of the last word of PREFIX from the title words. */
std::vector<std::string> word_completions(const Xapian::Database &x, const std::string &lower)
{
    std::vector<std::string> words;
    size_t cut = lower.find_last_of(" \t");
    std::string head = cut == std::string::npos ? "" : lower.substr(0, cut + 1);
    std::string last = cut == std::string::npos ? lower : lower.substr(cut + 1);
    if (last.empty())
        return words;
    std::string p = aws__prefix(AWS__F_TITLE) + last;
    std::vector<std::pair<Xapian::doccount, std::string>> found;
    for (Xapian::TermIterator t = x.allterms_begin(p);
         t != x.allterms_end(p) && found.size() < word_scan_max; ++t)
        found.emplace_back(t.get_termfreq(), (*t).substr(aws__prefix(AWS__F_TITLE).size()));
    std::stable_sort(found.begin(), found.end(),
                     [](const std::pair<Xapian::doccount, std::string> &a,
                        const std::pair<Xapian::doccount, std::string> &b) {
                         return a.first > b.first;
                     });
    for (auto &f : found)
        words.push_back(head + f.second);
    return words;
}

} // namespace

extern "C" awx_status_t awx_db_suggest(awx_db_t *db, const char *prefix, unsigned limit,
                                       char ***out, size_t *n)
{
    if (out)
        *out = nullptr;
    if (n)
        *n = 0;
    if (!db || !out || !n)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!prefix)
            throw aws__error(AWX_ERR_INVALID, "no prefix given");
        std::string typed(prefix);
        size_t b = typed.find_first_not_of(" \t\r\n");
        typed = b == std::string::npos ? "" : typed.substr(b);
        if (typed.size() > prefix_max)
            throw aws__error(AWX_ERR_INVALID, "prefix of " + std::to_string(typed.size()) +
                                                  " bytes; at most " +
                                                  std::to_string(prefix_max));
        collector c;
        c.limit = limit;
        if (!typed.empty() && limit > 0) {
            const Xapian::Database &x = db->rdb;
            std::string lower = Xapian::Unicode::tolower(typed);
            std::vector<std::string> titles = matching_titles(x, typed, limit * 4);
            for (const std::string &t : titles)
                if (Xapian::Unicode::tolower(t).compare(0, lower.size(), lower) == 0)
                    c.add(t);
            for (const std::string &w : word_completions(x, lower))
                c.add(w);
            for (const std::string &t : titles)
                c.add(t);
        }
        char **arr = static_cast<char **>(std::calloc(c.out.size() + 1, sizeof *arr));
        if (!arr)
            throw std::bad_alloc();
        try {
            for (size_t i = 0; i < c.out.size(); i++)
                arr[i] = aws__strdup(c.out[i]);
        } catch (...) {
            awx_strings_free(arr, c.out.size());
            throw;
        }
        *out = arr;
        *n = c.out.size();
        return AWX_OK;
    });
}
