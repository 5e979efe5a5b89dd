/* awx_rebuild.cc - build a database beside the live one and switch atomically.
 *
 * The live path becomes a Xapian stub file ("auto db.20260101T120000-42")
 * naming a sibling folder.  A rebuild fills a new sibling, writes a new
 * stub to a temporary file, fsyncs it and rename(2)s it over the live
 * path: a reader opens the old database or the new one, never a mix, and
 * a rebuild killed at any moment leaves the live path as it was.  Only
 * folders that this scheme made (siblings named after the live path that
 * hold a Xapian database) are ever removed.
 */
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>

#include "awx_internal.h"

namespace {

struct split_path {
    std::string dir;   /* "." when the path has no folder part */
    std::string base;
};

split_path split(std::string path)
{
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

std::string join(const std::string &dir, const std::string &name)
{
    return dir == "/" ? "/" + name : dir + "/" + name;
}

/* "20260101T120000.123456789-4242": time to the nanosecond and process
 * id.  A name is never used twice, not even after its folder is removed:
 * a reader that remembers the stub's target by name must see any new
 * database as new.  The pid at the end tells a killed run's leftovers. */
std::string stamp()
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char buf[64];
    size_t n = strftime(buf, sizeof buf, "%Y%m%dT%H%M%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%09ld-%ld", static_cast<long>(ts.tv_nsec),
             static_cast<long>(getpid()));
    return buf;
}

[[noreturn]] void fail(awx_status_t st, const std::string &path, const std::string &what)
{
    throw aws__error(st, path + ": " + what + ": " + std::strerror(errno));
}

int remove_entry(const char *p, const struct stat *, int, struct FTW *)
{
    return remove(p);
}

/* Removes DIR and what is in it, but only when it holds a Xapian database
 * or nothing: a wrong argument can never delete a user's files. */
void remove_db_dir(const std::string &dir)
{
    std::string why;
    aws__path_kind k = aws__classify(dir, &why);
    if (k == AWS__PATH_DB_DIR || k == AWS__PATH_EMPTY_DIR)
        nftw(dir.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void sync_dir(const std::string &dir)
{
    int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes a stub naming TARGET (a sibling's name) to TMP, durably. */
void write_stub(const std::string &tmp, const std::string &target)
{
    std::string text = "auto " + target + "\n";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        fail(AWX_ERR_ENGINE, tmp, "cannot create the new stub file");
    ssize_t n = write(fd, text.data(), text.size());
    if (n != static_cast<ssize_t>(text.size()) || fsync(fd) != 0) {
        int saved = errno ? errno : EIO;
        close(fd);
        unlink(tmp.c_str());
        errno = saved;
        fail(AWX_ERR_ENGINE, tmp, "cannot write the new stub file");
    }
    if (close(fd) != 0) {
        unlink(tmp.c_str());
        fail(AWX_ERR_ENGINE, tmp, "cannot write the new stub file");
    }
}

/* The process id at the end of NAME ("...-1234"), or 0. */
long trailing_pid(const std::string &name)
{
    size_t dash = name.rfind('-');
    if (dash == std::string::npos || dash + 1 >= name.size() ||
        name.find_first_not_of("0123456789", dash + 1) != std::string::npos)
        return 0;
    return std::strtol(name.c_str() + dash + 1, nullptr, 10);
}

/* Whether S is what stamp() makes ("20260101T120000.123456789-4242"),
 * maybe after "old-": only such names are leftovers of this scheme, and a
 * user's "db.backup-2024" beside the database is not ours to remove. */
bool is_stamp(const std::string &s)
{
    size_t i = s.compare(0, 4, "old-") == 0 ? 4 : 0;
    auto digits = [&](size_t min, size_t max) {
        size_t n = 0;
        while (i < s.size() && n < max && s[i] >= '0' && s[i] <= '9') {
            i++;
            n++;
        }
        return n >= min;
    };
    if (!digits(8, 8) || i >= s.size() || s[i++] != 'T' || !digits(6, 6))
        return false;
    if (i < s.size() && s[i] == '.') {
        i++;
        if (!digits(1, 9))
            return false;
    }
    if (i >= s.size() || s[i++] != '-' || !digits(1, 19))
        return false;
    return i == s.size();
}

bool process_gone(long pid)
{
    return pid > 0 && kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

/* Removes a killed sharded rebuild's BASE.<stamp>.shards folder (made by
 * awindex's shards.c beside its new folder): each shard in it goes only
 * when it is a database or empty, and the folder only when that left it
 * empty. */
void remove_shards_dir(const std::string &dir)
{
    DIR *d = opendir(dir.c_str());
    if (!d)
        return;
    std::vector<std::string> shards;
    while (struct dirent *e = readdir(d)) {
        std::string name = e->d_name;
        if (name != "." && name != "..")
            shards.push_back(join(dir, name));
    }
    closedir(d);
    for (const std::string &s : shards)
        remove_db_dir(s);
    rmdir(dir.c_str());
}

/* What rebuilds that were killed left beside PATH: folders BASE.<stamp>
 * (and their BASE.<stamp>.shards) and temporary stubs .BASE.stub-<stamp>
 * whose process is gone and which the live stub does not name. */
void remove_stale(const split_path &sp, const std::string &live_target)
{
    DIR *d = opendir(sp.dir.c_str());
    if (!d)
        return;
    std::vector<std::string> folders, stubs, shard_dirs;
    const std::string shards_tail = ".shards";
    std::string lead = sp.base + ".", stub_lead = "." + sp.base + ".stub-";
    std::string live = live_target.empty() ? "" : split(live_target).base;
    while (struct dirent *e = readdir(d)) {
        std::string name = e->d_name;
        bool folder = name.compare(0, lead.size(), lead) == 0;
        bool stub = name.compare(0, stub_lead.size(), stub_lead) == 0;
        bool shards = folder && name.size() > shards_tail.size() &&
                      name.compare(name.size() - shards_tail.size(), shards_tail.size(),
                                   shards_tail) == 0;
        std::string owner = shards ? name.substr(0, name.size() - shards_tail.size()) : name;
        if ((!folder && !stub) || name == live ||
            !is_stamp(owner.substr(folder ? lead.size() : stub_lead.size())) ||
            !process_gone(trailing_pid(owner)))
            continue;
        (shards ? shard_dirs : folder ? folders : stubs).push_back(join(sp.dir, name));
    }
    closedir(d);
    for (const std::string &f : folders)
        remove_db_dir(f);
    for (const std::string &f : shard_dirs)
        remove_shards_dir(f);
    for (const std::string &f : stubs) {
        std::string why;
        if (aws__classify(f, &why) == AWS__PATH_STUB)
            unlink(f.c_str());
    }
}

void check_live(const std::string &path, aws__path_kind *kind)
{
    std::string why;
    *kind = aws__classify(path, &why);
    if (*kind == AWS__PATH_OTHER)
        throw aws__error(AWX_ERR_NOT_DATABASE,
                         path + ": not a Xapian database (" + why + "); left untouched");
}

awx_status_t run(char **errmsg, const std::function<void()> &body)
{
    if (errmsg)
        *errmsg = nullptr;
    awx_db scratch;
    awx_status_t st = aws__guard(&scratch, [&] {
        body();
        return AWX_OK;
    });
    if (st != AWX_OK && errmsg) {
        try {
            *errmsg = aws__strdup(scratch.last_error);
        } catch (...) {
        }
    }
    return st;
}

} // namespace

extern "C" awx_status_t awx_rebuild_begin(const char *path, char **new_dir, char **errmsg)
{
    if (new_dir)
        *new_dir = nullptr;
    return run(errmsg, [&] {
        if (!path || !*path || !new_dir)
            throw aws__error(AWX_ERR_INVALID, "rebuild needs a database path");
        aws__path_kind kind;
        check_live(path, &kind);
        split_path sp = split(path);
        if (mkdir(sp.dir.c_str(), 0777) != 0 && errno != EEXIST) {
            /* Several folders are missing: make each one down to it. */
            std::string p = sp.dir + "/x";
            for (size_t i = 1; i < p.size(); i++)
                if (p[i] == '/')
                    mkdir(p.substr(0, i).c_str(), 0777);
        }
        remove_stale(sp, kind == AWS__PATH_STUB ? aws__stub_target(path) : "");
        std::string dir = join(sp.dir, sp.base + "." + stamp());
        for (int i = 1; mkdir(dir.c_str(), 0777) != 0; i++) {
            if (errno != EEXIST || i > 100)
                fail(AWX_ERR_ENGINE, dir, "cannot create the new database folder");
            dir = join(sp.dir, sp.base + "." + stamp());
        }
        try {
            Xapian::WritableDatabase w(dir, Xapian::DB_CREATE);
            w.close();
        } catch (...) {
            remove_db_dir(dir);
            throw;
        }
        *new_dir = aws__strdup(dir);
    });
}

extern "C" awx_status_t awx_rebuild_finish(const char *path, const char *new_dir, char **errmsg)
{
    return run(errmsg, [&] {
        if (!path || !*path || !new_dir || !*new_dir)
            throw aws__error(AWX_ERR_INVALID, "rebuild finish needs the path and the new folder");
        std::string why;
        if (aws__classify(new_dir, &why) != AWS__PATH_DB_DIR)
            throw aws__error(AWX_ERR_INVALID,
                             std::string(new_dir) + ": not a rebuilt database folder");
        split_path sp = split(path), np = split(new_dir);
        if (sp.dir != np.dir)
            throw aws__error(AWX_ERR_INVALID, std::string(new_dir) + ": not beside " + path);
        aws__path_kind kind;
        check_live(path, &kind);

        /* An incremental writer (awindex without --rebuild) holds the old
         * database's lock while it writes; the switch would delete the
         * folder under it and its commit would be lost without a word.
         * Holding that lock ourselves until the old folder is gone makes
         * the two wait for each other instead. */
        Xapian::WritableDatabase lock;
        if (kind == AWS__PATH_STUB || kind == AWS__PATH_DB_DIR) {
            try {
                lock = Xapian::WritableDatabase(path, Xapian::DB_OPEN);
            } catch (const Xapian::DatabaseLockError &) {
                throw aws__error(AWX_ERR_LOCKED, std::string(path) +
                                                     ": another process is writing this "
                                                     "database; the rebuild was not swapped in");
            } catch (const Xapian::Error &) {
                /* Not one writable database (a stub naming several, say):
                 * nobody can be writing it through PATH either. */
            }
        }
        std::string old;
        if (kind == AWS__PATH_STUB)
            old = aws__stub_target(path);
        std::string tmp = join(sp.dir, "." + sp.base + ".stub-" + stamp());
        write_stub(tmp, np.base);
        if (kind == AWS__PATH_DB_DIR || kind == AWS__PATH_EMPTY_DIR) {
            /* A plain database folder from an older run: swap it with the
             * stub in one step where the kernel can, so the path never
             * goes missing; then the old folder has the temporary name. */
            old = join(sp.dir, sp.base + ".old-" + stamp());
            if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
                if (rename(tmp.c_str(), old.c_str()) != 0)
                    old = tmp;
            } else {
                if (rename(path, old.c_str()) != 0) {
                    int saved = errno;
                    unlink(tmp.c_str());
                    errno = saved;
                    fail(AWX_ERR_ENGINE, path, "cannot move the old database aside");
                }
                if (rename(tmp.c_str(), path) != 0) {
                    int saved = errno;
                    rename(old.c_str(), path);
                    unlink(tmp.c_str());
                    errno = saved;
                    fail(AWX_ERR_ENGINE, path, "cannot put the new stub in place");
                }
            }
        } else if (rename(tmp.c_str(), path) != 0) {
            int saved = errno;
            unlink(tmp.c_str());
            errno = saved;
            fail(AWX_ERR_ENGINE, path, "cannot put the new stub in place");
        }
        sync_dir(sp.dir);
        /* The previous database goes only when it is our own sibling,
         * named BASE.<stamp> (or left at the temporary stub's name): a stub
         * the user wrote by hand may name a database of theirs, which is
         * not ours to delete. */
        split_path op = split(old);
        bool ours = old == tmp || (op.base.compare(0, sp.base.size() + 1, sp.base + ".") == 0 &&
                                   is_stamp(op.base.substr(sp.base.size() + 1)));
        if (!old.empty() && op.dir == sp.dir && op.base != np.base && ours)
            remove_db_dir(old);
        try {
            lock.close();
        } catch (const Xapian::Error &) {
            /* Nothing was written through it: there is nothing to lose. */
        }
    });
}

extern "C" void awx_rebuild_abort(const char *new_dir)
{
    if (!new_dir || !*new_dir)
        return;
    try {
        remove_db_dir(new_dir);
    } catch (...) {
    }
}
