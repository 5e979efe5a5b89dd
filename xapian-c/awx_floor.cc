/* awx_floor.cc - the engine's floor for the indexing benchmark (bench only).
 *
 * The least an indexer can do with these texts in Xapian: one
 * TermGenerator with the English stemmer over each text, a unique id term,
 * the data, replace_document by id, one commit at the end.
 */
#include "awx_floor.h"

#include <cstdio>
#include <new>
#include <string>

#include <xapian.h>

namespace {

void index_text(Xapian::TermGenerator &tg, const char *text)
{
    if (text && *text) {
        tg.index_text(text);
        tg.increase_termpos(100);
    }
}

} // namespace

extern "C" int awx_floor_index(const char *path, const awx_floor_doc_t *docs,
                               size_t n_docs, char *errbuf, size_t errlen)
{
    try {
        Xapian::WritableDatabase db(path, Xapian::DB_CREATE);
        Xapian::TermGenerator tg;
        tg.set_stemmer(Xapian::Stem("english"));
        tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        for (size_t i = 0; i < n_docs; i++) {
            const awx_floor_doc_t &in = docs[i];
            Xapian::Document doc;
            tg.set_document(doc);
            index_text(tg, in.title);
            index_text(tg, in.authors);
            index_text(tg, in.abstract);
            index_text(tg, in.sections);
            std::string idterm = std::string("Q") + (in.id ? in.id : "");
            if (idterm.size() > 240)
                idterm.resize(240);
            doc.add_boolean_term(idterm);
            if (in.data_len)
                doc.set_data(std::string(static_cast<const char *>(in.data), in.data_len));
            db.replace_document(idterm, doc);
        }
        db.commit();
        return 0;
    } catch (const Xapian::Error &e) {
        std::snprintf(errbuf, errlen, "%s: %s", path, e.get_description().c_str());
    } catch (const std::bad_alloc &) {
        std::snprintf(errbuf, errlen, "%s: out of memory", path);
    } catch (...) {
        std::snprintf(errbuf, errlen, "%s: unexpected exception", path);
    }
    return -1;
}
