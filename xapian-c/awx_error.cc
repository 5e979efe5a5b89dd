/* awx_error.cc - status names and the one map from C++ exceptions to them.
 *
 * Every extern "C" body of the shim runs inside aws__guard, whose catch
 * block calls aws__caught below; this is the only place that decides
 * which exception becomes which awx_status_t.
 */
#include <cstdlib>
#include <cstring>
#include <new>

#include "awx_internal.h"

extern "C" const char *awx_status_to_string(awx_status_t status)
{
    switch (aws__enum_value(status)) {
    case AWX_OK: return "success";
    case AWX_ERR_NOMEM: return "out of memory";
    case AWX_ERR_INVALID: return "invalid argument";
    case AWX_ERR_QUERY_SYNTAX: return "query syntax error";
    case AWX_ERR_NOT_FOUND: return "not found";
    case AWX_ERR_NOT_DATABASE: return "not a Xapian database";
    case AWX_ERR_NO_DATABASE: return "no database";
    case AWX_ERR_LOCKED: return "database locked by another writer";
    case AWX_ERR_MODIFIED: return "database modified; reopen and retry";
    case AWX_ERR_CORRUPT: return "database corrupt";
    case AWX_ERR_ENGINE: return "Xapian error";
    case AWX_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

/* Xapian's messages say what went wrong but not always which kind of
 * error it was; the type name makes a one-line message self-explaining. */
static void describe(std::string *msg, const Xapian::Error &e)
{
    *msg = e.get_type();
    *msg += ": ";
    *msg += e.get_msg();
    if (!e.get_context().empty()) {
        *msg += " (";
        *msg += e.get_context();
        *msg += ")";
    }
}

awx_status_t aws__caught(std::string *msg) noexcept
{
    /* Building a message can itself run out of memory; then the status
     * still goes back and the message is whatever fitted. */
    try {
        try {
            throw;
        } catch (const aws__error &e) {
            *msg = e.what();
            return e.status;
        } catch (const Xapian::QueryParserError &e) {
            *msg = "query syntax: " + e.get_msg();
            return AWX_ERR_QUERY_SYNTAX;
        } catch (const Xapian::DatabaseModifiedError &e) {
            describe(msg, e);
            return AWX_ERR_MODIFIED;
        } catch (const Xapian::DatabaseLockError &e) {
            describe(msg, e);
            return AWX_ERR_LOCKED;
        } catch (const Xapian::DatabaseNotFoundError &e) {
            describe(msg, e);
            return AWX_ERR_NO_DATABASE;
        } catch (const Xapian::DatabaseVersionError &e) {
            describe(msg, e);
            return AWX_ERR_NOT_DATABASE;
        } catch (const Xapian::DatabaseOpeningError &e) {
            describe(msg, e);
            return AWX_ERR_NOT_DATABASE;
        } catch (const Xapian::DatabaseCorruptError &e) {
            describe(msg, e);
            return AWX_ERR_CORRUPT;
        } catch (const Xapian::InvalidArgumentError &e) {
            describe(msg, e);
            return AWX_ERR_INVALID;
        } catch (const Xapian::Error &e) {
            describe(msg, e);
            return AWX_ERR_ENGINE;
        } catch (const std::bad_alloc &) {
            *msg = "out of memory";
            return AWX_ERR_NOMEM;
        } catch (const std::exception &e) {
            *msg = std::string("internal error: ") + e.what();
            return AWX_ERR_INTERNAL;
        } catch (...) {
            *msg = "internal error: unknown exception";
            return AWX_ERR_INTERNAL;
        }
    } catch (...) {
        return AWX_ERR_NOMEM;
    }
}

char *aws__strdup(const std::string &s)
{
    char *p = static_cast<char *>(std::malloc(s.size() + 1));
    if (!p)
        throw std::bad_alloc();
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    return p;
}

extern "C" void awx_strings_free(char **strings, size_t n)
{
    if (!strings)
        return;
    for (size_t i = 0; i < n; i++)
        std::free(strings[i]);
    std::free(strings);
}
