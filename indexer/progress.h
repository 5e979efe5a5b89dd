/* progress.h - one \r-updated status line on stderr while awindex works.
 *
 * Drawn only when enabled (awindex --progress, or auto on a terminal) and at
 * most every 100 ms, so it costs nothing measurable per item.  The struct
 * is the caller's; it owns no memory.
 */
#ifndef AWS_PROGRESS_H
#define AWS_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

typedef struct aws_progress {
    bool enabled;
    FILE *out;
    const char *label;        /* static text, e.g. "writing" */
    size_t total;             /* 0: unknown */
    size_t done;
    struct timespec started;
    struct timespec last;     /* when the line was last drawn */
    bool drawn;               /* a line is on screen and must be cleared */
} aws_progress_t;

void aws_progress_init(aws_progress_t *p, bool enabled, FILE *out);

/* Starts a new stage LABEL of TOTAL steps (0: unknown). */
void aws_progress_start(aws_progress_t *p, const char *label, size_t total);

/* Sets the steps done; redraws when 100 ms have passed since the last draw. */
void aws_progress_update(aws_progress_t *p, size_t done);

/* Clears the line so that the report starts on a clean one. */
void aws_progress_finish(aws_progress_t *p);

#endif /* AWS_PROGRESS_H */
