/* listitem.c - read one awesome-list item (its lines) into an entry.
 *
 * An item is a "- " line, the lines that continue it with leading spaces
 * (hard-wrapped titles), and then tab-indented lines: the italic author or
 * description line, " · ([name](url))" lines of further links, and
 * sub-bullets with notes or bare URLs.  Two first-line shapes exist:
 *
 *   - **Title**, `arXiv, 2401.13160`, [arxiv](...), [pdf](...), cication: [**N**](...)
 *   - [**name**](https://github.com/owner/name) - owner ![Star](...)   or   - [Title](url)
 *
 * The first line decides whether the item is kept: when it cannot be read
 * the item is skipped with a reason.  Later lines only add to the entry.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ids.h"
#include "listitem.h"

/* The parse of one item in progress. */
typedef struct item {
    const aws__item_ctx_t *ctx;
    aws_entry_t *e;
    int lineno;              /* the item's first line, for problems */
    bool authors_done;       /* the paper's author line has been read */
} item_t;

/* The UTF-8 of U+1F31F GLOWING STAR and U+00B7 MIDDLE DOT. */
static const char STAR[] = "\xF0\x9F\x8C\x9F";
static const char MIDDOT[] = "\xC2\xB7";

/* The first NLEN-byte NEEDLE in HAY[0..HLEN), or NULL (memmem is a GNU
 * extension, not POSIX). */
static const char *find(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
    for (size_t i = 0; nlen <= hlen && i <= hlen - nlen; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    return NULL;
}

static bool starts(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(s, prefix, n) == 0;
}

static void skip_space(const char **s, size_t *len)
{
    while (*len > 0 && (**s == ' ' || **s == '\t')) {
        (*s)++;
        (*len)--;
    }
}

static void trim(const char **s, size_t *len)
{
    skip_space(s, len);
    while (*len > 0 && isspace((unsigned char)(*s)[*len - 1]))
        (*len)--;
}

/* A copy of S[0..LEN) for display: trimmed, Markdown backslash escapes
 * ("\_", "\&") undone and runs of white space turned into one space.
 * NULL only when out of memory. */
static char *clean_text(const char *s, size_t len)
{
    trim(&s, &len);
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < len && ispunct((unsigned char)s[i + 1]))
            c = s[++i];
        if (isspace((unsigned char)c)) {
            if (k > 0 && out[k - 1] == ' ')
                continue;
            c = ' ';
        }
        out[k++] = c;
    }
    out[k] = '\0';
    return out;
}

/* Removes "**" or "*" emphasis wrapped around the whole of S[0..LEN). */
static void strip_emphasis(const char **s, size_t *len)
{
    trim(s, len);
    while (*len >= 2 && (*s)[0] == '*' && (*s)[*len - 1] == '*') {
        (*s)++;
        *len -= 2;
        trim(s, len);
    }
}

static int set_text(char **dst, const char *s, size_t len)
{
    char *t = clean_text(s, len);
    if (t == NULL)
        return -1;
    free(*dst);
    *dst = t;
    return 0;
}

/* Appends S[0..LEN) to the description, a space between the pieces. */
static int add_abstract(item_t *it, const char *s, size_t len)
{
    char *t = clean_text(s, len);
    if (t == NULL)
        return -1;
    if (*t == '\0') {
        free(t);
        return 0;
    }
    aws_entry_t *e = it->e;
    if (e->abstract == NULL || *e->abstract == '\0') {
        free(e->abstract);
        e->abstract = t;
        return 0;
    }
    size_t a = strlen(e->abstract), b = strlen(t);
    char *joined = realloc(e->abstract, a + 1 + b + 1);
    if (joined == NULL) {
        free(t);
        return -1;
    }
    joined[a] = ' ';
    memcpy(joined + a + 1, t, b + 1);
    e->abstract = joined;
    free(t);
    return 0;
}

/* Adds URL to the item's links when it is a web address other than the
 * item's own URL; a GitHub repository sets has_code. */
static int add_link(item_t *it, const char *url, size_t len)
{
    trim(&url, &len);
    if (len == 0 || find(url, len, "://", 3) == NULL)
        return 0;
    char id[AWS_ID_MAX];
    if (aws_github_repo_parse(url, len, id) == 0)
        it->e->has_code = true;
    char *u = strndup(url, len);
    if (u == NULL)
        return -1;
    int rc = 0;
    if (it->e->url == NULL || strcmp(it->e->url, u) != 0)
        rc = aws_strv_push_unique(&it->e->links, u);
    free(u);
    return rc;
}

/* Adds every link (not badge images) in S[0..LEN) to the item's links. */
static int add_links_in(item_t *it, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] != '[' && !(s[i] == '!' && i + 1 < len && s[i + 1] == '['))
            continue;
        aws__link_t lk;
        size_t n = aws__link_parse(s + i, len - i, &lk);
        if (n == 0)
            continue;
        if (!lk.image && add_link(it, lk.url, lk.url_len) != 0)
            return -1;
        i += n - 1;
    }
    return 0;
}

int aws__text_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return (int)len;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    return (int)max;
}

/* Skips the item with WHY as its problem.  Returns 1 (or -1 when out of
 * memory) for aws__list_item_parse to pass on. */
static int skip_item(item_t *it, const char *why, const char *detail, size_t dlen)
{
    int rc = detail != NULL
                 ? aws__list_problem(it->ctx->list, it->ctx->name, it->lineno, 1,
                                     "%s \"%.*s\"", why, aws__text_cut(detail, dlen, 60), detail)
                 : aws__list_problem(it->ctx->list, it->ctx->name, it->lineno, 1, "%s", why);
    aws_entry_clear(it->e);
    return rc != 0 ? -1 : 1;
}

/* Sets id, url and year for the paper ID. */
static int make_paper(item_t *it, const char *id)
{
    aws_entry_t *e = it->e;
    e->kind = AWS_ENTRY_PAPER;
    e->year = aws_arxiv_id_year(id);
    size_t n = strlen(id);
    e->id = strdup(id);
    e->url = malloc(sizeof "https://arxiv.org/abs/" + n);
    if (e->id == NULL || e->url == NULL)
        return -1;
    memcpy(e->url, "https://arxiv.org/abs/", sizeof "https://arxiv.org/abs/" - 1);
    memcpy(e->url + sizeof "https://arxiv.org/abs/" - 1, id, n + 1);
    return 0;
}

/* Reads "**Title**, `arXiv, ID`, [arxiv](url), [pdf](url), cication: [**N**](url)"
 * (S points at the first "**"). */
static int parse_paper_head(item_t *it, const char *s, size_t len)
{
    aws_entry_t *e = it->e;
    const char *title = s + 2;
    const char *close = find(title, len - 2, "**", 2);
    if (close == NULL)
        return skip_item(it, "paper item: the title's closing ** is missing", NULL, 0);
    if (set_text(&e->title, title, (size_t)(close - title)) != 0)
        return -1;
    if (*e->title == '\0')
        return skip_item(it, "paper item: the title is empty", NULL, 0);

    char id[AWS_ID_MAX] = "";
    bool want_citation = false;
    const char *p = close + 2, *end = s + len;
    while (p < end) {
        if (*p == ' ' || *p == ',' || *p == '\t') {
            p++;
        } else if (*p == '`') {
            const char *q = memchr(p + 1, '`', (size_t)(end - p - 1));
            if (q == NULL)
                return skip_item(it, "paper item: unclosed ` after", p, (size_t)(end - p));
            const char *c = p + 1;
            size_t clen = (size_t)(q - c);
            /* "arXiv, 2401.13160" names the paper; "ICML, 2023" is a venue,
             * and then the id comes from the arxiv link. */
            if (clen >= 5 && strncasecmp(c, "arXiv", 5) == 0) {
                const char *v = c + 5;
                size_t vlen = clen - 5;
                while (vlen > 0 && (*v == ',' || *v == ':' || *v == ' ')) {
                    v++;
                    vlen--;
                }
                if (aws_arxiv_id_parse(v, vlen, id) != 0)
                    return skip_item(it, "paper item: bad arXiv id", v, vlen);
            }
            p = q + 1;
        } else if (*p == '[' || *p == '!') {
            aws__link_t lk;
            size_t n = aws__link_parse(p, (size_t)(end - p), &lk);
            if (n == 0)
                return skip_item(it, "paper item: broken link", p, (size_t)(end - p));
            const char *label = lk.label;
            size_t llen = lk.label_len;
            strip_emphasis(&label, &llen);
            if (lk.image) {
                /* Badges carry no content. */
            } else if (want_citation) {
                /* The citation count's link goes to a search page; only the
                 * number matters.  "-1" means unknown. */
                char num[32];
                if (llen > 0 && llen < sizeof num) {
                    memcpy(num, label, llen);
                    num[llen] = '\0';
                    char *nend;
                    long v = strtol(num, &nend, 10);
                    if (*nend == '\0')
                        e->citations = v < 0 ? -1 : v;
                    else if (aws__list_problem(it->ctx->list, it->ctx->name, it->lineno, 0,
                                               "citation count \"%s\" is not a number; "
                                               "taken as unknown", num) != 0)
                        return -1;
                }
                want_citation = false;
            } else if (llen == 5 && strncasecmp(label, "arxiv", 5) == 0) {
                char from_link[AWS_ID_MAX];
                if (aws_arxiv_id_parse(lk.url, lk.url_len, from_link) == 0) {
                    if (id[0] == '\0')
                        memcpy(id, from_link, strlen(from_link) + 1);
                } else if (id[0] == '\0') {
                    return skip_item(it, "paper item: the arxiv link holds no arXiv id",
                                     lk.url, lk.url_len);
                } else if (aws__list_problem(it->ctx->list, it->ctx->name, it->lineno, 0,
                                             "the arxiv link \"%.*s\" holds no arXiv id; "
                                             "the id %s is used",
                                             aws__text_cut(lk.url, lk.url_len, 60), lk.url,
                                             id) != 0) {
                    return -1;
                }
            } else if (add_link(it, lk.url, lk.url_len) != 0) {
                return -1;
            }
            p += n;
        } else if ((size_t)(end - p) >= 9 && (strncasecmp(p, "cication:", 9) == 0
                                              || strncasecmp(p, "citation:", 9) == 0)) {
            want_citation = true;
            p += 9;
        } else {
            /* Free text between the parts (a venue without backticks): not
             * an error, and nothing to keep. */
            while (p < end && *p != ',')
                p++;
        }
    }

    /* No arXiv id in the backtick or the arxiv link: a pdf link may still
     * be on arxiv.org; failing that the item is a plain link with a title. */
    for (size_t i = 0; id[0] == '\0' && i < e->links.n; i++)
        if (aws_arxiv_id_parse(e->links.v[i], strlen(e->links.v[i]), id) != 0)
            id[0] = '\0';
    if (id[0] != '\0')
        return make_paper(it, id) != 0 ? -1 : 0;
    if (e->links.n == 0)
        return skip_item(it, "item has a **title** but no arXiv id and no link", NULL, 0);
    e->kind = AWS_ENTRY_LINK;
    e->url = e->links.v[0];
    memmove(e->links.v, e->links.v + 1, (e->links.n - 1) * sizeof *e->links.v);
    e->links.n--;
    e->id = strdup(e->url);
    return e->id == NULL ? -1 : 0;
}

/* Reads "[**name**](url) - owner ![Star](...)" or "[Title](url)" (S points
 * at the '['). */
static int parse_link_head(item_t *it, const char *s, size_t len)
{
    aws_entry_t *e = it->e;
    aws__link_t lk;
    size_t n = aws__link_parse(s, len, &lk);
    if (n == 0) {
        n = aws__link_parse_loose(s, len, &lk);
        if (n == 0)
            return skip_item(it, "link item: broken link (no closing ] or ))", s, len);
        if (aws__list_problem(it->ctx->list, it->ctx->name, it->lineno, 0,
                              "the link text's brackets do not balance; read up to the "
                              "first \"](\"") != 0)
            return -1;
    }
    const char *label = lk.label, *url = lk.url;
    size_t llen = lk.label_len, ulen = lk.url_len;
    strip_emphasis(&label, &llen);
    trim(&url, &ulen);
    if (ulen == 0)
        return skip_item(it, "link item: the link has no target", s, len);
    if (url[0] == '#')
        return skip_item(it, "in-page anchor link, not an entry", url, ulen);
    if (set_text(&e->title, label, llen) != 0)
        return -1;
    if (*e->title == '\0')
        return skip_item(it, "link item: the link text is empty", s, len);

    char id[AWS_ID_MAX];
    if (aws_github_repo_parse(url, ulen, id) == 0) {
        e->kind = AWS_ENTRY_REPO;
        e->has_code = true;
        e->id = strdup(id);
        e->url = malloc(sizeof "https://github.com/" + strlen(id));
        if (e->id == NULL || e->url == NULL)
            return -1;
        strcpy(e->url, "https://github.com/");
        strcat(e->url, id);
    } else if (aws_arxiv_id_parse(url, ulen, id) == 0) {
        if (make_paper(it, id) != 0)
            return -1;
        /* "[2305.14201] Goat: ..." repeats the id in front of the title. */
        size_t idlen = strlen(id);
        if (e->title[0] == '[' && strncmp(e->title + 1, id, idlen) == 0) {
            const char *rb = strchr(e->title, ']');
            if (rb != NULL && rb[1] == ' ' && rb[2] != '\0')
                memmove(e->title, rb + 2, strlen(rb + 2) + 1);
        }
    } else {
        e->kind = AWS_ENTRY_LINK;
        e->id = strndup(url, ulen);
        e->url = strndup(url, ulen);
        if (e->id == NULL || e->url == NULL)
            return -1;
    }
    /* A deep link into a repository (".../blob/main/x.pdf") is kept too. */
    if (add_link(it, url, ulen) != 0 || add_links_in(it, s + n, len - n) != 0)
        return -1;
    return 0;
}

/* Splits "A, B, ..., C" into authors, dropping the "..." of elided lists. */
static int add_authors(item_t *it, const char *s, size_t len)
{
    const char *end = s + len;
    while (s < end) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *stop = comma ? comma : end;
        char *name = clean_text(s, (size_t)(stop - s));
        if (name == NULL)
            return -1;
        bool elided = strcmp(name, "...") == 0 || strcmp(name, "\xE2\x80\xA6") == 0
                      || strcmp(name, "et al.") == 0;
        int rc = 0;
        if (*name != '\0' && !elided)
            rc = aws_strv_push(&it->e->authors, name, strlen(name));
        free(name);
        if (rc != 0)
            return -1;
        s = comma ? comma + 1 : end;
    }
    return 0;
}

/* Reads one line after the item line (LINE is not blank). */
static int parse_more(item_t *it, const aws__line_t *line)
{
    aws_entry_t *e = it->e;
    const char *s = line->text;
    size_t len = line->len;
    if (s[0] != ' ' && s[0] != '\t') {
        return aws__list_problem(it->ctx->list, it->ctx->name, line->lineno, 0,
                                 "stray text \"%.*s\" inside the item of line %d; ignored",
                                 aws__text_cut(s, len, 40), s, it->lineno);
    }
    skip_space(&s, &len);

    /* A sub-bullet: a note, a link or a bare URL. */
    if (len > 0 && (s[0] == '-' || s[0] == '+') && (len == 1 || s[1] == ' ')) {
        s++, len--;
        trim(&s, &len);
        if (len == 0)
            return 0;
        if (starts(s, len, "http://") || starts(s, len, "https://")) {
            size_t n = 0;
            while (n < len && !isspace((unsigned char)s[n]))
                n++;
            return add_link(it, s, n);
        }
        if (add_links_in(it, s, len) != 0)
            return -1;
        if (s[0] == '[' || e->kind == AWS_ENTRY_PAPER)
            return 0;
        const char *note = s;
        size_t nlen = len;
        strip_emphasis(&note, &nlen);
        while (nlen >= 2 && note[0] == '`' && note[nlen - 1] == '`')
            note++, nlen -= 2;
        return add_abstract(it, note, nlen);
    }

    if (add_links_in(it, s, len) != 0)
        return -1;
    if (starts(s, len, MIDDOT))
        return 0;

    /* The italic line: authors for a paper, the description otherwise; its
     * end is the last '*' before any " · (" links. */
    const char *text = s;
    size_t tlen = len;
    const char *dot = find(s, len, MIDDOT, 2);
    if (dot != NULL)
        tlen = (size_t)(dot - s);
    if (s[0] == '*') {
        text = s + 1;
        tlen = tlen > 0 ? tlen - 1 : 0;
        while (tlen > 0 && text[tlen - 1] != '*')
            tlen--;
        if (tlen == 0)
            tlen = (dot != NULL ? (size_t)(dot - text) : len - 1);
        else
            tlen--;
    }
    strip_emphasis(&text, &tlen);
    if (e->kind == AWS_ENTRY_PAPER) {
        if (s[0] != '*' || it->authors_done)
            return 0;
        it->authors_done = true;
        return add_authors(it, text, tlen);
    }
    return add_abstract(it, text, tlen);
}

/* Whether the first line S[0..LEN) (past the bullet) still waits for the
 * end of its bold title or of its link on a following line. */
static bool head_open(const char *s, size_t len)
{
    aws__link_t lk;
    if (starts(s, len, "**"))
        return find(s + 2, len - 2, "**", 2) == NULL;
    if (starts(s, len, "[") || starts(s, len, "!["))
        return aws__link_parse(s, len, &lk) == 0 && aws__link_parse_loose(s, len, &lk) == 0;
    return false;
}

int aws__list_item_parse(const aws__item_ctx_t *ctx, const aws__line_t *lines,
                         size_t n, aws_entry_t *e)
{
    item_t it = {ctx, e, lines[0].lineno, false};

    /* The logical first line: the item line and the lines continuing it
     * with leading spaces (hard-wrapped titles), joined with a space, for
     * as long as the title or link is still open. */
    size_t cap = 1;
    for (size_t j = 0; j < n; j++)
        cap += lines[j].len + 1;
    char *head = malloc(cap);
    if (head == NULL)
        return -1;
    memcpy(head, lines[0].text, lines[0].len);
    size_t hlen = lines[0].len, next = 1;
    const char *s;
    size_t len;
    for (;;) {
        s = head + 1;   /* past the bullet */
        len = hlen - 1;
        skip_space(&s, &len);
        if (starts(s, len, STAR)) {
            s += sizeof STAR - 1, len -= sizeof STAR - 1;
            skip_space(&s, &len);
        }
        /* Real titles wrap over two or three lines; the cap keeps a
         * never-closed title from rescanning a huge item quadratically. */
        if (next >= n || next > 16 || lines[next].len == 0 || lines[next].text[0] != ' '
            || !head_open(s, len))
            break;
        const char *t = lines[next].text;
        size_t tl = lines[next].len;
        trim(&t, &tl);
        head[hlen++] = ' ';
        memcpy(head + hlen, t, tl);
        hlen += tl;
        next++;
    }
    int rc;
    if (starts(s, len, "**"))
        rc = parse_paper_head(&it, s, len);
    else if (starts(s, len, "[") || starts(s, len, "!["))
        rc = parse_link_head(&it, s, len);
    else
        rc = skip_item(&it, "item starts with neither a **title** nor a [link](url):",
                       s, len);
    free(head);

    for (size_t j = next; rc == 0 && j < n; j++)
        if (lines[j].len > 0)
            rc = parse_more(&it, &lines[j]);
    if (rc != 0) {
        aws_entry_clear(e);
        return rc;
    }

    /* In memory, subsections run parallel to sections ("" when none). */
    char src[64];
    snprintf(src, sizeof src, ":%d", it.lineno);
    size_t nlen = strlen(ctx->name), slen = strlen(src);
    e->source = malloc(nlen + slen + 1);
    if (e->source == NULL || aws_strv_push(&e->sections, ctx->section, strlen(ctx->section)) != 0
        || aws_strv_push(&e->subsections, ctx->subsection, strlen(ctx->subsection)) != 0) {
        aws_entry_clear(e);
        return -1;
    }
    memcpy(e->source, ctx->name, nlen);
    memcpy(e->source + nlen, src, slen + 1);
    return 0;
}
