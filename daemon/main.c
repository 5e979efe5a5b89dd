/* main.c - awsearchd: options, daemonizing, readiness and the exit status.
 *
 * Exit status: 0 after a clean stop (SIGTERM/SIGINT), 1 when the daemon
 * cannot start (another daemon serves the socket, the socket cannot be
 * bound, ...), 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "log.h"
#include "number.h"
#include "opts.h"
#include "paths.h"
#include "server.h"

typedef struct options {
    const char *db;
    const char *socket;
    const char *listen;
    const char *pidfile;
    bool allow_remote;
    bool foreground;
    unsigned threads;          /* 0: one per core */
    unsigned max_connections;
    unsigned cache;            /* answers kept; 0: none */
    aws_log_level_t level;
} options_t;

static const char usage_text[] =
    "Usage: awsearchd [OPTIONS]\n"
    "Serve the awsearch database over msgpack-RPC on a Unix socket.\n"
    "\n"
    "  --db DIR              the database (default: $AWSEARCH_DB, else\n"
    "                        $XDG_DATA_HOME/awsearch/db)\n"
    "  --socket PATH         the Unix socket (default: $AWSEARCH_SOCKET, else\n"
    "                        $XDG_RUNTIME_DIR/awsearch.sock, else\n"
    "                        /tmp/awsearch-$UID/awsearch.sock)\n"
    "  --listen HOST:PORT    also serve TCP (loopback only; port 0 picks one)\n"
    "  --allow-remote        allow a --listen address that is not loopback\n"
    "  --threads N           query threads (default: the number of cores)\n"
    "  --max-connections N   refuse clients past N with `busy` (default 1024)\n"
    "  --result-cache N      keep the answers to the last N searches (default 256;\n"
    "                        0: none); a changed index is never answered from it\n"
    "  --foreground          stay attached (the ready line is printed on\n"
    "                        stdout either way)\n"
    "  --pidfile PATH        write the daemon's pid there\n"
    "  --log-level LEVEL     error, warn, info (default) or debug\n"
    "  -h, --help            show this help\n"
    "  --version             show the version\n"
    "\n"
    "SIGTERM and SIGINT finish what is in flight and exit 0; SIGHUP reopens\n"
    "the database.  A database rebuilt by awindex is picked up by itself.\n";

enum {
    OPT_DB = 256,
    OPT_SOCKET,
    OPT_LISTEN,
    OPT_ALLOW_REMOTE,
    OPT_THREADS,
    OPT_MAX_CONNECTIONS,
    OPT_FOREGROUND,
    OPT_PIDFILE,
    OPT_LOG_LEVEL,
    OPT_RESULT_CACHE,
    OPT_VERSION,
};

static const struct option long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"socket", required_argument, NULL, OPT_SOCKET},
    {"listen", required_argument, NULL, OPT_LISTEN},
    {"allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"max-connections", required_argument, NULL, OPT_MAX_CONNECTIONS},
    {"result-cache", required_argument, NULL, OPT_RESULT_CACHE},
    {"foreground", no_argument, NULL, OPT_FOREGROUND},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("awsearchd: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'awsearchd --help'.\n", stderr);
    return 2;
}

/* Returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, options_t *o)
{
    int c;
    char why[160];
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_DB:
            o->db = optarg;
            break;
        case OPT_SOCKET:
            o->socket = optarg;
            break;
        case OPT_LISTEN:
            o->listen = optarg;
            break;
        case OPT_ALLOW_REMOTE:
            o->allow_remote = true;
            break;
        case OPT_THREADS:
            if (aws_parse_uint(optarg, 1, 1024, &o->threads) != 0)
                return usage_error("--threads %s: expected a number from 1 to 1024",
                                   optarg);
            break;
        case OPT_RESULT_CACHE:
            if (aws_parse_uint(optarg, 0, 100000, &o->cache) != 0)
                return usage_error("--result-cache %s: expected a number from 0 to 100000",
                                   optarg);
            break;
        case OPT_MAX_CONNECTIONS:
            if (aws_parse_uint(optarg, 1, 1000000, &o->max_connections) != 0)
                return usage_error(
                    "--max-connections %s: expected a number from 1 to 1000000",
                    optarg);
            break;
        case OPT_FOREGROUND:
            o->foreground = true;
            break;
        case OPT_PIDFILE:
            o->pidfile = optarg;
            break;
        case OPT_LOG_LEVEL:
            if (aws_log_parse_level(optarg, &o->level) != 0)
                return usage_error(
                    "--log-level %s: expected error, warn, info or debug", optarg);
            break;
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case OPT_VERSION:
            printf("awsearchd %s\n", AWS_VERSION);
            return 0;
        default: /* '?' or ':' */
            return usage_error("%s", aws_opt_refusal(c, argv, why, sizeof why));
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    return -1;
}

/* Detaches from the terminal (fork, setsid, fork).  Returns in the daemon
 * with *READY_FD the pipe on which it reports "ready" or why it failed;
 * the original process waits for that report and exits with 0 or 1, so
 * whoever started it (awsearch's autostart) knows the socket answers.
 * Returns -1 (in the original process) when forking failed. */
static int daemonize(const char *socket_path, int *ready_fd)
{
    int p[2];
    if (pipe(p) != 0) {
        fprintf(stderr, "awsearchd: pipe: %s\n", strerror(errno));
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "awsearchd: fork: %s\n", strerror(errno));
        return -1;
    }
    if (pid > 0) {
        close(p[1]);
        char buf[1024];
        size_t len = 0;
        for (;;) {
            ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0 || (len += (size_t)n) == sizeof buf - 1)
                break;
        }
        buf[len] = '\0';
        waitpid(pid, NULL, 0);
        /* The ready line tells a script the port --listen 127.0.0.1:0
         * picked, in the background as in the foreground. */
        if (strncmp(buf, "awsearchd: ready", 16) == 0) {
            fputs(buf, stdout);
            fflush(stdout);
            _exit(0);
        }
        fputs(len > 0 ? buf : "awsearchd: the daemon died while starting\n",
              stderr);
        _exit(1);
    }

    close(p[0]);
    if (setsid() < 0)
        _exit(1);
    pid = fork();
    if (pid != 0)
        _exit(pid < 0 ? 1 : 0);

    /* The daemon itself: no terminal; its log goes beside its socket. */
    if (chdir("/") != 0)
        _exit(1);
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    int log_fd = -1;
    if (aws_path_ensure_parent(socket_path, 0700) == 0) {
        /* SOCKET_PATH is absolute (main made it so), so it has a slash. */
        const char *slash = strrchr(socket_path, '/');
        int dir_len = slash != NULL ? (int)(slash - socket_path) : 0;
        char log_path[4200];
        if (strlen(socket_path) + 16 < sizeof log_path) {
            snprintf(log_path, sizeof log_path, "%.*s/awsearchd.log", dir_len,
                     socket_path);
            log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        }
    }
    if (null_fd >= 0) {
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(log_fd >= 0 ? log_fd : null_fd, 2);
    }
    if (null_fd > 2)
        close(null_fd);
    if (log_fd > 2)
        close(log_fd);
    *ready_fd = p[1];
    return 0;
}

static void write_all(int fd, const char *s)
{
    size_t len = strlen(s);
    while (len > 0) {
        ssize_t n = write(fd, s, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        s += n;
        len -= (size_t)n;
    }
}

/* Tells systemd (Type=notify) that the daemon is ready, when it asked by
 * setting NOTIFY_SOCKET; "@name" is an abstract socket. */
static void notify_systemd(const aws_log_t *log)
{
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0')
        return;
    struct sockaddr_un sa;
    size_t len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
        aws_log(log, AWS_LOG_WARN, "NOTIFY_SOCKET=%s: not a socket path", path);
        return;
    }
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, path, len);
    if (path[0] == '@')
        sa.sun_path[0] = '\0';
    socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
                                  (path[0] == '@' ? 0 : 1));
    char msg[64];
    int n = snprintf(msg, sizeof msg, "READY=1\nMAINPID=%ld", (long)getpid());
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&sa, salen) < 0)
        aws_log(log, AWS_LOG_WARN, "NOTIFY_SOCKET=%s: %s", path, strerror(errno));
    if (fd >= 0)
        close(fd);
}

static int write_pidfile(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "cannot write pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[32];
    snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
    write_all(fd, buf);
    if (close(fd) != 0) {
        snprintf(err, errlen, "cannot write pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* PATH made absolute against the current folder (the daemon changes to /
 * when it detaches); malloc'd, or NULL when out of memory. */
static char *absolute(const char *path)
{
    if (path == NULL)
        return NULL;
    if (path[0] == '/')
        return strdup(path);
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) == NULL)
        return strdup(path);
    size_t n = strlen(cwd) + 1 + strlen(path) + 1;
    char *out = malloc(n);
    if (out != NULL)
        snprintf(out, n, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
    return out;
}

int main(int argc, char **argv)
{
    options_t o = {.max_connections = 1024, .cache = 256, .level = AWS_LOG_INFO};
    int status = parse_options(argc, argv, &o);
    if (status >= 0)
        return status;

    char *db = o.db != NULL ? absolute(o.db) : aws_path_default_db();
    char *sock = o.socket != NULL ? absolute(o.socket) : aws_path_default_socket();
    char *pidfile = absolute(o.pidfile);
    if (db == NULL || sock == NULL || (o.pidfile != NULL && pidfile == NULL)) {
        fprintf(stderr, "awsearchd: cannot find a home for the %s; give --%s\n",
                db == NULL ? "database" : "socket", db == NULL ? "db" : "socket");
        status = 1;
        goto out;
    }

    /* A peer that hangs up must not kill the daemon: writes then fail
     * with EPIPE instead. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    /* libuv sizes its thread pool from the environment at the first
     * uv_queue_work, so this must come first. */
    char threads[16];
    snprintf(threads, sizeof threads, "%u",
             o.threads != 0 ? o.threads : uv_available_parallelism());
    setenv("UV_THREADPOOL_SIZE", threads, 1);

    int ready_fd = -1;
    if (!o.foreground && daemonize(sock, &ready_fd) != 0) {
        status = 1;
        goto out;
    }

    aws_log_t log = {.level = o.level, .fd = 2};
    aws_server_opts_t so = {
        .db_path = db,
        .socket_path = sock,
        .listen = o.listen,
        .allow_remote = o.allow_remote,
        .max_connections = o.max_connections,
        .cache = o.cache,
        .log = &log,
    };
    char err[600];
    err[0] = '\0';
    aws_server_t *server = NULL;
    status = aws_server_start(&so, &server, err, sizeof err);
    if (status == 0 && pidfile != NULL)
        status = write_pidfile(pidfile, err, sizeof err);
    if (status != 0) {
        char line[700];
        snprintf(line, sizeof line, "awsearchd: %s\n", err);
        write_all(ready_fd >= 0 ? ready_fd : 2, line);
        if (ready_fd >= 0)
            aws_log(&log, AWS_LOG_ERROR, "%s", err);
        aws_server_free(server);
        status = 1;
        goto out;
    }

    char ready[600];
    snprintf(ready, sizeof ready, "awsearchd: ready socket=%s%s%s\n",
             aws_server_socket(server), aws_server_tcp(server)[0] ? " tcp=" : "",
             aws_server_tcp(server));
    aws_log(&log, AWS_LOG_INFO, "ready: serving %s%s%s from %s (pid %ld, %s threads)",
            aws_server_socket(server), aws_server_tcp(server)[0] ? " and " : "",
            aws_server_tcp(server), db, (long)getpid(), threads);
    if (ready_fd >= 0) {
        write_all(ready_fd, ready);
        close(ready_fd);
    } else {
        fputs(ready, stdout);
        fflush(stdout);
    }
    notify_systemd(&log);

    status = aws_server_run(server) == 0 ? 0 : 1;
    aws_server_free(server);
    if (pidfile != NULL)
        unlink(pidfile);
out:
    free(db);
    free(sock);
    free(pidfile);
    return status;
}
