/* cache.h - recent answers, so that asking the same thing again costs no search.
 *
 * Editors re-run a search when a picker reopens, a user pages back, or a
 * script asks again; each of those would otherwise repeat the whole search
 * (a third of a millisecond on the bundled list, a millisecond and more on
 * 100k entries).  The cache keeps the encoded answer under the request's
 * canonical key and the database generation it was computed from
 * (awx_db_generation: UUID and revision), so an answer is never served
 * once the index has changed: a lookup under another generation misses,
 * and the first answer stored under a new generation drops all the old
 * ones.
 *
 * Bounded by entries and by bytes, least recently used out first.  Safe to
 * use from every pool thread at once (one mutex; what it guards is a
 * handful of pointer moves and one copy).
 */
#ifndef AWS_DAEMON_CACHE_H
#define AWS_DAEMON_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <msgpack.h>

typedef struct aws_cache aws_cache_t;

/* A cache holding at most MAX_ENTRIES answers and MAX_BYTES of keys and
 * values; one value larger than an eighth of MAX_BYTES is never kept.
 * MAX_ENTRIES 0 makes a cache that keeps nothing.  NULL when out of
 * memory. */
aws_cache_t *aws_cache_new(size_t max_entries, size_t max_bytes);

/* Frees C and everything in it.  NULL is allowed. */
void aws_cache_free(aws_cache_t *c);

/* On a hit (KEY stored under generation GEN) appends the value to OUT and
 * returns true; false on a miss or when OUT cannot grow. */
bool aws_cache_get(aws_cache_t *c, const char *gen, const void *key, size_t key_len,
                   msgpack_sbuffer *out);

/* Stores VAL under KEY for generation GEN, replacing what KEY held.  Out
 * of memory or too big: nothing is stored, which is never an error. */
void aws_cache_put(aws_cache_t *c, const char *gen, const void *key, size_t key_len,
                   const void *val, size_t val_len);

/* Drops every answer (SIGHUP: the user asked for everything afresh, and
 * a database restored from a copy could repeat a UUID and revision). */
void aws_cache_clear(aws_cache_t *c);

/* Counts since creation, for the log and the tests. */
typedef struct aws_cache_stats {
    size_t entries, bytes;
    unsigned long long hits, misses, evictions, flushes;
} aws_cache_stats_t;
void aws_cache_stats(aws_cache_t *c, aws_cache_stats_t *out);

#endif /* AWS_DAEMON_CACHE_H */
