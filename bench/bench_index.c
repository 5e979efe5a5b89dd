/* bench_index.c - indexing throughput of awindex against Xapian's own floor.
 *
 * Usage: bench_index WORKDIR NAME LIST.md ABSTRACTS.jsonl [NAME LIST ABS...]
 *
 * For each data set it runs, each in a child process of its own so that
 * peak memory (ru_maxrss from wait4) belongs to one variant only:
 *
 *   floor     the same texts (title, authors, abstract, sections, the stored
 *             form as data) fed straight into Xapian's TermGenerator
 *             (xapian-c/awx_floor.cc); the list and abstracts are parsed
 *             before the clocks (wall and CPU) start, so this is the
 *             engine alone;
 *   awindex   the real awindex binary (beside this one) on a fresh
 *             database: parsing, merging abstracts, writing, all timed;
 *   rerun     awindex again on the same database: every entry unchanged;
 *   -j2       awindex --rebuild --jobs 2 on a fresh database: two writer
 *             processes, merged with xapian-compact (CPU summed over all).
 *
 * It prints items per wall-clock second and per CPU second (user + system
 * of the child; the fairer figure on a busy machine), database size and
 * peak memory, and each variant's two rates as ratios of the floor's
 * ("ratio" by wall clock, "cpu r" by CPU).  Inputs are made by
 * bench/run-index-bench.sh; databases go under WORKDIR.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "awx_floor.h"
#include "listparse.h"
#include "papermeta.h"
#include "paths.h"

typedef struct result {
    double wall;       /* seconds */
    double cpu;        /* user + system seconds of the child */
    long maxrss_kb;
    size_t items;      /* documents indexed */
    double db_mib;
} result_t;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double tv_seconds(const struct timeval *tv)
{
    return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

/* The total size of the files under PATH, in bytes.  A Xapian stub file
 * ("auto DIR", what --rebuild leaves at the database path) counts as the
 * folder it names, relative to the stub's own folder. */
static long long tree_size(const char *path)
{
    struct stat st;
    long long total = 0;

    if (lstat(path, &st) != 0)
        return 0;
    if (S_ISREG(st.st_mode) && st.st_size < 4096) {
        char line[4096] = "", target[8192];
        FILE *f = fopen(path, "r");
        if (f != NULL && fgets(line, sizeof line, f) != NULL &&
            strncmp(line, "auto ", 5) == 0) {
            line[strcspn(line, "\n")] = '\0';
            const char *slash = strrchr(path, '/');
            if (line[5] == '/' || slash == NULL)
                snprintf(target, sizeof target, "%s", line + 5);
            else
                snprintf(target, sizeof target, "%.*s/%s", (int)(slash - path), path,
                         line + 5);
            fclose(f);
            return (long long)st.st_size + tree_size(target);
        }
        if (f != NULL)
            fclose(f);
    }
    if (!S_ISDIR(st.st_mode))
        return (long long)st.st_size;
    DIR *d = opendir(path);
    if (d == NULL)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
        total += tree_size(sub);
    }
    closedir(d);
    return total;
}

static int apply_meta(const aws_paper_meta_t *meta, void *ctx)
{
    aws_entry_t *e = aws_list_find(ctx, meta->id);

    if (e != NULL && e->kind == AWS_ENTRY_PAPER)
        return aws_entry_apply_meta(e, meta);
    return 0;
}

/* Joins SV's strings with ", " into a new string. */
static char *join(const aws_strv_t *sv)
{
    size_t len = 1;

    for (size_t i = 0; i < sv->n; i++)
        len += strlen(sv->v[i]) + 2;
    char *out = malloc(len);
    if (out == NULL)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < sv->n; i++) {
        if (i > 0)
            strcat(out, ", ");
        strcat(out, sv->v[i]);
    }
    return out;
}

/* CPU seconds (user + system) this process has used so far. */
static double self_cpu(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return tv_seconds(&ru.ru_utime) + tv_seconds(&ru.ru_stime);
}

/* The floor, in the child: parse (untimed), index (timed).  Writes the
 * indexing wall seconds, the item count and the indexing CPU seconds to
 * FD. */
static int floor_child(const char *db, const char *list_path, const char *abs_path, int fd)
{
    aws_list_t list;
    char err[512];

    aws_list_init(&list);
    if (aws_list_parse_file(&list, list_path) != 0 ||
        aws_paper_meta_load_file(abs_path, apply_meta, NULL, &list) != 0) {
        fprintf(stderr, "bench_index: cannot read %s or %s\n", list_path, abs_path);
        return 1;
    }
    awx_floor_doc_t *docs = calloc(list.n_entries + 1, sizeof *docs);
    if (docs == NULL)
        return 1;
    for (size_t i = 0; i < list.n_entries; i++) {
        aws_entry_t *e = list.entries[i];
        char *data = NULL;
        size_t len = 0;
        if (aws_entry_pack(e, &data, &len) != 0)
            return 1;
        docs[i] = (awx_floor_doc_t){
            .id = e->id, .title = e->title, .authors = join(&e->authors),
            .abstract = e->abstract, .sections = join(&e->sections),
            .data = data, .data_len = len,
        };
    }
    double t0 = now(), cpu0 = self_cpu();
    if (awx_floor_index(db, docs, list.n_entries, err, sizeof err) != 0) {
        fprintf(stderr, "bench_index: %s\n", err);
        return 1;
    }
    double out[3] = {now() - t0, (double)list.n_entries, self_cpu() - cpu0};
    if (write(fd, out, sizeof out) != (ssize_t)sizeof out)
        return 1;
    /* The process ends here: the OS takes back the documents' memory. */
    return 0;
}

/* Runs the floor in a child process. */
static int run_floor(const char *db, const char *list, const char *abs, result_t *r)
{
    int pipefd[2];
    struct rusage ru;
    int status;
    double got[3] = {0, 0, 0};

    if (pipe(pipefd) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(pipefd[0]);
        _exit(floor_child(db, list, abs, pipefd[1]));
    }
    close(pipefd[1]);
    ssize_t n = read(pipefd[0], got, sizeof got);
    close(pipefd[0]);
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0 || n != (ssize_t)sizeof got)
        return -1;
    r->wall = got[0];
    r->items = (size_t)got[1];
    r->cpu = got[2];
    r->maxrss_kb = ru.ru_maxrss;
    r->db_mib = (double)tree_size(db) / (1024.0 * 1024.0);
    return 0;
}

/* Runs AWINDEX on LIST with ABS into DB, timing it from outside; JOBS > 1
 * makes it a --rebuild --jobs JOBS run. */
static int run_awindex(const char *awindex, const char *db, const char *list,
                       const char *abs, size_t items, unsigned jobs, result_t *r)
{
    struct rusage ru;
    int status;
    double t0 = now();
    pid_t pid = fork();

    if (pid < 0)
        return -1;
    if (pid == 0) {
        char jobs_arg[16];
        snprintf(jobs_arg, sizeof jobs_arg, "%u", jobs);
        char *argv[] = {(char *)awindex, "--db", (char *)db, "--fetch", "never",
                        "--progress", "never", "-q", "--abstracts", (char *)abs,
                        (char *)list, "--rebuild", "--jobs", jobs_arg, NULL};
        if (jobs <= 1)
            argv[11] = NULL;
        execv(awindex, argv);
        fprintf(stderr, "bench_index: cannot run %s: %s\n", awindex, strerror(errno));
        _exit(127);
    }
    if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_index: awindex failed on %s\n", list);
        return -1;
    }
    r->wall = now() - t0;
    r->items = items;
    r->cpu = tv_seconds(&ru.ru_utime) + tv_seconds(&ru.ru_stime);
    r->maxrss_kb = ru.ru_maxrss;
    r->db_mib = (double)tree_size(db) / (1024.0 * 1024.0);
    return 0;
}

static void print_row(const char *name, const char *variant, const result_t *r,
                      const result_t *floor)
{
    double rate = r->wall > 0 ? (double)r->items / r->wall : 0;
    double floor_rate = floor->wall > 0 ? (double)floor->items / floor->wall : 0;
    double cpu_rate = r->cpu > 0 ? (double)r->items / r->cpu : 0;
    double floor_cpu_rate = floor->cpu > 0 ? (double)floor->items / floor->cpu : 0;

    printf("%-12s %-8s %7zu %8.2f %8.0f %8.2f %8.0f %7.1f %8.1f %6.2f %6.2f\n", name,
           variant, r->items, r->wall, rate, r->cpu, cpu_rate, r->db_mib,
           (double)r->maxrss_kb / 1024.0, floor_rate > 0 ? rate / floor_rate : 0,
           floor_cpu_rate > 0 ? cpu_rate / floor_cpu_rate : 0);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0) {
        fputs("usage: bench_index WORKDIR NAME LIST.md ABSTRACTS.jsonl "
              "[NAME LIST.md ABSTRACTS.jsonl...]\n", stderr);
        return 2;
    }
    const char *work = argv[1];
    char *bindir = aws_path_exe_dir();
    char awindex[4096];

    if (bindir == NULL)
        return 1;
    snprintf(awindex, sizeof awindex, "%s/awindex", bindir);
    free(bindir);

    printf("%-12s %-8s %7s %8s %8s %8s %8s %7s %8s %6s %6s\n", "data set", "variant",
           "items", "wall s", "items/s", "cpu s", "items/cs", "db MiB", "peak MiB",
           "ratio", "cpu r");
    for (int i = 2; i + 2 < argc; i += 3) {
        const char *name = argv[i], *list = argv[i + 1], *abs = argv[i + 2];
        char db[4096];
        result_t floor = {0}, aw = {0}, rerun = {0}, sharded = {0};

        snprintf(db, sizeof db, "%s/%s-floor", work, name);
        if (run_floor(db, list, abs, &floor) != 0) {
            fprintf(stderr, "bench_index: the floor failed on %s\n", list);
            return 1;
        }
        print_row(name, "floor", &floor, &floor);
        snprintf(db, sizeof db, "%s/%s-awindex", work, name);
        if (run_awindex(awindex, db, list, abs, floor.items, 1, &aw) != 0)
            return 1;
        print_row(name, "awindex", &aw, &floor);
        if (run_awindex(awindex, db, list, abs, floor.items, 1, &rerun) != 0)
            return 1;
        print_row(name, "rerun", &rerun, &floor);
        snprintf(db, sizeof db, "%s/%s-j2", work, name);
        if (run_awindex(awindex, db, list, abs, floor.items, 2, &sharded) != 0)
            return 1;
        print_row(name, "-j2", &sharded, &floor);
    }
    return 0;
}
