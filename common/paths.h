/* paths.h - where awsearch keeps its files (SPEC.md "Where things live").
 *
 * Each function returns a malloc'd path the caller frees, or NULL when out of
 * memory or when no home can be found.  Precedence: the flag (done by the
 * caller), then the environment variable, then the XDG default.
 */
#ifndef AWS_PATHS_H
#define AWS_PATHS_H

#include <sys/types.h>

/* $AWSEARCH_DB, else $XDG_DATA_HOME/awsearch/db (~/.local/share/awsearch/db). */
char *aws_path_default_db(void);

/* $AWSEARCH_SOCKET, else $XDG_RUNTIME_DIR/awsearch.sock, else
 * /tmp/awsearch-$UID/awsearch.sock. */
char *aws_path_default_socket(void);

/* $AWSEARCH_CACHE, else $XDG_CACHE_HOME/awsearch (~/.cache/awsearch). */
char *aws_path_default_cache(void);

/* $AWSEARCH_ARXIV_URL, else http://export.arxiv.org/api/query. */
char *aws_path_default_arxiv_url(void);

/* The folder of the bundled data: $AWSEARCH_DATA_DIR, else
 * <directory of this executable>/../share/awsearch (the same in the build
 * tree and once installed). */
char *aws_path_datadir(void);

/* The directory of the running executable (from /proc/self/exe). */
char *aws_path_exe_dir(void);

/* PATH made absolute against the working folder (malloc'd; NULL when out
 * of memory).  Nothing is resolved: the path need not exist. */
char *aws_path_absolute(const char *path);

/* Creates PATH and its missing parents with MODE; 0, or -1 with errno. */
int aws_mkdir_p(const char *path, mode_t mode);

/* Creates the parent folder of the socket path SOCK with mode 0700 when it
 * is missing; 0, or -1 with errno. */
int aws_path_ensure_parent(const char *sock, mode_t mode);

#endif /* AWS_PATHS_H */
