/* test_daemon_cache.c - the daemon's answer cache: hits, generations, bounds, threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <uv.h>

#include "cache.h"

/* The value stored under KEY in C for GEN as a NUL-terminated string in
 * BUF, or NULL on a miss. */
static const char *get(aws_cache_t *c, const char *gen, const char *key, char *buf,
                       size_t len)
{
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    bool hit = aws_cache_get(c, gen, key, strlen(key), &sb);
    const char *r = NULL;
    if (hit) {
        assert_true(sb.size < len);
        memcpy(buf, sb.data, sb.size);
        buf[sb.size] = '\0';
        r = buf;
    }
    msgpack_sbuffer_destroy(&sb);
    return r;
}

static void put(aws_cache_t *c, const char *gen, const char *key, const char *val)
{
    aws_cache_put(c, gen, key, strlen(key), val, strlen(val));
}

static void test_hit_and_miss(void **state)
{
    (void)state;
    char buf[64];
    aws_cache_t *c = aws_cache_new(8, 1 << 20);
    assert_non_null(c);
    assert_null(get(c, "g1", "a", buf, sizeof buf));
    put(c, "g1", "a", "answer a");
    assert_string_equal(get(c, "g1", "a", buf, sizeof buf), "answer a");
    assert_null(get(c, "g1", "b", buf, sizeof buf));
    /* A key is compared whole, not as a prefix. */
    assert_null(get(c, "g1", "aa", buf, sizeof buf));
    /* Storing again replaces. */
    put(c, "g1", "a", "answer a2");
    assert_string_equal(get(c, "g1", "a", buf, sizeof buf), "answer a2");
    aws_cache_stats_t st;
    aws_cache_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.hits, 2);
    assert_int_equal(st.misses, 3);
    aws_cache_free(c);
}

static void test_keys_with_nul_bytes(void **state)
{
    (void)state;
    aws_cache_t *c = aws_cache_new(8, 1 << 20);
    const char k1[] = {'q', 0, 'x'}, k2[] = {'q', 0, 'y'};
    aws_cache_put(c, "g", k1, sizeof k1, "1", 1);
    aws_cache_put(c, "g", k2, sizeof k2, "2", 1);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    assert_true(aws_cache_get(c, "g", k1, sizeof k1, &sb));
    assert_true(aws_cache_get(c, "g", k2, sizeof k2, &sb));
    assert_int_equal(sb.size, 2);
    assert_memory_equal(sb.data, "12", 2);
    msgpack_sbuffer_destroy(&sb);
    aws_cache_free(c);
}

static void test_generation_change_flushes(void **state)
{
    (void)state;
    char buf[64];
    aws_cache_t *c = aws_cache_new(8, 1 << 20);
    put(c, "uuid1/3", "a", "old a");
    put(c, "uuid1/3", "b", "old b");
    /* Asked under the new generation: a miss, never the old answer. */
    assert_null(get(c, "uuid1/4", "a", buf, sizeof buf));
    put(c, "uuid1/4", "a", "new a");
    assert_string_equal(get(c, "uuid1/4", "a", buf, sizeof buf), "new a");
    /* The first store under the new generation dropped every old one. */
    assert_null(get(c, "uuid1/4", "b", buf, sizeof buf));
    assert_null(get(c, "uuid1/3", "b", buf, sizeof buf));
    /* A rebuilt database (another UUID at the same revision) is new too. */
    assert_null(get(c, "uuid2/4", "a", buf, sizeof buf));
    aws_cache_stats_t st;
    aws_cache_stats(c, &st);
    assert_int_equal(st.entries, 1);
    assert_int_equal(st.flushes, 1);
    aws_cache_free(c);
}

static void test_clear(void **state)
{
    (void)state;
    char buf[64];
    aws_cache_t *c = aws_cache_new(8, 1 << 20);
    put(c, "g", "a", "A");
    put(c, "g", "b", "B");
    aws_cache_clear(c);
    assert_null(get(c, "g", "a", buf, sizeof buf));
    assert_null(get(c, "g", "b", buf, sizeof buf));
    aws_cache_stats_t st;
    aws_cache_stats(c, &st);
    assert_int_equal(st.entries, 0);
    assert_int_equal(st.bytes, 0);
    assert_int_equal(st.flushes, 1);
    /* Usable again, under the same generation as before. */
    put(c, "g", "a", "A2");
    assert_string_equal(get(c, "g", "a", buf, sizeof buf), "A2");
    aws_cache_free(c);
    aws_cache_clear(NULL);
}

static void test_least_recently_used_goes_first(void **state)
{
    (void)state;
    char buf[64];
    aws_cache_t *c = aws_cache_new(3, 1 << 20);
    put(c, "g", "a", "A");
    put(c, "g", "b", "B");
    put(c, "g", "c", "C");
    assert_non_null(get(c, "g", "a", buf, sizeof buf)); /* a is now newest */
    put(c, "g", "d", "D");                            /* b goes */
    assert_null(get(c, "g", "b", buf, sizeof buf));
    assert_string_equal(get(c, "g", "a", buf, sizeof buf), "A");
    assert_string_equal(get(c, "g", "c", buf, sizeof buf), "C");
    assert_string_equal(get(c, "g", "d", buf, sizeof buf), "D");
    aws_cache_stats_t st;
    aws_cache_stats(c, &st);
    assert_int_equal(st.entries, 3);
    assert_int_equal(st.evictions, 1);
    aws_cache_free(c);
}

static void test_byte_bound(void **state)
{
    (void)state;
    char val[1000];
    memset(val, 'v', sizeof val - 1);
    val[sizeof val - 1] = '\0';
    /* 16 KiB in all: about eleven 1 KiB answers fit, and one answer may
     * take at most 2 KiB. */
    aws_cache_t *c = aws_cache_new(1000, 16 << 10);
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        put(c, "g", key, val);
        aws_cache_stats_t st;
        aws_cache_stats(c, &st);
        assert_true(st.bytes <= 16 << 10);
    }
    char buf[1100];
    assert_non_null(get(c, "g", "k99", buf, sizeof buf));
    assert_null(get(c, "g", "k0", buf, sizeof buf));
    /* Too big for one entry: not kept, and nothing else is pushed out. */
    aws_cache_stats_t before, after;
    aws_cache_stats(c, &before);
    char huge[4096];
    memset(huge, 'h', sizeof huge);
    aws_cache_put(c, "g", "huge", 4, huge, sizeof huge);
    aws_cache_stats(c, &after);
    assert_int_equal(after.entries, before.entries);
    assert_null(get(c, "g", "huge", buf, sizeof buf));
    aws_cache_free(c);
}

static void test_disabled_and_null(void **state)
{
    (void)state;
    char buf[16];
    aws_cache_t *c = aws_cache_new(0, 1 << 20);
    put(c, "g", "a", "A");
    assert_null(get(c, "g", "a", buf, sizeof buf));
    aws_cache_free(c);
    aws_cache_free(NULL);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    assert_false(aws_cache_get(NULL, "g", "a", 1, &sb));
    aws_cache_put(NULL, "g", "a", 1, "A", 1);
    msgpack_sbuffer_destroy(&sb);
}

/* Threads storing and reading the same small key set: every hit must be
 * the value that belongs to its key, whole. */
typedef struct job {
    aws_cache_t *c;
    int seed;
    int bad;
} job_t;

static void hammer(void *arg)
{
    job_t *j = arg;
    char key[16], val[64], buf[128];
    for (int i = 0; i < 20000; i++) {
        int k = (i * 7 + j->seed) % 40;
        snprintf(key, sizeof key, "key%d", k);
        snprintf(val, sizeof val, "value of key%d, padded to some length", k);
        /* Now and then a new generation, as when the index is rebuilt. */
        const char *gen = (i / 5000) % 2 ? "g2" : "g1";
        if (i % 3 == 0) {
            put(j->c, gen, key, val);
        } else {
            const char *got = get(j->c, gen, key, buf, sizeof buf);
            if (got != NULL && strcmp(got, val) != 0)
                j->bad++;
        }
    }
}

static void test_threads(void **state)
{
    (void)state;
    aws_cache_t *c = aws_cache_new(16, 4 << 10);
    uv_thread_t t[4];
    job_t jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (job_t){c, i * 13, 0};
        assert_int_equal(uv_thread_create(&t[i], hammer, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        uv_thread_join(&t[i]);
        assert_int_equal(jobs[i].bad, 0);
    }
    aws_cache_stats_t st;
    aws_cache_stats(c, &st);
    assert_true(st.entries <= 16);
    assert_true(st.bytes <= 4 << 10);
    assert_true(st.hits > 0);
    aws_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_miss),
        cmocka_unit_test(test_keys_with_nul_bytes),
        cmocka_unit_test(test_generation_change_flushes),
        cmocka_unit_test(test_clear),
        cmocka_unit_test(test_least_recently_used_goes_first),
        cmocka_unit_test(test_byte_bound),
        cmocka_unit_test(test_disabled_and_null),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
