/* preload_stat.c - an LD_PRELOAD shim that gives stat() one-second timestamps.
 *
 * test_daemon_preload.py loads this into awsearchd to simulate a
 * filesystem that keeps file times to the second (ext3, ext4 with 128-byte
 * inodes, FAT, many network and FUSE filesystems).  There two awindex
 * commits within one second can leave the database folder and its Xapian
 * version file with the very same stat() answer, inode number included
 * (ext4 hands the freed inode of one commit's version file to the next),
 * and a daemon that trusted that answer would keep serving an old
 * revision.  Every stat(), lstat(), fstat() and fstatat() through the C
 * library (and their *64 twins) has its nanoseconds zeroed here.
 *
 * So that a test cannot pass with the shim silently not loaded, the first
 * call that actually drops nanoseconds writes "preload_stat: zeroed the
 * nanoseconds of a stat" to stderr.
 *
 * Like preload_send.c it is built without the sanitizers; see there.
 */
#define _GNU_SOURCE /* RTLD_NEXT, struct stat64 */

#include <dlfcn.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef int (*stat_fn)(const char *, struct stat *);
typedef int (*fstat_fn)(int, struct stat *);
typedef int (*fstatat_fn)(int, const char *, struct stat *, int);
typedef int (*stat64_fn)(const char *, struct stat64 *);
typedef int (*fstat64_fn)(int, struct stat64 *);
typedef int (*fstatat64_fn)(int, const char *, struct stat64 *, int);

/* Whether the first-time line was written yet. */
static atomic_int announced;

/* dlsym(RTLD_NEXT, NAME), or an abort with one line saying what is
 * missing.  Called on every intercepted call: dlsym is thread-safe and
 * cheap next to a system call, and nothing needs to be cached. */
static void *next_symbol(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (p == NULL) {
        fprintf(stderr, "preload_stat: no library after this one defines %s\n", name);
        abort();
    }
    return p;
}

static void announce(void)
{
    static const char line[] = "preload_stat: zeroed the nanoseconds of a stat\n";
    if (atomic_exchange(&announced, 1) == 0) {
        /* Nothing here intercepts write(); a short or failed write of a
         * diagnostic line only loses the line, which the test notices. */
        ssize_t n = write(STDERR_FILENO, line, sizeof line - 1);
        (void)n;
    }
}

/* Drops the nanoseconds of the three times in a successful answer (the
 * headers declare ST non-null, and a call that returned 0 filled it); the
 * macro serves struct stat and struct stat64 alike. */
#define TRUNCATE(rc, st)                                                      \
    do {                                                                      \
        if ((rc) == 0) {                                                      \
            if ((st)->st_mtim.tv_nsec != 0 || (st)->st_ctim.tv_nsec != 0)     \
                announce();                                                   \
            (st)->st_atim.tv_nsec = 0;                                        \
            (st)->st_mtim.tv_nsec = 0;                                        \
            (st)->st_ctim.tv_nsec = 0;                                        \
        }                                                                     \
    } while (0)

int stat(const char *path, struct stat *st)
{
    stat_fn real;
    void *p = next_symbol("stat");
    memcpy(&real, &p, sizeof real);
    int rc = real(path, st);
    TRUNCATE(rc, st);
    return rc;
}

int lstat(const char *path, struct stat *st)
{
    stat_fn real;
    void *p = next_symbol("lstat");
    memcpy(&real, &p, sizeof real);
    int rc = real(path, st);
    TRUNCATE(rc, st);
    return rc;
}

int fstat(int fd, struct stat *st)
{
    fstat_fn real;
    void *p = next_symbol("fstat");
    memcpy(&real, &p, sizeof real);
    int rc = real(fd, st);
    TRUNCATE(rc, st);
    return rc;
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    fstatat_fn real;
    void *p = next_symbol("fstatat");
    memcpy(&real, &p, sizeof real);
    int rc = real(dirfd, path, st, flags);
    TRUNCATE(rc, st);
    return rc;
}

int stat64(const char *path, struct stat64 *st)
{
    stat64_fn real;
    void *p = next_symbol("stat64");
    memcpy(&real, &p, sizeof real);
    int rc = real(path, st);
    TRUNCATE(rc, st);
    return rc;
}

int lstat64(const char *path, struct stat64 *st)
{
    stat64_fn real;
    void *p = next_symbol("lstat64");
    memcpy(&real, &p, sizeof real);
    int rc = real(path, st);
    TRUNCATE(rc, st);
    return rc;
}

int fstat64(int fd, struct stat64 *st)
{
    fstat64_fn real;
    void *p = next_symbol("fstat64");
    memcpy(&real, &p, sizeof real);
    int rc = real(fd, st);
    TRUNCATE(rc, st);
    return rc;
}

int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
    fstatat64_fn real;
    void *p = next_symbol("fstatat64");
    memcpy(&real, &p, sizeof real);
    int rc = real(dirfd, path, st, flags);
    TRUNCATE(rc, st);
    return rc;
}
