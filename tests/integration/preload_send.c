/* preload_send.c - an LD_PRELOAD shim that makes writes to sockets short.
 *
 * test_daemon_preload.py loads this into awsearchd to check that every
 * reply reaches the client whole, once, however the kernel splits it.  A
 * real kernel writes short only when a socket buffer is nearly full, which
 * a test cannot arrange on demand; here every send(), sendmsg(), write()
 * and writev() on a socket passes on at most a random 1..N bytes, N being
 * $AWS_PRELOAD_SEND_MAX (unset or 0: nothing is shortened).  Writes to
 * anything but a socket (the log, libuv's wake-up eventfd and signal pipe)
 * are passed through untouched.  The random sizes come from
 * $AWS_PRELOAD_SEED (default 1), so that a failing run can be tried again
 * with the same draws (which thread draws which still varies).
 *
 * So that a test cannot pass with the shim silently not loaded, it writes
 * "preload_send: shortened a socket write" to stderr the first time it
 * shortens one, and "preload_send: shortened K of W socket writes, F left
 * the socket full" when the process exits normally.  F counts the writes
 * after which poll() no longer reported the socket writable (or that
 * failed with EAGAIN): each means the reader was behind and the daemon had
 * to hold the rest of its replies until it caught up.  (libuv writes again
 * only once poll says it may, and a Unix socket stops saying so when a
 * quarter of its buffer is taken, so EAGAIN alone is rare.)
 *
 * An interposed function has no handle to keep state on, so the shim's
 * few settings and counters are file-level atomics.
 *
 * The shim is built without the sanitizers even in the ASan build (see
 * daemon.cmake): the daemon then needs ASAN_OPTIONS=verify_asan_link_order=0
 * because this library is loaded before the sanitizer runtime.
 */
#define _GNU_SOURCE /* RTLD_NEXT */

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

typedef ssize_t (*send_fn)(int, const void *, size_t, int);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);

/* The most iovec entries a shortened writev() or sendmsg() passes on: a
 * write of at most N bytes rarely needs more, and passing fewer entries
 * than asked is just another short write. */
enum { MAX_IOV = 64 };

/* The C library's functions behind ours, found once by the constructor
 * (or by the first call, should another library's constructor write
 * before ours has run).  Atomic because the daemon writes from several
 * threads at once. */
static _Atomic(send_fn) real_send;
static _Atomic(sendmsg_fn) real_sendmsg;
static _Atomic(write_fn) real_write;
static _Atomic(writev_fn) real_writev;

/* The cap N, read from the environment by the constructor. */
static atomic_size_t cap_bytes;
static atomic_ullong seed;

/* What the exit report counts, and whether the first-time line was
 * written yet. */
static atomic_ullong writes_seen;
static atomic_ullong writes_shortened;
static atomic_ullong writes_full;
static atomic_int announced;

/* Each thread draws its sizes from its own xorshift64* generator, seeded
 * from the seed and the order in which threads first wrote. */
static atomic_ullong threads_seen;
static _Thread_local unsigned long long rng_state;

/* dlsym(RTLD_NEXT, NAME), or an abort with one line saying what is
 * missing: without the real function nothing can be written at all. */
static void *next_symbol(const char *name)
{
    void *p = dlsym(RTLD_NEXT, name);
    if (p == NULL) {
        /* stdio writes through the C library's internal write, not ours. */
        fprintf(stderr, "preload_send: no library after this one defines %s\n", name);
        abort();
    }
    return p;
}

/* POSIX guarantees that a dlsym() result converts to a function pointer;
 * copying the bytes keeps ISO C's object/function pointer rule intact. */
static send_fn get_send(void)
{
    send_fn f = atomic_load(&real_send);
    if (f == NULL) {
        void *p = next_symbol("send");
        memcpy(&f, &p, sizeof f);
        atomic_store(&real_send, f);
    }
    return f;
}

static sendmsg_fn get_sendmsg(void)
{
    sendmsg_fn f = atomic_load(&real_sendmsg);
    if (f == NULL) {
        void *p = next_symbol("sendmsg");
        memcpy(&f, &p, sizeof f);
        atomic_store(&real_sendmsg, f);
    }
    return f;
}

static write_fn get_write(void)
{
    write_fn f = atomic_load(&real_write);
    if (f == NULL) {
        void *p = next_symbol("write");
        memcpy(&f, &p, sizeof f);
        atomic_store(&real_write, f);
    }
    return f;
}

static writev_fn get_writev(void)
{
    writev_fn f = atomic_load(&real_writev);
    if (f == NULL) {
        void *p = next_symbol("writev");
        memcpy(&f, &p, sizeof f);
        atomic_store(&real_writev, f);
    }
    return f;
}

/* Writes the whole of TEXT to stderr with the real write(). */
static void say(const char *text)
{
    write_fn w = get_write();
    size_t len = strlen(text);
    while (len > 0) {
        ssize_t n = w(STDERR_FILENO, text, len);
        if (n <= 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

__attribute__((constructor)) static void preload_send_init(void)
{
    (void)get_send();
    (void)get_sendmsg();
    (void)get_write();
    (void)get_writev();
    const char *v = getenv("AWS_PRELOAD_SEND_MAX");
    atomic_store(&cap_bytes, v != NULL ? (size_t)strtoull(v, NULL, 10) : 0);
    v = getenv("AWS_PRELOAD_SEED");
    atomic_store(&seed, v != NULL ? strtoull(v, NULL, 10) : 1);
}

__attribute__((destructor)) static void preload_send_report(void)
{
    char line[160];
    snprintf(line, sizeof line,
             "preload_send: shortened %llu of %llu socket writes, %llu left the socket full\n",
             (unsigned long long)atomic_load(&writes_shortened),
             (unsigned long long)atomic_load(&writes_seen),
             (unsigned long long)atomic_load(&writes_full));
    say(line);
}

static unsigned long long next_random(void)
{
    if (rng_state == 0) {
        unsigned long long n = atomic_fetch_add(&threads_seen, 1) + 1;
        rng_state = (atomic_load(&seed) ^ (n * 0x9E3779B97F4A7C15ULL)) | 1;
    }
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}

/* How many of LEN bytes about to be written to FD to pass on: LEN itself
 * unless FD is a socket and a cap is set, else a random 1..cap (at most
 * LEN).  Counts the write, announces the first shortened one and sets
 * *SOCK to whether the write is one the shim watches. */
static size_t allowance(int fd, size_t len, bool *sock)
{
    size_t cap = atomic_load(&cap_bytes);
    struct stat st;
    *sock = false;
    if (cap == 0 || len == 0 || fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return len;
    *sock = true;
    atomic_fetch_add(&writes_seen, 1);
    size_t k = 1 + (size_t)(next_random() % cap);
    if (k >= len)
        return len;
    atomic_fetch_add(&writes_shortened, 1);
    if (atomic_exchange(&announced, 1) == 0)
        say("preload_send: shortened a socket write\n");
    return k;
}

/* Copies into OUT the leading part of the CNT entries of IOV that holds
 * at most LIMIT bytes (the last entry cut short when need be) and returns
 * the number of entries copied. */
static int cut_iov(const struct iovec *iov, int cnt, size_t limit, struct iovec *out)
{
    int n = 0;
    for (int i = 0; i < cnt && n < MAX_IOV && limit > 0; i++) {
        out[n] = iov[i];
        if (out[n].iov_len > limit)
            out[n].iov_len = limit;
        limit -= out[n].iov_len;
        n++;
    }
    return n;
}

/* Passes on RC, the result of a write to FD, counting a watched one
 * (SOCK) that found the socket full or left it so.  errno is left as the
 * write set it. */
static ssize_t result(int fd, bool sock, ssize_t rc)
{
    if (!sock)
        return rc;
    int saved = errno;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    if ((rc < 0 && (saved == EAGAIN || saved == EWOULDBLOCK)) ||
        (rc > 0 && poll(&p, 1, 0) == 0))
        atomic_fetch_add(&writes_full, 1);
    errno = saved;
    return rc;
}

static size_t iov_total(const struct iovec *iov, int cnt)
{
    size_t total = 0;
    for (int i = 0; i < cnt; i++)
        total += iov[i].iov_len;
    return total;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    send_fn real = get_send();
    bool sock;
    size_t allow = allowance(fd, len, &sock);
    return result(fd, sock, real(fd, buf, allow, flags));
}

ssize_t write(int fd, const void *buf, size_t len)
{
    write_fn real = get_write();
    bool sock;
    size_t allow = allowance(fd, len, &sock);
    return result(fd, sock, real(fd, buf, allow));
}

ssize_t writev(int fd, const struct iovec *iov, int cnt)
{
    writev_fn real = get_writev();
    if (cnt <= 0)
        return real(fd, iov, cnt);
    size_t total = iov_total(iov, cnt);
    bool sock;
    size_t allow = allowance(fd, total, &sock);
    if (allow == total)
        return result(fd, sock, real(fd, iov, cnt));
    struct iovec part[MAX_IOV];
    int n = cut_iov(iov, cnt, allow, part);
    return result(fd, sock, real(fd, part, n));
}

/* Messages that carry ancillary data (passed descriptors) go through as
 * they are: the kernel sends their control part with the first byte, and
 * the daemon never sends any. */
ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    sendmsg_fn real = get_sendmsg();
    if (msg == NULL || msg->msg_controllen != 0 || msg->msg_iovlen == 0)
        return real(fd, msg, flags);
    int cnt = msg->msg_iovlen > MAX_IOV ? MAX_IOV : (int)msg->msg_iovlen;
    size_t total = iov_total(msg->msg_iov, cnt);
    bool sock;
    size_t allow = allowance(fd, total, &sock);
    if (allow == total && (size_t)cnt == msg->msg_iovlen)
        return result(fd, sock, real(fd, msg, flags));
    struct iovec part[MAX_IOV];
    struct msghdr cut = *msg;
    cut.msg_iov = part;
    cut.msg_iovlen = (size_t)cut_iov(msg->msg_iov, cnt, allow, part);
    return result(fd, sock, real(fd, &cut, flags));
}
