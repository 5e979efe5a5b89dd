/* awx_path.cc - tell a Xapian database path from anything else on disk.
 *
 * The shim must never modify a path that is not a Xapian database, and
 * Xapian's own WritableDatabase would happily create its files inside any
 * folder, so the shim looks first.  It also reads stub database files,
 * which awx_rebuild_finish writes and awx_db_reopen watches.
 */
#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "awx_internal.h"

namespace {

/* The backends and keywords a Xapian 1.4 stub file may name. */
const char *const stub_keywords[] = {"auto", "glass", "chert", "honey", "flint",
                                     "remote", "inmemory", nullptr};

/* Stubs are a few lines long; anything bigger is some other file. */
const std::streamsize stub_max = 64 * 1024;

bool read_head(const std::string &path, std::string *out)
{
    std::ifstream f(path, std::ios::binary);
    if (!f)
        return false;
    std::string buf(static_cast<size_t>(stub_max) + 1, '\0');
    f.read(&buf[0], stub_max + 1);
    buf.resize(static_cast<size_t>(f.gcount()));
    out->swap(buf);
    return true;
}

std::string trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return "";
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

/* Splits a stub's text into its meaningful lines (no blanks, no comments);
 * false when a line names no known backend. */
bool stub_lines(const std::string &text, std::vector<std::string> *lines)
{
    if (text.find('\0') != std::string::npos)
        return false;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        line = trim(line);
        if (line.empty() || line[0] == '#')
            continue;
        std::string word = line.substr(0, line.find_first_of(" \t"));
        bool known = false;
        for (const char *const *k = stub_keywords; *k && !known; k++)
            known = word == *k;
        if (!known)
            return false;
        lines->push_back(line);
    }
    return !lines->empty();
}

bool has_file(const std::string &dir, const char *name)
{
    struct stat st;
    return stat((dir + "/" + name).c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

} // namespace

aws__path_kind aws__classify(const std::string &path, std::string *why)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT)
            return AWS__PATH_MISSING;
        *why = std::string("cannot look at it: ") + std::strerror(errno);
        return AWS__PATH_OTHER;
    }
    if (S_ISDIR(st.st_mode)) {
        if (has_file(path, "iamglass") || has_file(path, "iamchert") ||
            has_file(path, "iamhoney"))
            return AWS__PATH_DB_DIR;
        DIR *d = opendir(path.c_str());
        if (!d) {
            *why = std::string("cannot list the folder: ") + std::strerror(errno);
            return AWS__PATH_OTHER;
        }
        std::string first;
        while (struct dirent *e = readdir(d)) {
            if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
                first = e->d_name;
                break;
            }
        }
        closedir(d);
        if (first.empty())
            return AWS__PATH_EMPTY_DIR;
        *why = "a folder with other files in it (e.g. \"" + first +
               "\") and no Xapian database";
        return AWS__PATH_OTHER;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "neither a folder nor a regular file";
        return AWS__PATH_OTHER;
    }
    std::string head;
    if (!read_head(path, &head)) {
        *why = std::string("cannot read it: ") + std::strerror(errno);
        return AWS__PATH_OTHER;
    }
    static const char magic[] = "\x0f\x0dXapian ";
    if (head.compare(0, sizeof magic - 1, magic) == 0)
        return AWS__PATH_DB_FILE;
    std::vector<std::string> lines;
    if (static_cast<std::streamsize>(head.size()) <= stub_max && stub_lines(head, &lines))
        return AWS__PATH_STUB;
    *why = head.empty() ? "an empty file" : "a file that is not a Xapian stub database";
    return AWS__PATH_OTHER;
}

std::string aws__stub_target(const std::string &stub)
{
    std::string head;
    std::vector<std::string> lines;
    if (!read_head(stub, &head) || !stub_lines(head, &lines) || lines.size() != 1)
        return "";
    const std::string &line = lines[0];
    size_t sp = line.find_first_of(" \t");
    if (sp == std::string::npos)
        return "";
    std::string word = line.substr(0, sp);
    if (word == "remote" || word == "inmemory")
        return "";
    std::string target = trim(line.substr(sp));
    if (target.empty() || target[0] == '/')
        return target;
    size_t slash = stub.rfind('/');
    return slash == std::string::npos ? target : stub.substr(0, slash + 1) + target;
}
