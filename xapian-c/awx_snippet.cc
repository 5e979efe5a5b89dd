/* awx_snippet.cc - plain-text snippets with byte spans of the matches.
 *
 * A snippet is the passage of a hit's abstract that holds the most of the
 * query's words, weighted by how rare each word is, with the byte spans of
 * the matched words in it.  Xapian's MSet::snippet did this at about
 * 35 microseconds a hit, most of it stemming every word of the text and
 * rendering HTML that had to be undone again; here a word is stemmed only
 * when its first two letters could stem to a query word's stem (English
 * stemming keeps them, but for "dying", "lying" and "tying"), each
 * distinct word is looked at once per search, and the text is copied once.
 *
 * Matching follows the query parser: a stemmed query term ("Zexpert")
 * matches any word with that stem, an unstemmed one ("experts", from a
 * phrase) the same word in any case, a wildcard
 * ("distill*") every word it starts, and a CJK term (made of n-grams by
 * the parser) wherever its characters occur.  Words the query excludes
 * (NOT) and stop words (in a query only inside phrases) are not marked.
 */
#include <algorithm>
#include <cmath>
#include <cstring>

#include "awx_internal.h"

namespace {

const char omit[] = "\xe2\x80\xa6"; /* "…" */

/* The code point of the UTF-8 sequence at S[I], and its length in *LEN;
 * a byte that starts no valid sequence is U+FFFD, one byte long. */
unsigned decode(const std::string &s, size_t i, size_t *len)
{
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    unsigned cp = n == 4 ? c & 0x07 : n == 3 ? c & 0x0F : c & 0x1F;
    if (n == 0 || c >= 0xF5 || i + n > s.size())
        n = 0;
    for (size_t k = 1; k < n; k++) {
        unsigned char cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) {
            n = 0;
            break;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not valid. */
    if (n == 0 || (n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        *len = 1;
        return 0xFFFD;
    }
    *len = n;
    return cp;
}

bool is_cjk(unsigned cp)
{
    return Xapian::Unicode::is_wordchar(cp) &&
           ((cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
            (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F));
}

/* True when WORD has a CJK character (so it is matched as a substring). */
bool has_cjk(const std::string &word)
{
    for (size_t i = 0, n; i < word.size(); i += n)
        if (is_cjk(decode(word, i, &n)))
            return true;
    return false;
}

/* How a word of the text is split off: letters and digits, with an
 * apostrophe between letters ("model's") and a point or comma between
 * digits ("3.5") inside the word, as Xapian's term generator does. */
bool ascii_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* The end of the word that starts at TEXT[B] (a word character). */
size_t word_end(const std::string &text, size_t b)
{
    size_t i = b;
    while (i < text.size()) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (ascii_word(c)) {
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t n;
            unsigned cp = decode(text, i, &n);
            if (!Xapian::Unicode::is_wordchar(cp) || is_cjk(cp))
                break;
            i += n;
            continue;
        }
        bool inner = i > b && i + 1 < text.size();
        unsigned char prev = static_cast<unsigned char>(text[i - 1]);
        unsigned char next = inner ? static_cast<unsigned char>(text[i + 1]) : 0;
        if (inner && c == '\'' && ascii_word(prev) && !is_digit(prev) && ascii_word(next) &&
            !is_digit(next)) {
            i++;
            continue;
        }
        if (inner && (c == '.' || c == ',') && is_digit(prev) && is_digit(next)) {
            i++;
            continue;
        }
        break;
    }
    return i;
}

bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* The first two bytes of a word in lower case (ASCII only), as one key. */
unsigned key2(const char *p, size_t n)
{
    auto low = [](unsigned char c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; };
    return n == 0 ? 0 : (low(p[0]) << 8) | (n > 1 ? low(p[1]) : 0);
}

/* The pattern of a wildcard leaf (with its field prefix, "XAdistill").
 * Xapian 1.4 has no accessor for it; the description is
 * "Query(WILDCARD <combiner> <pattern>)" and a term has no spaces. */
std::string wildcard_pattern(const Xapian::Query &q)
{
    std::string d = q.get_description();
    if (d.size() < 2 || d.back() != ')')
        return "";
    d.pop_back();
    size_t sp = d.rfind(' ');
    return sp == std::string::npos ? "" : d.substr(sp + 1);
}

/* The terms of Q that a match shows, and its wildcards' patterns: not
 * those under the right side of AND_NOT ("sparse -title:routing" marks no
 * "routing", "-title:distill*" no "distilled"). */
void wanted_terms(const Xapian::Query &q, std::vector<std::string> *terms,
                  std::vector<std::string> *wildcards)
{
    Xapian::Query::op op = q.get_type();
    if (op == Xapian::Query::LEAF_TERM) {
        for (Xapian::TermIterator t = q.get_terms_begin(); t != q.get_terms_end(); ++t)
            terms->push_back(*t);
        return;
    }
    if (op == Xapian::Query::OP_WILDCARD) {
        std::string p = wildcard_pattern(q);
        if (!p.empty())
            wildcards->push_back(p);
        return;
    }
    size_t n = q.get_num_subqueries();
    if (op == Xapian::Query::OP_AND_NOT)
        n = std::min<size_t>(n, 1);
    for (size_t i = 0; i < n; i++)
        wanted_terms(q.get_subquery(i), terms, wildcards);
}

} // namespace

/* One matched stretch of a text: bytes [b, e) and the query word. */
struct aws__snippeter::match {
    size_t b, e;
    int word;
};

aws__snippeter::aws__snippeter(const Xapian::Database &db, const Xapian::MSet &mset,
                               const Xapian::Query &query)
    : stemmer_(aws__stemmer())
{
    /* The match already counted every query term (MSet::get_termfreq
     * looks nothing up), and the document count is kept in memory. */
    double n = std::max<double>(1, db.get_doccount());
    std::vector<std::string> terms, wildcards;
    wanted_terms(query, &terms, &wildcards);
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    for (const std::string &term : terms) {
        std::string plain = aws__plain_form(term);
        /* A stop word is in the query only inside a phrase ("mixture of
         * experts"); marking every "of" of the text would be noise. */
        if (plain.empty() || (plain[0] != 'Z' && aws__is_stopword(plain)))
            continue;
        /* A plain word is one term per field it is searched in; how
         * common the word is shows in the field that has it most often
         * (add keeps the largest count). */
        double tf = mset.get_termfreq(term);
        if (plain[0] == 'Z')
            add(plain.substr(1), KIND_STEM, tf);
        else
            add(plain, has_cjk(plain) ? KIND_CJK : KIND_EXACT, tf);
    }
    /* A rare word says more about a passage than a common one: a word's
     * weight is its inverse document frequency. */
    double sum = 0;
    for (word &w : words_) {
        w.weight = std::max(0.1, std::log((n + 1) / (w.weight + 0.5)));
        sum += w.weight;
    }
    double typical = words_.empty() ? 1.0 : sum / words_.size();
    /* A wildcard marks every word it starts (its expansions are terms of
     * the query only once the match has expanded it). */
    for (const std::string &w : wildcards) {
        std::string plain = aws__plain_form(w);
        if (!plain.empty() && plain[0] != 'Z')
            add(plain, KIND_PREFIX, -1);
    }
    /* A prefix stands for many words: it weighs as much as a typical
     * word of the query. */
    for (word &w : words_) {
        if (w.how == KIND_PREFIX)
            w.weight = typical;
        weights_.push_back(w.weight);
    }
}

aws__snippeter::~aws__snippeter() = default;

void aws__snippeter::add(const std::string &text, kind k, double tf)
{
    for (size_t i = 0; i < words_.size(); i++)
        if (words_[i].how == k && words_[i].text == text) {
            words_[i].weight = std::max(words_[i].weight, tf);
            return;
        }
    words_.push_back({text, k, tf});
    /* A text word can only match when it starts as a stem or an exact
     * word does (stemming English keeps the first two letters, but for
     * the three words below), or with a prefix's first letter.  Words
     * with non-ASCII starts are always looked at. */
    auto mark = [this](unsigned key) { starts_[key >> 6] |= uint64_t(1) << (key & 63); };
    if (k == KIND_PREFIX && !text.empty()) {
        unsigned c0 = static_cast<unsigned char>(text[0]);
        for (unsigned c1 = 0; c1 < 256; c1++)
            mark(c0 << 8 | c1);
    } else if (k != KIND_CJK && !text.empty()) {
        mark(key2(text.data(), text.size()));
    }
    /* The three words English stemming changes at the front: "dying",
     * "lying" and "tying" stem to "die", "lie" and "tie". */
    if (k == KIND_STEM && (text == "die" || text == "lie" || text == "tie"))
        mark(key2((std::string(1, text[0]) + "y").data(), 2));
}

bool aws__snippeter::could_match(const std::string &text, size_t b, size_t e) const
{
    unsigned char c0 = static_cast<unsigned char>(text[b]);
    if (c0 >= 0x80 || (e - b > 1 && static_cast<unsigned char>(text[b + 1]) >= 0x80))
        return true; /* lower-casing may change it: look closer */
    unsigned k = key2(text.data() + b, e - b);
    return (starts_[k >> 6] >> (k & 63)) & 1;
}

int aws__snippeter::classify(const std::string &lower)
{
    auto hit = seen_.find(lower);
    if (hit != seen_.end())
        return hit->second;
    int found = -1;
    for (size_t i = 0; i < words_.size() && found < 0; i++)
        if ((words_[i].how == KIND_EXACT && words_[i].text == lower) ||
            (words_[i].how == KIND_PREFIX && lower.compare(0, words_[i].text.size(),
                                                            words_[i].text) == 0))
            found = static_cast<int>(i);
    if (found < 0) {
        std::string stem = stemmer_(lower);
        for (size_t i = 0; i < words_.size() && found < 0; i++)
            if (words_[i].how == KIND_STEM && words_[i].text == stem)
                found = static_cast<int>(i);
    }
    seen_.emplace(lower, found);
    return found;
}

void aws__snippeter::find(const std::string &text, std::vector<match> *out)
{
    out->clear();
    std::string lower;
    for (size_t i = 0; i < text.size();) {
        unsigned char c = static_cast<unsigned char>(text[i]);
        bool starts = ascii_word(c);
        if (!starts && c >= 0x80) {
            size_t n;
            unsigned cp = decode(text, i, &n);
            starts = Xapian::Unicode::is_wordchar(cp) && !is_cjk(cp);
            if (!starts) {
                i += n;
                continue;
            }
        }
        if (!starts) {
            i++;
            continue;
        }
        size_t e = word_end(text, i);
        /* Most words cannot match: their first two bytes start no query
         * word.  They are passed over without copying or hashing. */
        if (!could_match(text, i, e)) {
            i = e;
            continue;
        }
        lower.assign(text, i, e - i);
        bool ascii = true;
        for (char &ch : lower) {
            if (ch >= 'A' && ch <= 'Z')
                ch = static_cast<char>(ch - 'A' + 'a');
            ascii = ascii && static_cast<unsigned char>(ch) < 0x80;
        }
        if (!ascii)
            lower = Xapian::Unicode::tolower(lower);
        int w = classify(lower);
        if (w >= 0)
            out->push_back({i, e, w});
        i = e;
    }
    /* CJK words are runs of characters without spaces; the parser made
     * n-grams of the query's, so each is found wherever it occurs. */
    bool cjk = false;
    for (size_t k = 0; k < words_.size(); k++) {
        if (words_[k].how != KIND_CJK)
            continue;
        cjk = true;
        for (size_t at = text.find(words_[k].text); at != std::string::npos;
             at = text.find(words_[k].text, at + 1))
            out->push_back({at, at + words_[k].text.size(), static_cast<int>(k)});
    }
    if (cjk) {
        std::sort(out->begin(), out->end(),
                  [](const match &a, const match &b) { return a.b < b.b || (a.b == b.b && a.e > b.e); });
        /* Overlapping n-grams ("大语", "语言") merge into one span. */
        std::vector<match> merged;
        for (const match &m : *out)
            if (!merged.empty() && m.b < merged.back().e)
                merged.back().e = std::max(merged.back().e, m.e);
            else
                merged.push_back(m);
        out->swap(merged);
    }
}

/* The best window: the run of matches at most CHARS bytes long whose
 * distinct words weigh the most (a repeat adds a tenth of its word's
 * weight), the earliest of equals so that a passage near the start wins. */
static void best_window(const std::vector<aws__snippeter::match> &ms,
                        const std::vector<double> &weights, size_t chars, size_t *first,
                        size_t *last)
{
    std::vector<unsigned> count(weights.size(), 0);
    double score = 0, best = -1;
    size_t r = 0;
    *first = *last = 0;
    for (size_t l = 0; l < ms.size(); l++) {
        if (r < l)
            r = l;
        while (r < ms.size() && (ms[r].e - ms[l].b <= chars || r == l)) {
            double w = weights[ms[r].word];
            score += count[ms[r].word]++ ? w / 10 : w;
            r++;
        }
        if (score > best + 1e-9) {
            best = score;
            *first = l;
            *last = r - 1;
        }
        double w = weights[ms[l].word];
        score -= --count[ms[l].word] ? w / 10 : w;
    }
}

void aws__snippeter::make(const std::string &text, unsigned chars, std::string *out,
                          std::vector<awx_span_t> *spans)
{
    static const char white[] = " \t\n\r\f\v";
    spans->clear();
    out->clear();
    std::vector<match> &ms = matches_;
    ms.clear();
    if (!words_.empty())
        find(text, &ms);
    size_t text_b = text.find_first_not_of(white);
    if (text_b == std::string::npos)
        return; /* only white space */

    /* The window: around the best run of matches, or from the start when
     * nothing matched (an empty query, filters only, a title match). */
    size_t start = text_b, mb = text_b, me = text_b;
    if (!ms.empty()) {
        size_t first, last;
        best_window(ms, weights_, chars, &first, &last);
        mb = ms[first].b;
        me = ms[last].e;
        /* The text from the start when it fits, else from the start of
         * the matches' sentence when that is near, else a few words
         * before the first match. */
        size_t slack = chars > me - mb ? chars - (me - mb) : 0;
        if (mb - text_b > slack) {
            start = mb - slack / 3;
            size_t dot = text.rfind(". ", mb);
            if (dot != std::string::npos && dot + 2 <= mb && dot + 2 > text_b &&
                mb - (dot + 2) <= slack * 2 / 3)
                start = dot + 2;
            /* Forward to a word start, never past the first match. */
            while (start < mb && !is_space(static_cast<unsigned char>(text[start - 1])))
                start++;
            while (start < mb && is_space(static_cast<unsigned char>(text[start])))
                start++;
        }
    }

    /* As far on as CHARS allows, cut after a whole word but never before
     * the last chosen match; one word longer than CHARS is cut inside, at
     * a character boundary. */
    size_t end = text.size();
    if (start + chars < text.size()) {
        size_t cut = start + chars;
        while (cut > start && !is_space(static_cast<unsigned char>(text[cut])))
            cut--;
        if (cut > start && cut >= me) {
            end = cut;
        } else if (me > start) {
            end = me;
        } else {
            end = start + chars;
            while (end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
                end--;
        }
        while (end > me && end > start &&
               (is_space(static_cast<unsigned char>(text[end - 1])) || text[end - 1] == ','))
            end--;
    }
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
        end++;

    /* Copy, with each run of white space as one space, recording where
     * the matches inside the window land.  "…" marks text left out, but
     * not white space alone. */
    out->reserve(end - start + 2 * sizeof omit);
    if (start > text_b)
        out->append(omit);
    size_t m = 0;
    while (m < ms.size() && ms[m].b < start)
        m++;
    for (size_t i = start; i < end;) {
        if (m < ms.size() && ms[m].b == i && ms[m].e <= end) {
            awx_span_t sp;
            sp.offset = static_cast<uint32_t>(out->size());
            sp.length = static_cast<uint32_t>(ms[m].e - ms[m].b);
            spans->push_back(sp);
            out->append(text, ms[m].b, ms[m].e - ms[m].b);
            i = ms[m].e;
            m++;
            continue;
        }
        unsigned char c = static_cast<unsigned char>(text[i]);
        if (is_space(c) || c < 0x20 || c == 0x7F) {
            if (!out->empty() && out->back() != ' ')
                out->push_back(' ');
            i++;
            continue;
        }
        out->push_back(static_cast<char>(c));
        i++;
    }
    while (!out->empty() && out->back() == ' ')
        out->pop_back();
    if (text.find_first_not_of(white, end) != std::string::npos)
        out->append(omit);
}
