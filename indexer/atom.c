/* atom.c - parse an arXiv API response (Atom XML) into paper metadata.
 *
 * The document is read whole into a libxml2 tree (responses are a few
 * hundred kilobytes at most) and walked once: every <entry> becomes a
 * paper, an error, an empty entry, or a problem line.  Only text and CDATA
 * children are read, so no entity is ever expanded.
 */
#include "atom.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "ids.h"

#define ATOM_NS "http://www.w3.org/2005/Atom"
#define ARXIV_NS "http://arxiv.org/schemas/atom"

/* Error entries carry an <id> of this form (older and newer hosts). */
#define ERROR_ID_MARK "arxiv.org/api/errors"

/* What an id named by an error entry may be made of. */
#define ID_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./-"

/* A version number above this is not taken from an id URL. */
#define MAX_VERSION 9999

void aws_atom_feed_clear(aws_atom_feed_t *feed)
{
    if (feed == NULL)
        return;
    for (size_t i = 0; i < feed->n_papers; i++)
        aws_paper_meta_clear(&feed->papers[i]);
    free(feed->papers);
    aws_strv_free(&feed->errors);
    aws_strv_free(&feed->error_ids);
    aws_strv_free(&feed->problems);
    aws_strv_free(&feed->problem_ids);
    memset(feed, 0, sizeof *feed);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
           || c == '\v';
}

char *aws_atom_squeeze(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    if (out == NULL)
        return NULL;
    size_t n = 0;
    int pending_space = 0;
    for (size_t i = 0; i < len; i++) {
        if (is_space(s[i])) {
            pending_space = n > 0;
            continue;
        }
        if (pending_space)
            out[n++] = ' ';
        pending_space = 0;
        out[n++] = s[i];
    }
    out[n] = '\0';
    return out;
}

/* Is NODE an element named NAME in namespace NS? */
static int is_elem(const xmlNode *node, const char *ns, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns != NULL
           && node->ns->href != NULL
           && strcmp((const char *)node->ns->href, ns) == 0
           && strcmp((const char *)node->name, name) == 0;
}

/* The text directly inside NODE (text and CDATA children only, so entity
 * references are never followed), white space squeezed.  Returns a malloc'd
 * string, possibly empty, or NULL when out of memory. */
static char *elem_text(const xmlNode *node)
{
    size_t len = 0;
    for (const xmlNode *c = node->children; c != NULL; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            && c->content != NULL)
            len += strlen((const char *)c->content);
    char *raw = malloc(len + 1);
    if (raw == NULL)
        return NULL;
    size_t n = 0;
    for (const xmlNode *c = node->children; c != NULL; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE)
            && c->content != NULL) {
            size_t l = strlen((const char *)c->content);
            memcpy(raw + n, c->content, l);
            n += l;
        }
    }
    char *out = aws_atom_squeeze(raw, n);
    free(raw);
    return out;
}

/* The version at the end of an id URL ("...abs/2201.13452v3" -> 3), or 0. */
static int version_of(const char *s)
{
    size_t len = strlen(s);
    while (len > 0 && is_space(s[len - 1]))
        len--;
    size_t end = len;
    while (len > 0 && s[len - 1] >= '0' && s[len - 1] <= '9')
        len--;
    if (len == end || end - len > 4 || len < 2 || s[len - 1] != 'v'
        || s[len - 2] < '0' || s[len - 2] > '9')
        return 0;
    int v = atoi(s + len);
    return v > 0 && v <= MAX_VERSION ? v : 0;
}

/* Keeps the YYYY-MM-DD part of an Atom date, or NULL when TEXT does not
 * start with one.  Returns 0, or -1 when out of memory. */
static int take_date(const char *text, char **out)
{
    static const char shape[] = "dddd-dd-dd";
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        char c = text[i];
        if (shape[i] == 'd' ? (c < '0' || c > '9') : c != shape[i])
            return 0;
    }
    if (text[10] != '\0' && text[10] != 'T' && text[10] != ' ')
        return 0;
    free(*out);
    *out = strndup(text, 10);
    return *out == NULL ? -1 : 0;
}

static int add_problem(aws_atom_feed_t *feed, size_t index, const char *id,
                       const char *why)
{
    char line[AWS_ID_MAX + 160];
    snprintf(line, sizeof line, "entry %zu%s%s%s: %s", index,
             id != NULL ? " (" : "", id != NULL ? id : "",
             id != NULL ? ")" : "", why);
    if (id != NULL && aws_strv_push_unique(&feed->problem_ids, id) != 0)
        return -1;
    return aws_strv_push(&feed->problems, line, strlen(line));
}

/* An error entry: its summary is the message; the last word of it names the
 * offending id when it is one ("incorrect id format for 1234.12345"). */
static int take_error(aws_atom_feed_t *feed, const xmlNode *entry)
{
    char *msg = NULL;
    for (const xmlNode *c = entry->children; c != NULL; c = c->next) {
        if (is_elem(c, ATOM_NS, "summary")) {
            free(msg);
            if ((msg = elem_text(c)) == NULL)
                return -2;
        }
    }
    const char *text = msg != NULL && msg[0] != '\0' ? msg : "unexplained error";
    int rc = aws_strv_push(&feed->errors, text, strlen(text));
    /* The named id is normalised when it is one; else (arXiv refusing what
     * it thinks malformed, 1234.12345) kept as written if it looks like one. */
    const char *last = strrchr(text, ' ');
    char id[AWS_ID_MAX];
    if (rc == 0 && last != NULL) {
        last++;
        size_t n = strlen(last);
        if (aws_arxiv_id_parse(last, n, id) == 0)
            rc = aws_strv_push_unique(&feed->error_ids, id);
        else if (n > 0 && n < AWS_ID_MAX && strspn(last, ID_CHARS) == n)
            rc = aws_strv_push_unique(&feed->error_ids, last);
    }
    free(msg);
    return rc == 0 ? 0 : -2;
}

/* Reads one paper entry into *M.  Returns 0, 1 when the entry is unusable
 * (a problem line has been added), or -2 when out of memory. */
static int take_paper(aws_atom_feed_t *feed, size_t index,
                      const xmlNode *entry, const char *idtext,
                      aws_paper_meta_t *m)
{
    char id[AWS_ID_MAX];
    if (aws_arxiv_id_parse(idtext, strlen(idtext), id) != 0)
        return add_problem(feed, index, NULL, "<id> is not an arXiv id") == 0
               ? 1 : -2;
    if ((m->id = strdup(id)) == NULL)
        return -2;
    m->version = version_of(idtext);
    char *primary = NULL;
    int rc = 0;
    for (const xmlNode *c = entry->children; c != NULL && rc == 0; c = c->next) {
        if (is_elem(c, ATOM_NS, "title")) {
            free(m->title);
            if ((m->title = elem_text(c)) == NULL)
                rc = -2;
        } else if (is_elem(c, ATOM_NS, "summary")) {
            free(m->abstract);
            if ((m->abstract = elem_text(c)) == NULL)
                rc = -2;
        } else if (is_elem(c, ATOM_NS, "published")) {
            char *t = elem_text(c);
            if (t == NULL || take_date(t, &m->published) != 0)
                rc = -2;
            free(t);
        } else if (is_elem(c, ATOM_NS, "author")) {
            for (const xmlNode *a = c->children; a != NULL && rc == 0; a = a->next) {
                if (!is_elem(a, ATOM_NS, "name"))
                    continue;
                char *name = elem_text(a);
                if (name == NULL)
                    rc = -2;
                else if (name[0] != '\0'
                         && aws_strv_push(&m->authors, name, strlen(name)) != 0)
                    rc = -2;
                free(name);
            }
        } else if (is_elem(c, ATOM_NS, "category")
                   || is_elem(c, ARXIV_NS, "primary_category")) {
            xmlChar *term = xmlGetNoNsProp(c, (const xmlChar *)"term");
            char *t = term != NULL
                      ? aws_atom_squeeze((const char *)term,
                                         strlen((const char *)term))
                      : NULL;
            if (term != NULL && t == NULL)
                rc = -2;
            else if (t != NULL && t[0] != '\0') {
                /* The primary category goes first even when the feed
                 * lists it after the others. */
                if (is_elem(c, ARXIV_NS, "primary_category")) {
                    free(primary);
                    primary = t;
                    t = NULL;
                } else if (aws_strv_push_unique(&m->categories, t) != 0) {
                    rc = -2;
                }
            }
            free(t);
            xmlFree(term);
        } else if (is_elem(c, ATOM_NS, "link") && m->version == 0) {
            /* The older shape's <id> may lack the version that the
             * alternate link carries. */
            xmlChar *href = xmlGetNoNsProp(c, (const xmlChar *)"href");
            if (href != NULL && strstr((const char *)href, "/abs/") != NULL)
                m->version = version_of((const char *)href);
            xmlFree(href);
        }
    }
    if (rc == 0 && primary != NULL && !aws_strv_contains(&m->categories, primary)) {
        if (aws_strv_push(&m->categories, primary, strlen(primary)) != 0) {
            rc = -2;
        } else {
            /* Move it to the front. */
            char *p = m->categories.v[m->categories.n - 1];
            memmove(m->categories.v + 1, m->categories.v,
                    (m->categories.n - 1) * sizeof *m->categories.v);
            m->categories.v[0] = p;
        }
    }
    free(primary);
    if (rc != 0)
        return rc;
    const char *why = m->title == NULL || m->title[0] == '\0' ? "no <title>"
                      : m->abstract == NULL || m->abstract[0] == '\0'
                      ? "no <summary>" : NULL;
    if (why != NULL)
        return add_problem(feed, index, m->id, why) == 0 ? 1 : -2;
    return 0;
}

/* Sorts one <entry> into the feed.  Returns 0 or -2 (out of memory). */
static int take_entry(aws_atom_feed_t *feed, size_t index, const xmlNode *entry)
{
    char *idtext = NULL;
    for (const xmlNode *c = entry->children; c != NULL; c = c->next) {
        if (is_elem(c, ATOM_NS, "id")) {
            free(idtext);
            if ((idtext = elem_text(c)) == NULL)
                return -2;
        }
    }
    if (idtext == NULL || idtext[0] == '\0') {
        feed->n_empty++;
        free(idtext);
        return 0;
    }
    if (strstr(idtext, ERROR_ID_MARK) != NULL) {
        free(idtext);
        return take_error(feed, entry);
    }
    aws_paper_meta_t m;
    memset(&m, 0, sizeof m);
    int rc = take_paper(feed, index, entry, idtext, &m);
    free(idtext);
    if (rc != 0) {
        aws_paper_meta_clear(&m);
        return rc < 0 ? rc : 0;
    }
    /* The same id twice in one response: the later entry wins. */
    for (size_t i = 0; i < feed->n_papers; i++) {
        if (strcmp(feed->papers[i].id, m.id) == 0) {
            aws_paper_meta_clear(&feed->papers[i]);
            feed->papers[i] = m;
            return 0;
        }
    }
    aws_paper_meta_t *np = realloc(feed->papers,
                                   (feed->n_papers + 1) * sizeof *np);
    if (np == NULL) {
        aws_paper_meta_clear(&m);
        return -2;
    }
    feed->papers = np;
    feed->papers[feed->n_papers++] = m;
    return 0;
}

/* Swallows what libxml2 would print: its encoding and I/O errors bypass
 * XML_PARSE_NOERROR and go to the generic handler, and a bad response must
 * not write on awindex's terminal.  The parse error itself is reported
 * from the context. */
static void quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

/* Writes "line LINE: " and the printf-style FMT into ERRBUF. */
static void say(char *errbuf, size_t errlen, int line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static void say(char *errbuf, size_t errlen, int line, const char *fmt, ...)
{
    if (errbuf == NULL || errlen == 0)
        return;
    int n = snprintf(errbuf, errlen, "line %d: ", line);
    if (n < 0 || (size_t)n >= errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

int aws_atom_parse(const char *buf, size_t len, aws_atom_feed_t *feed,
                   char *errbuf, size_t errlen)
{
    memset(feed, 0, sizeof *feed);
    if (len > INT_MAX) {
        say(errbuf, errlen, 0, "a response of %zu bytes is too large to parse", len);
        return -1;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL)
        return -2;
    /* NONET: nothing is fetched; no NOENT, no DTDLOAD: entities stay
     * unexpanded and external subsets unread; errors are collected on the
     * context instead of printed. */
    int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    /* The generic handler is libxml2's per-thread setting: borrowed for
     * the parse and given back. */
    xmlGenericErrorFunc saved_fn = xmlGenericError;
    void *saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, quiet);
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "response", NULL,
                                      options);
    xmlSetGenericErrorFunc(saved_ctx, saved_fn);
    if (doc == NULL) {
        const xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[200];
        snprintf(msg, sizeof msg, "%s",
                 e != NULL && e->message != NULL ? e->message : "not XML");
        size_t l = strlen(msg);
        while (l > 0 && is_space(msg[l - 1]))
            msg[--l] = '\0';
        say(errbuf, errlen, e != NULL ? e->line : 0, "%s", msg);
        xmlFreeParserCtxt(ctxt);
        return -1;
    }
    xmlFreeParserCtxt(ctxt);
    int rc = 0;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (root == NULL || !is_elem(root, ATOM_NS, "feed")) {
        say(errbuf, errlen, root != NULL ? root->line : 0,
            "root element <%s> is not an Atom <feed>",
            root != NULL ? (const char *)root->name : "");
        rc = -1;
    } else if (doc->intSubset != NULL || doc->extSubset != NULL) {
        say(errbuf, errlen, 1, "the response has a DOCTYPE, which arXiv never sends");
        rc = -1;
    }
    size_t index = 0;
    for (const xmlNode *c = root != NULL && rc == 0 ? root->children : NULL;
         c != NULL && rc == 0; c = c->next) {
        if (is_elem(c, ATOM_NS, "entry"))
            rc = take_entry(feed, ++index, c);
    }
    xmlFreeDoc(doc);
    if (rc != 0)
        aws_atom_feed_clear(feed);
    return rc;
}
