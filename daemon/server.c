/* server.c - the daemon's event loop: listeners, signals and a graceful stop. */
#include "server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "paths.h"

/* How long a stop waits for in-flight requests before cancelling them. */
#define GRACE_MS 5000
#define BACKLOG 511
#define SWEEP_MS 500

static void fail(char *err, size_t errlen, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

const char *aws_server_socket(const aws_server_t *s)
{
    return s->socket_path;
}

const char *aws_server_tcp(const aws_server_t *s)
{
    return s->tcp_addr;
}

/* ------------------------------------------------------------ listeners */

static void on_connection(uv_stream_t *listener, int status)
{
    aws_server_t *s = listener->data;
    if (status < 0) {
        aws_log(s->log, AWS_LOG_WARN, "listener: %s", uv_strerror(status));
        return;
    }
    aws__conn_accept(s, listener);
}

/* Whether a daemon answers on PATH: 1 yes, 0 no (stale or absent). */
static int socket_is_live(const char *path)
{
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    int saved = errno;
    close(fd);
    /* EAGAIN: a live listener whose backlog is full. */
    return rc == 0 || saved == EAGAIN;
}

/* Takes the lock file <socket>.lock for the daemon's lifetime.  Two
 * daemons started at once would otherwise both find the socket stale, and
 * the second one's unlink would orphan the first one's listener: a daemon
 * alive but unreachable.  The file is left in place when the daemon exits
 * (removing it would race with the next daemon's open).  0, -1 or
 * AWS_SERVER_IN_USE. */
static int lock_socket(aws_server_t *s, char *err, size_t errlen)
{
    size_t n = strlen(s->socket_path) + sizeof ".lock";
    char *lock = malloc(n);
    if (lock == NULL) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    snprintf(lock, n, "%s.lock", s->socket_path);
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        fail(err, errlen, "cannot open the lock file %s: %s", lock, strerror(errno));
        free(lock);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(fd);
        free(lock);
        if (e == EWOULDBLOCK) {
            fail(err, errlen, "another daemon is already serving %s", s->socket_path);
            return AWS_SERVER_IN_USE;
        }
        fail(err, errlen, "cannot lock %s.lock: %s", s->socket_path, strerror(e));
        return -1;
    }
    free(lock);
    s->lock_fd = fd;
    return 0;
}

/* Binds the Unix socket owner-only, replacing a stale socket file and
 * leaving a live daemon's alone.  0, -1 or AWS_SERVER_IN_USE. */
static int bind_unix(aws_server_t *s, char *err, size_t errlen)
{
    const char *path = s->socket_path;
    struct sockaddr_un sa;
    if (strlen(path) >= sizeof sa.sun_path) {
        fail(err, errlen, "socket path %s is longer than %zu bytes", path,
             sizeof sa.sun_path - 1);
        return -1;
    }
    if (aws_path_ensure_parent(path, 0700) != 0) {
        fail(err, errlen, "cannot create the folder of %s: %s", path,
             strerror(errno));
        return -1;
    }
    int rc = lock_socket(s, err, errlen);
    if (rc != 0)
        return rc;
    rc = uv_pipe_init(&s->loop, &s->pipe, 0);
    if (rc != 0) {
        fail(err, errlen, "%s: %s", path, uv_strerror(rc));
        return -1;
    }
    s->pipe.data = s;
    s->have_pipe = true;

    for (int attempt = 0;; attempt++) {
        /* The umask makes the file owner-only from the start, so there is
         * no moment when another user could connect; chmod then makes it
         * explicit whatever the umask was. */
        mode_t old = umask(0077);
        rc = uv_pipe_bind(&s->pipe, path);
        umask(old);
        if (rc != UV_EADDRINUSE || attempt > 0)
            break;
        if (socket_is_live(path)) {
            fail(err, errlen, "another daemon is already serving %s", path);
            return AWS_SERVER_IN_USE;
        }
        struct stat st;
        if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
            fail(err, errlen, "%s exists and is not a socket; not replacing it",
                 path);
            return -1;
        }
        aws_log(s->log, AWS_LOG_INFO, "replacing stale socket %s", path);
        if (unlink(path) != 0 && errno != ENOENT) {
            fail(err, errlen, "cannot remove stale socket %s: %s", path,
                 strerror(errno));
            return -1;
        }
    }
    if (rc != 0) {
        fail(err, errlen, "cannot bind %s: %s", path, uv_strerror(rc));
        return -1;
    }
    struct stat st;
    if (chmod(path, 0600) != 0 || stat(path, &st) != 0) {
        fail(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    s->sock_dev = st.st_dev;
    s->sock_ino = st.st_ino;
    rc = uv_listen((uv_stream_t *)&s->pipe, BACKLOG, on_connection);
    if (rc != 0) {
        fail(err, errlen, "cannot listen on %s: %s", path, uv_strerror(rc));
        return -1;
    }
    return 0;
}

static bool is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return true;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return false;
}

/* Binds and listens on --listen HOST:PORT ("[v6]:PORT" for IPv6). */
static int bind_tcp(aws_server_t *s, const char *listen, bool allow_remote,
                    char *err, size_t errlen)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (colon == NULL || colon == listen || colon[1] == '\0') {
        fail(err, errlen, "--listen %s: expected HOST:PORT", listen);
        return -1;
    }
    const char *h = listen;
    size_t hlen = (size_t)(colon - listen);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    if (hlen == 0 || hlen >= sizeof host) {
        fail(err, errlen, "--listen %s: bad host", listen);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (*end != '\0' || errno != 0 || port < 0 || port > 65535) {
        fail(err, errlen, "--listen %s: port must be 0..65535", listen);
        return -1;
    }

    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    int gai = getaddrinfo(host, colon + 1, &hints, &ai);
    if (gai != 0) {
        fail(err, errlen, "--listen %s: %s", listen, gai_strerror(gai));
        return -1;
    }
    if (!allow_remote && !is_loopback(ai->ai_addr)) {
        freeaddrinfo(ai);
        fail(err, errlen,
             "--listen %s: not a loopback address (add --allow-remote to "
             "serve other machines)",
             listen);
        return -1;
    }
    int rc = uv_tcp_init(&s->loop, &s->tcp);
    if (rc != 0) {
        freeaddrinfo(ai);
        fail(err, errlen, "--listen %s: %s", listen, uv_strerror(rc));
        return -1;
    }
    s->tcp.data = s;
    s->have_tcp = true;
    rc = uv_tcp_bind(&s->tcp, ai->ai_addr, 0);
    freeaddrinfo(ai);
    /* libuv may report a bind error only when listening. */
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->tcp, BACKLOG, on_connection);
    if (rc != 0) {
        fail(err, errlen, "--listen %s: %s", listen, uv_strerror(rc));
        return -1;
    }

    struct sockaddr_storage ss;
    int sslen = sizeof ss;
    rc = uv_tcp_getsockname(&s->tcp, (struct sockaddr *)&ss, &sslen);
    char ip[INET6_ADDRSTRLEN] = "";
    if (rc == 0 && ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&ss;
        uv_ip6_name(in6, ip, sizeof ip);
        snprintf(s->tcp_addr, sizeof s->tcp_addr, "[%s]:%u", ip,
                 (unsigned)ntohs(in6->sin6_port));
    } else if (rc == 0) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&ss;
        uv_ip4_name(in, ip, sizeof ip);
        snprintf(s->tcp_addr, sizeof s->tcp_addr, "%s:%u", ip,
                 (unsigned)ntohs(in->sin_port));
    } else {
        fail(err, errlen, "--listen %s: %s", listen, uv_strerror(rc));
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ stopping */

static void on_handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void close_handle(uv_handle_t *h)
{
    if (!uv_is_closing(h))
        uv_close(h, on_handle_closed);
}

/* Removes the socket file, but only while it is still the one we bound (a
 * newer daemon may have replaced it already). */
static void remove_socket_file(aws_server_t *s)
{
    struct stat st;
    if (s->sock_ino != 0 && lstat(s->socket_path, &st) == 0 &&
        st.st_dev == s->sock_dev && st.st_ino == s->sock_ino)
        unlink(s->socket_path);
    s->sock_ino = 0;
}

void aws__server_check_done(aws_server_t *s)
{
    if (!s->stopping || s->done || s->conns != NULL || s->n_jobs > 0)
        return;
    /* Nothing left to answer: closing the last handles ends uv_run. */
    s->done = true;
    close_handle((uv_handle_t *)&s->sig_term);
    close_handle((uv_handle_t *)&s->sig_int);
    close_handle((uv_handle_t *)&s->sig_hup);
    close_handle((uv_handle_t *)&s->grace);
    close_handle((uv_handle_t *)&s->sweep);
    aws_log(s->log, AWS_LOG_DEBUG, "requests handed to a waiting pool thread: %llu",
            (unsigned long long)atomic_load(&s->handoff.handed));
    aws_log(s->log, AWS_LOG_INFO, "stopped");
}

static void on_grace(uv_timer_t *t)
{
    aws_server_t *s = t->data;
    aws_log(s->log, AWS_LOG_WARN,
            "%zu requests and %u connections still open after %d ms; "
            "closing them",
            s->n_jobs, s->n_conns, GRACE_MS);
    aws__conn_close_all(s);
}

static void begin_stop(aws_server_t *s, int signum)
{
    if (s->stopping) {
        /* A second signal: stop waiting for the peers. */
        aws__conn_close_all(s);
        return;
    }
    s->stopping = true;
    aws_log(s->log, AWS_LOG_INFO, "%s: stopping (%u connections, %zu requests in flight)",
            signum == SIGINT ? "SIGINT" : "SIGTERM", s->n_conns, s->n_jobs);
    if (s->have_pipe)
        close_handle((uv_handle_t *)&s->pipe);
    if (s->have_tcp)
        close_handle((uv_handle_t *)&s->tcp);
    remove_socket_file(s);
    uv_timer_start(&s->grace, on_grace, GRACE_MS, 0);
    aws__conn_drain_all(s);
    aws__server_check_done(s);
}

static void on_sweep(uv_timer_t *t)
{
    aws__conn_sweep(t->data);
}

static void on_signal(uv_signal_t *h, int signum)
{
    aws_server_t *s = h->data;
    if (signum == SIGHUP) {
        aws_log(s->log, AWS_LOG_INFO, "SIGHUP: reopening %s", s->db_path);
        aws_workers_invalidate(s->workers);
        return;
    }
    begin_stop(s, signum);
}

static int start_signal(aws_server_t *s, uv_signal_t *h, int signum)
{
    int rc = uv_signal_init(&s->loop, h);
    if (rc != 0)
        return rc;
    h->data = s;
    return uv_signal_start(h, on_signal, signum);
}

/* ------------------------------------------------------------ life cycle */

int aws_server_start(const aws_server_opts_t *opts, aws_server_t **out,
                     char *err, size_t errlen)
{
    *out = NULL;
    aws_server_t *s = calloc(1, sizeof *s);
    if (s == NULL) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    *out = s;
    s->lock_fd = -1;
    s->log = opts->log;
    aws__handoff_init(&s->handoff, uv_available_parallelism());
    s->max_connections = opts->max_connections;
    s->db_path = strdup(opts->db_path);
    s->socket_path = strdup(opts->socket_path);
    if (s->db_path == NULL || s->socket_path == NULL) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    int rc = uv_loop_init(&s->loop);
    if (rc != 0) {
        fail(err, errlen, "cannot create the event loop: %s", uv_strerror(rc));
        return -1;
    }
    s->loop_ready = true;
    s->workers = aws_workers_new(opts->db_path, opts->cache, opts->log);
    if (s->workers == NULL) {
        fail(err, errlen, "out of memory");
        return -1;
    }
    rc = uv_timer_init(&s->loop, &s->grace);
    s->grace.data = s;
    if (rc == 0)
        rc = uv_timer_init(&s->loop, &s->sweep);
    s->sweep.data = s;
    if (rc == 0)
        rc = uv_timer_start(&s->sweep, on_sweep, SWEEP_MS, SWEEP_MS);
    if (rc == 0)
        rc = start_signal(s, &s->sig_term, SIGTERM);
    if (rc == 0)
        rc = start_signal(s, &s->sig_int, SIGINT);
    if (rc == 0)
        rc = start_signal(s, &s->sig_hup, SIGHUP);
    if (rc != 0) {
        fail(err, errlen, "cannot start the event loop: %s", uv_strerror(rc));
        return -1;
    }
    rc = bind_unix(s, err, errlen);
    if (rc != 0)
        return rc;
    if (opts->listen != NULL &&
        bind_tcp(s, opts->listen, opts->allow_remote, err, errlen) != 0)
        return -1;
    return 0;
}

static void close_any(uv_handle_t *h, void *arg)
{
    (void)arg;
    close_handle(h);
}

int aws_server_run(aws_server_t *s)
{
    uv_run(&s->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&s->loop);
    if (rc != 0) {
        aws_log(s->log, AWS_LOG_ERROR, "event loop not closed cleanly: %s",
                uv_strerror(rc));
        return -1; /* aws_server_free closes what is left */
    }
    s->loop_ready = false;
    return 0;
}

void aws_server_free(aws_server_t *s)
{
    if (s == NULL)
        return;
    if (s->loop_ready) {
        /* After a failed start (or anything left open) every handle is
         * closed here and the loop run until libuv has let go of them all. */
        remove_socket_file(s);
        /* Connections first, through their own close (which frees them
         * once their jobs are back); then whatever else is open. */
        aws__conn_close_all(s);
        uv_walk(&s->loop, close_any, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        int rc = uv_loop_close(&s->loop);
        if (rc != 0)
            aws_log(s->log, AWS_LOG_ERROR, "event loop not closed cleanly: %s",
                    uv_strerror(rc));
    }
    aws_workers_free(s->workers);
    if (s->lock_fd >= 0)
        close(s->lock_fd);
    free(s->db_path);
    free(s->socket_path);
    free(s);
}
