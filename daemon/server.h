/* server.h - the daemon's event loop: listeners, connections, signals.
 *
 * The server owns everything that lives on the loop thread: the Unix
 * socket listener (and the loopback TCP one with --listen), the list of
 * open connections, the queued pool work, and the signal watchers that drive
 * reopening (SIGHUP) and a graceful stop (SIGTERM, SIGINT).  main.c builds
 * it, prints the readiness line and runs it; conn.c serves one connection.
 */
#ifndef AWS_DAEMON_SERVER_H
#define AWS_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#include "handoff.h"
#include "log.h"
#include "worker.h"

typedef struct aws_server_opts {
    const char *db_path;       /* the database (need not exist yet) */
    const char *socket_path;   /* the Unix socket to serve */
    const char *listen;        /* HOST:PORT for TCP, or NULL */
    bool allow_remote;         /* accept a non-loopback --listen address */
    unsigned max_connections;  /* over this, a client gets `busy` */
    unsigned cache;            /* searches whose answers are kept (cache.h) */
    const aws_log_t *log;      /* must outlive the server */
} aws_server_opts_t;

typedef struct aws_server aws_server_t;

/* aws_server_start's return when another daemon already serves the socket. */
#define AWS_SERVER_IN_USE (-2)

/* Creates the loop, binds and listens.  Returns 0 with *OUT set; or -1 with
 * a one-line reason in ERR (ERRLEN bytes), or AWS_SERVER_IN_USE when a live
 * daemon answers on the socket (left alone). */
int aws_server_start(const aws_server_opts_t *opts, aws_server_t **out,
                     char *err, size_t errlen);

/* The socket path being served, and "HOST:PORT" of the TCP listener with
 * its real port ("" without --listen). */
const char *aws_server_socket(const aws_server_t *s);
const char *aws_server_tcp(const aws_server_t *s);

/* Runs the loop until SIGTERM/SIGINT has stopped the server; then every
 * handle is closed and the socket file removed.  Returns 0, or -1 when the
 * loop could not be closed cleanly (logged). */
int aws_server_run(aws_server_t *s);

/* Frees S (after aws_server_run, or after a failed start of the caller's). */
void aws_server_free(aws_server_t *s);

/* ------------------------------------------------ private to daemon/ */

typedef struct aws__conn aws__conn_t;
typedef struct aws__job aws__job_t;

/* One queued or running request; lives from uv_queue_work (or its hand-off
 * to a waiting pool thread) to after_work. */
struct aws__job {
    uv_work_t work;           /* unused when HANDED */
    aws__conn_t *conn;        /* holds a reference */
    aws_workers_t *workers;   /* what the pool thread answers with */
    aws_request_t req;        /* owns its strings */
    msgpack_sbuffer out;      /* the encoded response */
    aws__job_t *prev, *next;  /* the server's list of jobs */
    aws__job_t *chain;        /* jobs handed to the thread that ran this one */
    bool handed;              /* given to a waiting pool thread (handoff.h) */
};

struct aws_server {
    uv_loop_t loop;
    const aws_log_t *log;
    aws_workers_t *workers;
    char *db_path;
    char *socket_path;
    dev_t sock_dev;           /* the socket file we bound, to remove only it */
    ino_t sock_ino;
    char tcp_addr[80];
    uv_pipe_t pipe;
    uv_tcp_t tcp;
    bool have_pipe, have_tcp;
    int lock_fd;              /* flock'd <socket>.lock, held for life; -1: none */
    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t grace;         /* bounds the wait for in-flight work */
    uv_timer_t sweep;         /* closes streams that outstay their end */
    bool loop_ready, stopping, done;
    unsigned max_connections;
    unsigned n_conns;         /* connections being served */
    uint64_t serial;          /* numbers connections in the log */
    size_t n_jobs;            /* queued or running jobs */
    aws__conn_t *conns;       /* every open connection, served or refused */
    aws__job_t *jobs;
    aws__handoff_t handoff;   /* requests given to a waiting pool thread */
};

/* Accepts one connection from LISTENER (conn.c). */
void aws__conn_accept(aws_server_t *s, uv_stream_t *listener);

/* Stops reading every connection; each closes once its replies are out. */
void aws__conn_drain_all(aws_server_t *s);

/* Closes every connection now and cancels queued work (grace expired). */
void aws__conn_close_all(aws_server_t *s);

/* Closes the ending streams whose peers have not hung up in time (run by a
 * periodic timer). */
void aws__conn_sweep(aws_server_t *s);

/* Called by conn.c whenever a connection or job goes away, so that a
 * stopping server can finish once nothing is left (server.c). */
void aws__server_check_done(aws_server_t *s);

#endif /* AWS_DAEMON_SERVER_H */
