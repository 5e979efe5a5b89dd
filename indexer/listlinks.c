/* listlinks.c - find Markdown links ([label](url), ![alt](src)) in a line.
 *
 * Only the inline-link form the awesome lists use is recognised; labels may
 * hold nested brackets ("[[2305.14201] Goat](...)") and backslash escapes,
 * URLs may hold balanced parentheses.  A second, loose reading takes the
 * links whose label brackets do not balance, which hand-edited lists have.
 */
#include <string.h>

#include "listitem.h"

size_t aws__link_parse(const char *s, size_t len, aws__link_t *link)
{
    size_t i = 0;
    link->image = false;
    if (i < len && s[i] == '!') {
        link->image = true;
        i++;
    }
    if (i >= len || s[i] != '[')
        return 0;
    i++;
    size_t label = i;
    int depth = 1;
    for (; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len) {
            i++;
            continue;
        }
        if (s[i] == '[')
            depth++;
        else if (s[i] == ']' && --depth == 0)
            break;
    }
    if (i >= len)
        return 0;
    link->label = s + label;
    link->label_len = i - label;
    i++;
    if (i >= len || s[i] != '(')
        return 0;
    i++;
    while (i < len && s[i] == ' ')
        i++;
    size_t url = i;
    depth = 1;
    size_t url_end = 0;
    for (; i < len; i++) {
        if (s[i] == '(') {
            depth++;
        } else if (s[i] == ')' && --depth == 0) {
            break;
        } else if (s[i] == ' ' && url_end == 0 && depth == 1) {
            /* A space ends the destination; a quoted title may follow. */
            url_end = i;
        }
    }
    if (i >= len)
        return 0;
    if (url_end == 0)
        url_end = i;
    link->url = s + url;
    link->url_len = url_end - url;
    return i + 1;
}

static size_t count_char(const char *s, size_t len, char c)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == c;
    return n;
}

size_t aws__link_parse_loose(const char *s, size_t len, aws__link_t *lk)
{
    const char *close = NULL;
    for (size_t i = 0; i + 1 < len && close == NULL; i++)
        if (s[i] == ']' && s[i + 1] == '(')
            close = s + i;
    if (close == NULL)
        return 0;
    const char *label = s + 1;
    size_t llen = (size_t)(close - label);
    while (llen > 0 && label[0] == '['
           && count_char(label, llen, '[') > count_char(label, llen, ']'))
        label++, llen--;
    while (llen > 0 && label[llen - 1] == ']'
           && count_char(label, llen, ']') > count_char(label, llen, '['))
        llen--;
    const char *url = close + 2;
    size_t rest = len - (size_t)(url - s);
    int depth = 1;
    size_t i = 0;
    for (; i < rest; i++) {
        if (url[i] == '(')
            depth++;
        else if (url[i] == ')' && --depth == 0)
            break;
    }
    if (i >= rest)
        return 0;
    size_t ulen = 0;
    while (ulen < i && url[ulen] != ' ')
        ulen++;
    lk->label = label;
    lk->label_len = llen;
    lk->url = url;
    lk->url_len = ulen;
    lk->image = false;
    return (size_t)(url - s) + i + 1;
}
