/* keep.c - the abstracts the database already holds, for papers this run has none for.
 *
 * The stored form is read back with msgpack-c; only the paper metadata
 * keys are taken (papermeta.h says which fields are "metadata": what the
 * list does not know).  Merging goes through aws_entry_apply_meta, the
 * same function files and the API go through, so that a kept entry packs
 * to the bytes it was stored with.
 */
#include "keep.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "awx.h"
#include "papermeta.h"
#include "strfmt.h"

static bool key_is(const msgpack_object *k, const char *name)
{
    size_t n = strlen(name);
    return k->type == MSGPACK_OBJECT_STR && k->via.str.size == n &&
           memcmp(k->via.str.ptr, name, n) == 0;
}

/* *DST = a copy of the string V, or NULL for nil.  1 for another type. */
static int take_str(const msgpack_object *v, char **dst)
{
    if (v->type == MSGPACK_OBJECT_NIL)
        return 0;
    if (v->type != MSGPACK_OBJECT_STR)
        return 1;
    char *s = malloc(v->via.str.size + 1);
    if (s == NULL)
        return -1;
    memcpy(s, v->via.str.ptr, v->via.str.size);
    s[v->via.str.size] = '\0';
    free(*dst);
    *dst = s;
    return 0;
}

static int take_strv(const msgpack_object *v, aws_strv_t *dst)
{
    if (v->type != MSGPACK_OBJECT_ARRAY)
        return 1;
    for (uint32_t i = 0; i < v->via.array.size; i++) {
        const msgpack_object *s = &v->via.array.ptr[i];
        if (s->type != MSGPACK_OBJECT_STR)
            return 1;
        if (aws_strv_push(dst, s->via.str.ptr, s->via.str.size) != 0)
            return -1;
    }
    return 0;
}

int aws_keep_meta_from_stored(const void *buf, size_t len, aws_paper_meta_t *out)
{
    msgpack_unpacked up;
    size_t off = 0;
    int rc = 0;

    memset(out, 0, sizeof *out);
    msgpack_unpacked_init(&up);
    msgpack_unpack_return ur = msgpack_unpack_next(&up, buf, len, &off);
    if (ur == MSGPACK_UNPACK_NOMEM_ERROR)
        rc = -1;
    else if (ur != MSGPACK_UNPACK_SUCCESS || up.data.type != MSGPACK_OBJECT_MAP)
        rc = 1;
    for (uint32_t i = 0; rc == 0 && i < up.data.via.map.size; i++) {
        const msgpack_object *k = &up.data.via.map.ptr[i].key;
        const msgpack_object *v = &up.data.via.map.ptr[i].val;
        if (key_is(k, "abstract"))
            rc = take_str(v, &out->abstract);
        else if (key_is(k, "authors"))
            rc = take_strv(v, &out->authors);
        else if (key_is(k, "categories"))
            rc = take_strv(v, &out->categories);
        else if (key_is(k, "published"))
            rc = take_str(v, &out->published);
    }
    msgpack_unpacked_destroy(&up);
    if (rc != 0)
        aws_paper_meta_clear(out);
    return rc;
}

/* Takes the metadata of E's document in DB, if it has an abstract.
 * Returns 1 when it was taken, 0 when there was none, -1 when out of
 * memory, -2 on a database error (awx_db_last_error says which). */
static int keep_one(awx_db_t *db, aws_entry_t *e)
{
    void *data = NULL;
    size_t len = 0;
    aws_paper_meta_t meta;
    awx_status_t st = awx_db_get(db, e->id, &data, &len);
    int rc;

    if (st == AWX_ERR_NOT_FOUND)
        return 0;
    if (st != AWX_OK)
        return st == AWX_ERR_NOMEM ? -1 : -2;
    rc = aws_keep_meta_from_stored(data, len, &meta);
    free(data);
    /* A document written by something else than this indexer's stored
     * form has nothing to keep; the run rewrites it anyway. */
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    rc = 0;
    if (meta.abstract != NULL && meta.abstract[0] != '\0')
        rc = aws_entry_apply_meta(e, &meta) != 0 ? -1 : 1;
    aws_paper_meta_clear(&meta);
    return rc;
}

aws_sync_status_t aws_keep_abstracts(aws_list_t *list, const char *db_path, size_t *kept,
                                     char **errmsg)
{
    awx_db_t *db = NULL;
    char *open_error = NULL;
    awx_status_t st = awx_db_open(db_path, AWX_OPEN_READ, 0, &db, &open_error);
    aws_sync_status_t rc = AWS_SYNC_OK;

    *errmsg = NULL;
    free(open_error);
    if (st == AWX_ERR_NOMEM)
        return AWS_SYNC_NOMEM;
    if (st != AWX_OK)
        return AWS_SYNC_OK;
    for (size_t i = 0; i < list->n_entries && rc == AWS_SYNC_OK; i++) {
        aws_entry_t *e = list->entries[i];
        if (e->kind != AWS_ENTRY_PAPER || (e->abstract != NULL && e->abstract[0] != '\0'))
            continue;
        int r = keep_one(db, e);
        if (r == 1) {
            (*kept)++;
        } else if (r == -1) {
            rc = AWS_SYNC_NOMEM;
        } else if (r == -2) {
            aws_errmsg_set(errmsg, "%s: reading %.200s: %s", db_path, e->id,
                           awx_db_last_error(db));
            rc = AWS_SYNC_DB_ERROR;
        }
    }
    awx_db_close(db);
    return rc;
}
