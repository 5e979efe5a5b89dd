/* autostart.c - start awsearchd when nobody serves the socket, and wait.
 *
 * The daemon, run without --foreground, forks and its first process exits 0
 * once the server is listening (or non-zero with its reason on stderr).  The
 * client runs it with stderr on a pipe, reaps that first process, and then
 * connects.  It also polls connect() while it waits, so a daemon that is
 * ready before its parent is reaped (or one that never forks) is found as
 * soon as it listens; there is no fixed sleep anywhere.
 *
 * Two clients may start two daemons at once; the second daemon sees the
 * first one serving and exits with "already serving", and its client then
 * simply connects to the winner.
 */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "paths.h"

#define DAEMON_NAME "awsearchd"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs in the forked child: stdin and stdout on /dev/null, stderr on the
 * pipe ERRFD, then the daemon beside this executable, else from PATH.
 * Never returns. */
static void exec_daemon(const char *exe, const char *sock, const char *db,
                        int errfd)
{
    const char *argv[7];
    int argc = 0;

    argv[argc++] = DAEMON_NAME;
    argv[argc++] = "--socket";
    argv[argc++] = sock;
    if (db) {
        argv[argc++] = "--db";
        argv[argc++] = db;
    }
    argv[argc] = NULL;

    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
    }
    /* dup2 clears close-on-exec on the copy, so only stderr reaches the
     * daemon; when the pipe already is fd 2, clear the flag by hand. */
    if (errfd == STDERR_FILENO)
        fcntl(errfd, F_SETFD, 0);
    else
        dup2(errfd, STDERR_FILENO);
    /* The client ignores SIGPIPE for its own output; the daemon decides
     * for itself. */
    signal(SIGPIPE, SIG_DFL);
    if (exe)
        execv(exe, (char *const *)argv);
    execvp(DAEMON_NAME, (char *const *)argv);
    dprintf(STDERR_FILENO, "cannot run %s: %s\n", DAEMON_NAME, strerror(errno));
    _exit(127);
}

/* The last non-empty line of the daemon's stderr, for the error message. */
static const char *last_line(char *buf, size_t len)
{
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
                       buf[len - 1] == ' '))
        len--;
    buf[len] = '\0';
    char *nl = strrchr(buf, '\n');
    return nl ? nl + 1 : buf;
}

/* Keeps trying to connect until DEADLINE; the socket or -1. */
static int connect_until(const char *sock, long long deadline)
{
    int pause_ms = 5;

    for (;;) {
        int fd = aws_conn_connect(sock);
        if (fd >= 0 || now_ms() >= deadline)
            return fd;
        poll(NULL, 0, pause_ms);
        pause_ms = pause_ms < 25 ? pause_ms * 2 : 25;
    }
}

/* aws__autostart with absolute SOCK and DB. */
static int start_and_connect(const char *sock, const char *db, char *err,
                             size_t errlen)
{
    long long deadline = now_ms() + AWS_CONN_START_MS;
    char *dir = aws_path_exe_dir();
    char *exe = NULL;
    char msg[2048];
    size_t msglen = 0;
    int p[2];

    if (dir) {
        size_t n = strlen(dir) + sizeof "/" DAEMON_NAME;
        exe = malloc(n);
        if (exe) {
            snprintf(exe, n, "%s/%s", dir, DAEMON_NAME);
            if (access(exe, X_OK) != 0) {
                free(exe);
                exe = NULL;
            }
        }
        free(dir);
    }
    if (pipe(p) != 0) {
        snprintf(err, errlen, "no daemon on %s and cannot start one: pipe: %s",
                 sock, strerror(errno));
        free(exe);
        return -1;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "no daemon on %s and cannot start one: fork: %s",
                 sock, strerror(errno));
        close(p[0]);
        close(p[1]);
        free(exe);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        exec_daemon(exe, sock, db, p[1]);
    }
    close(p[1]);
    free(exe);

    int status = 0;
    bool reaped = false;
    int pipefd = p[0];
    int fd = -1;
    int pause_ms = 5;
    while (now_ms() < deadline) {
        /* The pipe both collects the daemon's words and paces the loop;
         * once it reaches end of file, poll() on nothing does the pacing. */
        struct pollfd pfd = { .fd = pipefd, .events = POLLIN };
        poll(pipefd >= 0 ? &pfd : NULL, pipefd >= 0 ? 1 : 0, pause_ms);
        pause_ms = pause_ms < 25 ? pause_ms * 2 : 25;
        if (pipefd >= 0 && (pfd.revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t n = read(pipefd, msg + msglen, sizeof msg - 1 - msglen);
            if (n > 0)
                msglen += (size_t)n;
            if (n == 0 || msglen == sizeof msg - 1) {
                close(pipefd);
                pipefd = -1;
            }
        }
        if (!reaped && waitpid(pid, &status, WNOHANG) == pid)
            reaped = true;
        if (reaped)
            break;
        fd = aws_conn_connect(sock);
        if (fd >= 0)
            break;
    }
    if (fd < 0 && reaped) {
        /* Collect what the daemon said before it exited. */
        while (pipefd >= 0 && msglen < sizeof msg - 1) {
            struct pollfd pfd = { .fd = pipefd, .events = POLLIN };
            if (poll(&pfd, 1, 0) <= 0)
                break;
            ssize_t n = read(pipefd, msg + msglen, sizeof msg - 1 - msglen);
            if (n <= 0)
                break;
            msglen += (size_t)n;
        }
        msg[msglen] = '\0';
        bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        if (ok || strstr(msg, "already serving"))
            fd = connect_until(sock, deadline);
        else
            fd = aws_conn_connect(sock);
        if (fd < 0 && !ok) {
            const char *why = last_line(msg, msglen);
            if (WIFSIGNALED(status))
                snprintf(err, errlen,
                         "no daemon on %s and %s was killed by signal %d%s%s",
                         sock, DAEMON_NAME, WTERMSIG(status), *why ? ": " : "",
                         why);
            else
                snprintf(err, errlen,
                         "no daemon on %s and starting one failed (exit %d): %s",
                         sock, WEXITSTATUS(status),
                         *why ? why : "no message");
        } else if (fd < 0) {
            snprintf(err, errlen,
                     "no daemon on %s: %s reported ready but does not accept "
                     "connections", sock, DAEMON_NAME);
        }
    } else if (fd < 0) {
        snprintf(err, errlen, "no daemon on %s: %s did not become ready "
                 "within %d s", sock, DAEMON_NAME, AWS_CONN_START_MS / 1000);
    }
    if (pipefd >= 0)
        close(pipefd);
    return fd;
}

/* PATH made absolute (the daemon leaves the folder it was started in);
 * NULL stays NULL, and running out of memory sets *NOMEM. */
static char *absolute(const char *path, bool *nomem)
{
    if (!path)
        return NULL;
    char *abs = aws_path_absolute(path);
    if (!abs)
        *nomem = true;
    return abs;
}

int aws__autostart(const char *sock, const char *db, char *err, size_t errlen)
{
    bool nomem = false;
    char *abs_sock = absolute(sock, &nomem);
    char *abs_db = absolute(db, &nomem);
    int fd = -1;

    if (nomem)
        snprintf(err, errlen, "no daemon on %s and out of memory to start one",
                 sock);
    else
        fd = start_and_connect(abs_sock, abs_db, err, errlen);
    free(abs_sock);
    free(abs_db);
    return fd;
}
