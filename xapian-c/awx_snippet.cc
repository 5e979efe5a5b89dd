/* awx_snippet.cc - plain-text snippets with byte spans of the matches.
 *
 * MSet::snippet picks the passage and marks matches, but it returns HTML:
 * escaped text with markers around the matches.  Markers here are two
 * control bytes that cannot occur in the text (they are blanked out
 * first), so one pass over the result can drop them, undo the escaping
 * and record where each marked run starts and ends in the plain text.
 */
#include <cctype>
#include <cstring>

#include "awx_internal.h"

namespace {

const char hi_start[] = "\x01";
const char hi_end[] = "\x02";
const char omit[] = "\xe2\x80\xa6"; /* "…" */

/* The entities MSet::snippet writes, and what they stand for. */
struct entity {
    const char *name;
    char c;
};
const entity entities[] = {
    {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''},
    {"&apos;", '\''}, {"&#x27;", '\''}, {nullptr, 0},
};

/* The start of TEXT, about CHARS bytes cut after a whole word: the
 * snippet of a query that matched no words (an empty query, filters). */
void lead_in(const std::string &text, unsigned chars, std::string *out)
{
    if (text.size() <= chars) {
        *out = text;
        return;
    }
    size_t cut = text.rfind(' ', chars);
    if (cut == std::string::npos || cut < chars / 2) {
        /* One long word: cut at a UTF-8 character boundary. */
        cut = chars;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            cut--;
    }
    *out = text.substr(0, cut);
    while (!out->empty() && (out->back() == ' ' || out->back() == ','))
        out->pop_back();
    *out += omit;
}

} // namespace

bool aws__snippet_mset(const Xapian::Database &db, const Xapian::Query &query,
                       const char *typed, Xapian::MSet *out)
{
    std::vector<Xapian::Query> terms;
    for (Xapian::TermIterator t = query.get_unique_terms_begin();
         t != query.get_unique_terms_end(); ++t) {
        std::string plain = aws__plain_form(*t);
        if (!plain.empty())
            terms.emplace_back(plain);
    }
    /* A wildcard's expansions are no query terms; the words typed before
     * a "*" go to snippet() as wildcards of their own, which it matches
     * against the text directly. */
    for (const char *p = typed; p && *p; p++) {
        if (*p != '*')
            continue;
        const char *b = p;
        while (b > typed && (std::isalnum(static_cast<unsigned char>(b[-1])) ||
                             static_cast<unsigned char>(b[-1]) >= 0x80))
            b--;
        if (b < p)
            terms.emplace_back(Xapian::Query::OP_WILDCARD,
                               Xapian::Unicode::tolower(std::string(b, p)));
    }
    if (terms.empty())
        return false;
    Xapian::Enquire enq(db);
    enq.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
    /* No documents: the MSet only carries the query for snippet(). */
    *out = enq.get_mset(0, 0);
    return true;
}

void aws__snippet(const Xapian::MSet *mset, const std::string &text, unsigned chars,
                  std::string *out, std::vector<awx_span_t> *spans)
{
    spans->clear();
    if (!mset) {
        lead_in(text, chars, out);
        return;
    }
    std::string clean = text;
    for (char &c : clean)
        if (c == hi_start[0] || c == hi_end[0])
            c = ' ';
    /* Not SNIPPET_EXHAUSTIVE: the first good passage is good enough, and
     * the exhaustive search doubled the cost of a page of hits. */
    std::string marked =
        mset->snippet(clean, chars, aws__stemmer(),
                      Xapian::MSet::SNIPPET_BACKGROUND_MODEL | Xapian::MSet::SNIPPET_CJK_NGRAM,
                      hi_start, hi_end, omit);
    out->clear();
    out->reserve(marked.size());
    size_t open_at = 0;
    bool open = false;
    for (size_t i = 0; i < marked.size();) {
        char c = marked[i];
        if (c == hi_start[0]) {
            open = true;
            open_at = out->size();
            i++;
            continue;
        }
        if (c == hi_end[0]) {
            if (open && out->size() > open_at) {
                /* Xapian marks each matched word on its own; two marked
                 * words side by side (a phrase) stay two spans. */
                awx_span_t span;
                span.offset = static_cast<uint32_t>(open_at);
                span.length = static_cast<uint32_t>(out->size() - open_at);
                spans->push_back(span);
            }
            open = false;
            i++;
            continue;
        }
        if (c == '&') {
            const entity *e = entities;
            for (; e->name; e++)
                if (marked.compare(i, std::strlen(e->name), e->name) == 0)
                    break;
            if (e->name) {
                out->push_back(e->c);
                i += std::strlen(e->name);
                continue;
            }
        }
        out->push_back(c);
        i++;
    }
}
