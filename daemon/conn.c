/* conn.c - one client connection: read requests, queue work, hand replies to send.c.
 *
 * Requests go to libuv's pool, or straight to a pool thread that waits for
 * one (handoff.h).
 *
 * A connection owns its stream handle, its protocol reader and a reference
 * count (Neovim's channel.c pattern): the open handle holds one reference and
 * every queued or running job holds one, so the struct is freed only after
 * the close callback has run and the last job has come back.
 *
 * Memory stays bounded whatever the peer does: the reader refuses messages
 * over 1 MiB, a connection stops taking requests (and stops reading) while
 * it has MAX_JOBS requests in flight or more than HIGH_WATER bytes of
 * replies the peer has not read, and the whole server refuses work with
 * `busy` past MAX_QUEUE jobs.  A stream that ends on our side (refused,
 * too large, not msgpack-RPC) is shut down and drained for at most LINGER_MS
 * and LINGER_MAX bytes, so even refused peers cannot pile up sockets.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "methods.h"

#define MAX_JOBS 32                       /* in flight per connection */
#define HANDOFF_MAX 8                     /* jobs a pool thread takes after its own */
#define MAX_QUEUE 4096                    /* in flight in the whole daemon */
#define HIGH_WATER (4u * 1024u * 1024u)   /* unsent reply bytes */
#define READ_CHUNK (64u * 1024u)
#define LINGER_MAX (8u * 1024u * 1024u)   /* bytes dropped before hanging up */
#define LINGER_MS 2000u                   /* time allowed to an ending stream */

static void conn_decref(aws__conn_t *c)
{
    if (--c->refs > 0)
        return;
    aws_server_t *s = c->server;
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    aws_rpc_reader_free(c->reader);
    aws__send_drop_held(c);
    uv_mutex_destroy(&c->wlock);
    free(c);
    aws__server_check_done(s);
}

static void on_close(uv_handle_t *h)
{
    conn_decref(h->data);
}

void aws__conn_close(aws__conn_t *c)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->served) {
        c->served = false;
        c->server->n_conns--;
    }
    aws_log(c->server->log, AWS_LOG_DEBUG, "connection %llu: closed",
            (unsigned long long)c->serial);
    /* No pool thread may write to the descriptor uv_close releases. */
    uv_mutex_lock(&c->wlock);
    c->fd = -1;
    uv_mutex_unlock(&c->wlock);
    /* Nobody will read the answers to requests still waiting for a pool
     * thread: drop them (their after_work sees UV_ECANCELED); the running
     * ones finish and their replies are discarded. */
    for (aws__job_t *j = c->jobs > 0 ? c->server->jobs : NULL; j != NULL;
         j = j->next) {
        if (j->conn == c && !j->handed)
            uv_cancel((uv_req_t *)&j->work);
    }
    uv_close(&c->h.handle, on_close);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    aws__conn_t *c = req->handle->data;
    if (status < 0 && status != UV_ECANCELED)
        aws__conn_close(c);
}

/* Takes no more requests from C (refused, too large, not msgpack-RPC): once
 * its replies are out the write side is shut down, so the peer reads them
 * and then the end of the stream, and whatever the peer still sends is
 * dropped until it hangs up (at most LINGER_MAX bytes).  Closing at once
 * would fail the peer's unfinished send and could cost it the reply. */
static void end_stream(aws__conn_t *c)
{
    if (!c->ending)
        c->linger_until = uv_now(&c->server->loop) + LINGER_MS;
    c->ending = true;
    c->discard = true;
}

/* ------------------------------------------------------------ pool work */

/* Answers JOB and sends the reply if it can (send.c).  A reply that went
 * out whole is freed at once: a job handed over (handoff.h) waits for its
 * after-work callback until the thread that ran it stops waiting. */
static void run_job(aws__handoff_t *h, aws__job_ext_t *job)
{
    aws__handoff_begin(h);
    /* Only immutable fields are read here: the loop thread owns the rest. */
    aws_workers_answer(job->job.workers, &job->job.req, &job->job.out);
    aws__send_direct(job);
    aws__handoff_end(h);
    if (job->job.out.size > 0 && job->written == job->job.out.size) {
        msgpack_sbuffer_destroy(&job->job.out);
        msgpack_sbuffer_init(&job->job.out);
        job->written = 0;
        job->sent = true;
    }
}

/* Answers the requests handed to this pool thread while it waits for them
 * (handoff.h), up to HANDOFF_MAX, and returns them chained for the
 * after-work callback.  A reply that did not go out whole ends the stay
 * (GO_ON false: the one just answered), so that the loop finishes it soon. */
static aws__job_t *stay(aws__handoff_t *h, bool go_on)
{
    aws__job_t *head = NULL, **tail = &head;
    for (unsigned n = 0; n < HANDOFF_MAX && go_on; n++) {
        aws__job_ext_t *next = aws__handoff_wait(h);
        if (next == NULL)
            break;
        run_job(h, next);
        *tail = &next->job;
        tail = &next->job.chain;
        go_on = next->sent;
    }
    return head;
}

static void work_cb(uv_work_t *req)
{
    aws__job_ext_t *job = (aws__job_ext_t *)req;
    aws__handoff_t *h = &job->job.conn->server->handoff;
    aws__handoff_dequeued(h);
    run_job(h, job);
    job->job.chain = stay(h, job->sent);
}

/* The loop's side of a job's end: unlinks it, sends what the pool thread
 * did not, frees it and drops its reference on the connection. */
static void finish_job(aws__job_ext_t *ext, int status)
{
    aws__job_t *job = &ext->job;
    aws__conn_t *c = job->conn;
    aws_server_t *s = c->server;

    if (job->prev != NULL)
        job->prev->next = job->next;
    else
        s->jobs = job->next;
    if (job->next != NULL)
        job->next->prev = job->prev;
    s->n_jobs--;
    c->jobs--;

    if (status == UV_ECANCELED) {
        aws__handoff_dequeued(&s->handoff); /* it never ran */
        aws_log(s->log, AWS_LOG_DEBUG, "connection %llu: msgid %u cancelled",
                (unsigned long long)c->serial, (unsigned)job->req.msgid);
    } else if (ext->sent) {
        /* the pool thread wrote the whole reply */
    } else if (job->out.size == 0) {
        aws_log(s->log, AWS_LOG_ERROR,
                "connection %llu: msgid %u: no reply could be encoded; closing",
                (unsigned long long)c->serial, (unsigned)job->req.msgid);
        aws__conn_close(c);
    } else {
        aws__send_reply(ext);
    }
    aws_request_free(&job->req);
    msgpack_sbuffer_destroy(&job->out);
    free(ext);

    if (!c->closing)
        aws__conn_process(c);
    conn_decref(c);
    aws__server_check_done(s);
}

/* Finishes the job and those chained to it (which ran, whatever STATUS
 * says of the first). */
static void after_work_cb(uv_work_t *req, int status)
{
    aws__job_t *job = (aws__job_t *)req;
    while (job != NULL) {
        aws__job_t *next = job->chain;
        finish_job((aws__job_ext_t *)job, status);
        job = next;
        status = 0;
    }
}

/* Queues REQ (taken over) for a pool thread. */
static void queue_request(aws__conn_t *c, aws_request_t *req)
{
    aws_server_t *s = c->server;
    if (s->n_jobs >= MAX_QUEUE) {
        aws_log(s->log, AWS_LOG_WARN, "connection %llu: msgid %u refused: %zu requests in flight",
                (unsigned long long)c->serial, (unsigned)req->msgid, s->n_jobs);
        aws__send_error(c, req->msgid, AWS_RPC_BUSY,
                   "the daemon is at its queue limit; retry later");
        aws_request_free(req);
        return;
    }
    aws__job_ext_t *ext = calloc(1, sizeof *ext);
    if (ext == NULL) {
        aws__send_error(c, req->msgid, AWS_RPC_INTERNAL, "out of memory");
        aws_request_free(req);
        return;
    }
    aws__job_t *job = &ext->job;
    job->conn = c;
    job->workers = s->workers;
    job->req = *req; /* the job now owns the strings */
    msgpack_sbuffer_init(&job->out);
    /* A pool thread waiting for work takes it at once; the list links
     * below are the loop's alone, so they may follow. */
    job->handed = aws__handoff_give(&s->handoff, ext);
    if (!job->handed) {
        aws__handoff_queued(&s->handoff);
        int rc = uv_queue_work(&s->loop, &job->work, work_cb, after_work_cb);
        if (rc != 0) {
            aws__handoff_dequeued(&s->handoff);
            aws__send_error(c, req->msgid, AWS_RPC_INTERNAL, uv_strerror(rc));
            aws_request_free(&job->req);
            free(ext);
            return;
        }
    }
    job->next = s->jobs;
    if (s->jobs != NULL)
        s->jobs->prev = job;
    s->jobs = job;
    s->n_jobs++;
    c->jobs++;
    c->refs++;
}

/* Handles one whole message from the stream. */
static void handle_message(aws__conn_t *c, const msgpack_object *obj)
{
    aws_server_t *s = c->server;
    aws_request_t req;
    bool have_msgid = false;
    char why[256];
    aws_rpc_code_t code = aws_request_parse(obj, &req, &have_msgid, why, sizeof why);
    if (code != AWS_RPC_OK) {
        if (req.notification) {
            aws_log(s->log, AWS_LOG_INFO, "connection %llu: notification ignored: %s",
                    (unsigned long long)c->serial, why);
        } else if (have_msgid) {
            aws_log(s->log, AWS_LOG_INFO, "connection %llu: msgid %u: %s: %s",
                    (unsigned long long)c->serial, (unsigned)req.msgid,
                    aws_rpc_code_name(code), why);
            aws__send_error(c, req.msgid, code, why);
        } else {
            /* Without a msgid the peer does not speak msgpack-RPC: say why
             * under msgid 0, then hang up. */
            aws_log(s->log, AWS_LOG_INFO,
                    "connection %llu: not a msgpack-RPC request at byte %llu: %s; closing",
                    (unsigned long long)c->serial,
                    (unsigned long long)aws_rpc_reader_offset(c->reader), why);
            aws__send_error(c, 0, code, why);
            end_stream(c);
        }
        aws_request_free(&req);
        return;
    }
    if (req.notification) {
        /* Notifications are answered with nothing, and no method has a
         * side effect, so there is nothing to do. */
        aws_log(s->log, AWS_LOG_DEBUG, "connection %llu: notification %s",
                (unsigned long long)c->serial, aws_method_name(req.method));
        aws_request_free(&req);
        return;
    }
    aws_log(s->log, AWS_LOG_DEBUG, "connection %llu: msgid %u %s",
            (unsigned long long)c->serial, (unsigned)req.msgid,
            aws_method_name(req.method));
    if (!aws_method_needs_db(req.method)) {
        /* `ping` costs less than a trip through the pool. */
        msgpack_sbuffer sb;
        msgpack_sbuffer_init(&sb);
        aws_workers_answer(s->workers, &req, &sb);
        if (sb.size > 0)
            aws__send_sbuffer(c, &sb);
        else
            aws__conn_close(c);
        msgpack_sbuffer_destroy(&sb);
        aws_request_free(&req);
        return;
    }
    queue_request(c, &req);
}

/* Whether the connection must wait for replies to drain before taking
 * more requests. */
static bool saturated(const aws__conn_t *c)
{
    return c->jobs >= MAX_JOBS || c->unsent > HIGH_WATER;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    aws__conn_t *c = h->data;
    (void)suggested;
    if (c->discard) {
        *buf = uv_buf_init(c->scratch, sizeof c->scratch);
        return;
    }
    char *base = NULL;
    size_t cap = 0;
    if (aws_rpc_reader_reserve(c->reader, READ_CHUNK, &base, &cap) != 0) {
        *buf = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
        return;
    }
    *buf = uv_buf_init(base, cap > READ_CHUNK ? READ_CHUNK : (unsigned)cap);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
    aws__conn_t *c = stream->data;
    (void)buf;
    if (nread == 0)
        return;
    if (nread < 0) {
        if (nread == UV_EOF) {
            c->eof = true;
            c->reading = false; /* libuv stops reading at EOF by itself */
        } else {
            aws_log(c->server->log, nread == UV_ENOBUFS ? AWS_LOG_ERROR : AWS_LOG_DEBUG,
                    "connection %llu: read failed: %s; closing",
                    (unsigned long long)c->serial, uv_strerror((int)nread));
            aws__conn_close(c);
            return;
        }
    } else if (!c->discard) {
        aws_rpc_reader_consumed(c->reader, (size_t)nread);
    } else if ((c->discarded += (size_t)nread) > LINGER_MAX) {
        aws_log(c->server->log, AWS_LOG_DEBUG,
                "connection %llu: still sending after %u bytes dropped; closing",
                (unsigned long long)c->serial, LINGER_MAX);
        aws__conn_close(c);
        return;
    }
    aws__conn_process(c);
}

/* Takes every whole message the reader holds (while the connection is not
 * saturated), then starts or stops reading to match, and closes the
 * connection once it has nothing more to do. */
void aws__conn_process(aws__conn_t *c)
{
    aws_server_t *s = c->server;
    while (!c->closing && !c->discard && !c->draining && !saturated(c)) {
        msgpack_object *obj = NULL;
        const char *why = NULL;
        aws_rpc_next_t r = aws_rpc_reader_next(c->reader, &obj, &why);
        if (r == AWS_RPC_NEED_MORE)
            break;
        if (r == AWS_RPC_MESSAGE) {
            handle_message(c, obj);
            continue;
        }
        if (r == AWS_RPC_ERR_TOO_LARGE) {
            aws_log(s->log, AWS_LOG_INFO, "connection %llu: %s; closing",
                    (unsigned long long)c->serial,
                    why != NULL ? why : "message too large");
            char text[160];
            snprintf(text, sizeof text, "a request is larger than %u bytes",
                     AWS_RPC_MAX_MESSAGE);
            /* The reply goes to the request's msgid when its head showed
             * one, else to msgid 0. */
            uint32_t msgid = 0;
            aws_rpc_reader_error_msgid(c->reader, &msgid);
            aws__send_error(c, msgid, AWS_RPC_TOO_LARGE, text);
            end_stream(c);
            break;
        }
        aws_log(s->log, r == AWS_RPC_ERR_NOMEM ? AWS_LOG_ERROR : AWS_LOG_INFO,
                "connection %llu: %s; closing", (unsigned long long)c->serial,
                r == AWS_RPC_ERR_NOMEM ? "out of memory reading a message"
                : why != NULL          ? why
                                       : "malformed stream");
        if (r == AWS_RPC_ERR_NOMEM) {
            aws__conn_close(c);
            return;
        }
        end_stream(c);
        break;
    }
    if (c->closing)
        return;

    bool idle = c->jobs == 0 && c->unsent == 0;
    if (idle && (c->eof || c->draining)) {
        aws__conn_close(c);
        return;
    }
    if (c->ending && idle && !c->shut) {
        int rc = uv_shutdown(&c->shutdown, &c->h.stream, on_shutdown);
        if (rc != 0) {
            aws__conn_close(c);
            return;
        }
        c->shut = true;
    }
    bool waiting = !c->discard && !c->draining && saturated(c);
    bool want = !c->eof && !c->draining && !waiting;
    if (want && !c->reading) {
        int rc = uv_read_start(&c->h.stream, on_alloc, on_read);
        if (rc != 0) {
            aws_log(s->log, AWS_LOG_INFO, "connection %llu: cannot read: %s; closing",
                    (unsigned long long)c->serial, uv_strerror(rc));
            aws__conn_close(c);
            return;
        }
        c->reading = true;
    } else if (!want && c->reading) {
        uv_read_stop(&c->h.stream);
        c->reading = false;
    }
}

/* ------------------------------------------------------------ accepting */

void aws__conn_accept(aws_server_t *s, uv_stream_t *listener)
{
    aws__conn_t *c = calloc(1, sizeof *c);
    if (c == NULL) {
        aws_log(s->log, AWS_LOG_ERROR, "out of memory accepting a connection");
        return;
    }
    if (uv_mutex_init(&c->wlock) != 0) {
        aws_log(s->log, AWS_LOG_ERROR, "cannot accept a connection: no mutex");
        free(c);
        return;
    }
    c->fd = -1;
    c->held_end = &c->held;
    int rc = listener->type == UV_NAMED_PIPE ? uv_pipe_init(&s->loop, &c->h.pipe, 0)
                                             : uv_tcp_init(&s->loop, &c->h.tcp);
    if (rc != 0) {
        aws_log(s->log, AWS_LOG_ERROR, "cannot accept a connection: %s",
                uv_strerror(rc));
        uv_mutex_destroy(&c->wlock);
        free(c);
        return;
    }
    c->h.handle.data = c;
    c->server = s;
    c->serial = ++s->serial;
    c->refs = 1;
    c->next = s->conns;
    if (s->conns != NULL)
        s->conns->prev = c;
    s->conns = c;

    rc = uv_accept(listener, &c->h.stream);
    if (rc != 0) {
        aws_log(s->log, AWS_LOG_WARN, "accept failed: %s", uv_strerror(rc));
        aws__conn_close(c);
        return;
    }
    if (s->stopping) {
        aws__conn_close(c);
        return;
    }
    /* No job runs yet, so no lock: without a descriptor every reply just
     * goes through the loop. */
    uv_os_fd_t fd;
    if (uv_fileno(&c->h.handle, &fd) == 0)
        c->fd = fd;
    if (listener->type == UV_TCP)
        uv_tcp_nodelay(&c->h.tcp, 1);

    if (s->n_conns >= s->max_connections) {
        /* Refused: one `busy` reply under msgid 0, then hang up.  What the
         * peer sends meanwhile is read and dropped so that the reply is not
         * lost to a reset. */
        aws_log(s->log, AWS_LOG_WARN,
                "connection %llu: refused, %u connections already (--max-connections)",
                (unsigned long long)c->serial, s->n_conns);
        aws__send_error(c, 0, AWS_RPC_BUSY,
                   "the daemon is at its connection limit; retry later");
        end_stream(c);
        aws__conn_process(c);
        return;
    }
    c->reader = aws_rpc_reader_new(0);
    if (c->reader == NULL) {
        aws_log(s->log, AWS_LOG_ERROR, "connection %llu: out of memory; closing",
                (unsigned long long)c->serial);
        aws__conn_close(c);
        return;
    }
    /* Garbage (an HTTP request, random bytes) is refused at its first
     * bytes instead of being waited on for the rest of a "message". */
    aws_rpc_reader_require_rpc(c->reader);
    c->served = true;
    s->n_conns++;
    aws_log(s->log, AWS_LOG_DEBUG, "connection %llu: accepted (%u open)",
            (unsigned long long)c->serial, s->n_conns);
    aws__conn_process(c);
}

void aws__conn_drain_all(aws_server_t *s)
{
    aws__conn_t *c = s->conns;
    while (c != NULL) {
        aws__conn_t *next = c->next;
        /* process may close C, but only frees it from the close
         * callback, so NEXT stays valid. */
        if (!c->closing) {
            c->draining = true;
            aws__conn_process(c);
        }
        c = next;
    }
}

void aws__conn_close_all(aws_server_t *s)
{
    for (aws__job_t *j = s->jobs; j != NULL; j = j->next) {
        if (!j->handed)
            uv_cancel((uv_req_t *)&j->work); /* fails harmlessly when running */
    }

    for (aws__conn_t *c = s->conns; c != NULL; c = c->next)
        aws__conn_close(c);
}

void aws__conn_sweep(aws_server_t *s)
{
    uint64_t now = uv_now(&s->loop);
    for (aws__conn_t *c = s->conns; c != NULL; c = c->next) {
        if (c->ending && !c->closing && now >= c->linger_until) {
            aws_log(s->log, AWS_LOG_DEBUG,
                    "connection %llu: peer did not hang up; closing",
                    (unsigned long long)c->serial);
            aws__conn_close(c);
        }
    }
}
