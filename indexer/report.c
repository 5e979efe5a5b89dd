/* report.c - print what one awindex run did, as text or as JSON (jansson). */
#include "report.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

void aws_report_init(aws_report_t *r)
{
    memset(r, 0, sizeof *r);
}

void aws_report_free(aws_report_t *r)
{
    free(r->db_path);
    aws_strv_free(&r->lists);
    aws_strv_free(&r->problems);
    aws_strv_free(&r->warnings);
    memset(r, 0, sizeof *r);
}

int aws_report_problem(aws_report_t *r, const char *message)
{
    return aws_strv_push(&r->problems, message, strlen(message));
}

int aws_report_warning(aws_report_t *r, const char *message)
{
    return aws_strv_push(&r->warnings, message, strlen(message));
}

/* The length of the FILE part of the problem "FILE:LINE: why": up to the
 * first ":DIGITS:" (a path may hold colons, and so may the reason, which
 * comes after the line number).  0 when MESSAGE has no such part. */
static size_t problem_file_len(const char *message)
{
    size_t file_len = 0;

    for (const char *p = strchr(message, ':'); p != NULL; p = strchr(p + 1, ':')) {
        size_t digits = strspn(p + 1, "0123456789");
        if (digits > 0 && p[1 + digits] == ':') {
            file_len = (size_t)(p - message);
            break;
        }
    }
    return file_len;
}

/* Ends a run of problems of one file that was cut short. */
static void print_hidden(FILE *out, const char *file, size_t file_len, size_t hidden)
{
    if (hidden > 0)
        fprintf(out, "%.*s: %zu more unparseable line%s not shown\n", (int)file_len, file,
                hidden, hidden == 1 ? "" : "s");
}

void aws_report_print_text(const aws_report_t *r, FILE *out)
{
    /* A file full of bad lines would bury the summary: each file shows its
     * first AWS_REPORT_PROBLEMS_SHOWN problems and a count of the rest (the
     * JSON report keeps them all).  A file's problems are found together,
     * so a change of file name ends its run. */
    const char *file = NULL;
    size_t file_len = 0, shown = 0, hidden = 0;
    for (size_t i = 0; i < r->problems.n; i++) {
        const char *m = r->problems.v[i];
        size_t len = problem_file_len(m);
        if (file == NULL || len != file_len || strncmp(m, file, len) != 0) {
            print_hidden(out, file, file_len, hidden);
            file = m;
            file_len = len;
            shown = hidden = 0;
        }
        if (len > 0 && shown == AWS_REPORT_PROBLEMS_SHOWN) {
            hidden++;
            continue;
        }
        shown++;
        fprintf(out, "%s\n", m);
    }
    print_hidden(out, file, file_len, hidden);
    for (size_t i = 0; i < r->warnings.n; i++)
        fprintf(out, "awindex: warning: %s\n", r->warnings.v[i]);
    fprintf(out,
            "awindex: %zu list%s, %zu items (%zu duplicates merged, %zu skipped) "
            "-> %zu documents in %s%s\n",
            r->lists.n, r->lists.n == 1 ? "" : "s", r->items, r->duplicates,
            r->skipped, r->documents, r->db_path != NULL ? r->db_path : "?",
            r->rebuild ? " (rebuilt)" : "");
    fprintf(out,
            "awindex: documents: %zu added, %zu updated, %zu deleted, %zu unchanged\n",
            r->added, r->updated, r->deleted, r->unchanged);
    fprintf(out,
            "awindex: abstracts of %zu papers: %zu from files, %zu fetched, "
            "%zu cached, %zu kept from the database, %zu missing (%.2f s)\n",
            r->papers, r->abstracts_files, r->abstracts_fetched, r->abstracts_cached,
            r->abstracts_kept, r->abstracts_missing, r->seconds);
}

/* A JSON string of S.  jansson refuses invalid UTF-8, which a message may
 * hold when it quotes a malformed input or a path, so such a message is
 * passed on with its non-ASCII bytes replaced by '?'. */
static json_t *message_json(const char *s)
{
    json_t *j = json_string(s);
    char *copy;

    if (j != NULL || (copy = strdup(s)) == NULL)
        return j;
    for (char *p = copy; *p != '\0'; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

/* A JSON array of copies of SV's strings, or NULL when out of memory. */
static json_t *strv_json(const aws_strv_t *sv)
{
    json_t *a = json_array();

    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < sv->n; i++) {
        if (json_array_append_new(a, message_json(sv->v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

int aws_report_print_json(const aws_report_t *r, FILE *out)
{
    json_t *root;
    int rc;

    /* json_pack's "I" takes a json_int_t; "o" steals the reference, and a
     * NULL one makes json_pack fail, which covers out of memory. */
    root = json_pack("{s:s?, s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
                     " s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:o, s:o, s:f}",
                     "db", r->db_path,
                     "lists", strv_json(&r->lists),
                     "rebuild", (int)r->rebuild,
                     "items", (json_int_t)r->items,
                     "duplicates", (json_int_t)r->duplicates,
                     "skipped", (json_int_t)r->skipped,
                     "documents", (json_int_t)r->documents,
                     "added", (json_int_t)r->added,
                     "updated", (json_int_t)r->updated,
                     "deleted", (json_int_t)r->deleted,
                     "unchanged", (json_int_t)r->unchanged,
                     "abstracts",
                     "papers", (json_int_t)r->papers,
                     "from_files", (json_int_t)r->abstracts_files,
                     "fetched", (json_int_t)r->abstracts_fetched,
                     "cached", (json_int_t)r->abstracts_cached,
                     "kept", (json_int_t)r->abstracts_kept,
                     "missing", (json_int_t)r->abstracts_missing,
                     "problems", strv_json(&r->problems),
                     "warnings", strv_json(&r->warnings),
                     "seconds", r->seconds);
    if (root == NULL)
        return -1;
    rc = json_dumpf(root, out, JSON_INDENT(2));
    json_decref(root);
    if (rc != 0 || fputc('\n', out) == EOF)
        return -1;
    return 0;
}
