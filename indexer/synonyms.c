/* synonyms.c - the synonyms file: groups of equivalent terms, read and stored.
 *
 * A table owns its groups and each group owns its member strings.  Parsing
 * is line by line and never stops at a bad line: the line is reported as
 * "FILE:LINE: why" like a list's unparseable items, and the other groups
 * still reach the index.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synonyms.h"

/* The shim matches at most this many words of a query against a member. */
#define MAX_WORDS 6

typedef struct group {
    char **members;
    size_t n;
} group_t;

struct aws_synonyms {
    group_t *groups;
    size_t n;
    size_t cap;
};

static bool word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c >= 0x80;
}

static size_t count_words(const char *s)
{
    size_t n = 0;
    bool in_word = false;
    for (; *s; s++) {
        bool w = word_byte((unsigned char)*s);
        if (w && !in_word)
            n++;
        in_word = w;
    }
    return n;
}

static void group_free(group_t *g)
{
    for (size_t i = 0; i < g->n; i++)
        free(g->members[i]);
    free(g->members);
}

/* Adds a "PATH:LINE: why" warning to REPORT; -1 when memory runs out. */
static int warn(aws_report_t *report, const char *path, size_t line, const char *fmt, ...)
{
    char why[256], msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s:%zu: %s", path, line, why);
    return aws_report_problem(report, msg);
}

static void set_errmsg(char **errmsg, const char *path, const char *why)
{
    size_t need = strlen(path) + strlen(why) + 3;
    *errmsg = malloc(need);
    if (*errmsg != NULL)
        snprintf(*errmsg, need, "%s: %s", path, why);
}

/* Splits LINE (no newline) into group G at its commas.  Returns 1 for a
 * group, 0 for a line reported as bad, -1 when memory runs out. */
static int parse_line(char *line, const char *path, size_t lineno, aws_report_t *report,
                      group_t *g)
{
    for (const char *p = line; *p; p++)
        if ((unsigned char)*p < 0x20 && *p != '\t')
            return warn(report, path, lineno, "control byte 0x%02x at byte %zu",
                        (unsigned)(unsigned char)*p, (size_t)(p - line) + 1) == 0 ? 0 : -1;
    size_t cap = 1;
    for (const char *p = line; *p; p++)
        cap += *p == ',';
    g->members = calloc(cap, sizeof *g->members);
    if (g->members == NULL)
        return -1;
    char *start = line;
    for (;;) {
        char *comma = strchr(start, ',');
        char *end = comma != NULL ? comma : start + strlen(start);
        char *b = start, *e = end;
        while (b < e && (*b == ' ' || *b == '\t'))
            b++;
        while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        size_t at = (size_t)(start - line) + 1;
        if (b == e)
            return warn(report, path, lineno, "empty member at byte %zu", at) == 0 ? 0 : -1;
        char *m = strndup(b, (size_t)(e - b));
        if (m == NULL)
            return -1;
        g->members[g->n++] = m;
        size_t words = count_words(m);
        if (words == 0)
            return warn(report, path, lineno, "member \"%s\" at byte %zu has no words", m,
                        at) == 0 ? 0 : -1;
        if (words > MAX_WORDS)
            return warn(report, path, lineno, "member \"%s\" at byte %zu has over %d words",
                        m, at, MAX_WORDS) == 0 ? 0 : -1;
        if (comma == NULL)
            break;
        start = comma + 1;
    }
    if (g->n < 2)
        return warn(report, path, lineno,
                    "a group needs two members or more, separated by commas") == 0 ? 0 : -1;
    return 1;
}

static int push_group(aws_synonyms_t *s, group_t *g)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        group_t *grown = realloc(s->groups, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        s->groups = grown;
        s->cap = cap;
    }
    s->groups[s->n++] = *g;
    return 0;
}

int aws_synonyms_load(const char *path, aws_report_t *report, aws_synonyms_t **out,
                      char **errmsg)
{
    FILE *f;
    char *line = NULL;
    size_t len = 0, lineno = 0;
    ssize_t got;
    int rc = 0;
    aws_synonyms_t *s;

    *out = NULL;
    *errmsg = NULL;
    if ((f = fopen(path, "r")) == NULL) {
        set_errmsg(errmsg, path, strerror(errno));
        return -1;
    }
    if ((s = calloc(1, sizeof *s)) == NULL) {
        fclose(f);
        set_errmsg(errmsg, path, "out of memory");
        return -1;
    }
    while ((got = getline(&line, &len, f)) != -1) {
        lineno++;
        while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
            line[--got] = '\0';
        const char *p = line + strspn(line, " \t");
        if (*p == '\0' || *p == '#')
            continue;
        group_t g = {0};
        int r = parse_line(line, path, lineno, report, &g);
        if (r == 1 && push_group(s, &g) == 0)
            continue;
        group_free(&g);
        if (r != 0) {
            rc = -1;
            set_errmsg(errmsg, path, "out of memory");
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        rc = -1;
        set_errmsg(errmsg, path, strerror(errno));
    }
    free(line);
    fclose(f);
    if (rc != 0) {
        aws_synonyms_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

size_t aws_synonyms_count(const aws_synonyms_t *s)
{
    return s != NULL ? s->n : 0;
}

awx_status_t aws_synonyms_store(const aws_synonyms_t *s, awx_db_t *db)
{
    awx_status_t st = awx_db_clear_synonyms(db);

    for (size_t i = 0; st == AWX_OK && s != NULL && i < s->n; i++)
        st = awx_db_add_synonyms(db, (const char *const *)s->groups[i].members,
                                 s->groups[i].n);
    return st;
}

void aws_synonyms_free(aws_synonyms_t *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n; i++)
        group_free(&s->groups[i]);
    free(s->groups);
    free(s);
}
