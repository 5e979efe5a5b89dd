/* progress.c - one \r-updated status line on stderr while awindex works. */
#include "progress.h"

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

void aws_progress_init(aws_progress_t *p, bool enabled, FILE *out)
{
    *p = (aws_progress_t){.enabled = enabled, .out = out};
}

static void draw(aws_progress_t *p, const struct timespec *now)
{
    double elapsed = seconds_between(&p->started, now);
    double rate = elapsed > 0 ? (double)p->done / elapsed : 0;

    /* "\033[K" clears what a longer earlier line left on the right. */
    if (p->total > 0)
        fprintf(p->out, "\rawindex: %s %zu/%zu (%d%%), %.0f/s\033[K", p->label,
                p->done, p->total, (int)(100.0 * (double)p->done / (double)p->total),
                rate);
    else if (p->done > 0)
        fprintf(p->out, "\rawindex: %s %zu\033[K", p->label, p->done);
    else
        fprintf(p->out, "\rawindex: %s\033[K", p->label);
    fflush(p->out);
    p->last = *now;
    p->drawn = true;
}

void aws_progress_start(aws_progress_t *p, const char *label, size_t total)
{
    if (!p->enabled)
        return;
    p->label = label;
    p->total = total;
    p->done = 0;
    clock_gettime(CLOCK_MONOTONIC, &p->started);
    draw(p, &p->started);
}

void aws_progress_update(aws_progress_t *p, size_t done)
{
    struct timespec now;

    if (!p->enabled)
        return;
    p->done = done;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (seconds_between(&p->last, &now) >= 0.1 || (p->total > 0 && done == p->total))
        draw(p, &now);
}

void aws_progress_finish(aws_progress_t *p)
{
    if (!p->enabled || !p->drawn)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
    p->drawn = false;
}
