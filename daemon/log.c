/* log.c - the daemon's one-line-per-event log on stderr, with a level filter. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int aws_log_parse_level(const char *name, aws_log_level_t *out)
{
    for (size_t i = 0; i < sizeof level_names / sizeof level_names[0]; i++) {
        if (strcmp(name, level_names[i]) == 0) {
            *out = (aws_log_level_t)i;
            return 0;
        }
    }
    return -1;
}

int aws_log_enabled(const aws_log_t *log, aws_log_level_t level)
{
    return log != NULL && level <= log->level;
}

void aws_log(const aws_log_t *log, aws_log_level_t level, const char *fmt, ...)
{
    if (!aws_log_enabled(log, level))
        return;

    /* A timestamp helps in the log file of a background daemon; the whole
     * line is built first so that one write(2) puts it out, which keeps
     * lines from different threads whole. */
    char line[1024];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ awsearchd: %s: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L,
                     level_names[level]);
    if (n < 0)
        return;
    size_t len = (size_t)n;

    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + len, sizeof line - len - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        return;
    len += (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2; /* truncated: keep the newline */
    line[len++] = '\n';

    const char *p = line;
    while (len > 0) {
        ssize_t w = write(log->fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a failing log */
        p += w;
        len -= (size_t)w;
    }
}
