/* conn.h - one client connection's state, shared by conn.c and send.c.
 *
 * conn.c reads requests, queues them and manages the connection's life;
 * send.c writes the replies, from the loop thread or, when nothing else is
 * pending, straight from the pool thread that made one.  Private to the
 * daemon's connection code: server.c knows connections only through
 * server.h.
 */
#ifndef AWS_DAEMON_CONN_H
#define AWS_DAEMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <msgpack.h>
#include <uv.h>

#include "proto.h"
#include "server.h"

struct aws__conn {
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_pipe_t pipe;
        uv_tcp_t tcp;
    } h;
    aws_server_t *server;
    aws_rpc_reader_t *reader;
    uint64_t serial;
    unsigned refs;         /* the open handle + one per job */
    unsigned jobs;         /* queued or running for this connection */
    size_t unsent;         /* bytes handed to uv_write, not yet written */
    bool served;           /* counted in the server's n_conns */
    bool reading;          /* uv_read_start is in effect */
    bool closing;          /* uv_close was called */
    bool ending;           /* no more requests: hang up once replies are out */
    bool shut;             /* uv_shutdown sent: the peer sees end of stream */
    bool eof;              /* the peer will send nothing more */
    bool draining;         /* the server is stopping: take no more requests */
    bool discard;          /* read and drop whatever the peer still sends */
    size_t discarded;      /* bytes dropped so far (bounded by conn.c's LINGER_MAX) */
    uint64_t linger_until; /* loop time (ms) after which an ending stream closes */
    uv_shutdown_t shutdown;
    aws__conn_t *prev, *next;
    /* Replies leave from two threads: a pool thread writes its reply
     * straight to the socket when nothing else is pending (sparing the
     * reply the hop back to the loop), the loop writes everything else.
     * WLOCK orders them: of the connection, a pool thread touches only
     * the lock and the fields under it (besides its own job).  It holds
     * the lock across one send() of its reply, up to 1 MiB copied into
     * the socket, which may keep the loop waiting on this one connection
     * for as long.  The part of a reply that a pool thread could not send
     * counts in UNSENT only once the loop takes it over, so what escapes
     * the bound is at most one reply per job in flight. */
    uv_mutex_t wlock;
    uv_os_fd_t fd;         /* under WLOCK: the socket; -1 once closing */
    bool loop_queued;      /* under WLOCK: libuv holds bytes not yet written */
    bool tail_pending;     /* under WLOCK: a pool thread wrote part of a reply */
    struct held *held;     /* loop only: replies waiting for that reply's rest */
    struct held **held_end;
    char scratch[4096];    /* where discarded input goes */
};

/* A job as conn.c allocates it: what a pool thread wrote of its reply. */
typedef struct aws__job_ext {
    aws__job_t job;
    size_t written; /* bytes of JOB.out already in the socket */
    bool sent;      /* all of them were: JOB.out is freed and empty */
} aws__job_ext_t;

/* Closes C (once): cancels its queued jobs, stops pool threads writing to
 * it, and frees it when the last reference goes (conn.c). */
void aws__conn_close(aws__conn_t *c);

/* Takes the next requests from C's reader, or resumes or pauses reading,
 * as its limits allow (conn.c); called whenever a reply has gone out. */
void aws__conn_process(aws__conn_t *c);

/* Sends the LEN bytes at DATA (malloc'd; this takes them over), on the
 * loop thread (send.c). */
void aws__send_bytes(aws__conn_t *c, char *data, size_t len);

/* Sends the whole of SB (emptying it). */
void aws__send_sbuffer(aws__conn_t *c, msgpack_sbuffer *sb);

/* Sends an error reply to MSGID; closes C when it cannot be encoded. */
void aws__send_error(aws__conn_t *c, uint32_t msgid, aws_rpc_code_t code,
                     const char *text);

/* On the pool thread: sends JOB's reply straight to the socket when
 * nothing else is pending there, recording how much went out in
 * JOB->written (send.c). */
void aws__send_direct(aws__job_ext_t *job);

/* On the loop thread, after JOB's work: sends what the pool thread did not
 * (all of the reply, or the rest of it, then the replies held back
 * meanwhile). */
void aws__send_reply(aws__job_ext_t *job);

/* Frees the replies still held back for C (when C is freed). */
void aws__send_drop_held(aws__conn_t *c);

#endif /* AWS_DAEMON_CONN_H */
