/* shards.c - build a rebuilt database in several processes and merge them.
 *
 * Xapian handles are not shared across processes or threads, so each
 * worker is a forked child that opens a shard database of its own, writes
 * a contiguous slice of the entries (ids are unique, so the slices never
 * overlap) and commits.  The parent waits, then runs xapian-compact, which
 * merges postings, positions, document data, values and spelling data
 * into the destination.  A child reports a failure as one line on a pipe.
 */
/* nftw() is an X/Open function. */
#define _XOPEN_SOURCE 700

#include "shards.h"
#include "strfmt.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define COMPACT_TOOL "xapian-compact"

/* Exit statuses of a worker. */
enum { WORKER_OK = 0, WORKER_FAILED = 1, WORKER_STOPPED = 3 };

bool aws__shards_available(void)
{
    const char *path = getenv("PATH");
    char *copy = strdup(path != NULL ? path : "/usr/bin:/bin");
    char *save = NULL;
    bool found = false;

    if (copy == NULL)
        return false;
    for (char *dir = strtok_r(copy, ":", &save); dir != NULL && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", dir[0] != '\0' ? dir : ".", COMPACT_TOOL);
        found = access(full, X_OK) == 0;
    }
    free(copy);
    return found;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static bool stopped(const aws_sync_opts_t *opts)
{
    return opts->stop != NULL && *opts->stop != 0;
}

/* The worker, in a child process: ENTRIES[FROM..TO) into SHARD.  A failure
 * is written to FD as one line. */
static int worker(aws_entry_t *const *entries, const char (*digests)[17], size_t from,
                  size_t to, const char *shard, const aws_sync_opts_t *opts, int fd)
{
    awx_db_t *db = NULL;
    char *msg = NULL;
    awx_status_t st = awx_db_open(shard, AWX_OPEN_WRITE, 0, &db, &msg);

    if (st != AWX_OK) {
        dprintf(fd, "%s", msg != NULL ? msg : awx_status_to_string(st));
        return WORKER_FAILED;
    }
    for (size_t i = from; i < to; i++) {
        bool nomem = false;
        if (stopped(opts)) {
            awx_db_close(db);
            return WORKER_STOPPED;
        }
        st = aws__sync_put(db, entries[i], digests[i], &nomem);
        if (st != AWX_OK) {
            dprintf(fd, "%s: writing %.200s: %s", shard, entries[i]->id,
                    nomem ? "out of memory" : awx_db_last_error(db));
            awx_db_close(db);
            return WORKER_FAILED;
        }
    }
    st = awx_db_commit(db);
    if (st != AWX_OK)
        dprintf(fd, "%s: committing: %s", shard, awx_db_last_error(db));
    awx_db_close(db);
    return st == AWX_OK ? WORKER_OK : WORKER_FAILED;
}

/* Waits for the N children PIDS (0: already reaped), sending them SIGTERM
 * once a stop is requested.  STATUS[i] gets each wait status.  The stop is
 * checked before every wait, not only when a wait is interrupted: a signal
 * that came while the children were being started, or between two waits,
 * interrupts no wait, and the children would otherwise run to the end. */
static void wait_all(pid_t *pids, int *status, size_t n, const aws_sync_opts_t *opts)
{
    bool signalled = false;

    for (size_t i = 0; i < n; i++) {
        while (pids[i] > 0) {
            if (stopped(opts) && !signalled) {
                for (size_t j = i; j < n; j++)
                    if (pids[j] > 0)
                        kill(pids[j], SIGTERM);
                signalled = true;
            }
            if (waitpid(pids[i], &status[i], 0) >= 0)
                break;
            if (errno != EINTR) {
                status[i] = -1;
                break;
            }
        }
        pids[i] = 0;
    }
}

/* Runs xapian-compact SHARDS... DEST with its chatter sent to /dev/null. */
static aws_sync_status_t compact(char **shards, unsigned n, const char *dest,
                                 const aws_sync_opts_t *opts, char **errmsg)
{
    char **argv = calloc(n + 3, sizeof *argv);
    pid_t pid;
    int status = 0;

    if (argv == NULL)
        return AWS_SYNC_NOMEM;
    argv[0] = COMPACT_TOOL;
    for (unsigned i = 0; i < n; i++)
        argv[i + 1] = shards[i];
    argv[n + 1] = (char *)dest;
    fflush(NULL);
    pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDOUT_FILENO);
        execvp(COMPACT_TOOL, argv);
        _exit(127);
    }
    free(argv);
    if (pid < 0) {
        aws_errmsg_set(errmsg, "cannot start %s: %s", COMPACT_TOOL, strerror(errno));
        return AWS_SYNC_DB_ERROR;
    }
    wait_all(&pid, &status, 1, opts);
    if (stopped(opts))
        return AWS_SYNC_STOPPED;
    if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        aws_errmsg_set(errmsg, "%s: %s failed to merge the shards (wait status %d)", dest,
                COMPACT_TOOL, status);
        return AWS_SYNC_DB_ERROR;
    }
    return AWS_SYNC_OK;
}

/* Starts the workers, waits for them and gathers their outcome. */
static aws_sync_status_t run_workers(aws_entry_t *const *entries,
                                     const char (*digests)[17], size_t n, unsigned jobs,
                                     char **shards, const aws_sync_opts_t *opts,
                                     char **errmsg)
{
    pid_t pids[64] = {0};
    int fds[64], status[64];
    aws_sync_status_t rc = AWS_SYNC_OK;

    for (unsigned k = 0; k < jobs; k++) {
        fds[k] = -1;
        status[k] = 0;
    }
    fflush(NULL);
    for (unsigned k = 0; k < jobs; k++) {
        int p[2];
        if (pipe(p) != 0) {
            aws_errmsg_set(errmsg, "cannot start a worker: %s", strerror(errno));
            rc = AWS_SYNC_DB_ERROR;
            break;
        }
        if ((pids[k] = fork()) < 0) {
            aws_errmsg_set(errmsg, "cannot start a worker: %s", strerror(errno));
            close(p[0]);
            close(p[1]);
            pids[k] = 0;
            rc = AWS_SYNC_DB_ERROR;
            break;
        }
        if (pids[k] == 0) {
            close(p[0]);
            _exit(worker(entries, digests, n * k / jobs, n * (k + 1) / jobs, shards[k],
                         opts, p[1]));
        }
        close(p[1]);
        fds[k] = p[0];
    }
    if (rc != AWS_SYNC_OK)
        for (unsigned k = 0; k < jobs; k++)
            if (pids[k] > 0)
                kill(pids[k], SIGTERM);
    wait_all(pids, status, jobs, opts);

    for (unsigned k = 0; k < jobs; k++) {
        char line[1024];
        ssize_t got = fds[k] >= 0 ? read(fds[k], line, sizeof line - 1) : 0;
        if (fds[k] >= 0)
            close(fds[k]);
        if (rc != AWS_SYNC_OK)
            continue;
        if (stopped(opts) || (WIFEXITED(status[k]) && WEXITSTATUS(status[k]) == WORKER_STOPPED)) {
            rc = AWS_SYNC_STOPPED;
        } else if (status[k] == -1 || !WIFEXITED(status[k]) ||
                   WEXITSTATUS(status[k]) != WORKER_OK) {
            line[got > 0 ? got : 0] = '\0';
            aws_errmsg_set(errmsg, "%s", got > 0 ? line : "a worker process failed");
            rc = AWS_SYNC_DB_ERROR;
        }
    }
    return rc;
}

aws_sync_status_t aws__shards_write(aws_entry_t *const *entries,
                                    const char (*digests)[17], size_t n,
                                    unsigned jobs, const char *dest,
                                    const aws_sync_opts_t *opts, char **errmsg)
{
    size_t len = strlen(dest) + 32;
    char *dir = malloc(len);
    char *shards[64] = {0};
    aws_sync_status_t rc = AWS_SYNC_OK;

    if (jobs > 64)
        jobs = 64;
    if (dir == NULL)
        return AWS_SYNC_NOMEM;
    snprintf(dir, len, "%s.shards", dest);
    if (mkdir(dir, 0700) != 0) {
        aws_errmsg_set(errmsg, "%s: cannot create: %s", dir, strerror(errno));
        free(dir);
        return AWS_SYNC_DB_ERROR;
    }
    for (unsigned k = 0; k < jobs && rc == AWS_SYNC_OK; k++) {
        if ((shards[k] = malloc(len + 16)) == NULL)
            rc = AWS_SYNC_NOMEM;
        else
            snprintf(shards[k], len + 16, "%s/%u", dir, k);
    }
    if (rc == AWS_SYNC_OK && opts->progress != NULL)
        aws_progress_start(opts->progress, "writing in parallel", 0);
    if (rc == AWS_SYNC_OK)
        rc = run_workers(entries, digests, n, jobs, shards, opts, errmsg);
    if (rc == AWS_SYNC_OK && opts->progress != NULL)
        aws_progress_start(opts->progress, "merging", 0);
    if (rc == AWS_SYNC_OK)
        rc = compact(shards, jobs, dest, opts, errmsg);
    if (opts->progress != NULL)
        aws_progress_finish(opts->progress);
    remove_tree(dir);
    for (unsigned k = 0; k < jobs; k++)
        free(shards[k]);
    free(dir);
    return rc;
}
