/* awx_synonyms.cc - the field's abbreviations: stored by the indexer, expanded in queries.
 *
 * The indexer hands groups of synonyms ("moe", "mixture of experts") to
 * awx_db_add_synonyms, which stores every member under the key of every
 * other member in Xapian's synonym table, so the table travels with the
 * database and the daemon needs no file of its own.  A key is the
 * member's words, lower-cased and stemmed, each with Xapian's "Z" prefix
 * of stemmed terms, joined by single spaces ("Zmixtur Zof Zexpert"): the
 * single-word keys are those Xapian's own FLAG_AUTO_SYNONYMS looks up for
 * an unprefixed word, and stemming lets the query "state space models"
 * find the group of "state space model".  The stored synonym is the
 * member's unstemmed words joined by spaces.
 *
 * Xapian 1.4's QueryParser cannot use the table as the field needs: its
 * synonyms are single terms taken literally (a multi-word synonym would
 * be one term no document has), and its keys carry the field prefix, while
 * awsearch's plain words search four prefixed fields.  So the query is
 * expanded here, as text, before the parser sees it: each run of plain
 * words is matched greedily against the keys, longest first, and a match
 * is followed by the group's other members, each a phrase: "moe scaling"
 * becomes "(moe OR \"mixture of experts\") scaling", and "mixture of
 * experts" becomes "(mixture of experts OR moe)", its words still loose as
 * typed.  Words inside quotes, after a field prefix, with a sign or a
 * wildcard, beside NEAR or ADJ, and operators are never expanded.
 *
 * The members are OR'd, not put under one OP_SYNONYM: measured on the
 * bundled list, OP_SYNONYM weighs the whole concept as one term, so a
 * query "moe scaling" ranked papers about scaling alone level with the MoE
 * papers, while with OR an entry that names the concept both ways (the
 * ones about it) ranks first.
 */
#include <algorithm>
#include <cctype>

#include "awx_internal.h"

namespace {

/* The longest group member, in words, that a query is matched against. */
const size_t max_words = 6;

bool word_byte(unsigned char c)
{
    return std::isalnum(c) || c >= 0x80;
}

bool space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The words of TEXT: maximal runs of letters, digits and non-ASCII bytes,
 * lower-cased. */
std::vector<std::string> split_words(const std::string &text)
{
    std::vector<std::string> words;
    size_t i = 0;
    while (i < text.size()) {
        if (!word_byte(static_cast<unsigned char>(text[i]))) {
            i++;
            continue;
        }
        size_t b = i;
        while (i < text.size() && word_byte(static_cast<unsigned char>(text[i])))
            i++;
        words.push_back(Xapian::Unicode::tolower(text.substr(b, i - b)));
    }
    return words;
}

std::string key_of(const std::vector<std::string> &words, size_t from, size_t to,
                   const Xapian::Stem &stem)
{
    std::string key;
    for (size_t i = from; i < to; i++) {
        if (i > from)
            key += ' ';
        key += 'Z';
        key += stem(words[i]);
    }
    return key;
}

std::string join(const std::vector<std::string> &words, size_t from, size_t to)
{
    std::string out;
    for (size_t i = from; i < to; i++) {
        if (i > from)
            out += ' ';
        out += words[i];
    }
    return out;
}

/* Whether TEXT (no white space) is plain words: letters, digits,
 * non-ASCII bytes and inner hyphens, not an operator. */
bool plain_token(const std::string &text)
{
    if (text.empty() || aws__is_operator(text))
        return false;
    if (!word_byte(static_cast<unsigned char>(text.front())) ||
        !word_byte(static_cast<unsigned char>(text.back())))
        return false;
    for (unsigned char c : text)
        if (!word_byte(c) && c != '-')
            return false;
    return true;
}

/* A piece of the query: text as typed, and the synonyms of a matched span
 * (empty for anything else). */
struct piece {
    std::string text;
    std::vector<std::string> synonyms;
};

/* Splits the run of plain tokens RUN into pieces, matching spans. */
void match_run(const Xapian::Database &db, const Xapian::Stem &stem,
               const std::vector<std::string> &run, std::vector<piece> *out)
{
    std::vector<std::string> words;
    std::vector<size_t> first_word;  /* token -> index of its first word */
    for (const std::string &tok : run) {
        first_word.push_back(words.size());
        for (std::string &w : split_words(tok))
            words.push_back(std::move(w));
    }
    first_word.push_back(words.size());
    size_t t = 0;
    while (t < run.size()) {
        /* The longest span of whole tokens, from T, that is a key. */
        size_t end = t;
        std::string key;
        for (size_t te = std::min(run.size(), t + max_words); te > t; te--) {
            size_t n = first_word[te] - first_word[t];
            if (n == 0 || n > max_words)
                continue;
            key = key_of(words, first_word[t], first_word[te], stem);
            if (db.synonyms_begin(key) != db.synonyms_end(key)) {
                end = te;
                break;
            }
        }
        piece p;
        if (end == t) {
            p.text = run[t++];
            out->push_back(std::move(p));
            continue;
        }
        for (size_t i = t; i < end; i++)
            p.text += (i > t ? " " : "") + run[i];
        for (auto s = db.synonyms_begin(key); s != db.synonyms_end(key); ++s)
            p.synonyms.push_back(*s);
        out->push_back(std::move(p));
        t = end;
    }
}

/* Whether W is NEAR or ADJ, with or without "/n": their operands must be
 * single words, so a word beside one is never expanded. */
bool is_proximity(const std::string &w)
{
    std::string head = w.substr(0, w.find('/'));
    return head == "NEAR" || head == "ADJ";
}

/* Splits Q into pieces. */
std::vector<piece> split_query(const Xapian::Database &db, const std::string &q)
{
    /* Tokens: runs up to white space, brackets as tokens of their own, a
     * quoted phrase (also field:"a phrase") kept whole. */
    std::vector<std::string> tokens;
    size_t i = 0;
    while (i < q.size()) {
        if (space_byte(static_cast<unsigned char>(q[i]))) {
            i++;
            continue;
        }
        size_t b = i;
        if (q[i] == '(' || q[i] == ')') {
            i++;
        } else {
            while (i < q.size() && !space_byte(static_cast<unsigned char>(q[i])) &&
                   q[i] != '(' && q[i] != ')') {
                if (q[i] == '"') {
                    size_t e = q.find('"', i + 1);
                    i = e == std::string::npos ? q.size() : e + 1;
                } else {
                    i++;
                }
            }
        }
        tokens.push_back(q.substr(b, i - b));
    }

    Xapian::Stem stem = aws__stemmer();
    std::vector<piece> pieces;
    std::vector<std::string> run;
    auto flush = [&] {
        if (!run.empty())
            match_run(db, stem, run, &pieces);
        run.clear();
    };
    for (size_t t = 0; t < tokens.size(); t++) {
        bool near = (t > 0 && is_proximity(tokens[t - 1])) ||
                    (t + 1 < tokens.size() && is_proximity(tokens[t + 1]));
        if (!near && plain_token(tokens[t])) {
            run.push_back(tokens[t]);
            continue;
        }
        flush();
        pieces.push_back(piece{tokens[t], {}});
    }
    flush();
    return pieces;
}

/* The query-language text of a synonym: a phrase when it has several words. */
std::string synonym_text(const std::string &s)
{
    return s.find(' ') == std::string::npos ? s : "\"" + s + "\"";
}

} // namespace

std::string aws__synonym_key(const std::string &text)
{
    std::vector<std::string> words = split_words(text);
    return key_of(words, 0, words.size(), aws__stemmer());
}

Xapian::Query aws__synonyms_parse(const Xapian::Database &db, Xapian::QueryParser &qp,
                                  const std::string &problem, const char *q)
{
    /* A database without synonyms (an index built without the file) costs
     * one lookup. */
    if (!q || db.synonym_keys_begin() == db.synonym_keys_end())
        return aws__parse(qp, problem, q);
    std::vector<piece> pieces = split_query(db, q);
    bool any = false;
    for (const piece &p : pieces)
        any = any || !p.synonyms.empty();
    if (!any)
        return aws__parse(qp, problem, q);

    std::string text;
    for (const piece &p : pieces) {
        if (!text.empty())
            text += ' ';
        if (p.synonyms.empty()) {
            text += p.text;
            continue;
        }
        text += "(" + p.text;
        for (const std::string &s : p.synonyms)
            text += " OR " + synonym_text(s);
        text += ")";
    }
    return aws__parse(qp, problem, text.c_str());
}

extern "C" awx_status_t awx_db_clear_synonyms(awx_db_t *db)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!db->writable)
            throw aws__error(AWX_ERR_INVALID,
                             db->path + ": clearing synonyms needs a writable handle");
        std::vector<std::string> keys;
        for (auto k = db->wdb.synonym_keys_begin(); k != db->wdb.synonym_keys_end(); ++k)
            keys.push_back(*k);
        for (const std::string &k : keys)
            db->wdb.clear_synonyms(k);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_add_synonyms(awx_db_t *db, const char *const *members,
                                            size_t n)
{
    if (!db || (n && !members))
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!db->writable)
            throw aws__error(AWX_ERR_INVALID,
                             db->path + ": adding synonyms needs a writable handle");
        if (n < 2)
            throw aws__error(AWX_ERR_INVALID, "a synonym group needs two members or more");
        Xapian::Stem stem = aws__stemmer();
        std::vector<std::string> keys, texts;
        for (size_t i = 0; i < n; i++) {
            std::vector<std::string> words =
                members[i] ? split_words(members[i]) : std::vector<std::string>();
            if (words.empty())
                throw aws__error(AWX_ERR_INVALID, "synonym group member " +
                                                      std::to_string(i + 1) + " has no words");
            if (words.size() > max_words)
                throw aws__error(AWX_ERR_INVALID,
                                 std::string("synonym \"") + members[i] + "\" has over " +
                                     std::to_string(max_words) + " words");
            keys.push_back(key_of(words, 0, words.size(), stem));
            texts.push_back(join(words, 0, words.size()));
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (texts[i] != texts[j])
                    db->wdb.add_synonym(keys[i], texts[j]);
        return AWX_OK;
    });
}
