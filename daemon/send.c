/* send.c - a connection's replies on their way out, from two threads.
 *
 * Replies leave from the loop thread (uv_try_write, then uv_write, whose
 * request owns the bytes) or, when nothing else is pending on the
 * connection, straight from the pool thread that made one: that spares the
 * reply the wake-up of the loop thread (8 to 30 us).  The connection's
 * WLOCK orders the two; conn.h says which fields it guards.  A reply that
 * a pool thread sent only part of is finished by the loop, which holds
 * every later reply back until it has, so replies never interleave.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "conn.h"

/* A reply that must wait until a half-written one is complete. */
typedef struct held {
    struct held *next;
    char *data;
    size_t len;
} held_t;

/* A write request and the bytes it owns; freed in the write callback. */
typedef struct write_req {
    uv_write_t req;
    char *data;  /* the whole reply (malloc'd) */
    size_t len;  /* what uv_write still had to send (counted in unsent) */
} write_req_t;

static void on_write(uv_write_t *req, int status)
{
    write_req_t *wr = (write_req_t *)req;
    aws__conn_t *c = req->handle->data;
    c->unsent -= wr->len;
    free(wr->data);
    free(wr);
    uv_mutex_lock(&c->wlock);
    c->loop_queued = uv_stream_get_write_queue_size(&c->h.stream) > 0;
    uv_mutex_unlock(&c->wlock);
    if (status < 0) {
        /* A peer that hangs up without reading is ordinary: debug. */
        if (status != UV_ECANCELED && !c->closing)
            aws_log(c->server->log,
                    status == UV_EPIPE || status == UV_ECONNRESET ? AWS_LOG_DEBUG
                                                                 : AWS_LOG_INFO,
                    "connection %llu: write failed: %s; closing",
                    (unsigned long long)c->serial, uv_strerror(status));
        aws__conn_close(c);
        return;
    }
    aws__conn_process(c);
}

/* Writes the LEN bytes at DATA from OFF on (DATA is malloc'd; this takes
 * it over).  Called on the loop thread with WLOCK held, so it cannot close
 * the connection itself: false means the caller must, once unlocked. */
static bool write_out(aws__conn_t *c, char *data, size_t len, size_t off)
{
    if (c->closing || off >= len) {
        free(data);
        return true;
    }
    /* A reply nearly always fits in the socket buffer at once.  Written
     * here it needs no write request and no callback, and libuv does not
     * re-arm the stream's epoll watcher as it does after every uv_write
     * (one epoll_ctl per reply).  uv_try_write refuses while earlier
     * writes are queued, so replies never overtake each other; what it
     * leaves, or an error it meets, goes the uv_write way below, which
     * reports the error as before. */
    uv_buf_t first = uv_buf_init(data + off, (unsigned)(len - off));
    int n = uv_try_write(&c->h.stream, &first, 1);
    if (n > 0 && (size_t)n == len - off) {
        free(data);
        return true;
    }
    if (n > 0)
        off += (size_t)n;
    write_req_t *wr = malloc(sizeof *wr);
    if (wr == NULL) {
        free(data);
        aws_log(c->server->log, AWS_LOG_ERROR,
                "connection %llu: out of memory for a reply; closing",
                (unsigned long long)c->serial);
        return false;
    }
    wr->data = data;
    wr->len = len - off;
    uv_buf_t buf = uv_buf_init(data + off, (unsigned)(len - off));
    int rc = uv_write(&wr->req, &c->h.stream, &buf, 1, on_write);
    if (rc != 0) {
        free(data);
        free(wr);
        aws_log(c->server->log, AWS_LOG_INFO, "connection %llu: write failed: %s; closing",
                (unsigned long long)c->serial, uv_strerror(rc));
        return false;
    }
    c->unsent += len - off;
    c->loop_queued = uv_stream_get_write_queue_size(&c->h.stream) > 0;
    return true;
}

/* While a pool thread's reply is half written the bytes wait for its rest,
 * counted as unsent so that a peer that does not read still stops being
 * read. */
void aws__send_bytes(aws__conn_t *c, char *data, size_t len)
{
    if (c->closing || len == 0) {
        free(data);
        return;
    }
    bool ok = true;
    uv_mutex_lock(&c->wlock);
    if (c->tail_pending) {
        held_t *h = malloc(sizeof *h);
        if (h != NULL) {
            h->next = NULL;
            h->data = data;
            h->len = len;
            *c->held_end = h;
            c->held_end = &h->next;
            c->unsent += len;
        } else {
            free(data);
            aws_log(c->server->log, AWS_LOG_ERROR,
                    "connection %llu: out of memory for a reply; closing",
                    (unsigned long long)c->serial);
            ok = false;
        }
    } else {
        ok = write_out(c, data, len, 0);
    }
    uv_mutex_unlock(&c->wlock);
    if (!ok)
        aws__conn_close(c);
}

/* Sends the rest of a reply a pool thread wrote OFF bytes of, then the
 * replies that waited for it, in order. */
static void send_tail(aws__conn_t *c, char *data, size_t len, size_t off)
{
    uv_mutex_lock(&c->wlock);
    c->tail_pending = false;
    bool ok = write_out(c, data, len, off);
    while (c->held != NULL) {
        held_t *h = c->held;
        c->held = h->next;
        c->unsent -= h->len;
        if (ok)
            ok = write_out(c, h->data, h->len, 0);
        else
            free(h->data);
        free(h);
    }
    c->held_end = &c->held;
    uv_mutex_unlock(&c->wlock);
    if (!ok)
        aws__conn_close(c);
}

void aws__send_sbuffer(aws__conn_t *c, msgpack_sbuffer *sb)
{
    size_t len = sb->size;
    aws__send_bytes(c, msgpack_sbuffer_release(sb), len);
}

void aws__send_error(aws__conn_t *c, uint32_t msgid, aws_rpc_code_t code,
                     const char *text)
{
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    if (aws_rpc_pack_error(&pk, msgid, code, text) == 0)
        aws__send_sbuffer(c, &sb);
    else
        aws__conn_close(c);
    msgpack_sbuffer_destroy(&sb);
}

void aws__send_reply(aws__job_ext_t *job)
{
    aws__conn_t *c = job->job.conn;
    size_t len = job->job.out.size;
    if (job->written == len)
        return; /* the pool thread wrote the whole reply */
    if (job->written > 0)
        send_tail(c, msgpack_sbuffer_release(&job->job.out), len, job->written);
    else
        aws__send_sbuffer(c, &job->job.out);
}

void aws__send_drop_held(aws__conn_t *c)
{
    while (c->held != NULL) {
        held_t *h = c->held;
        c->held = h->next;
        free(h->data);
        free(h);
    }
    c->held_end = &c->held;
}

/* On the pool thread: writes JOB's reply to the socket at once when no
 * other bytes are pending there, so that the peer need not wait for the
 * loop thread to wake up and do it (10 to 30 us).  A reply that does not
 * fit in the socket buffer is left for the loop to finish, and the loop
 * holds back every other reply until it has; a write that fails is left to
 * the loop too, whose uv_write meets and reports the same error. */
void aws__send_direct(aws__job_ext_t *job)
{
    aws__conn_t *c = job->job.conn;
    const msgpack_sbuffer *out = &job->job.out;
    if (out->size == 0)
        return;
    uv_mutex_lock(&c->wlock);
    if (c->fd >= 0 && !c->loop_queued && !c->tail_pending) {
        ssize_t n;
        do
            n = send(c->fd, out->data, out->size, MSG_NOSIGNAL | MSG_DONTWAIT);
        while (n < 0 && errno == EINTR);
        if (n > 0) {
            job->written = (size_t)n;
            c->tail_pending = job->written < out->size;
        }
    }
    uv_mutex_unlock(&c->wlock);
}

