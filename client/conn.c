/* conn.c - the client's one connection to awsearchd: connect, call. */
#include "conn.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

int aws_conn_connect(const char *sock)
{
    struct sockaddr_un addr;
    size_t len = strlen(sock);

    if (len >= sizeof addr.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, sock, len + 1);

    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    /* A daemon that stops answering must not hang a script forever. */
    struct timeval tv = { .tv_sec = AWS_CONN_REPLY_MS / 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return fd;
}

int aws_conn_open(const char *sock, const char *db, bool autostart, char *err,
                  size_t errlen)
{
    int fd = aws_conn_connect(sock);
    if (fd >= 0)
        return fd;
    int e = errno;
    if ((e == ENOENT || e == ECONNREFUSED) && autostart)
        return aws__autostart(sock, db, err, errlen);
    if (e == ENOENT || e == ECONNREFUSED)
        snprintf(err, errlen, "no daemon on %s (%s) and --no-autostart given",
                 sock, strerror(e));
    else
        snprintf(err, errlen, "cannot connect to %s: %s", sock, strerror(e));
    return -1;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int aws_conn_call(int fd, const char *req, size_t len, uint32_t msgid,
                  aws_rpc_reader_t *rd, aws_response_t *resp, char *err,
                  size_t errlen)
{
    if (write_all(fd, req, len) != 0) {
        snprintf(err, errlen, "cannot send the request: %s", strerror(errno));
        return -1;
    }
    for (;;) {
        msgpack_object *obj;
        const char *why = NULL;
        aws_rpc_next_t next = aws_rpc_reader_next(rd, &obj, &why);
        if (next == AWS_RPC_MESSAGE) {
            if (aws_response_parse(obj, resp) != 0) {
                snprintf(err, errlen,
                         "the daemon sent something that is no response "
                         "(stream byte %llu)",
                         (unsigned long long)aws_rpc_reader_offset(rd));
                return -1;
            }
            /* Only one request is in flight, but a daemon may send
             * notifications or stale replies: skip anything else.  An
             * error under msgid 0 when our request has another msgid is
             * about the whole connection (the daemon refusing it as
             * `busy` past --max-connections, or refusing the stream) and
             * is the answer: skipping it would lose the reason. */
            if (resp->msgid == msgid ||
                (resp->msgid == 0 && msgid != 0 && resp->code != AWS_RPC_OK))
                return 0;
            continue;
        }
        if (next != AWS_RPC_NEED_MORE) {
            snprintf(err, errlen, "bad reply from the daemon: %s",
                     why ? why : (next == AWS_RPC_ERR_NOMEM ? "out of memory"
                                                             : "malformed"));
            return -1;
        }
        char *buf;
        size_t cap;
        if (aws_rpc_reader_reserve(rd, 64 * 1024, &buf, &cap) != 0) {
            snprintf(err, errlen, "out of memory reading the reply");
            return -1;
        }
        ssize_t n = read(fd, buf, cap);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            snprintf(err, errlen, "the daemon did not answer within %d s",
                     AWS_CONN_REPLY_MS / 1000);
            return -1;
        }
        if (n < 0) {
            snprintf(err, errlen, "cannot read the reply: %s", strerror(errno));
            return -1;
        }
        if (n == 0) {
            snprintf(err, errlen, "the daemon closed the connection before "
                     "answering");
            return -1;
        }
        aws_rpc_reader_consumed(rd, (size_t)n);
    }
}
