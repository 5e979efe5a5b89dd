/* number.c - whole numbers from the command line, checked.
 *
 * One parser for every option that takes a count (awsearch -n/--offset,
 * awindex -j, awsearchd --threads and friends), so that all three programs
 * refuse the same inputs: strtoul alone would take " 7", "+7" and "-1"
 * (as a huge number).
 */
#include "number.h"

#include <errno.h>
#include <stdlib.h>

int aws_parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}
