/* awx_reader.c - a long-lived database reader for the awindex rebuild tests.
 *
 * Usage: awx_reader DB.  Opens DB read-only through the shim, prints
 * "ready N" (N documents), then answers one command per stdin line:
 * "count" prints "count N" from the handle as it is (no reopen), "search"
 * runs a match-all search and prints "search N" (hits returned, limit 5),
 * "reopen" brings the handle up to date and prints "reopen N".  Every
 * failure prints "error MESSAGE" and exits 1.  Used to show that a reader
 * opened before `awindex --rebuild` keeps working and then sees the new
 * database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awx.h"

static int fail(awx_db_t *db, awx_status_t st)
{
    printf("error %s: %s\n", awx_status_to_string(st), db != NULL ? awx_db_last_error(db) : "");
    fflush(stdout);
    awx_db_close(db);
    return 1;
}

static int count(awx_db_t *db, const char *label)
{
    awx_counts_t c;
    awx_status_t st = awx_db_counts(db, &c);

    if (st != AWX_OK)
        return fail(db, st);
    printf("%s %llu\n", label, (unsigned long long)c.documents);
    fflush(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    awx_db_t *db = NULL;
    char *errmsg = NULL;
    char line[256];

    if (argc != 2) {
        fputs("usage: awx_reader DB\n", stderr);
        return 2;
    }
    awx_status_t st = awx_db_open(argv[1], AWX_OPEN_READ, 0, &db, &errmsg);
    if (st != AWX_OK) {
        printf("error %s\n", errmsg != NULL ? errmsg : awx_status_to_string(st));
        free(errmsg);
        return 1;
    }
    if (count(db, "ready") != 0)
        return 1;
    while (fgets(line, sizeof line, stdin) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strcmp(line, "count") == 0) {
            if (count(db, "count") != 0)
                return 1;
        } else if (strcmp(line, "reopen") == 0) {
            if ((st = awx_db_reopen(db, NULL)) != AWX_OK)
                return fail(db, st);
            if (count(db, "reopen") != 0)
                return 1;
        } else if (strcmp(line, "search") == 0) {
            awx_query_t q = {.q = "", .limit = 5};
            awx_results_t *r = NULL;
            if ((st = awx_db_search(db, &q, &r)) != AWX_OK)
                return fail(db, st);
            printf("search %zu\n", awx_results_count(r));
            fflush(stdout);
            awx_results_free(r);
        } else {
            printf("error unknown command %s\n", line);
            fflush(stdout);
        }
    }
    awx_db_close(db);
    return 0;
}
