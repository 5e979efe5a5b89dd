/* opts.h - naming the command-line option getopt_long refused. */
#ifndef AWS_OPTS_H
#define AWS_OPTS_H

#include <stddef.h>

/* After getopt_long returned C, '?' (an unknown option) or ':' (a missing
 * value; the option string must start with ':' and opterr be 0), writes
 * the reason to BUF in one line, "unknown option '-x'" or "option '--db'
 * needs a value", and returns BUF.  Within a cluster such as -xq it names
 * the option itself, not the cluster. */
const char *aws_opt_refusal(int c, char *const argv[], char *buf, size_t len);

#endif /* AWS_OPTS_H */
