/* listlinks.c - find Markdown links ([label](url), ![alt](src)) in a line.
 *
 * Only the inline-link form the awesome lists use is recognised; labels may
 * hold nested brackets ("[[2305.14201] Goat](...)") and backslash escapes,
 * URLs may hold balanced parentheses.
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
