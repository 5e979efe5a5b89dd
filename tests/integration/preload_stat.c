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

/* Defines NAME(PARAMS), which calls the next library's NAME with ARGS
 * through a pointer of type TYPE and truncates the times in ST. */
#define WRAP(NAME, TYPE, PARAMS, ARGS)                                        \
    int NAME PARAMS                                                           \
    {                                                                         \
        TYPE real;                                                            \
        void *p = next_symbol(#NAME);                                         \
        memcpy(&real, &p, sizeof real);                                       \
        int rc = real ARGS;                                                   \
        TRUNCATE(rc, st);                                                     \
        return rc;                                                            \
    }

WRAP(stat, stat_fn, (const char *path, struct stat *st), (path, st))
WRAP(lstat, stat_fn, (const char *path, struct stat *st), (path, st))
WRAP(fstat, fstat_fn, (int fd, struct stat *st), (fd, st))
WRAP(fstatat, fstatat_fn, (int dirfd, const char *path, struct stat *st, int flags),
     (dirfd, path, st, flags))
WRAP(stat64, stat64_fn, (const char *path, struct stat64 *st), (path, st))
WRAP(lstat64, stat64_fn, (const char *path, struct stat64 *st), (path, st))
WRAP(fstat64, fstat64_fn, (int fd, struct stat64 *st), (fd, st))
WRAP(fstatat64, fstatat64_fn, (int dirfd, const char *path, struct stat64 *st, int flags),
     (dirfd, path, st, flags))
