/* awx_spelling.cc - spelling data in at index time, corrections out at query time.
 *
 * Index side: the words of titles and abstracts are counted per document
 * on the handle and handed to Xapian once per distinct word when the
 * handle commits, not once per occurrence as TermGenerator's
 * FLAG_SPELLING would: that alone kept indexing well under the engine's
 * floor.
 *
 * Query side: Xapian 1.4's FLAG_SPELLING_CORRECTION asks for a correction
 * of every word that is not an unprefixed term, and all of awsearch's text
 * is indexed under field prefixes, so it "corrected" words the index knows
 * well (moe -> more).  Here a word is corrected only when no field has
 * it, with Xapian's own suggestion from the spelling data.
 */
#include <cctype>

#include "awx_internal.h"

namespace {

/* Past this many distinct pending words the spelling data goes to Xapian
 * early, which bounds the memory a huge run holds. */
const size_t pending_max = 500000;

/* The query language's operators, which are never corrected. */
const char *const operators[] = {"AND", "OR", "NOT", "XOR", "NEAR", "ADJ", nullptr};

bool word_byte(unsigned char c)
{
    return std::isalnum(c) || c >= 0x80;
}

/* True when some free-text field of DB has WORD (lower case). */
bool known(const Xapian::Database &db, const std::string &word)
{
    static const aws__field_id text_fields[] = {AWS__F_TITLE, AWS__F_ABSTRACT, AWS__F_SECTION,
                                                AWS__F_AUTHOR};
    for (aws__field_id f : text_fields)
        if (db.term_exists(aws__prefix(f) + word))
            return true;
    /* An abbreviation of the synonym table ("peft") is searched through
     * its long form even when no document spells it. */
    std::string key = aws__synonym_key(word);
    return !key.empty() && db.synonyms_begin(key) != db.synonyms_end(key);
}

/* Whether the word Q[B..E) is one a user could have misspelt: not an
 * operator, a field name, a field's value, a wildcard or a number. */
bool correctable(const std::string &q, size_t b, size_t e)
{
    std::string word = q.substr(b, e - b);
    for (const char *const *op = operators; *op; op++)
        if (word == *op)
            return false;
    if (word.find_first_not_of("0123456789") == std::string::npos)
        return false;
    if (e < q.size() && (q[e] == ':' || q[e] == '*'))
        return false;
    if (b > 0 && q[b - 1] == ':')
        return false;
    return true;
}

} // namespace

void aws__spelling_note(awx_db *db, const Xapian::Document &d, aws__field_id f)
{
    const std::string &p = aws__prefix(f);
    Xapian::TermIterator t = d.termlist_begin(), end = d.termlist_end();
    for (t.skip_to(p); t != end; ++t) {
        const std::string term = *t;
        if (term.compare(0, p.size(), p) != 0)
            break;
        unsigned char c = static_cast<unsigned char>(term[p.size()]);
        if (term.size() > p.size() && !(c >= 'A' && c <= 'Z'))
            ++db->spelling[term.substr(p.size())];
    }
    if (db->spelling.size() > pending_max)
        aws__spelling_flush(db);
}

void aws__spelling_flush(awx_db *db)
{
    for (const auto &w : db->spelling)
        db->wdb.add_spelling(w.first, w.second);
    db->spelling.clear();
}

std::string aws__spelling_correct(const Xapian::Database &db, const std::string &q)
{
    std::string out;
    bool changed = false;
    size_t i = 0;
    while (i < q.size()) {
        if (!word_byte(static_cast<unsigned char>(q[i]))) {
            out += q[i++];
            continue;
        }
        size_t b = i;
        while (i < q.size() && word_byte(static_cast<unsigned char>(q[i])))
            i++;
        std::string word = q.substr(b, i - b);
        std::string lower = Xapian::Unicode::tolower(word);
        if (correctable(q, b, i) && !known(db, lower)) {
            std::string better = db.get_spelling_suggestion(lower);
            if (!better.empty() && better != lower) {
                out += better;
                changed = true;
                continue;
            }
        }
        out += word;
    }
    return changed ? out : "";
}
