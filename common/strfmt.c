/* strfmt.c - printf into freshly allocated strings. */
#include "strfmt.h"

#include <stdio.h>
#include <stdlib.h>

char *aws_vstrfmt(const char *fmt, va_list ap)
{
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s != NULL)
        vsnprintf(s, (size_t)n + 1, fmt, again);
    va_end(again);
    return s;
}

char *aws_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = aws_vstrfmt(fmt, ap);
    va_end(ap);
    return s;
}

void aws_errmsg_set(char **dst, const char *fmt, ...)
{
    if (dst == NULL)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = aws_vstrfmt(fmt, ap);
    va_end(ap);
    free(*dst);
    *dst = s;
}
