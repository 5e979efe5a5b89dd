/* awx_spelling.cc - spelling data in at index time, "Did you mean" out at query time.
 *
 * Index side: the words of titles, abstracts, section headings and author
 * names are counted per document on the handle and handed to Xapian once
 * per distinct word when the handle commits, not once per occurrence as
 * TermGenerator's FLAG_SPELLING would: that alone kept indexing well under
 * the engine's floor.  Authors are in because a misspelt name ("Shazer")
 * is best answered with the name ("Shazeer"), not with the nearest common
 * word ("shared").  Only words a correction could produce are kept: Latin
 * letters with inner apostrophes, no digits, no CJK n-grams.
 *
 * Query side: a suggestion replaces only words that no field has, in any
 * case, neither as typed nor as an inflected form of an indexed word that
 * the stemmed search finds ("karpathy" of "Karpathy's", "inspire" of
 * "inspired"), each by Xapian's nearest word of the spelling data that
 * the index still has.  A typo that merely shares a stem ("distilation",
 * stemmed as "distillation" is) still gets its suggestion.
 * Whatever is not a plain word a user could have misspelt stays exactly
 * as typed, byte for byte:
 *   - a token with a field ("kind:lnk", "title:x", "id:..."), a URL, a
 *     path, a domain, an e-mail or an id: anything holding ":" "/" "@" "*"
 *     "_" "#" "&" and the like, or a "." inside a word;
 *   - a wildcard ("*former", "transfo*");
 *   - an excluded word: "-word", the word or bracketed group after NOT
 *     (suggesting another word to exclude would change what is excluded
 *     while the query's hits stay the same);
 *   - the operators AND OR NOT XOR NEAR ADJ;
 *   - a word holding a digit ("gpt4", "2101") or any non-Latin letter
 *     (CJK is searched as n-grams, which are no words to suggest);
 *   - a word of one or two letters, more likely an acronym than a typo.
 * Words inside a phrase are corrected like any other: a phrase holding a
 * word no document has can match nothing.  Words of three to five letters
 * get a suggestion one edit away, longer ones two (the edit distances of
 * Elasticsearch's "AUTO" fuzziness): "react" is not "real".
 */
#include <cctype>
#include <cstring>
#include <vector>

#include "awx_internal.h"

namespace {

/* Past this many distinct pending words the spelling data goes to Xapian
 * early, which bounds the memory a huge run holds. */
const size_t pending_max = 500000;

/* Words shorter than this (in characters) are never corrected. */
const size_t min_letters = 3;
/* Words this long or longer may be two edits from their suggestion. */
const size_t two_edit_letters = 6;

/* The fields whose words are spelling data and are searched by plain
 * words: a word is known when one of them has it. */
const aws__field_id text_fields[] = {AWS__F_TITLE, AWS__F_ABSTRACT, AWS__F_SECTION,
                                     AWS__F_AUTHOR};

/* The UTF-8 of U+2019, the typographic apostrophe, which Xapian's term
 * generator reads as "'". */
const char right_quote[] = "\xe2\x80\x99";

bool word_byte(unsigned char c)
{
    return std::isalnum(c) || c >= 0x80;
}

bool space_byte(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether code point C is a Latin letter (Basic Latin, Latin-1, Latin
 * Extended-A/B, Latin Extended Additional). */
bool latin_letter(unsigned c)
{
    if (c < 0x80)
        return std::isalpha(static_cast<int>(c)) != 0;
    if ((c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x1e00 && c <= 0x1eff))
        return Xapian::Unicode::is_wordchar(c);
    return false;
}

/* Whether the lower-case WORD could be a misspelling, or a suggestion:
 * Latin letters, apostrophes only inside, at least MIN_LETTERS long.
 * Its length in characters in *LETTERS when that is not NULL. */
bool word_shape(const std::string &word, size_t *letters = nullptr)
{
    size_t n = 0;
    bool prev_letter = false;
    for (Xapian::Utf8Iterator u(word); u != Xapian::Utf8Iterator(); ++u) {
        unsigned c = *u;
        if (c == '\'') {
            if (!prev_letter)
                return false;
            prev_letter = false;
            continue;
        }
        if (!latin_letter(c))
            return false;
        prev_letter = true;
        n++;
    }
    if (letters)
        *letters = n;
    return prev_letter && n >= min_letters;
}

/* True when some field of DB has the lower-case WORD as it is, or it is
 * a value of a boolean field or a key of the synonym table ("peft",
 * searched through its long form even when no document spells it). */
bool present(const Xapian::Database &db, const std::string &word)
{
    for (aws__field_id f : text_fields)
        if (db.term_exists(aws__prefix(f) + word))
            return true;
    for (aws__field_id f : {AWS__F_KIND, AWS__F_HAS, AWS__F_CATEGORY})
        if (db.term_exists(aws__prefix(f) + word))
            return true;
    std::string key = aws__synonym_key(word);
    return !key.empty() && db.synonyms_begin(key) != db.synonyms_end(key);
}

/* The inflectional endings that make one form of a word from another.
 * Derivational ones (-ment, -ation) are left out: with them the typo
 * "reinforcment" would pass as a form of "reinforce". */
const char *const endings[] = {"",  "s", "es", "ies", "y", "ied", "e", "ed", "d",
                               "ing", "er", "ers", "ly", "'s", "'", nullptr};

/* True when WORD is known: present, or another form of a present word
 * with the same stem ("inspire" of "inspired", "karpathy" of
 * "Karpathy's", "implementations" of "implementation"), which the
 * stemmed search finds.  Sharing the stem is not enough by itself:
 * "distilation" stems as "distillation" does, and is a typo. */
bool known(const Xapian::Database &db, const Xapian::Stem &stem, const std::string &word)
{
    if (present(db, word))
        return true;
    const std::string stemmed = stem(word);
    bool stem_found = false;
    for (aws__field_id f : text_fields)
        stem_found = stem_found || db.term_exists("Z" + aws__prefix(f) + stemmed);
    if (!stem_found)
        return false;
    for (const char *const *cut = endings; *cut; cut++) {
        size_t n = std::strlen(*cut);
        if (word.size() < n + min_letters || word.compare(word.size() - n, n, *cut) != 0)
            continue;
        const std::string base = word.substr(0, word.size() - n);
        for (const char *const *add = endings; *add; add++) {
            const std::string form = base + *add;
            if (form != word && stem(form) == stemmed && present(db, form))
                return true;
        }
    }
    return false;
}

/* A replacement of Q's bytes [AT, AT+LEN) by TEXT. */
struct edit {
    size_t at, len;
    std::string text;
};

/* Corrects the query's tokens one at a time, remembering what the
 * preceding tokens exclude. */
class corrector {
  public:
    corrector(const Xapian::Database &db, const std::string &q) : db_(db), q_(q) {}

    std::string run()
    {
        size_t i = 0;
        while (i < q_.size()) {
            if (space_byte(static_cast<unsigned char>(q_[i]))) {
                i++;
                continue;
            }
            /* A token runs to white space outside quotes. */
            size_t b = i;
            bool quoted = false;
            while (i < q_.size() && (quoted || !space_byte(static_cast<unsigned char>(q_[i])))) {
                if (q_[i] == '"')
                    quoted = !quoted;
                i++;
            }
            token(b, i);
        }
        if (edits_.empty())
            return "";
        std::string out;
        size_t from = 0;
        for (const edit &e : edits_) {
            out.append(q_, from, e.at - from);
            out += e.text;
            from = e.at + e.len;
        }
        out.append(q_, from, std::string::npos);
        return out;
    }

  private:
    /* The token Q[B..E). */
    void token(size_t b, size_t e)
    {
        size_t k = b;
        bool minus = false;
        int opens = 0;
        /* A sign and opening brackets, in either order: "-(a b)", "(-a b)". */
        while (k < e && (q_[k] == '(' || q_[k] == '-' || q_[k] == '+')) {
            if (q_[k] == '(')
                opens++;
            else
                minus = minus || q_[k] == '-';
            k++;
        }
        size_t end = e;
        int closes = 0;
        while (end > k && q_[end - 1] == ')') {
            closes++;
            end--;
        }
        const std::string core = q_.substr(k, end - k);

        bool in_group = excluded_depth_ >= 0 && depth_ > excluded_depth_;
        bool excluded = minus || not_next_ || in_group;
        if (aws__is_operator(core)) {
            not_next_ = core == "NOT";
        } else {
            not_next_ = false;
            if (!excluded && correctable_token(k, end))
                words(k, end);
        }
        if (excluded && !in_group && opens > 0)
            excluded_depth_ = depth_;
        depth_ += opens - closes;
        if (excluded_depth_ >= 0 && depth_ <= excluded_depth_)
            excluded_depth_ = -1;
    }

    /* Whether Q[B..E) (sign and outer brackets gone) is plain words and
     * punctuation: not a field, URL, id, path or wildcard. */
    bool correctable_token(size_t b, size_t e) const
    {
        for (size_t i = b; i < e; i++) {
            unsigned char c = static_cast<unsigned char>(q_[i]);
            if (word_byte(c) || space_byte(c))
                continue;
            switch (c) {
            case '"': case '\'': case '-': case '(': case ')':
            case ',': case ';': case '!': case '?':
                continue;
            case '.':
                /* A full stop ends a word; inside one it is a domain, a
                 * version or an id ("huggingface.co", "2401.04088"). */
                if (i + 1 < e && word_byte(static_cast<unsigned char>(q_[i + 1])))
                    return false;
                continue;
            default:
                return false;
            }
        }
        return true;
    }

    /* Corrects the words of Q[B..E): runs of word bytes joined by inner
     * apostrophes, as Xapian's term generator reads them. */
    void words(size_t b, size_t e)
    {
        size_t i = b;
        while (i < e) {
            if (!word_byte(static_cast<unsigned char>(q_[i])) ||
                q_.compare(i, 3, right_quote) == 0) {
                i++;
                continue;
            }
            size_t w = i;
            std::string word;
            while (i < e) {
                size_t apos = q_[i] == '\'' ? 1 : q_.compare(i, 3, right_quote) == 0 ? 3 : 0;
                if (apos && i + apos < e && word_byte(static_cast<unsigned char>(q_[i + apos])) &&
                    q_.compare(i + apos, 3, right_quote) != 0) {
                    word += '\'';
                    i += apos;
                } else if (!apos && word_byte(static_cast<unsigned char>(q_[i]))) {
                    word += q_[i++];
                } else {
                    break;
                }
            }
            correct(w, i, word);
        }
    }

    /* Replaces the word Q[B..E) (WORD, apostrophes made plain) when no
     * field has it and the spelling data has a word near it. */
    void correct(size_t b, size_t e, const std::string &word)
    {
        std::string lower = Xapian::Unicode::tolower(word);
        size_t letters = 0;
        if (!word_shape(lower, &letters) || known(db_, stem_, lower))
            return;
        unsigned max_edits = letters >= two_edit_letters ? 2 : 1;
        std::string better = db_.get_spelling_suggestion(lower, max_edits);
        /* A database indexed before deleted documents' words left the
         * spelling data (aws__spelling_forget) may still hold them: a word
         * is suggested only while some document still has it.  A common
         * word ("teh" -> "the") would be dropped from the query anyway. */
        if (better.empty() || better == lower || !word_shape(better) ||
            aws__is_stopword(better) || !known(db_, stem_, better))
            return;
        /* "Shazer" -> "Shazeer": a capital the user typed is kept. */
        unsigned char first = static_cast<unsigned char>(word[0]);
        if (first >= 'A' && first <= 'Z' && better[0] >= 'a' && better[0] <= 'z')
            better[0] = static_cast<char>(better[0] - 'a' + 'A');
        edits_.push_back(edit{b, e - b, better});
    }

    const Xapian::Database &db_;
    const std::string &q_;
    Xapian::Stem stem_ = aws__stemmer();
    std::vector<edit> edits_;
    bool not_next_ = false;   /* the last token was NOT */
    int depth_ = 0;           /* brackets open before the current token */
    int excluded_depth_ = -1; /* inside an excluded group opened at this depth */
};

/* Calls FN with each word of field F of D that is spelling data. */
template <typename F>
void field_words(const Xapian::Document &d, aws__field_id f, F &&fn)
{
    const std::string &p = aws__prefix(f);
    Xapian::TermIterator t = d.termlist_begin(), end = d.termlist_end();
    for (t.skip_to(p); t != end; ++t) {
        const std::string term = *t;
        if (term.compare(0, p.size(), p) != 0)
            break;
        if (term.size() <= p.size())
            continue;
        /* An upper-case letter after the prefix is a longer prefix. */
        unsigned char c = static_cast<unsigned char>(term[p.size()]);
        std::string word = term.substr(p.size());
        if (!(c >= 'A' && c <= 'Z') && word_shape(word))
            fn(word);
    }
}

} // namespace

void aws__spelling_note(awx_db *db, const Xapian::Document &d, aws__field_id f)
{
    field_words(d, f, [db](const std::string &word) { ++db->spelling[word]; });
    if (db->spelling.size() > pending_max)
        aws__spelling_flush(db);
}

void aws__spelling_forget(awx_db *db, const Xapian::Document &d)
{
    /* A word in two fields of D was counted once per field. */
    for (aws__field_id f : text_fields)
        field_words(d, f, [db](const std::string &word) {
            auto pending = db->spelling.find(word);
            if (pending == db->spelling.end())
                db->wdb.remove_spelling(word);
            else if (--pending->second == 0)
                db->spelling.erase(pending);
        });
}

void aws__spelling_flush(awx_db *db)
{
    for (const auto &w : db->spelling)
        db->wdb.add_spelling(w.first, w.second);
    db->spelling.clear();
}

std::string aws__spelling_correct(const Xapian::Database &db, const std::string &q)
{
    return corrector(db, q).run();
}
