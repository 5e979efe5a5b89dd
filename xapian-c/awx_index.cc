/* awx_index.cc - documents in and out: put, delete, get, digest, id walk.
 *
 * awx_db_put turns an awx_doc_t into one Xapian document: terms through
 * the prefix table's TermGenerator, the opaque stored form as the data,
 * and the value slots that sorting, facets, snippets and suggestions read.
 */
#include <cstdlib>
#include <cstring>

#include "awx_internal.h"

namespace {

/* Positions between two fields or two authors, so that a phrase query
 * never matches across the boundary. */
const Xapian::termpos field_gap = 100;

/* Plain words weigh a title match this many times an abstract match. */
const Xapian::termcount title_wdf = 3;

bool blank(const char *s)
{
    return !s || std::strspn(s, " \t\r\n") == std::strlen(s);
}

/* Indexes TEXT under field F.  Plain words search every free-text field
 * through the QueryParser's default prefixes, so each text is indexed
 * once: twice would double the indexing time. */
void index_field(Xapian::TermGenerator &tg, const char *text, aws__field_id f,
                 Xapian::termcount wdf_inc)
{
    if (blank(text))
        return;
    tg.index_text(text, wdf_inc, aws__prefix(f));
    tg.increase_termpos(field_gap);
}

void check_doc(const awx_doc_t *doc)
{
    if (!doc)
        throw aws__error(AWX_ERR_INVALID, "no document given");
    if (blank(doc->id))
        throw aws__error(AWX_ERR_INVALID, "document without an id");
    const char *what = nullptr;
    int kind = aws__enum_value(doc->kind);
    if (kind != AWX_KIND_PAPER && kind != AWX_KIND_REPO && kind != AWX_KIND_LINK)
        what = "kind";
    else if (!doc->title)
        what = "title";
    else if (doc->n_authors && !doc->authors)
        what = "authors";
    else if (doc->n_sections && !doc->sections)
        what = "sections";
    else if (doc->n_subsections && !doc->subsections)
        what = "subsections";
    else if (doc->n_categories && !doc->categories)
        what = "categories";
    else if (doc->data_len && !doc->data)
        what = "data";
    else if (doc->hit_data_len && !doc->hit_data)
        what = "hit_data";
    if (what)
        throw aws__error(AWX_ERR_INVALID,
                         std::string("document ") + doc->id + ": bad field " + what);
}

Xapian::Document make_document(awx_db *db, const awx_doc_t *doc)
{
    Xapian::Document d;
    Xapian::TermGenerator tg;
    aws__termgen_setup(tg);
    tg.set_document(d);

    index_field(tg, doc->title, AWS__F_TITLE, title_wdf);
    index_field(tg, doc->abstract, AWS__F_ABSTRACT, 1);
    for (size_t i = 0; i < doc->n_sections; i++) {
        if (!doc->sections[i])
            continue;
        index_field(tg, doc->sections[i], AWS__F_SECTION, 1);
        /* wdf 1, not a boolean term: related-papers ranking weighs it. */
        d.add_term(aws__section_term(doc->sections[i]), 1);
    }
    for (size_t i = 0; i < doc->n_subsections; i++)
        if (doc->subsections[i])
            index_field(tg, doc->subsections[i], AWS__F_SECTION, 1);
    /* Authors: the A terms are the names unstemmed, one phrase per name,
     * for author:; their stemmed ZA twins let plain words find them. */
    for (size_t i = 0; i < doc->n_authors; i++)
        index_field(tg, doc->authors[i], AWS__F_AUTHOR, 1);

    /* Spelling data: the words of every field plain words search, author
     * names included, so "Shazer" is answered with "Shazeer" (what is
     * kept and why: awx_spelling.cc). */
    aws__spelling_note(db, d, AWS__F_TITLE);
    aws__spelling_note(db, d, AWS__F_ABSTRACT);
    aws__spelling_note(db, d, AWS__F_SECTION);
    aws__spelling_note(db, d, AWS__F_AUTHOR);

    for (size_t i = 0; i < doc->n_categories; i++)
        if (!blank(doc->categories[i]))
            d.add_boolean_term(aws__prefix(AWS__F_CATEGORY) +
                               Xapian::Unicode::tolower(doc->categories[i]));
    d.add_boolean_term(aws__prefix(AWS__F_KIND) + awx_kind_name(doc->kind));
    if (doc->has_code)
        d.add_boolean_term(aws__prefix(AWS__F_HAS) + "code");
    if (!blank(doc->abstract))
        d.add_boolean_term(aws__prefix(AWS__F_HAS) + "abstract");
    d.add_boolean_term(aws__id_term(doc->id));

    if (doc->year > 0)
        d.add_value(AWS__SLOT_YEAR, Xapian::sortable_serialise(doc->year));
    if (doc->citations >= 0)
        d.add_value(AWS__SLOT_CITATIONS,
                    Xapian::sortable_serialise(static_cast<double>(doc->citations)));
    std::string sections;
    for (size_t i = 0; i < doc->n_sections; i++) {
        if (!doc->sections[i])
            continue;
        if (!sections.empty())
            sections += AWS__SECTION_SEP;
        sections += doc->sections[i];
    }
    if (!sections.empty())
        d.add_value(AWS__SLOT_SECTIONS, sections);
    d.add_value(AWS__SLOT_ID, doc->id);
    d.add_value(AWS__SLOT_TITLE, doc->title);
    if (!blank(doc->abstract))
        d.add_value(AWS__SLOT_ABSTRACT, doc->abstract);
    if (doc->digest && *doc->digest)
        d.add_value(AWS__SLOT_DIGEST, doc->digest);
    if (doc->data_len)
        d.set_data(std::string(static_cast<const char *>(doc->data), doc->data_len));
    if (doc->hit_data_len)
        d.add_value(AWS__SLOT_HIT,
                    std::string(static_cast<const char *>(doc->hit_data), doc->hit_data_len));
    return d;
}

Xapian::Document must_get(awx_db *db, const char *id)
{
    if (!id)
        throw aws__error(AWX_ERR_INVALID, "no id given");
    Xapian::docid did = aws__find(db->rdb, id);
    if (!did)
        throw aws__error(AWX_ERR_NOT_FOUND, std::string("no document with id \"") + id + "\"");
    return db->rdb.get_document(did);
}

} // namespace

extern "C" const char *awx_kind_name(awx_kind_t kind)
{
    switch (aws__enum_value(kind)) {
    case AWX_KIND_PAPER: return "paper";
    case AWX_KIND_REPO: return "repo";
    case AWX_KIND_LINK: return "link";
    }
    return "unknown";
}

Xapian::docid aws__find(const Xapian::Database &db, const std::string &id)
{
    Xapian::PostingIterator p = db.postlist_begin(aws__id_term(id));
    return p == db.postlist_end(aws__id_term(id)) ? 0 : *p;
}

extern "C" awx_status_t awx_db_put(awx_db_t *db, const awx_doc_t *doc)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!db->writable)
            throw aws__error(AWX_ERR_INVALID, db->path + ": the handle is read-only");
        check_doc(doc);
        Xapian::Document d = make_document(db, doc);
        /* The words of the document replaced leave the spelling data. */
        if (Xapian::docid old = aws__find(db->rdb, doc->id))
            aws__spelling_forget(db, db->rdb.get_document(old));
        db->wdb.replace_document(aws__id_term(doc->id), d);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_delete(awx_db_t *db, const char *id)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!db->writable)
            throw aws__error(AWX_ERR_INVALID, db->path + ": the handle is read-only");
        if (!id)
            throw aws__error(AWX_ERR_INVALID, "no id given");
        std::string term = aws__id_term(id);
        Xapian::docid did = aws__find(db->rdb, id);
        if (!did)
            throw aws__error(AWX_ERR_NOT_FOUND,
                             std::string("no document with id \"") + id + "\"");
        aws__spelling_forget(db, db->rdb.get_document(did));
        db->wdb.delete_document(term);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_get(awx_db_t *db, const char *id, void **data, size_t *len)
{
    if (data)
        *data = nullptr;
    if (len)
        *len = 0;
    if (!db || !data || !len)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        std::string s = must_get(db, id).get_data();
        void *p = std::malloc(s.size() ? s.size() : 1);
        if (!p)
            throw std::bad_alloc();
        std::memcpy(p, s.data(), s.size());
        *data = p;
        *len = s.size();
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_digest(awx_db_t *db, const char *id, char **digest)
{
    if (digest)
        *digest = nullptr;
    if (!db || !digest)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        std::string v = must_get(db, id).get_value(AWS__SLOT_DIGEST);
        if (!v.empty())
            *digest = aws__strdup(v);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_foreach_id(awx_db_t *db, awx_id_fn fn, void *ctx)
{
    if (!db || !fn)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        const Xapian::Database &x = db->rdb;
        const std::string &q = aws__prefix(AWS__F_ID);
        for (Xapian::TermIterator t = x.allterms_begin(q); t != x.allterms_end(q); ++t) {
            Xapian::PostingIterator p = x.postlist_begin(*t);
            if (p == x.postlist_end(*t))
                continue;
            Xapian::Document d = x.get_document(*p);
            std::string id = d.get_value(AWS__SLOT_ID);
            if (id.empty())
                id = (*t).substr(q.size());
            std::string digest = d.get_value(AWS__SLOT_DIGEST);
            if (fn(id.c_str(), digest.empty() ? nullptr : digest.c_str(), ctx) != 0)
                break;
        }
        return AWX_OK;
    });
}
