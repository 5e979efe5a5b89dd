/* paths.c - where awsearch keeps its files (SPEC.md "Where things live"). */
#include "paths.h"
#include "strfmt.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The value of environment variable NAME when it is set and not empty. */
static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* $XDG_<KIND>_HOME when set and absolute (the XDG spec ignores relative
 * values), else $HOME/FALLBACK.  NULL when neither exists. */
static char *xdg_home(const char *var, const char *fallback)
{
    const char *v = env_nonempty(var);
    if (v != NULL && v[0] == '/')
        return strdup(v);
    const char *home = env_nonempty("HOME");
    if (home == NULL)
        return NULL;
    return aws_strfmt("%s/%s", home, fallback);
}

char *aws_path_default_db(void)
{
    const char *v = env_nonempty("AWSEARCH_DB");
    if (v != NULL)
        return strdup(v);
    char *base = xdg_home("XDG_DATA_HOME", ".local/share");
    if (base == NULL)
        return NULL;
    char *p = aws_strfmt("%s/awsearch/db", base);
    free(base);
    return p;
}

char *aws_path_default_socket(void)
{
    const char *v = env_nonempty("AWSEARCH_SOCKET");
    if (v != NULL)
        return strdup(v);
    v = env_nonempty("XDG_RUNTIME_DIR");
    if (v != NULL && v[0] == '/')
        return aws_strfmt("%s/awsearch.sock", v);
    return aws_strfmt("/tmp/awsearch-%lu/awsearch.sock", (unsigned long)getuid());
}

char *aws_path_default_cache(void)
{
    const char *v = env_nonempty("AWSEARCH_CACHE");
    if (v != NULL)
        return strdup(v);
    char *base = xdg_home("XDG_CACHE_HOME", ".cache");
    if (base == NULL)
        return NULL;
    char *p = aws_strfmt("%s/awsearch", base);
    free(base);
    return p;
}

char *aws_path_default_arxiv_url(void)
{
    const char *v = env_nonempty("AWSEARCH_ARXIV_URL");
    return strdup(v != NULL ? v : "http://export.arxiv.org/api/query");
}

char *aws_path_exe_dir(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == NULL)
        return NULL;
    *slash = '\0';
    return strdup(buf[0] != '\0' ? buf : "/");
}

char *aws_path_datadir(void)
{
    const char *v = env_nonempty("AWSEARCH_DATA_DIR");
    if (v != NULL)
        return strdup(v);
    char *exe = aws_path_exe_dir();
    if (exe == NULL)
        return NULL;
    char *p = aws_strfmt("%s/../share/awsearch", exe);
    free(exe);
    return p;
}

int aws_mkdir_p(const char *path, mode_t mode)
{
    size_t len = strlen(path);
    if (len == 0) {
        errno = ENOENT;
        return -1;
    }
    char *tmp = strdup(path);
    if (tmp == NULL)
        return -1;
    /* Create each ancestor in turn; EEXIST is fine as long as the last
     * component really is a folder. */
    for (char *p = tmp + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, mode) != 0 && errno != EEXIST) {
            free(tmp);
            return -1;
        }
        *p = '/';
    }
    int rc = mkdir(tmp, mode);
    free(tmp);
    if (rc != 0) {
        if (errno != EEXIST)
            return -1;
        struct stat st;
        if (stat(path, &st) != 0)
            return -1;
        if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            return -1;
        }
    }
    return 0;
}

int aws_path_ensure_parent(const char *sock, mode_t mode)
{
    char *dir = strdup(sock);
    if (dir == NULL)
        return -1;
    char *slash = strrchr(dir, '/');
    int rc = 0;
    if (slash != NULL && slash != dir) {
        *slash = '\0';
        rc = aws_mkdir_p(dir, mode);
    }
    free(dir);
    return rc;
}

char *aws_path_absolute(const char *path)
{
    char *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0);
    size_t n = (cwd ? strlen(cwd) + 1 : 0) + strlen(path) + 1;
    char *abs = malloc(n);
    if (abs)
        snprintf(abs, n, "%s%s%s", cwd ? cwd : "", cwd ? "/" : "", path);
    free(cwd);
    return abs;
}
