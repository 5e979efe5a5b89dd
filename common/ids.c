/* ids.c - recognise and normalise entry ids (arXiv ids, GitHub repos).
 *
 * Everything here works on a (pointer, length) view of the caller's text and
 * writes into a caller-supplied AWS_ID_MAX buffer, so the parser, the daemon
 * and the client can share it without any allocation or global state.
 */
#include "ids.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Trims ASCII white space from both ends of the view *S, *LEN. */
static void trim(const char **s, size_t *len)
{
    while (*len > 0 && isspace((unsigned char)(*s)[0])) {
        (*s)++;
        (*len)--;
    }
    while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* Consumes PREFIX (compared case-insensitively) from the view, if there. */
static bool eat(const char **s, size_t *len, const char *prefix)
{
    size_t n = strlen(prefix);
    if (*len < n || strncasecmp(*s, prefix, n) != 0)
        return false;
    *s += n;
    *len -= n;
    return true;
}

static size_t count_digits(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    return i;
}

/* Matches a new-style id (YYMM.NNNN or YYMM.NNNNN) at the start of S and
 * returns its length, or 0. */
static size_t match_new_id(const char *s, size_t len)
{
    if (count_digits(s, len) != 4 || len < 9 || s[4] != '.')
        return 0;
    int month = (s[2] - '0') * 10 + (s[3] - '0');
    if (month < 1 || month > 12)
        return 0;
    size_t n = count_digits(s + 5, len - 5);
    if (n != 4 && n != 5)
        return 0;
    return 5 + n;
}

/* Matches an old-style id (archive[.SC]/YYMMNNN, e.g. hep-th/9901001 or
 * math.GT/0309136) at the start of S.  Returns its length, or 0; *ARCH_LEN
 * gets the length of the archive name without the subject class. */
static size_t match_old_id(const char *s, size_t len, size_t *arch_len)
{
    size_t i = 0;
    while (i < len && (islower((unsigned char)s[i]) || isupper((unsigned char)s[i])
                       || s[i] == '-'))
        i++;
    if (i < 2)
        return 0;
    *arch_len = i;
    if (i < len && s[i] == '.') {
        size_t j = i + 1;
        while (j < len && isalpha((unsigned char)s[j]))
            j++;
        if (j == i + 1)
            return 0;
        i = j;
    }
    if (i >= len || s[i] != '/')
        return 0;
    i++;
    if (count_digits(s + i, len - i) != 7)
        return 0;
    int month = (s[i + 2] - '0') * 10 + (s[i + 3] - '0');
    if (month < 1 || month > 12)
        return 0;
    return i + 7;
}

int aws_arxiv_id_parse(const char *s, size_t len, char out[AWS_ID_MAX])
{
    trim(&s, &len);
    bool scheme = eat(&s, &len, "https://") || eat(&s, &len, "http://");
    bool url = eat(&s, &len, "arxiv.org/") || eat(&s, &len, "www.arxiv.org/")
               || eat(&s, &len, "export.arxiv.org/");
    if (scheme && !url)
        return -1;
    if (url) {
        if (!eat(&s, &len, "abs/") && !eat(&s, &len, "pdf/") && !eat(&s, &len, "html/"))
            return -1;
    } else {
        (void)eat(&s, &len, "arXiv:");
    }

    size_t arch_len = 0;
    size_t n = match_new_id(s, len);
    bool old = false;
    if (n == 0) {
        n = match_old_id(s, len, &arch_len);
        old = n > 0;
    }
    if (n == 0 || n >= AWS_ID_MAX)
        return -1;

    /* What may follow the id: a version, then (in URLs) ".pdf", a slash, a
     * query or a fragment.  Anything else means this was not an id. */
    size_t i = n;
    if (i < len && s[i] == 'v') {
        size_t d = count_digits(s + i + 1, len - i - 1);
        if (d == 0)
            return -1;
        i += 1 + d;
    }
    if (url) {
        if (len - i >= 4 && strncasecmp(s + i, ".pdf", 4) == 0)
            i += 4;
        if (i < len && s[i] == '/')
            i++;
        if (i < len && s[i] != '?' && s[i] != '#')
            return -1;
    } else if (i != len) {
        return -1;
    }

    if (!old) {
        memcpy(out, s, n);
        out[n] = '\0';
        return 0;
    }
    /* Old ids are written without the optional subject class and with the
     * archive in lower case, which is how arXiv itself names them. */
    size_t slash = (size_t)((const char *)memchr(s, '/', n) - s);
    size_t k = 0;
    for (size_t j = 0; j < arch_len; j++)
        out[k++] = (char)tolower((unsigned char)s[j]);
    memcpy(out + k, s + slash, n - slash);
    out[k + n - slash] = '\0';
    return 0;
}

int aws_arxiv_id_year(const char *id)
{
    if (id == NULL || id[0] == '\0')
        return 0;
    size_t len = strlen(id);
    if (match_new_id(id, len) == len) {
        int yy = (id[0] - '0') * 10 + (id[1] - '0');
        return 2000 + yy;
    }
    size_t arch_len = 0;
    if (match_old_id(id, len, &arch_len) == len) {
        const char *d = strchr(id, '/') + 1;
        int yy = (d[0] - '0') * 10 + (d[1] - '0');
        /* arXiv started in 1991; old-style ids ran until March 2007. */
        return yy >= 91 ? 1900 + yy : 2000 + yy;
    }
    return 0;
}

/* GitHub's own pages that look like /OWNER/NAME but are not repositories. */
static const char *const github_reserved[] = {
    "about", "apps", "collections", "contact", "customer-stories", "enterprise",
    "events", "explore", "features", "login", "marketplace", "new", "notifications",
    "orgs", "pricing", "pulls", "readme", "search", "security", "settings", "site",
    "sponsors", "topics", "trending", "users",
};

static bool repo_char(char c)
{
    return isalnum((unsigned char)c) || c == '-' || c == '_' || c == '.';
}

int aws_github_repo_parse(const char *url, size_t len, char out[AWS_ID_MAX])
{
    const char *s = url;
    trim(&s, &len);
    if (!eat(&s, &len, "https://") && !eat(&s, &len, "http://"))
        (void)eat(&s, &len, "git://");
    (void)eat(&s, &len, "www.");
    if (!eat(&s, &len, "github.com/"))
        return -1;

    size_t o = 0;
    while (o < len && repo_char(s[o]))
        o++;
    if (o == 0 || o >= len || s[o] != '/')
        return -1;
    for (size_t r = 0; r < sizeof github_reserved / sizeof github_reserved[0]; r++)
        if (strlen(github_reserved[r]) == o && strncasecmp(s, github_reserved[r], o) == 0)
            return -1;

    const char *name = s + o + 1;
    size_t rest = len - o - 1;
    size_t n = 0;
    while (n < rest && repo_char(name[n]))
        n++;
    /* The name ends at a slash, query or fragment ("/tree/main", "/.",
     * "?tab=readme", "#readme"); any other character means this is not a
     * plain repository URL. */
    if (n < rest && name[n] != '/' && name[n] != '?' && name[n] != '#')
        return -1;
    if (n >= 4 && strncasecmp(name + n - 4, ".git", 4) == 0)
        n -= 4;
    while (n > 0 && name[n - 1] == '.')
        n--;
    if (n == 0 || o + 1 + n + 1 > AWS_ID_MAX)
        return -1;

    size_t k = 0;
    for (size_t i = 0; i < o; i++)
        out[k++] = (char)tolower((unsigned char)s[i]);
    out[k++] = '/';
    for (size_t i = 0; i < n; i++)
        out[k++] = (char)tolower((unsigned char)name[i]);
    out[k] = '\0';
    return 0;
}

int aws_id_normalise(const char *s, char out[AWS_ID_MAX])
{
    size_t len = strlen(s);
    trim(&s, &len);
    if (aws_arxiv_id_parse(s, len, out) == 0 || aws_github_repo_parse(s, len, out) == 0)
        return 0;

    /* "Owner/Name" typed by hand: exactly one slash between two repository
     * name segments. */
    const char *slash = memchr(s, '/', len);
    if (slash != NULL && slash > s && (size_t)(slash - s) + 1 < len) {
        bool plain = memchr(slash + 1, '/', len - (size_t)(slash - s) - 1) == NULL;
        for (size_t i = 0; plain && i < len; i++)
            plain = s[i] == '/' || repo_char(s[i]);
        if (plain) {
            if (len + 1 > AWS_ID_MAX)
                return -1;
            for (size_t i = 0; i < len; i++)
                out[i] = (char)tolower((unsigned char)s[i]);
            out[len] = '\0';
            return 0;
        }
    }
    if (len + 1 > AWS_ID_MAX)
        return -1;
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}
