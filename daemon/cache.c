/* cache.c - recent answers, so that asking the same thing again costs no search.
 *
 * A chained hash table over the keys and a doubly linked list in order of
 * use, both threaded through the entries; each entry is one allocation
 * holding its key and value.  See cache.h for what the cache promises.
 */
#include "cache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "awx.h"

typedef struct entry {
    struct entry *chain;        /* next in the bucket */
    struct entry *newer, *older; /* the use list */
    uint64_t hash;
    size_t key_len, val_len;
    unsigned char bytes[];      /* the key, then the value */
} entry_t;

struct aws_cache {
    uv_mutex_t lock;
    size_t max_entries, max_bytes;
    entry_t **buckets;
    size_t n_buckets;           /* a power of two */
    entry_t *newest, *oldest;
    size_t entries, bytes;
    char gen[AWX_GENERATION_MAX]; /* the generation every entry belongs to */
    aws_cache_stats_t stats;
};

static uint64_t hash_of(const void *key, size_t len)
{
    /* FNV-1a: the keys are short and the table is small. */
    const unsigned char *p = key;
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static size_t entry_size(const entry_t *e)
{
    return sizeof *e + e->key_len + e->val_len;
}

aws_cache_t *aws_cache_new(size_t max_entries, size_t max_bytes)
{
    aws_cache_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return NULL;
    c->max_entries = max_entries;
    c->max_bytes = max_bytes;
    c->n_buckets = 16;
    while (c->n_buckets < 2 * max_entries)
        c->n_buckets *= 2;
    c->buckets = calloc(c->n_buckets, sizeof *c->buckets);
    if (c->buckets == NULL || uv_mutex_init(&c->lock) != 0) {
        free(c->buckets);
        free(c);
        return NULL;
    }
    return c;
}

static void unlink_use(aws_cache_t *c, entry_t *e)
{
    if (e->newer != NULL)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    if (e->older != NULL)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    e->newer = e->older = NULL;
}

static void push_newest(aws_cache_t *c, entry_t *e)
{
    e->older = c->newest;
    e->newer = NULL;
    if (c->newest != NULL)
        c->newest->newer = e;
    c->newest = e;
    if (c->oldest == NULL)
        c->oldest = e;
}

/* The bucket slot that points at E (E must be in the table). */
static entry_t **slot_of(aws_cache_t *c, const entry_t *e)
{
    entry_t **p = &c->buckets[e->hash & (c->n_buckets - 1)];
    while (*p != e)
        p = &(*p)->chain;
    return p;
}

static void drop(aws_cache_t *c, entry_t *e)
{
    *slot_of(c, e) = e->chain;
    unlink_use(c, e);
    c->entries--;
    c->bytes -= entry_size(e);
    free(e);
}

static void drop_all(aws_cache_t *c)
{
    while (c->oldest != NULL)
        drop(c, c->oldest);
}

static entry_t *find(aws_cache_t *c, uint64_t h, const void *key, size_t key_len)
{
    for (entry_t *e = c->buckets[h & (c->n_buckets - 1)]; e != NULL; e = e->chain)
        if (e->hash == h && e->key_len == key_len && memcmp(e->bytes, key, key_len) == 0)
            return e;
    return NULL;
}

void aws_cache_free(aws_cache_t *c)
{
    if (c == NULL)
        return;
    drop_all(c);
    free(c->buckets);
    uv_mutex_destroy(&c->lock);
    free(c);
}

bool aws_cache_get(aws_cache_t *c, const char *gen, const void *key, size_t key_len,
                   msgpack_sbuffer *out)
{
    if (c == NULL)
        return false;
    uint64_t h = hash_of(key, key_len);
    bool hit = false;
    uv_mutex_lock(&c->lock);
    entry_t *e = strcmp(gen, c->gen) == 0 ? find(c, h, key, key_len) : NULL;
    if (e != NULL) {
        unlink_use(c, e);
        push_newest(c, e);
        hit = msgpack_sbuffer_write(out, (const char *)e->bytes + e->key_len, e->val_len) == 0;
    }
    if (hit)
        c->stats.hits++;
    else
        c->stats.misses++;
    uv_mutex_unlock(&c->lock);
    return hit;
}

void aws_cache_put(aws_cache_t *c, const char *gen, const void *key, size_t key_len,
                   const void *val, size_t val_len)
{
    size_t gen_len = strlen(gen);
    if (c == NULL || c->max_entries == 0 || gen_len >= sizeof c->gen)
        return;
    size_t size = sizeof(entry_t) + key_len + val_len;
    if (size > c->max_bytes / 8)
        return;
    /* The copy is made before taking the lock, which then guards only
     * pointer moves. */
    entry_t *e = malloc(size);
    if (e == NULL)
        return;
    e->hash = hash_of(key, key_len);
    e->key_len = key_len;
    e->val_len = val_len;
    memcpy(e->bytes, key, key_len);
    memcpy(e->bytes + key_len, val, val_len);
    e->chain = e->newer = e->older = NULL;

    uv_mutex_lock(&c->lock);
    if (strcmp(gen, c->gen) != 0) {
        /* The index changed: nothing stored before can be served again. */
        if (c->entries > 0)
            c->stats.flushes++;
        drop_all(c);
        memcpy(c->gen, gen, gen_len + 1);
    }
    entry_t *old = find(c, e->hash, key, key_len);
    if (old != NULL)
        drop(c, old);
    while (c->oldest != NULL &&
           (c->entries + 1 > c->max_entries || c->bytes + size > c->max_bytes)) {
        drop(c, c->oldest);
        c->stats.evictions++;
    }
    entry_t **b = &c->buckets[e->hash & (c->n_buckets - 1)];
    e->chain = *b;
    *b = e;
    push_newest(c, e);
    c->entries++;
    c->bytes += size;
    uv_mutex_unlock(&c->lock);
}

void aws_cache_clear(aws_cache_t *c)
{
    if (c == NULL)
        return;
    uv_mutex_lock(&c->lock);
    if (c->entries > 0)
        c->stats.flushes++;
    drop_all(c);
    c->gen[0] = '\0';
    uv_mutex_unlock(&c->lock);
}

void aws_cache_stats(aws_cache_t *c, aws_cache_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (c == NULL)
        return;
    uv_mutex_lock(&c->lock);
    *out = c->stats;
    out->entries = c->entries;
    out->bytes = c->bytes;
    uv_mutex_unlock(&c->lock);
}
