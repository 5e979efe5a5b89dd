/* opts.c - naming the command-line option getopt_long refused.
 *
 * One wording for all three programs.  getopt sets optopt to an unknown or
 * value-less short option and leaves optind on its word while a cluster
 * (-xq) goes on; an unknown long option leaves optopt 0, and a long option
 * without its value is the word before optind.
 */
#include "opts.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

const char *aws_opt_refusal(int c, char *const argv[], char *buf, size_t len)
{
    const char *word = argv[optind - 1];
    char shortname[3] = {'-', (char)optopt, '\0'};
    bool long_word = word[0] == '-' && word[1] == '-';
    const char *name;
    if (c == ':')
        name = !long_word && optopt > 0 && optopt < 128 ? shortname : word;
    else
        name = optopt != 0 ? shortname : word;
    snprintf(buf, len, c == ':' ? "option '%s' needs a value" : "unknown option '%s'",
             name);
    return buf;
}
