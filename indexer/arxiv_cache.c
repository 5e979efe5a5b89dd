/* arxiv_cache.c - one file per paper of arXiv metadata, on disk.
 *
 * Records are JSON (jansson).  Loading trusts nothing: every field is
 * checked for its type and shape, and the id inside must be the id asked
 * for, so a record copied or truncated by hand is reported, not used.
 */
#include "arxiv_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "atom.h"
#include "ids.h"
#include "paths.h"

#define CACHE_FORMAT 1
#define CACHE_SUBDIR "arxiv"
/* No real record comes near this; a bigger file is damage. */
#define MAX_RECORD_BYTES (4 * 1024 * 1024)
#define MAX_VERSION 9999

static char *join(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(CACHE_SUBDIR) + strlen(name) + 3;
    char *path = malloc(len);
    if (path != NULL)
        snprintf(path, len, "%s/%s%s%s", dir, CACHE_SUBDIR, name[0] ? "/" : "",
                 name);
    return path;
}

char *aws_arxiv_cache_path(const char *dir, const char *id)
{
    char norm[AWS_ID_MAX];
    if (aws_arxiv_id_parse(id, strlen(id), norm) != 0 || strcmp(norm, id) != 0)
        return NULL;
    char name[AWS_ID_MAX + 8];
    size_t n = 0;
    for (const char *p = id; *p != '\0'; p++)
        name[n++] = *p == '/' ? '_' : *p;
    memcpy(name + n, ".json", sizeof ".json");
    return join(dir, name);
}

/* Copies a JSON array of strings into SV.  Returns 0, 1 when the value is
 * not such an array, or -1 when out of memory. */
static int take_strings(const json_t *arr, aws_strv_t *sv)
{
    if (!json_is_array(arr))
        return 1;
    size_t i;
    const json_t *v;
    json_array_foreach(arr, i, v) {
        if (!json_is_string(v))
            return 1;
        if (aws_strv_push(sv, json_string_value(v), json_string_length(v)) != 0)
            return -1;
    }
    return 0;
}

static int is_date(const char *s)
{
    static const char shape[] = "dddd-dd-dd";
    if (strlen(s) != sizeof shape - 1)
        return 0;
    for (size_t i = 0; i < sizeof shape - 1; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            return 0;
    return 1;
}

/* Reads a UTC stamp as written by make_record (2026-11-28T02:12:03Z). */
static int parse_stamp(const char *s, time_t *out)
{
    struct tm tm;
    int used = -1;
    memset(&tm, 0, sizeof tm);
    if (strlen(s) != 20
        || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &used) != 6
        || used != 20 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1
        || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59
        || tm.tm_sec > 60)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    *out = timegm(&tm);
    return 0;
}

/* What take_record returns for a record of an id arXiv did not know. */
static const char MISSING_MARK[] = "\x01";

/* Fills *OUT from the record REC of ID.  Returns NULL, MISSING_MARK, or the
 * name of the first field that is missing or wrong ("" when out of memory). */
static const char *take_record(const json_t *rec, const char *id,
                               aws_paper_meta_t *out, time_t *fetched_at)
{
    if (!json_is_object(rec))
        return "the record (not a JSON object)";
    const json_t *v = json_object_get(rec, "format");
    if (!json_is_integer(v) || json_integer_value(v) != CACHE_FORMAT)
        return "format";
    v = json_object_get(rec, "id");
    if (!json_is_string(v) || strcmp(json_string_value(v), id) != 0)
        return "id";
    v = json_object_get(rec, "fetched_at");
    time_t when;
    if (!json_is_string(v) || parse_stamp(json_string_value(v), &when) != 0)
        return "fetched_at";
    if (fetched_at != NULL)
        *fetched_at = when;
    v = json_object_get(rec, "missing");
    if (v != NULL && !json_is_boolean(v))
        return "missing";
    if (json_is_true(v))
        return MISSING_MARK;
    v = json_object_get(rec, "title");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return "title";
    if ((out->title = strdup(json_string_value(v))) == NULL)
        return "";
    v = json_object_get(rec, "abstract");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return "abstract";
    if ((out->abstract = strdup(json_string_value(v))) == NULL)
        return "";
    int rc = take_strings(json_object_get(rec, "authors"), &out->authors);
    if (rc != 0)
        return rc < 0 ? "" : "authors";
    rc = take_strings(json_object_get(rec, "categories"), &out->categories);
    if (rc != 0)
        return rc < 0 ? "" : "categories";
    v = json_object_get(rec, "published");
    if (json_is_string(v) && is_date(json_string_value(v))) {
        if ((out->published = strdup(json_string_value(v))) == NULL)
            return "";
    } else if (!json_is_null(v)) {
        return "published";
    }
    v = json_object_get(rec, "version");
    if (!json_is_integer(v) || json_integer_value(v) < 0
        || json_integer_value(v) > MAX_VERSION)
        return "version";
    out->version = (int)json_integer_value(v);
    if ((out->id = strdup(id)) == NULL)
        return "";
    return NULL;
}

aws_cache_status_t aws_arxiv_cache_load(const char *dir, const char *id,
                                        aws_paper_meta_t *out,
                                        time_t *fetched_at, char *errbuf,
                                        size_t errlen)
{
    char *path = aws_arxiv_cache_path(dir, id);
    if (path == NULL) {
        snprintf(errbuf, errlen, "cache: %s is not an arXiv id", id);
        return AWS_CACHE_CORRUPT;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        aws_cache_status_t st = errno == ENOENT ? AWS_CACHE_ABSENT
                                                : AWS_CACHE_CORRUPT;
        if (st == AWS_CACHE_CORRUPT)
            snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
        free(path);
        return st;
    }
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)
        || sb.st_size > MAX_RECORD_BYTES) {
        snprintf(errbuf, errlen, "%s: not a record (a folder, or over %d bytes)",
                 path, MAX_RECORD_BYTES);
        fclose(f);
        free(path);
        return AWS_CACHE_CORRUPT;
    }
    json_error_t jerr;
    json_t *rec = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (rec == NULL) {
        snprintf(errbuf, errlen, "%s:%d:%d: %s", path, jerr.line, jerr.column,
                 jerr.text);
        free(path);
        return AWS_CACHE_CORRUPT;
    }
    const char *bad = take_record(rec, id, out, fetched_at);
    json_decref(rec);
    aws_cache_status_t st = AWS_CACHE_HIT;
    if (bad == MISSING_MARK) {
        st = AWS_CACHE_MISSING;
    } else if (bad != NULL && bad[0] == '\0') {
        st = AWS_CACHE_NOMEM;
    } else if (bad != NULL) {
        snprintf(errbuf, errlen, "%s: field %s is missing or wrong", path, bad);
        st = AWS_CACHE_CORRUPT;
    }
    if (st != AWS_CACHE_HIT)
        aws_paper_meta_clear(out);
    free(path);
    return st;
}

static json_t *strings_to_json(const aws_strv_t *sv)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < sv->n; i++) {
        if (json_array_append_new(arr, json_string(sv->v[i])) != 0) {
            json_decref(arr);
            arr = NULL;
        }
    }
    return arr;
}

/* Builds M's record (only its id when MISSING); NULL when out of memory or
 * when a string is not valid UTF-8 (jansson refuses those; the Atom parser
 * never produces them). */
static json_t *make_record(const aws_paper_meta_t *m, time_t fetched_at,
                           int missing)
{
    char stamp[32];
    struct tm tm;
    if (gmtime_r(&fetched_at, &tm) == NULL
        || strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return NULL;
    json_t *rec = json_object();
    if (rec == NULL)
        return NULL;
    int bad = 0;
    bad |= json_object_set_new(rec, "format", json_integer(CACHE_FORMAT));
    bad |= json_object_set_new(rec, "id", json_string(m->id));
    bad |= json_object_set_new(rec, "fetched_at", json_string(stamp));
    if (missing) {
        bad |= json_object_set_new(rec, "missing", json_true());
        if (bad) {
            json_decref(rec);
            return NULL;
        }
        return rec;
    }
    bad |= json_object_set_new(rec, "title", json_string(m->title));
    bad |= json_object_set_new(rec, "authors", strings_to_json(&m->authors));
    bad |= json_object_set_new(rec, "abstract", json_string(m->abstract));
    bad |= json_object_set_new(rec, "categories", strings_to_json(&m->categories));
    bad |= json_object_set_new(rec, "published", m->published != NULL
                                                 ? json_string(m->published)
                                                 : json_null());
    bad |= json_object_set_new(rec, "version", json_integer(m->version));
    if (bad) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes the record of M (or that arXiv lacks M->id, when MISSING). */
static int store(const char *dir, const aws_paper_meta_t *m, time_t fetched_at,
                 int missing, char *errbuf, size_t errlen)
{
    char *path = m->id != NULL ? aws_arxiv_cache_path(dir, m->id) : NULL;
    if (path == NULL || (!missing && (m->title == NULL || m->abstract == NULL))) {
        snprintf(errbuf, errlen, "cache: paper %s has no id, title or abstract",
                 m->id != NULL ? m->id : "(none)");
        free(path);
        return -1;
    }
    char *folder = join(dir, "");
    json_t *rec = make_record(m, fetched_at, missing);
    char *text = rec != NULL ? json_dumps(rec, JSON_INDENT(1))
                             : NULL;
    json_decref(rec);
    size_t tlen = strlen(path) + 8;
    char *tmp = malloc(tlen);
    int rc = -1;
    if (folder == NULL || text == NULL || tmp == NULL) {
        snprintf(errbuf, errlen, "%s: out of memory or text not UTF-8", path);
        goto out;
    }
    if (aws_mkdir_p(folder, 0755) != 0) {
        snprintf(errbuf, errlen, "%s: cannot create: %s", folder, strerror(errno));
        goto out;
    }
    snprintf(tmp, tlen, "%s.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(errbuf, errlen, "%s: cannot create: %s", tmp, strerror(errno));
        goto out;
    }
    /* Written in full and flushed to disk before the rename, so the name
     * only ever points at a whole record. */
    size_t len = strlen(text);
    text[len] = '\n';
    int err = write_all(fd, text, len + 1) != 0 || fsync(fd) != 0;
    int saved = errno;
    text[len] = '\0';
    if (close(fd) != 0 && !err) {
        err = 1;
        saved = errno;
    }
    if (!err && rename(tmp, path) != 0) {
        err = 1;
        saved = errno;
    }
    if (err) {
        snprintf(errbuf, errlen, "%s: cannot write: %s", path, strerror(saved));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(text);
    free(folder);
    free(path);
    return rc;
}

int aws_arxiv_cache_store(const char *dir, const aws_paper_meta_t *m,
                          time_t fetched_at, char *errbuf, size_t errlen)
{
    return store(dir, m, fetched_at, 0, errbuf, errlen);
}

int aws_arxiv_cache_store_missing(const char *dir, const char *id,
                                  time_t fetched_at, char *errbuf,
                                  size_t errlen)
{
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    m.id = (char *)id;
    return store(dir, &m, fetched_at, 1, errbuf, errlen);
}
