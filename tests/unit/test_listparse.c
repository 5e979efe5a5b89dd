/* test_listparse.c - unit tests for the awesome-list parser (listparse.c,
 * listitem.c, listlinks.c) on small inline lists: each item kind and
 * variant, sections, the table of contents, duplicates, mojibake and
 * malformed lines.  test_listreal.c runs the real lists.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "listparse.h"

/* Parses TEXT as "t.md" into a fresh list the caller frees. */
static void parse(aws_list_t *l, const char *text)
{
    aws_list_init(l);
    assert_int_equal(aws_list_parse(l, "t.md", text, strlen(text)), 0);
}

/* The parser's promise: every item is an entry, a merge or a skip. */
static void assert_accounted(const aws_list_t *l)
{
    assert_int_equal(l->n_items, l->n_entries + l->n_duplicates + aws_list_skipped(l));
}

static const aws_entry_t *must_find(const aws_list_t *l, const char *id)
{
    const aws_entry_t *e = aws_list_find(l, id);
    if (e == NULL)
        fail_msg("no entry %s", id);
    return e;
}

static bool has_problem(const aws_list_t *l, const char *message, int skip)
{
    for (size_t i = 0; i < l->n_problems; i++)
        if (strcmp(l->problems[i].message, message) == 0 && l->problems[i].skipped == skip)
            return true;
    return false;
}

static void assert_problem(const aws_list_t *l, const char *message, int skip)
{
    if (has_problem(l, message, skip))
        return;
    for (size_t i = 0; i < l->n_problems; i++)
        print_message("  have: %s (skipped=%d)\n", l->problems[i].message,
                      l->problems[i].skipped);
    fail_msg("no problem \"%s\" with skipped=%d", message, skip);
}

static const char PAPER[] =
    "## Pretrain\n"
    "- **SpacTor-T5: Pre-training T5 Models with Span Corruption and Replaced\n"
    "  Token Detection**, `arXiv, 2401.13160`, [arxiv](http://arxiv.org/abs/2401.13160v1), "
    "[pdf](http://arxiv.org/pdf/2401.13160v1.pdf), cication: [**-1**](None)\n"
    "\n"
    "\t *Ke Ye, Jean-Fran\xe2\x88\x9a\xc3\x9f" "ois Kagy, Sanjiv Kumar* \xc2\xac\xe2\x88\x91 "
    "([jiqizhixin](https://www.jiqizhixin.com/articles/2023-10-30-5))\n"
    "- **When Less is More**, `arXiv, 2309.04564`, [arxiv](http://arxiv.org/abs/2309.04564v1), "
    "[pdf](http://arxiv.org/pdf/2309.04564v1.pdf), cication: "
    "[**3**](https://scholar.google.com/scholar?cites=1052346843253959809)\n"
    "\n"
    "\t *Max Marion* \xc2\xb7 ([less](https://github.com/princeton-nlp/less) - princeton-nlp) "
    "![Star](https://img.shields.io/github/stars/princeton-nlp/less.svg?style=social&label=Star)\n"
    "\n"
    "\t \xc2\xb7 ([qbitai](https://www.qbitai.com/2024/02/120290.html))\n";

static void test_paper_items(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, PAPER);
    assert_int_equal(l.n_items, 2);
    assert_int_equal(l.n_entries, 2);
    assert_accounted(&l);

    const aws_entry_t *e = must_find(&l, "2401.13160");
    assert_int_equal(e->kind, AWS_ENTRY_PAPER);
    assert_string_equal(e->title, "SpacTor-T5: Pre-training T5 Models with Span Corruption and "
                                  "Replaced Token Detection");
    assert_string_equal(e->url, "https://arxiv.org/abs/2401.13160");
    assert_int_equal(e->year, 2024);
    assert_int_equal(e->citations, -1);
    assert_int_equal(e->authors.n, 3);
    assert_string_equal(e->authors.v[1], "Jean-Fran\xc3\xa7ois Kagy");
    assert_string_equal(e->authors.v[2], "Sanjiv Kumar");
    assert_int_equal(e->links.n, 2);
    assert_string_equal(e->links.v[0], "http://arxiv.org/pdf/2401.13160v1.pdf");
    assert_string_equal(e->links.v[1], "https://www.jiqizhixin.com/articles/2023-10-30-5");
    assert_false(e->has_code);
    assert_string_equal(e->sections.v[0], "Pretrain");
    assert_string_equal(e->source, "t.md:2");
    assert_null(e->abstract);

    e = must_find(&l, "2309.04564");
    assert_int_equal(e->citations, 3);
    assert_true(e->has_code);
    assert_int_equal(e->authors.n, 1);
    /* pdf, the repository and the blog post; not the badge, not the
     * citation search page. */
    assert_int_equal(e->links.n, 3);
    assert_string_equal(e->links.v[1], "https://github.com/princeton-nlp/less");
    assert_string_equal(e->links.v[2], "https://www.qbitai.com/2024/02/120290.html");
    aws_list_free(&l);
}

static void test_venue_backtick(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## Scaling\n"
              "- **Pythia: A Suite for Analyzing Large Language Models Across Training and\n"
              "  Scaling**, `ICML, 2023`, [arxiv](http://arxiv.org/abs/2304.01373v2), "
              "[pdf](http://arxiv.org/pdf/2304.01373v2.pdf), cication: [**-1**](None)\n"
              "\n"
              "\t *Stella Biderman, Hailey Schoelkopf*\n"
              "\t - [twitter](https://twitter.com/rasbt/status/1734920232173539796)\n");
    const aws_entry_t *e = must_find(&l, "2304.01373");
    assert_string_equal(e->title, "Pythia: A Suite for Analyzing Large Language Models Across "
                                  "Training and Scaling");
    assert_int_equal(e->year, 2023);
    assert_int_equal(e->authors.n, 2);
    assert_true(aws_strv_contains(&e->links, "https://twitter.com/rasbt/status/1734920232173539796"));
    assert_int_equal(l.n_problems, 0);
    aws_list_free(&l);

    /* Space-indented lines continue the first line only while its title or
     * link is open; after that they are author or description lines. */
    parse(&l, "## S\n"
              "- **Wrapped\n"
              "  twice\n"
              "  over**, `arXiv, 2401.00001`, [arxiv](http://arxiv.org/abs/2401.00001v1)\n"
              "  *Space Indented, Author Line*\n"
              "- [A link whose text\n"
              "  wraps](https://wrap.example/)\n"
              "  *A description.*\n");
    e = must_find(&l, "2401.00001");
    assert_string_equal(e->title, "Wrapped twice over");
    assert_int_equal(e->authors.n, 2);
    e = must_find(&l, "https://wrap.example/");
    assert_string_equal(e->title, "A link whose text wraps");
    assert_string_equal(e->abstract, "A description.");
    assert_int_equal(l.n_problems, 0);
    aws_list_free(&l);
}

static void test_repo_items(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## Pretrain\n"
              "- [**metaseq**](https://github.com/facebookresearch/metaseq/blob/main/projects/OPT/"
              "chronicles/OPT175B_Logbook.pdf) - facebookresearch "
              "![Star](https://img.shields.io/github/stars/facebookresearch/metaseq.svg?style=social)\n"
              "\n"
              "\t \xc2\xb7 ([mp.weixin.qq](https://mp.weixin.qq.com/s?__biz=Mzg4&mid=2)) \xc2\xb7 "
              "([bilibili](https://www.bilibili.com/video/BV1XT411v7c9/))\n"
              "- [**wizardlm**](https://github.com/nlpxucan/WizardLM) - nlpxucan "
              "![Star](https://img.shields.io/github/stars/nlpxucan/wizardlm.svg)\n"
              "\n"
              "\t ***Family of instruction-following LLMs: WizardLM, WizardCoder***\n"
              "- [**alpaca**](https://www.github.com/tatsu-lab/alpaca.git) - tatsu-lab\n"
              "- [**odd**](https://github.com/o/n/.) - o\n");
    assert_int_equal(l.n_entries, 4);
    const aws_entry_t *e = must_find(&l, "facebookresearch/metaseq");
    assert_int_equal(e->kind, AWS_ENTRY_REPO);
    assert_string_equal(e->title, "metaseq");
    assert_string_equal(e->url, "https://github.com/facebookresearch/metaseq");
    assert_true(e->has_code);
    assert_null(e->abstract);
    assert_int_equal(e->links.n, 3);
    assert_string_equal(e->links.v[0], "https://github.com/facebookresearch/metaseq/blob/main/"
                                       "projects/OPT/chronicles/OPT175B_Logbook.pdf");
    assert_int_equal(e->year, 0);

    e = must_find(&l, "nlpxucan/wizardlm");
    assert_string_equal(e->abstract, "Family of instruction-following LLMs: WizardLM, WizardCoder");
    assert_string_equal(e->url, "https://github.com/nlpxucan/wizardlm");
    /* The link as written differs from the canonical one only in case. */
    assert_int_equal(e->links.n, 1);
    assert_string_equal(must_find(&l, "tatsu-lab/alpaca")->url, "https://github.com/tatsu-lab/alpaca");
    assert_string_equal(must_find(&l, "o/n")->title, "odd");
    assert_int_equal(l.n_problems, 0);
    aws_list_free(&l);
}

static void test_link_items(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## Other\n"
              "- [\xe8\xb4\xab\xe7\xa9\xb7\xe8\xae\xa9\xe6\x88\x91\xe9\xa2\x84\xe8\xae\xad\xe7\xbb\x83]"
              "(https://mp.weixin.qq.com/s?__biz=MzAx&mid=22&idx=2)\n"
              "- [How to Train Really Large Models on Many GPUs? | Lil'Log]"
              "(https://lilianweng.github.io/posts/2021-09-25-train-large/)\n"
              "- [Pathways \\[paper\\] \\_bilibili](https://www.bilibili.com/video/BV1xB4y1m7Xi/)\n"
              "-  [[2305.14201] Goat: Fine-tuned LLaMA](https://arxiv.org/abs/2305.14201)\n"
              "-  [GitHub - zwq2018/Multi-view: EMNLP22](https://github.com/zwq2018/multi-view)\n"
              "- [**Qwen-VL**](https://huggingface.co/Qwen/Qwen-VL) - Qwen\n"
              "\n"
              "\t *A vision model.*\n"
              "-[ no space after the dash](https://example.com/a)\n"
              "- [Teach Llamas to Talk](https://gaotianyu.xyz/blog/)\n"
              "\n"
              "\t \xc2\xb7 ([mp.weixin.qq](https://mp.weixin.qq.com/s?x=1))\n");
    assert_int_equal(l.n_items, 8);
    assert_int_equal(l.n_entries, 8);
    const aws_entry_t *e = must_find(&l, "https://mp.weixin.qq.com/s?__biz=MzAx&mid=22&idx=2");
    assert_int_equal(e->kind, AWS_ENTRY_LINK);
    assert_string_equal(e->title, "\xe8\xb4\xab\xe7\xa9\xb7\xe8\xae\xa9\xe6\x88\x91\xe9\xa2\x84"
                                  "\xe8\xae\xad\xe7\xbb\x83");
    assert_string_equal(e->url, e->id);
    assert_string_equal(must_find(&l, "https://lilianweng.github.io/posts/2021-09-25-train-large/")->title,
                        "How to Train Really Large Models on Many GPUs? | Lil'Log");
    assert_string_equal(must_find(&l, "https://www.bilibili.com/video/BV1xB4y1m7Xi/")->title,
                        "Pathways [paper] _bilibili");

    /* An arxiv.org link makes a paper; the id in front of the title goes. */
    e = must_find(&l, "2305.14201");
    assert_int_equal(e->kind, AWS_ENTRY_PAPER);
    assert_string_equal(e->title, "Goat: Fine-tuned LLaMA");
    assert_int_equal(e->year, 2023);

    e = must_find(&l, "zwq2018/multi-view");
    assert_int_equal(e->kind, AWS_ENTRY_REPO);
    assert_string_equal(e->title, "GitHub - zwq2018/Multi-view: EMNLP22");

    e = must_find(&l, "https://huggingface.co/Qwen/Qwen-VL");
    assert_int_equal(e->kind, AWS_ENTRY_LINK);
    assert_string_equal(e->title, "Qwen-VL");
    assert_string_equal(e->abstract, "A vision model.");
    assert_false(e->has_code);

    assert_string_equal(must_find(&l, "https://example.com/a")->title, "no space after the dash");
    e = must_find(&l, "https://gaotianyu.xyz/blog/");
    assert_int_equal(e->links.n, 1);
    assert_int_equal(l.n_problems, 0);
    aws_list_free(&l);
}

/* HTML comments render as nothing, so they are no part of an item's
 * text: on one line, over several, or left open to the end of the item
 * (which then ends there, not at the end of the file). */
static void test_html_comments(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## Other <!-- omit in toc -->\n"
              "- [Retrieval Augmented Generation (RAG) for LLMs | Prompt Engineering Guide<!-- -->]"
              "(https://www.promptingguide.ai/research/rag)\n"
              "- [A<!-- one -->B <!--two-->](https://a.example/) <!-- trailing -->\n"
              "- [**Tool**](https://example.com/tool) - a tool <!-- spans\n"
              "  two lines --> that works\n"
              "<!--\n"
              "- [Dead](https://dead.example/)\n"
              "-->\n"
              "- [Open](https://b.example/) <!-- never closed\n"
              "  still inside\n"
              "- [Next](https://c.example/)\n");
    /* The commented-out item is no item at all. */
    assert_int_equal(l.n_items, 5);
    assert_int_equal(l.n_entries, 5);
    assert_null(aws_list_find(&l, "https://dead.example/"));
    const aws_entry_t *e = must_find(&l, "https://www.promptingguide.ai/research/rag");
    assert_string_equal(e->title,
                        "Retrieval Augmented Generation (RAG) for LLMs | Prompt Engineering Guide");
    /* Nor is a comment part of a heading. */
    assert_string_equal(e->sections.v[0], "Other");
    assert_string_equal(must_find(&l, "https://a.example/")->title, "AB");
    e = must_find(&l, "https://example.com/tool");
    assert_string_equal(e->title, "Tool");
    assert_non_null(e->abstract);
    assert_null(strstr(e->abstract, "<!--"));
    assert_null(strstr(e->abstract, "spans"));
    /* A "<!--" that nothing closes would swallow the rest of the list: it
     * is kept as text and reported with its line. */
    assert_string_equal(must_find(&l, "https://b.example/")->title, "Open");
    assert_string_equal(must_find(&l, "https://c.example/")->title, "Next");
    size_t unclosed = 0;
    for (size_t i = 0; i < l.n_problems; i++)
        if (strstr(l.problems[i].message, "t.md:9: an HTML comment opened here is never closed"))
            unclosed++;
    assert_int_equal(unclosed, 1);
    assert_accounted(&l);
    aws_list_free(&l);
}

static const char SECTIONS[] =
    "# Awesome llm training\n"
    "\n"
    "- [Awesome llm training](#awesome-llm-training)\n"
    "\t- [Pretrain](#pretrain)\n"
    "\t\t- [Other](#other)\n"
    "\t- [Paper \\& Projects](#paper--projects)\n"
    "\n"
    "\n"
    "## Pretrain\n"
    "- [A](https://a.example/)\n"
    "### Other\n"
    "- [B](https://b.example/)\n"
    "\n"
    "## Alignment \n"
    "- [C](https://c.example/)\n"
    "### Paper \\& Projects\n"
    "- [D](https://d.example/)\n"
    "- [see below](#other-1)\n";

static void test_sections_and_toc(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, SECTIONS);
    /* The four table-of-contents lines are not items; the anchor link
     * after the first "##" is an item, reported and skipped. */
    assert_int_equal(l.n_items, 5);
    assert_int_equal(l.n_entries, 4);
    assert_accounted(&l);
    assert_problem(&l, "t.md:18: in-page anchor link, not an entry \"#other-1\"", 1);

    const aws_entry_t *a = must_find(&l, "https://a.example/");
    assert_string_equal(a->sections.v[0], "Pretrain");
    assert_string_equal(a->subsections.v[0], "");
    const aws_entry_t *b = must_find(&l, "https://b.example/");
    assert_string_equal(b->subsections.v[0], "Other");
    /* "##" resets the subsection; trailing spaces are not part of names. */
    const aws_entry_t *c = must_find(&l, "https://c.example/");
    assert_string_equal(c->sections.v[0], "Alignment");
    assert_string_equal(c->subsections.v[0], "");
    const aws_entry_t *d = must_find(&l, "https://d.example/");
    assert_string_equal(d->subsections.v[0], "Paper & Projects");
    aws_list_free(&l);
}

static void test_duplicates(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## MoE\n"
              "- **Mixtral of Experts**, `arXiv, 2401.04088`, [arxiv](http://arxiv.org/abs/2401.04088v1), "
              "[pdf](http://arxiv.org/pdf/2401.04088v1.pdf), cication: [**-1**](None)\n"
              "\n"
              "\t *Albert Q. Jiang*\n"
              "## Architectures\n"
              "### Other\n"
              "- **Mixtral of Experts**, `arXiv, 2401.04088`, [arxiv](http://arxiv.org/abs/2401.04088v2), "
              "[pdf](http://arxiv.org/pdf/2401.04088v2.pdf), cication: [**40**](https://s.example/)\n"
              "\n"
              "\t *Albert Q. Jiang* \xc2\xb7 ([mistral-src](https://github.com/mistralai/mistral-src) - m)\n"
              "- [**mistral-src**](https://github.com/mistralai/mistral-src) - mistralai\n"
              "- [**Mistral-Src**](https://github.com/MistralAI/mistral-src/tree/main) - mistralai\n");
    assert_int_equal(l.n_items, 4);
    assert_int_equal(l.n_entries, 2);
    assert_int_equal(l.n_duplicates, 2);
    assert_accounted(&l);
    const aws_entry_t *e = must_find(&l, "2401.04088");
    assert_int_equal(e->sections.n, 2);
    assert_string_equal(e->sections.v[0], "MoE");
    assert_string_equal(e->sections.v[1], "Architectures");
    assert_string_equal(e->subsections.v[1], "Other");
    assert_int_equal(e->citations, 40);
    assert_true(e->has_code);
    assert_int_equal(e->authors.n, 1);
    assert_string_equal(e->source, "t.md:2");
    assert_true(aws_strv_contains(&e->links, "http://arxiv.org/pdf/2401.04088v2.pdf"));
    /* The same repository under the same section twice: one listing. */
    e = must_find(&l, "mistralai/mistral-src");
    assert_int_equal(e->sections.n, 1);
    aws_list_free(&l);
}

static void test_later_variants(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## Survey \r\n"
              "- \xf0\x9f\x8c\x9f **Star Title**, `arXiv, 2408.07897`, "
              "[arxiv](https://arxiv.org/abs/2408.07897v4), [pdf](http://arxiv.org/pdf/2408.07897v4.pdf), "
              "cication: [**8**](https://s.example/)   \r\n"
              "\r\n"
              "\t *Erick Paumard, Lee McDonald, ..., Fukui Catenazzi*  \r\n"
              "- \xef\xa3\xbf\xc3\xbc\xc3\xa5\xc3\xbc **Damaged Star**, `arXiv, 1909.14215`, "
              "[arxiv](http://arxiv.org/abs/1909.14215v3), [pdf](http://arxiv.org/pdf/1909.14215v3.pdf), "
              "cication: [**50**](https://s.example/)\n"
              "\n"
              "\t *Ansgar Ruusam\xe2\x88\x9a\xc2\xa7" "e*\n"
              "\t- `addresses the challenge of scalability.`\n"
              "\t- https://github.com/ContextualAI/lens  \n"
              "\t- \n"
              "\t- *NOTE*\n"
              "---\n"
              "- [**lens**](https://github.com/ContextualAI/lens) - ContextualAI\n"
              "\t- `A note on a repository.`\n"
              "\t- hf.co/AI4Chem/ChemLLM-7B-Chat\n");
    assert_int_equal(l.n_entries, 3);
    const aws_entry_t *e = must_find(&l, "2408.07897");
    assert_string_equal(e->title, "Star Title");
    assert_string_equal(e->sections.v[0], "Survey");
    assert_int_equal(e->citations, 8);
    assert_int_equal(e->authors.n, 3);
    assert_string_equal(e->authors.v[2], "Fukui Catenazzi");

    e = must_find(&l, "1909.14215");
    assert_string_equal(e->title, "Damaged Star");
    assert_int_equal(e->year, 2019);
    assert_string_equal(e->authors.v[0], "Ansgar Ruusam\xc3\xa4" "e");
    assert_true(e->has_code);
    assert_true(aws_strv_contains(&e->links, "https://github.com/ContextualAI/lens"));
    assert_null(e->abstract);

    e = must_find(&l, "contextualai/lens");
    assert_string_equal(e->abstract, "A note on a repository. hf.co/AI4Chem/ChemLLM-7B-Chat");
    assert_problem(&l, "t.md:5: repaired mojibake (UTF-8 read as Mac Roman) on 2 line(s), "
                       "the first here", 0);
    aws_list_free(&l);
}

static void test_malformed(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## S\n"
              "- **Title never closed, `arXiv, 2401.13160`, [arxiv](http://arxiv.org/abs/2401.13160v1)\n"
              "- **Broken link**, `arXiv, 2401.13161`, [arxiv](http://arxiv.org/abs/2401.13161v1, [pdf](x\n"
              "- just some words\n"
              "- [text without a target]\n"
              "- **Bad id**, `arXiv, 2401.1`, [arxiv](http://arxiv.org/abs/2401.1)\n"
              "- **No link at all**, `NeurIPS, 2023`\n"
              "- **Bad count**, `arXiv, 2401.13162`, cication: [**many**](None)\n"
              "- [](https://empty.example/)\n"
              "-\n"
              "- **Fine**, `arXiv, 2401.13163`, [arxiv](http://arxiv.org/abs/2401.13163v1)\n"
              "stray\n"
              "\t *An Author*\n"
              "lost text\n"
              "- **Venue and bad link**, `ICML, 2023`, [arxiv](https://arxiv.org/abs/nope)\n"
              "- **Backtick id, bad link**, `arXiv, 2401.13164`, [arxiv](None)\n");
    assert_int_equal(l.n_items, 12);
    assert_int_equal(l.n_entries, 3);
    assert_int_equal(aws_list_skipped(&l), 9);
    assert_accounted(&l);
    assert_problem(&l, "t.md:2: paper item: the title's closing ** is missing", 1);
    assert_problem(&l, "t.md:3: paper item: broken link \"[arxiv](http://arxiv.org/abs/2401.13161v1, "
                       "[pdf](x\"", 1);
    assert_problem(&l, "t.md:4: item starts with neither a **title** nor a [link](url): "
                       "\"just some words\"", 1);
    assert_problem(&l, "t.md:5: link item: broken link (no closing ] or )) "
                       "\"[text without a target]\"", 1);
    assert_problem(&l, "t.md:6: paper item: bad arXiv id \"2401.1\"", 1);
    assert_problem(&l, "t.md:7: item has a **title** but no arXiv id and no link", 1);
    /* A bad citation count only loses the count. */
    assert_problem(&l, "t.md:8: citation count \"many\" is not a number; taken as unknown", 0);
    assert_int_equal(must_find(&l, "2401.13162")->citations, -1);
    assert_problem(&l, "t.md:9: link item: the link text is empty \"[](https://empty.example/)\"", 1);
    assert_problem(&l, "t.md:10: item starts with neither a **title** nor a [link](url): \"\"", 1);
    assert_problem(&l, "t.md:12: stray text \"stray\" inside the item of line 11; ignored", 0);
    assert_problem(&l, "t.md:14: stray text \"lost text\" inside the item of line 11; ignored", 0);
    assert_problem(&l, "t.md:15: paper item: the arxiv link holds no arXiv id "
                       "\"https://arxiv.org/abs/nope\"", 1);
    assert_problem(&l, "t.md:16: the arxiv link \"None\" holds no arXiv id; the id "
                       "2401.13164 is used", 0);
    const aws_entry_t *e = must_find(&l, "2401.13163");
    assert_int_equal(e->authors.n, 1);
    aws_list_free(&l);

    /* Unbalanced brackets in link text (as gen-corpus writes them) still
     * make an entry, with a warning. */
    parse(&l, "## S\n"
              "- [[Unclosed | title](https://a.example/)\n"
              "- [Extra close]](https://b.example/x_(y)) - z\n");
    assert_int_equal(l.n_entries, 2);
    assert_string_equal(must_find(&l, "https://a.example/")->title, "Unclosed | title");
    assert_string_equal(must_find(&l, "https://b.example/x_(y)")->title, "Extra close");
    assert_problem(&l, "t.md:2: the link text's brackets do not balance; read up to the "
                       "first \"](\"", 0);
    assert_problem(&l, "t.md:3: the link text's brackets do not balance; read up to the "
                       "first \"](\"", 0);
    aws_list_free(&l);

    /* Text outside any item after the first section is reported too. */
    parse(&l, "Intro text before any section is fine.\n## S\nloose words\n");
    assert_int_equal(l.n_items, 0);
    assert_problem(&l, "t.md:3: text outside any item: \"loose words\"; ignored", 0);
    assert_int_equal(l.n_problems, 1);
    aws_list_free(&l);
}

static void test_invalid_bytes(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## S\n- [caf\xe9 \xff](https://x.example/)\n");
    const aws_entry_t *e = must_find(&l, "https://x.example/");
    assert_string_equal(e->title, "caf\xef\xbf\xbd \xef\xbf\xbd");
    assert_problem(&l, "t.md:2: 2 byte(s) of invalid UTF-8 (or NUL) replaced with U+FFFD "
                       "(first at byte offset 11)", 0);
    aws_list_free(&l);

    /* A NUL byte would cut the line short as a C string: it is replaced
     * and reported like an invalid byte. */
    static const char nul[] = "## S\n- [a\0b](https://x.example/\0)\n";
    aws_list_init(&l);
    assert_int_equal(aws_list_parse(&l, "t.md", nul, sizeof nul - 1), 0);
    e = must_find(&l, "https://x.example/\xef\xbf\xbd");
    assert_string_equal(e->title, "a\xef\xbf\xbd" "b");
    assert_problem(&l, "t.md:2: 2 byte(s) of invalid UTF-8 (or NUL) replaced with U+FFFD "
                       "(first at byte offset 9)", 0);
    aws_list_free(&l);
}

static void test_several_lists_and_files(void **state)
{
    (void)state;
    aws_list_t l;
    parse(&l, "## A\n- [X](https://x.example/)\n");
    assert_int_equal(aws_list_parse(&l, "u.md", "## B\n- [X again](https://x.example/)\n", 37), 0);
    assert_int_equal(l.n_entries, 1);
    assert_int_equal(l.n_duplicates, 1);
    const aws_entry_t *e = must_find(&l, "https://x.example/");
    assert_int_equal(e->sections.n, 2);
    assert_string_equal(e->title, "X");
    assert_string_equal(e->source, "t.md:2");
    assert_null(aws_list_find(&l, "https://y.example/"));

    errno = 0;
    assert_int_equal(aws_list_parse_file(&l, "/nonexistent/list.md"), -2);
    assert_int_equal(errno, ENOENT);
    aws_list_free(&l);

    /* Empty input, and items before any "##" (no table of contents). */
    parse(&l, "");
    assert_int_equal(l.n_items, 0);
    aws_list_free(&l);
    parse(&l, "# Title\n- [X](https://x.example/)\n");
    assert_string_equal(must_find(&l, "https://x.example/")->sections.v[0], "Title");
    aws_list_free(&l);

    /* A byte order mark does not hide the first heading, and byte offsets
     * still count from the start of the file. */
    parse(&l, "\xEF\xBB\xBF## First\n- [X](https://x.example/)\n");
    assert_string_equal(must_find(&l, "https://x.example/")->sections.v[0], "First");
    assert_int_equal(l.n_problems, 0);
    aws_list_free(&l);
    parse(&l, "\xEF\xBB\xBF## S\n- [\xff](https://x.example/)\n");
    assert_problem(&l, "t.md:2: 1 byte(s) of invalid UTF-8 (or NUL) replaced with U+FFFD "
                       "(first at byte offset 11)", 0);
    aws_list_free(&l);

    /* A folder opens but cannot be read: the read's own errno comes back. */
    aws_list_init(&l);
    errno = 0;
    assert_int_equal(aws_list_parse_file(&l, "/"), -2);
    assert_int_equal(errno, EISDIR);
    aws_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paper_items),
        cmocka_unit_test(test_venue_backtick),
        cmocka_unit_test(test_repo_items),
        cmocka_unit_test(test_link_items),
        cmocka_unit_test(test_html_comments),
        cmocka_unit_test(test_sections_and_toc),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_later_variants),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_invalid_bytes),
        cmocka_unit_test(test_several_lists_and_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
