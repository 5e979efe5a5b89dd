/* log.h - the daemon's one-line-per-event log on stderr, with a level filter.
 *
 * A logger is a small value owned by whoever runs the daemon (main.c) and
 * handed by pointer to the server and the workers; it has no global state.
 * Every call writes one whole line ("awsearchd: warn: ...") with a single
 * write so that lines from the loop thread and the pool threads never mix.
 */
#ifndef AWS_DAEMON_LOG_H
#define AWS_DAEMON_LOG_H

typedef enum aws_log_level {
    AWS_LOG_ERROR = 0,
    AWS_LOG_WARN,
    AWS_LOG_INFO,
    AWS_LOG_DEBUG,
} aws_log_level_t;

typedef struct aws_log {
    aws_log_level_t level; /* lines above this level are dropped */
    int fd;                /* where lines go; 2 unless daemonized */
} aws_log_t;

/* Parses "error", "warn", "info" or "debug"; 0, or -1 for anything else. */
int aws_log_parse_level(const char *name, aws_log_level_t *out);

/* Whether a line at LEVEL would be written (to skip building costly ones). */
int aws_log_enabled(const aws_log_t *log, aws_log_level_t level);

/* Writes one line at LEVEL; FMT is printf-like, without the newline.
 * LOG may be NULL (nothing is written). */
void aws_log(const aws_log_t *log, aws_log_level_t level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* AWS_DAEMON_LOG_H */
