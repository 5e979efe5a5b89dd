/* bench_daemon.c - awsearchd's latency and throughput beside two baselines.
 *
 * Runs the same queries three ways in one process and prints one table:
 *
 *   in-process   awx_db_search on a read-only handle of the same database,
 *                one thread, no socket: what Xapian itself costs (and
 *                "+reopen": the same with awx_db_reopen before each search);
 *   echo         a bare round trip over the same socket type to an echo
 *                thread of this program, sending a request-sized message and
 *                getting a response-sized one back: what the socket costs;
 *   ping         the daemon's cheapest method: its per-request overhead;
 *   daemon       search requests to awsearchd over 1, 8 and 64 connections,
 *                one request at a time per connection and pipelined.
 *
 * Every client connection is a thread with a blocking socket; requests are
 * encoded and responses decoded with proto/, so the numbers include what any
 * client pays.  The daemon must already be running (run-daemon-bench.sh
 * starts it); its resident memory is read from /proc when --daemon-pid is
 * given.  A benchmark, not a test: it reports the targets and
 * always exits 0 once it ran.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "awx.h"
#include "proto.h"

/* Where the bench connects: a Unix socket path or a loopback TCP port. */
typedef struct endpoint {
    const char *unix_path; /* NULL for TCP */
    char host[64];
    int port;
} endpoint_t;

/* Latencies of one run in microseconds, and what the run achieved. */
typedef struct run {
    double *us;
    size_t n;
    size_t errors;
    double wall_s;
    size_t req_bytes;  /* sum of request sizes, for the echo baseline */
    size_t resp_bytes; /* sum of response sizes */
} run_t;

typedef struct options {
    const char *socket_path;
    const char *tcp;
    const char *db;
    const char *queries_path;
    const char *label;
    size_t requests;
    unsigned depth;
    long daemon_pid;
} options_t;

typedef struct queries {
    char **q;
    size_t n;
} queries_t;

/* One client thread's job, owned by the run that starts it. */
typedef struct job {
    const endpoint_t *ep;
    const queries_t *qs;
    aws_method_t method;
    size_t first, count;   /* queries [first, first+count) mod n */
    unsigned depth;
    pthread_barrier_t *start;
    double *us;            /* COUNT slots of the run's latency array */
    size_t errors;
    size_t req_bytes, resp_bytes;
    int fd;
    const char *fail;      /* a static reason when the thread gave up */
} job_t;

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_daemon: %s\n", what);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double percentile(const run_t *r, double p)
{
    if (r->n == 0)
        return 0;
    size_t i = (size_t)(p * (double)(r->n - 1) + 0.5);
    return r->us[i];
}

static void load_queries(const char *path, queries_t *qs)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_daemon: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char line[4096];
    size_t cap = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strcspn(line, "\r\n");
        if (line[len] == '\0' && !feof(f)) {
            fprintf(stderr, "bench_daemon: %s:%zu: line too long\n", path,
                    lineno);
            exit(1);
        }
        line[len] = '\0';
        if (len == 0)
            continue;
        if (qs->n == cap) {
            cap = cap ? cap * 2 : 256;
            qs->q = realloc(qs->q, cap * sizeof *qs->q);
            if (!qs->q)
                die("out of memory");
        }
        if (!(qs->q[qs->n++] = strdup(line)))
            die("out of memory");
    }
    fclose(f);
    if (qs->n == 0) {
        fprintf(stderr, "bench_daemon: %s: no queries\n", path);
        exit(1);
    }
}

/* ------------------------------------------------------------ sockets */

static int connect_to(const endpoint_t *ep)
{
    int fd;
    if (ep->unix_path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        if (strlen(ep->unix_path) >= sizeof sa.sun_path)
            return -1;
        strcpy(sa.sun_path, ep->unix_path);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
            goto fail;
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)ep->port)};
        if (inet_pton(AF_INET, ep->host, &sa.sin_addr) != 1)
            return -1;
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
            goto fail;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return fd;
fail:
    if (fd >= 0)
        close(fd);
    return -1;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int read_all(int fd, char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ------------------------------------------------------------ daemon client */

/* Sends request K of JOB (msgid K). */
static int send_request(job_t *j, size_t k, msgpack_sbuffer *sb)
{
    aws_request_t req;
    msgpack_packer pk;

    aws_request_init(&req, j->method);
    req.msgid = (uint32_t)k;
    if (j->method == AWS_METHOD_SEARCH)
        req.q = j->qs->q[(j->first + k) % j->qs->n]; /* borrowed, not freed */
    msgpack_sbuffer_clear(sb);
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    if (aws_request_pack(&pk, &req) != 0)
        return -1;
    j->req_bytes += sb->size;
    return write_all(j->fd, sb->data, sb->size);
}

/* Reads until one whole response arrives; returns its msgid or -1. */
static long read_response(job_t *j, aws_rpc_reader_t *rd, double *sent)
{
    for (;;) {
        msgpack_object *obj;
        aws_rpc_next_t st = aws_rpc_reader_next(rd, &obj, NULL);
        if (st == AWS_RPC_MESSAGE) {
            aws_response_t resp;
            if (aws_response_parse(obj, &resp) != 0 || resp.msgid >= j->count)
                return -1;
            j->us[resp.msgid] = now_us() - sent[resp.msgid];
            if (resp.code != AWS_RPC_OK)
                j->errors++;
            return resp.msgid;
        }
        if (st != AWS_RPC_NEED_MORE)
            return -1;
        char *buf;
        size_t cap;
        if (aws_rpc_reader_reserve(rd, 64 * 1024, &buf, &cap) != 0)
            return -1;
        ssize_t n = read(j->fd, buf, cap);
        if (n < 0 && errno == EINTR)
            n = 0;
        else if (n <= 0)
            return -1;
        aws_rpc_reader_consumed(rd, (size_t)n);
        j->resp_bytes += (size_t)n;
    }
}

/* One connection: keeps up to DEPTH requests outstanding until COUNT are
 * answered.  Latency is from a request's write to its response's arrival. */
static void *client_thread(void *arg)
{
    job_t *j = arg;
    aws_rpc_reader_t *rd = aws_rpc_reader_new(0);
    double *sent = calloc(j->count ? j->count : 1, sizeof *sent);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);

    pthread_barrier_wait(j->start);
    if (!rd || !sent) {
        j->fail = "out of memory";
        goto out;
    }
    size_t next = 0, done = 0;
    while (done < j->count) {
        while (next < j->count && next - done < j->depth) {
            sent[next] = now_us();
            if (send_request(j, next, &sb) != 0) {
                j->fail = "write failed";
                goto out;
            }
            next++;
        }
        if (read_response(j, rd, sent) < 0) {
            j->fail = "bad or missing response";
            goto out;
        }
        done++;
    }
out:
    msgpack_sbuffer_destroy(&sb);
    aws_rpc_reader_free(rd);
    free(sent);
    return NULL;
}

/* Runs COUNT requests of METHOD over CONNS connections, DEPTH deep each. */
static run_t run_daemon(const endpoint_t *ep, const queries_t *qs,
                        aws_method_t method, unsigned conns, unsigned depth,
                        size_t count)
{
    run_t r = {0};
    job_t *jobs = calloc(conns, sizeof *jobs);
    pthread_t *th = calloc(conns, sizeof *th);
    pthread_barrier_t start;

    r.us = calloc(count, sizeof *r.us);
    if (!jobs || !th || !r.us)
        die("out of memory");
    pthread_barrier_init(&start, NULL, conns + 1);
    size_t first = 0;
    for (unsigned i = 0; i < conns; i++) {
        job_t *j = &jobs[i];
        j->ep = ep;
        j->qs = qs;
        j->method = method;
        j->first = first;
        j->count = count / conns + (i < count % conns);
        j->depth = depth;
        j->start = &start;
        j->us = r.us + first;
        first += j->count;
        if ((j->fd = connect_to(ep)) < 0)
            die("cannot connect to the daemon");
        if (pthread_create(&th[i], NULL, client_thread, j) != 0)
            die("cannot start a client thread");
    }
    pthread_barrier_wait(&start);
    double t0 = now_us();
    for (unsigned i = 0; i < conns; i++)
        pthread_join(th[i], NULL);
    r.wall_s = (now_us() - t0) / 1e6;
    for (unsigned i = 0; i < conns; i++) {
        if (jobs[i].fail) {
            fprintf(stderr, "bench_daemon: connection %u: %s\n", i,
                    jobs[i].fail);
            exit(1);
        }
        r.errors += jobs[i].errors;
        r.req_bytes += jobs[i].req_bytes;
        r.resp_bytes += jobs[i].resp_bytes;
        close(jobs[i].fd);
    }
    pthread_barrier_destroy(&start);
    free(jobs);
    free(th);
    r.n = count;
    qsort(r.us, r.n, sizeof *r.us, cmp_double);
    return r;
}

/* ------------------------------------------------------------ baselines */

/* REOPEN: call awx_db_reopen before each search, as a daemon worker must
 * to notice a rebuilt index, so its share of the daemon's time shows. */
static run_t run_in_process(const char *db_path, const queries_t *qs,
                            size_t count, bool reopen)
{
    run_t r = {0};
    awx_db_t *db;
    char *err = NULL;

    if (awx_db_open(db_path, AWX_OPEN_READ, 0, &db, &err) != AWX_OK) {
        fprintf(stderr, "bench_daemon: %s\n", err ? err : db_path);
        exit(1);
    }
    if (!(r.us = calloc(count, sizeof *r.us)))
        die("out of memory");
    /* The same warm-up the daemon gets before its rows are measured. */
    for (size_t k = 0; k < qs->n && k < 200; k++) {
        awx_query_t q = {.q = qs->q[k], .limit = 10, .snippets = true};
        awx_results_t *res = NULL;
        awx_db_search(db, &q, &res);
        awx_results_free(res);
    }
    double t0 = now_us();
    for (size_t k = 0; k < count; k++) {
        /* The daemon's search defaults: 10 hits with snippets. */
        awx_query_t q = {.q = qs->q[k % qs->n], .limit = 10,
                         .snippets = true};
        awx_results_t *res = NULL;
        double s = now_us();
        if ((reopen && awx_db_reopen(db, NULL) != AWX_OK) ||
            awx_db_search(db, &q, &res) != AWX_OK)
            r.errors++;
        awx_results_free(res);
        r.us[k] = now_us() - s;
    }
    r.wall_s = (now_us() - t0) / 1e6;
    awx_db_close(db);
    r.n = count;
    qsort(r.us, r.n, sizeof *r.us, cmp_double);
    return r;
}

/* The echo side of the bare round trip: reads REQ bytes, writes RESP. */
typedef struct echo {
    int listen_fd;
    size_t req, resp;
    char path[108];
} echo_t;

static void *echo_thread(void *arg)
{
    echo_t *e = arg;
    int fd = accept(e->listen_fd, NULL, NULL);
    char *buf = calloc(1, e->req > e->resp ? e->req : e->resp);
    if (fd >= 0 && buf) {
        while (read_all(fd, buf, e->req) == 0 &&
               write_all(fd, buf, e->resp) == 0)
            ;
    }
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* Opens the echo listener on the same socket type as EP; fills LOCAL with
 * where to reach it. */
static void echo_listen(echo_t *e, const endpoint_t *ep, endpoint_t *local)
{
    memset(local, 0, sizeof *local);
    if (ep->unix_path) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        snprintf(e->path, sizeof e->path, "%s.echo", ep->unix_path);
        if (strlen(e->path) >= sizeof sa.sun_path)
            die("socket path too long for the echo socket");
        strcpy(sa.sun_path, e->path);
        unlink(e->path);
        e->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (e->listen_fd < 0 ||
            bind(e->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0)
            die("cannot bind the echo socket");
        local->unix_path = e->path;
    } else {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof sa;
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        e->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
        if (e->listen_fd < 0 ||
            bind(e->listen_fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
            getsockname(e->listen_fd, (struct sockaddr *)&sa, &len) != 0)
            die("cannot bind the echo port");
        snprintf(local->host, sizeof local->host, "127.0.0.1");
        local->port = ntohs(sa.sin_port);
    }
    if (listen(e->listen_fd, 1) != 0)
        die("cannot listen for echo");
}

static run_t run_echo(const endpoint_t *ep, size_t req, size_t resp,
                      size_t count)
{
    echo_t e = {.req = req ? req : 1, .resp = resp ? resp : 1};
    endpoint_t local;
    pthread_t th;
    run_t r = {0};

    echo_listen(&e, ep, &local);
    if (pthread_create(&th, NULL, echo_thread, &e) != 0)
        die("cannot start the echo thread");
    int fd = connect_to(&local);
    char *buf = calloc(1, e.req > e.resp ? e.req : e.resp);
    if (fd < 0 || !buf || !(r.us = calloc(count, sizeof *r.us)))
        die("echo: cannot connect");
    double t0 = now_us();
    for (size_t k = 0; k < count; k++) {
        double s = now_us();
        if (write_all(fd, buf, e.req) != 0 || read_all(fd, buf, e.resp) != 0)
            die("echo: round trip failed");
        r.us[k] = now_us() - s;
    }
    r.wall_s = (now_us() - t0) / 1e6;
    close(fd);
    pthread_join(th, NULL);
    close(e.listen_fd);
    if (local.unix_path)
        unlink(e.path);
    free(buf);
    r.n = count;
    qsort(r.us, r.n, sizeof *r.us, cmp_double);
    return r;
}

/* ------------------------------------------------------------ report */

static void row(const char *what, const char *sock, unsigned conns,
                unsigned depth, run_t *r)
{
    printf("%-12s %-5s %5u %5u %8zu %9.0f %9.0f %9.0f %6zu\n", what, sock,
           conns, depth, r->n, percentile(r, 0.50), percentile(r, 0.99),
           r->wall_s > 0 ? (double)r->n / r->wall_s : 0, r->errors);
}

static long rss_kb(long pid, const char *field)
{
    char path[64], line[256];
    long kb = -1;
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t flen = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, flen) == 0 && line[flen] == ':')
            kb = strtol(line + flen + 1, NULL, 10);
    fclose(f);
    return kb;
}

static void bench_endpoint(const options_t *o, const endpoint_t *ep,
                           const char *sock, const queries_t *qs,
                           const run_t *inproc)
{
    static const unsigned conns[] = {1, 8, 64};
    run_t one = {0}, eight = {0};

    /* Warm the daemon's caches and measure the message sizes. */
    run_t warm = run_daemon(ep, qs, AWS_METHOD_SEARCH, 1, 1,
                            qs->n < 200 ? qs->n : 200);
    size_t req = warm.req_bytes / warm.n, resp = warm.resp_bytes / warm.n;
    free(warm.us);

    run_t echo = run_echo(ep, req, resp, o->requests);
    row("echo", sock, 1, 1, &echo);
    run_t ping = run_daemon(ep, qs, AWS_METHOD_PING, 1, 1, o->requests);
    row("ping", sock, 1, 1, &ping);
    free(ping.us);
    const unsigned depths[2] = {1, o->depth};
    size_t ndepths = o->depth > 1 ? 2 : 1;
    for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++) {
        for (size_t d = 0; d < ndepths; d++) {
            run_t r = run_daemon(ep, qs, AWS_METHOD_SEARCH, conns[i],
                                 depths[d], o->requests);
            row("daemon", sock, conns[i], depths[d], &r);
            if (d == 0 && conns[i] == 1)
                one = r;
            else if (d == 0 && conns[i] == 8)
                eight = r;
            else
                free(r.us);
        }
    }
    double budget = percentile(inproc, 0.5) +
                    2 * percentile(&echo, 0.5);
    double p50 = percentile(&one, 0.5);
    double q1 = (double)one.n / one.wall_s, q8 = (double)eight.n / eight.wall_s;
    printf("target %s: p50 %.0f us <= in-process + 2 round trips %.0f us: "
           "%s\n", sock, p50, budget, p50 <= budget ? "met" : "MISSED");
    printf("target %s: 8 connections %.0f q/s >= 1.6 x 1 connection %.0f "
           "q/s (%.2fx): %s\n", sock, q8, q1, q8 / q1,
           q8 >= 1.6 * q1 ? "met" : "MISSED");
    printf("(messages: request %zu bytes, response %zu bytes)\n", req, resp);
    free(echo.us);
    free(one.us);
    free(eight.us);
}

static void usage(FILE *out)
{
    fputs("usage: bench_daemon --socket PATH --db DIR --queries FILE "
          "[--tcp HOST:PORT]\n"
          "                    [--requests N] [--depth N] [--daemon-pid PID] "
          "[--label TEXT]\n"
          "Measures a running awsearchd against in-process search and a bare "
          "round trip.\n", out);
}

int main(int argc, char **argv)
{
    options_t o = {.requests = 2000, .depth = 8, .label = "index"};
    static const struct option longopts[] = {
        {"socket", required_argument, NULL, 's'},
        {"tcp", required_argument, NULL, 't'},
        {"db", required_argument, NULL, 'd'},
        {"queries", required_argument, NULL, 'q'},
        {"requests", required_argument, NULL, 'n'},
        {"depth", required_argument, NULL, 'D'},
        {"daemon-pid", required_argument, NULL, 'p'},
        {"label", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's': o.socket_path = optarg; break;
        case 't': o.tcp = optarg; break;
        case 'd': o.db = optarg; break;
        case 'q': o.queries_path = optarg; break;
        case 'n': o.requests = strtoul(optarg, NULL, 10); break;
        case 'D': o.depth = (unsigned)strtoul(optarg, NULL, 10); break;
        case 'p': o.daemon_pid = strtol(optarg, NULL, 10); break;
        case 'l': o.label = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!o.socket_path || !o.db || !o.queries_path || o.requests < 64 ||
        o.depth == 0) {
        usage(stderr);
        return 2;
    }
    queries_t qs = {0};
    load_queries(o.queries_path, &qs);

    printf("== %s: %zu queries, %zu requests per row\n", o.label, qs.n,
           o.requests);
    printf("%-12s %-5s %5s %5s %8s %9s %9s %9s %6s\n", "what", "sock",
           "conns", "depth", "requests", "p50_us", "p99_us", "q/s", "errors");
    run_t inproc = run_in_process(o.db, &qs, o.requests, false);
    row("in-process", "-", 1, 1, &inproc);
    run_t reopen = run_in_process(o.db, &qs, o.requests, true);
    row("+reopen", "-", 1, 1, &reopen);
    free(reopen.us);

    endpoint_t ep = {.unix_path = o.socket_path};
    bench_endpoint(&o, &ep, "unix", &qs, &inproc);
    if (o.tcp) {
        endpoint_t tcp = {0};
        const char *colon = strrchr(o.tcp, ':');
        if (!colon || (size_t)(colon - o.tcp) >= sizeof tcp.host)
            die("--tcp wants HOST:PORT");
        memcpy(tcp.host, o.tcp, (size_t)(colon - o.tcp));
        tcp.port = atoi(colon + 1);
        bench_endpoint(&o, &tcp, "tcp", &qs, &inproc);
    }
    if (o.daemon_pid > 0) {
        long rss = rss_kb(o.daemon_pid, "VmRSS");
        long hwm = rss_kb(o.daemon_pid, "VmHWM");
        printf("target: daemon resident memory %.1f MB (peak %.1f MB) < 50 "
               "MB: %s\n", rss / 1024.0, hwm / 1024.0,
               hwm >= 0 && hwm < 50 * 1024 ? "met" : "MISSED");
    }
    free(inproc.us);
    for (size_t i = 0; i < qs.n; i++)
        free(qs.q[i]);
    free(qs.q);
    return 0;
}
