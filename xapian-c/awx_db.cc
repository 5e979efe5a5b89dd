/* awx_db.cc - open, close, reopen, transactions, counts and metadata.
 *
 * A handle owns one Xapian::Database (read-only) or one
 * Xapian::WritableDatabase.  Before Xapian is allowed near a path it is
 * classified (awx_path.cc), so a folder or file that is not a database is
 * reported and left exactly as it was.
 */
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "awx_internal.h"

namespace {

/* How long a waiting writer sleeps between attempts at the lock. */
const long lock_poll_ms = 20;

/* mkdir -p for the folders above a new database. */
void make_parents(const std::string &path)
{
    for (size_t i = 1; i < path.size(); i++) {
        if (path[i] != '/')
            continue;
        std::string dir = path.substr(0, i);
        if (mkdir(dir.c_str(), 0777) != 0 && errno != EEXIST)
            throw aws__error(AWX_ERR_ENGINE, path + ": cannot create folder " + dir +
                                                 ": " + std::strerror(errno));
    }
}

/* What PATH is right now: its inode and, for a stub, the folder it names
 * (inode numbers can be reused, the rebuild folders' names are not). */
struct identity {
    dev_t dev = 0;
    ino_t ino = 0;
    std::string target;
};

identity current_identity(const std::string &path)
{
    identity id;
    struct stat st;
    if (stat(path.c_str(), &st) == 0) {
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        if (S_ISREG(st.st_mode))
            id.target = aws__stub_target(path);
    }
    return id;
}

/* What stat(2) says of PATH, enough to tell it was replaced or rewritten. */
aws__stamp stamp_of(const std::string &path)
{
    aws__stamp s;
    struct stat st;
    if (stat(path.c_str(), &st) == 0) {
        s.ok = true;
        s.dev = st.st_dev;
        s.ino = st.st_ino;
        s.size = st.st_size;
        s.mtim = st.st_mtim;
        s.ctim = st.st_ctim;
    }
    return s;
}

bool same_stamp(const aws__stamp &a, const aws__stamp &b)
{
    return a.ok && b.ok && a.dev == b.dev && a.ino == b.ino && a.size == b.size &&
           a.mtim.tv_sec == b.mtim.tv_sec && a.mtim.tv_nsec == b.mtim.tv_nsec &&
           a.ctim.tv_sec == b.ctim.tv_sec && a.ctim.tv_nsec == b.ctim.tv_nsec;
}

/* The stamps of DB's path and of the Xapian version file behind it (in
 * the folder a stub names, when the path is one). */
void stamps_now(const awx_db *db, aws__stamp *path, aws__stamp *version)
{
    *path = stamp_of(db->path);
    *version = stamp_of((db->path_target.empty() ? db->path : db->path_target) + "/iamglass");
}

/* How long after a file changed its stamp may still be shared by a later
 * change: filesystems with one-second timestamps (ext3, ext4 with small
 * inodes, FAT), kernels that advance timestamps once per tick, and a
 * version file whose inode the next commit reuses (ext4 alternates two). */
const long racy_s = 2;

/* Whether S changed too recently for its stamp to tell it from the next
 * change ("racy clean", as git calls it): then the stamp is not trusted
 * and the next reopen reads the version file again. */
bool racy(const aws__stamp &s)
{
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    auto recent = [&](const struct timespec &t) {
        return t.tv_sec >= now.tv_sec - racy_s;
    };
    return recent(s.mtim) || recent(s.ctim);
}

/* Whether the filesystem under PATH is one whose stat() may answer from
 * a cache (NFS, SMB/CIFS, FUSE, 9p): there only reading the version file
 * is sure to see a commit. */
bool remote_fs(const std::string &path)
{
    struct statfs fs;
    if (statfs(path.c_str(), &fs) != 0)
        return true;
    switch (static_cast<unsigned long>(fs.f_type)) {
    case 0x6969UL:     /* NFS */
    case 0x517BUL:     /* SMB */
    case 0xFE534D42UL: /* SMB2 */
    case 0xFF534D42UL: /* CIFS */
    case 0x65735546UL: /* FUSE */
    case 0x01021997UL: /* 9p */
    case 0x73757245UL: /* Coda */
    case 0x564C3EAUL:  /* NCP */
        return true;
    default:
        return false;
    }
}

bool same_identity(const awx_db *db, const identity &id)
{
    return db->path_dev == id.dev && db->path_ino == id.ino && db->path_target == id.target;
}

/* Opens DB's path read-only.  A rebuild may swap the stub and delete the
 * folder it named between our reading the stub and opening that folder;
 * then the path has changed again and the open is simply retried. */
void open_readonly(awx_db *db)
{
    for (int attempt = 0;; attempt++) {
        identity before = current_identity(db->path);
        try {
            db->rdb = Xapian::Database(db->path);
        } catch (const Xapian::DatabaseError &) {
            identity after = current_identity(db->path);
            bool moved = after.ino != before.ino || after.target != before.target;
            if (attempt < 10 && moved)
                continue;
            throw;
        }
        db->path_dev = before.dev;
        db->path_ino = before.ino;
        db->path_target = before.target;
        db->remote = remote_fs(db->path);
        return;
    }
}

void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

void open_writable(awx_db *db, unsigned lock_wait_ms)
{
    auto start = std::chrono::steady_clock::now();
    for (;;) {
        try {
            db->wdb = Xapian::WritableDatabase(db->path, Xapian::DB_CREATE_OR_OPEN);
            break;
        } catch (const Xapian::DatabaseLockError &) {
            auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::steady_clock::now() - start)
                              .count();
            if (waited >= static_cast<long long>(lock_wait_ms))
                throw aws__error(AWX_ERR_LOCKED,
                                 db->path + ": another process is writing this database"
                                            " (waited " + std::to_string(lock_wait_ms) +
                                     " ms for its lock)");
            long left = static_cast<long>(lock_wait_ms - waited);
            sleep_ms(left < lock_poll_ms ? left : lock_poll_ms);
        }
    }
    db->writable = true;
    db->rdb = db->wdb;
}

void open_db(awx_db *db, awx_open_mode_t mode, unsigned lock_wait_ms)
{
    std::string why;
    switch (aws__classify(db->path, &why)) {
    case AWS__PATH_OTHER:
        throw aws__error(AWX_ERR_NOT_DATABASE,
                         db->path + ": not a Xapian database (" + why + "); left untouched");
    case AWS__PATH_MISSING:
        if (mode == AWX_OPEN_READ)
            throw aws__error(AWX_ERR_NO_DATABASE,
                             db->path + ": no database there (build one with awindex)");
        make_parents(db->path);
        break;
    case AWS__PATH_EMPTY_DIR:
        if (mode == AWX_OPEN_READ)
            throw aws__error(AWX_ERR_NO_DATABASE,
                             db->path + ": empty folder, no database yet (build one with awindex)");
        break;
    case AWS__PATH_DB_DIR:
    case AWS__PATH_STUB:
    case AWS__PATH_DB_FILE:
        break;
    }
    if (mode == AWX_OPEN_WRITE)
        open_writable(db, lock_wait_ms);
    else
        open_readonly(db);
}

void need_writable(awx_db *db)
{
    if (!db->writable)
        throw aws__error(AWX_ERR_INVALID, db->path + ": the handle is read-only");
}

} // namespace

extern "C" awx_status_t awx_db_open(const char *path, awx_open_mode_t mode,
                                    unsigned lock_wait_ms, awx_db_t **out, char **errmsg)
{
    if (errmsg)
        *errmsg = nullptr;
    if (!out)
        return AWX_ERR_INVALID;
    *out = nullptr;
    awx_db *db = nullptr;
    awx_status_t st;
    try {
        db = new awx_db;
    } catch (...) {
        return AWX_ERR_NOMEM;
    }
    st = aws__guard(db, [&] {
        if (!path || !*path)
            throw aws__error(AWX_ERR_INVALID, "no database path given");
        int m = aws__enum_value(mode);
        if (m != AWX_OPEN_READ && m != AWX_OPEN_WRITE)
            throw aws__error(AWX_ERR_INVALID, std::string(path) + ": bad open mode");
        db->path = path;
        try {
            open_db(db, mode, lock_wait_ms);
        } catch (const Xapian::Error &e) {
            /* Xapian's messages do not always name the path. */
            std::string msg = db->path + ": ";
            msg += e.get_type();
            msg += ": " + e.get_msg();
            std::string ignored;
            throw aws__error(aws__caught(&ignored), msg);
        }
        return AWX_OK;
    });
    if (st != AWX_OK) {
        if (errmsg) {
            try {
                *errmsg = aws__strdup(db->last_error);
            } catch (...) {
                *errmsg = nullptr;
            }
        }
        delete db;
        return st;
    }
    *out = db;
    return AWX_OK;
}

extern "C" void awx_db_close(awx_db_t *db)
{
    if (!db)
        return;
    /* Xapian cancels an open transaction on close and commits otherwise;
     * either failing must not stop the handle from being freed. */
    try {
        if (db->writable && db->in_txn)
            db->wdb.cancel_transaction();
        else if (db->writable)
            aws__spelling_flush(db);
        if (db->writable)
            db->wdb.close();
        else
            db->rdb.close();
    } catch (...) {
    }
    delete db;
}

extern "C" const char *awx_db_last_error(const awx_db_t *db)
{
    return db ? db->last_error.c_str() : "";
}

extern "C" awx_status_t awx_db_reopen(awx_db_t *db, bool *changed)
{
    if (changed)
        *changed = false;
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (db->writable)
            return AWX_OK;
        /* Every commit renames a new version file into place and every
         * rebuild renames a new stub over the path, so while neither has
         * changed since the handle last caught up there is nothing to do:
         * two stat calls instead of reading the stub and the version file
         * (the daemon does this before every request).  The stamps are
         * read before catching up, never after, so that a commit landing
         * in between shows as a change next time rather than being lost. */
        aws__stamp path_now, version_now;
        if (!db->remote)
            stamps_now(db, &path_now, &version_now);
        if (db->stamps_valid && same_stamp(path_now, db->path_stamp) &&
            same_stamp(version_now, db->version_stamp))
            return AWX_OK;
        db->stamps_valid = false;
        bool swapped = !same_identity(db, current_identity(db->path));
        Xapian::rev before = db->rdb.get_revision();
        bool moved = false;
        if (!swapped) {
            std::string uuid = db->rdb.get_uuid();
            try {
                moved = db->rdb.reopen();
                /* Belt and braces: another database under the same name
                 * is a swap too, however it came about. */
                swapped = db->rdb.get_uuid() != uuid;
            } catch (const Xapian::DatabaseError &) {
                /* The files under the handle went away between the check
                 * and the reopen (a rebuild swapped them): open afresh. */
                swapped = true;
            }
        }
        if (swapped) {
            awx_db fresh;
            fresh.path = db->path;
            open_readonly(&fresh);
            db->rdb = fresh.rdb;
            db->path_dev = fresh.path_dev;
            db->path_ino = fresh.path_ino;
            db->path_target = fresh.path_target;
            db->remote = fresh.remote;
            moved = true;
        } else {
            /* After a swap the version file read above was the old
             * folder's: the next call takes this slow path once more. */
            db->path_stamp = path_now;
            db->version_stamp = version_now;
            db->stamps_valid = path_now.ok && version_now.ok && !racy(path_now) &&
                               !racy(version_now) && !db->remote;
        }
        if (changed)
            *changed = moved || db->rdb.get_revision() != before;
        return AWX_OK;
    });
}

extern "C" uint64_t awx_db_revision(awx_db_t *db)
{
    if (!db)
        return 0;
    uint64_t rev = 0;
    aws__guard(db, [&] {
        rev = db->rdb.get_revision();
        return AWX_OK;
    });
    return rev;
}

extern "C" awx_status_t awx_db_generation(awx_db_t *db, char out[AWX_GENERATION_MAX])
{
    if (out)
        out[0] = '\0';
    if (!db || !out)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (db->writable)
            throw aws__error(AWX_ERR_INVALID, db->path + ": a writable handle has no generation");
        std::string g = db->rdb.get_uuid() + "/" + std::to_string(db->rdb.get_revision());
        if (g.size() >= AWX_GENERATION_MAX)
            throw aws__error(AWX_ERR_INVALID, db->path + ": generation too long");
        std::memcpy(out, g.c_str(), g.size() + 1);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_begin(awx_db_t *db)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        need_writable(db);
        if (db->in_txn)
            throw aws__error(AWX_ERR_INVALID, db->path + ": a transaction is already open");
        /* begin_transaction commits what came before; its words too. */
        aws__spelling_flush(db);
        db->wdb.begin_transaction(true);
        db->in_txn = true;
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_commit(awx_db_t *db)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        need_writable(db);
        aws__spelling_flush(db);
        if (db->in_txn) {
            db->in_txn = false;
            db->wdb.commit_transaction();
        } else {
            db->wdb.commit();
        }
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_cancel(awx_db_t *db)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        need_writable(db);
        if (!db->in_txn)
            throw aws__error(AWX_ERR_INVALID, db->path + ": no transaction to cancel");
        db->in_txn = false;
        db->spelling.clear();
        db->wdb.cancel_transaction();
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_counts(awx_db_t *db, awx_counts_t *out)
{
    if (!db || !out)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        const Xapian::Database &x = db->rdb;
        /* The abstract count below walks two long posting lists (3 ms on
         * 100k documents), so a read-only handle keeps the counts of the
         * revision it has open; a writable one sees pending changes. */
        std::string uuid = x.get_uuid();
        Xapian::rev rev = x.get_revision();
        if (!db->writable && db->counts_valid && db->counts_rev == rev &&
            db->counts_uuid == uuid) {
            *out = db->counts;
            return AWX_OK;
        }
        const std::string &k = aws__prefix(AWS__F_KIND);
        awx_counts_t c;
        c.documents = x.get_doccount();
        c.papers = x.get_termfreq(k + awx_kind_name(AWX_KIND_PAPER));
        c.repos = x.get_termfreq(k + awx_kind_name(AWX_KIND_REPO));
        c.links = x.get_termfreq(k + awx_kind_name(AWX_KIND_LINK));
        /* Papers with an abstract: has:abstract also marks repos and links
         * with a description, so intersect, exactly (check_at_least = all). */
        Xapian::Enquire enq(x);
        enq.set_query(Xapian::Query(Xapian::Query::OP_AND,
                                    Xapian::Query(k + awx_kind_name(AWX_KIND_PAPER)),
                                    Xapian::Query(aws__prefix(AWS__F_HAS) + "abstract")));
        enq.set_weighting_scheme(Xapian::BoolWeight());
        c.abstracts = enq.get_mset(0, 0, x.get_doccount()).get_matches_estimated();
        if (!db->writable) {
            db->counts = c;
            db->counts_rev = rev;
            db->counts_uuid = uuid;
            db->counts_valid = true;
        }
        *out = c;
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_set_metadata(awx_db_t *db, const char *key, const char *value)
{
    if (!db)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        need_writable(db);
        if (!key || !*key || !value)
            throw aws__error(AWX_ERR_INVALID, "metadata needs a non-empty key and a value");
        db->wdb.set_metadata(key, value);
        return AWX_OK;
    });
}

extern "C" awx_status_t awx_db_get_metadata(awx_db_t *db, const char *key, char **value)
{
    if (value)
        *value = nullptr;
    if (!db || !value)
        return AWX_ERR_INVALID;
    return aws__guard(db, [&] {
        if (!key || !*key)
            throw aws__error(AWX_ERR_INVALID, "metadata needs a non-empty key");
        std::string v = db->rdb.get_metadata(key);
        if (v.empty())
            throw aws__error(AWX_ERR_NOT_FOUND, std::string("no metadata \"") + key + "\"");
        *value = aws__strdup(v);
        return AWX_OK;
    });
}
