/* conn.h - the client's one connection to awsearchd: connect, autostart, call.
 *
 * Plain blocking sockets: the client sends one request and waits for its
 * reply, so an event loop would only cost start-up time.
 */
#ifndef AWS_CLIENT_CONN_H
#define AWS_CLIENT_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* How long the client waits for a daemon it started, and for any reply. */
#define AWS_CONN_START_MS 3000
#define AWS_CONN_REPLY_MS 60000

/* Connects to the Unix socket SOCK.  Returns the socket, or -1 with errno
 * set (ENOENT or ECONNREFUSED mean nobody serves that path). */
int aws_conn_connect(const char *sock);

/* Connects to SOCK; when nobody serves it and AUTOSTART is true, starts
 * awsearchd on SOCK (and DB when not NULL) and connects once it is ready.
 * Returns the socket, or -1 with a one-line reason in ERR that names the
 * socket and, when the daemon failed, the daemon's own error. */
int aws_conn_open(const char *sock, const char *db, bool autostart, char *err,
                  size_t errlen);

/* Starts awsearchd for SOCK/DB and waits up to AWS_CONN_START_MS for it to
 * serve.  Returns a connected socket, or -1 with the reason in ERR. */
int aws__autostart(const char *sock, const char *db, char *err, size_t errlen);

/* Sends the LEN bytes of a packed request and reads until the response to
 * MSGID arrives in RD.  On 0, RESP points into RD's memory (valid until the
 * next aws_rpc_reader_next or aws_rpc_reader_free); on -1, ERR says why. */
int aws_conn_call(int fd, const char *req, size_t len, uint32_t msgid,
                  aws_rpc_reader_t *rd, aws_response_t *resp, char *err,
                  size_t errlen);

#endif /* AWS_CLIENT_CONN_H */
