/* strfmt.h - printf into freshly allocated strings.
 *
 * The one place the programs turn a format into a malloc'd string, so that
 * error messages and paths are never cut at a fixed buffer size.
 */
#ifndef AWS_STRFMT_H
#define AWS_STRFMT_H

#include <stdarg.h>

/* A malloc'd string made from FMT (the caller frees it), or NULL when out
 * of memory. */
char *aws_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *aws_vstrfmt(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Replaces *DST (freed, may be NULL) with a malloc'd message made from FMT;
 * *DST is NULL afterwards when out of memory.  DST NULL: nothing happens. */
void aws_errmsg_set(char **dst, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* AWS_STRFMT_H */
