/* dbdir.h - a cmocka fixture for the tests that write a database: a fresh
 * temporary folder, with the database path inside it, removed afterwards.
 *
 * Include it in one test file; give cmocka a setup of your own that calls
 * aws_dbdir_setup with the test's name (the folder's prefix). */
#ifndef AWS_TEST_DBDIR_H
#define AWS_TEST_DBDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fixture {
    char dir[64];
    char db[128];
} fixture_t;

static int aws_dbdir_setup(void **state, const char *name)
{
    fixture_t *f = calloc(1, sizeof *f);

    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/%s_XXXXXX", name);
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof f->db, "%s/db", f->dir);
    *state = f;
    return 0;
}

static int aws_dbdir_teardown(void **state)
{
    fixture_t *f = *state;
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    return rc == 0 ? 0 : -1;
}

#endif /* AWS_TEST_DBDIR_H */
