/* Entry links: where an entry can be read. By default that is the public source of the guide
 * (kb/SOURCE.md) at the entry's heading anchor, computed as GitHub renders headings; with a
 * base URL (a self-hosted `oomkb serve`) it is base/ID. Every renderer of links (CLI, linter
 * formats, doctor, LSP) asks here, so a link looks the same wherever it is printed. */
#include <cmark.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "common/util.h"
#include "kb/kb.h"
#include "kb/kb_int.h"

/* The shipped documents and where their text is published. gotchas-memory.md is one section
 * of the upstream gotchas_universal.md (kb/SOURCE.md), so its entries link into that file. */
static const struct {
    const char *doc;
    const char *path;
} public_docs[] = {
    {"oom-memory.md", "training/oom-memory.md"},
    {"gotchas-memory.md", "gotchas_universal.md"},
};

/* The heading's text as GitHub sees it when it makes the anchor: text and code spans, without
 * markup (emphasis, links, inline HTML tags). */
static void heading_text(const char *md, buf *out)
{
    while (*md == ' ') {
        md++;
    }
    /* Parsed as the heading it is, so "1. Intro" or "- x" stay text, not a list. */
    char *line = xasprintf("# %.*s", (int)strcspn(md, "\r\n"), md);
    cmark_node *doc = cmark_parse_document(line, strlen(line), CMARK_OPT_DEFAULT);
    free(line);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    int blocks = 0;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type t = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER && t == CMARK_NODE_HEADING && blocks++ > 0) {
            break; /* one heading only */
        }
        if (ev != CMARK_EVENT_ENTER) {
            continue;
        }
        if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
            const char *lit = cmark_node_get_literal(n);
            buf_puts(out, lit ? lit : "");
        } else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
            buf_putc(out, ' ');
        }
    }
    cmark_iter_free(it);
    cmark_node_free(doc);
}

/* Decodes one UTF-8 sequence at s (NUL-terminated); returns its length (1 for a bad byte, which
 * decodes to U+FFFD). */
static size_t utf8_next(const unsigned char *s, wint_t *out)
{
    if (s[0] < 0x80) {
        *out = s[0];
        return 1;
    }
    size_t n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 0;
    if (n == 0) {
        *out = 0xFFFD;
        return 1;
    }
    wint_t c = s[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *out = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    *out = c;
    return n;
}

static void utf8_put(buf *b, wint_t c)
{
    if (c < 0x80) {
        buf_putc(b, (char)c);
    } else if (c < 0x800) {
        buf_putc(b, (char)(0xC0 | (c >> 6)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
        buf_putc(b, (char)(0xE0 | (c >> 12)));
        buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    } else {
        buf_putc(b, (char)(0xF0 | (c >> 18)));
        buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3F)));
        buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3F)));
        buf_putc(b, (char)(0x80 | (c & 0x3F)));
    }
}

/* Unicode classes come from glibc's C.UTF-8 locale, opened once and never freed (it is
 * read-only and shared by every thread). */
static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_open(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* GitHub's slug: lowercase, then drop every character that is not a letter, a mark, a digit,
 * '_', '-' or a space, then spaces become '-'. Non-ASCII letters stay (lowercased). Without a
 * UTF-8 locale (not on glibc) non-ASCII characters are dropped. */
static void slugify(const char *text, buf *out)
{
    pthread_once(&utf8_once, utf8_locale_open);
    const unsigned char *s = (const unsigned char *)text;
    while (*s) {
        wint_t c;
        s += utf8_next(s, &c);
        if (c < 0x80) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-') {
                buf_putc(out, (char)c);
            } else if (c >= 'A' && c <= 'Z') {
                buf_putc(out, (char)(c - 'A' + 'a'));
            } else if (c == ' ') {
                buf_putc(out, '-');
            }
        } else if (utf8_locale && c != 0xFFFD && iswalnum_l(c, utf8_locale)) {
            utf8_put(out, towlower_l(c, utf8_locale));
        }
    }
}

static int seen_has(const kb_strlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->items[i], s) == 0) {
            return 1;
        }
    }
    return 0;
}

char *kb_heading_anchor(const char *heading_md, kb_strlist *seen)
{
    buf text = BUF_INIT;
    heading_text(heading_md ? heading_md : "", &text);
    buf slug = BUF_INIT;
    slugify(text.data ? text.data : "", &slug);
    buf_free(&text);
    char *a = buf_detach(&slug);
    if (!a) {
        a = xstrdup("");
    }
    if (seen) {
        char *base = a;
        for (int i = 1; seen_has(seen, a); i++) {
            if (a != base) {
                free(a);
            }
            a = xasprintf("%s-%d", base, i);
        }
        if (a != base) {
            free(base);
        }
        seen->items = xrealloc(seen->items, (seen->n + 1) * sizeof *seen->items);
        seen->items[seen->n++] = xstrdup(a);
    }
    return a;
}

char *kb_entry_public_url(const char *doc, const char *heading_md)
{
    for (size_t i = 0; doc && i < sizeof public_docs / sizeof public_docs[0]; i++) {
        if (strcmp(doc, public_docs[i].doc) == 0) {
            char *anchor = kb_heading_anchor(heading_md, NULL);
            char *url = xasprintf("%s%s#%s", KB_PUBLIC_SOURCE, public_docs[i].path, anchor);
            free(anchor);
            return url;
        }
    }
    return NULL;
}

/* ---- kb_entry_url: a per-process cache of the built-in entries' public links ------------- */

/* Weak: the build-time KB compiler links the kb module without the embedded image; there no
 * entry has a public link (it never prints one). */
#pragma weak kb_open_embedded

typedef struct url_cache_item {
    char *id;
    char *url; /* NULL: the entry has no public page (or is not built in) */
} url_cache_item;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static url_cache_item *cache;
static size_t n_cache;
static kb *cache_kb;
static int cache_kb_tried;

/* The public link of an entry of document doc whose markdown starts with its heading line;
 * NULL when it has none. */
static char *url_of_entry(const char *doc, const char *markdown)
{
    const char *md = markdown ? markdown : "";
    const char *nl = strchr(md, '\n');
    char *heading = nl ? xstrndup(md, (size_t)(nl - md)) : xstrdup(md);
    const char *p = heading;
    while (*p == ' ' || *p == '#') {
        p++;
    }
    char *url = kb_entry_public_url(doc, p);
    free(heading);
    return url;
}

/* The public link of a built-in entry, computed from its heading; NULL when it has none.
 * Caller holds cache_lock. */
static char *public_url_of(const char *id)
{
    if (!cache_kb_tried) {
        cache_kb_tried = 1;
        if (kb_open_embedded && kb_open_embedded(&cache_kb, NULL) != KB_OK) {
            cache_kb = NULL;
        }
    }
    if (!cache_kb) {
        return NULL;
    }
    /* Only the heading line and the document: kb_entry_get would also read the HTML, the
     * facts and the backlinks. */
    sqlite3_stmt *st = kb_stmt(cache_kb, "SELECT e.markdown, d.name FROM entries e"
                                         " JOIN docs d ON d.ord = e.doc WHERE e.id = ?1");
    if (!st) {
        return NULL;
    }
    char *url = NULL;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        url = url_of_entry((const char *)sqlite3_column_text(st, 1),
                           (const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_reset(st);
    return url;
}

/* The cache slot of id (case-insensitive, as the built-in KB's IDs are), added when new with
 * url unset. Caller holds cache_lock. */
static url_cache_item *cache_slot(const char *id, int *added)
{
    for (size_t i = 0; i < n_cache; i++) {
        if (util_strcasecmp(cache[i].id, id) == 0) {
            *added = 0;
            return &cache[i];
        }
    }
    cache = xrealloc(cache, (n_cache + 1) * sizeof *cache);
    cache[n_cache].id = xstrdup(id);
    cache[n_cache].url = NULL;
    *added = 1;
    return &cache[n_cache++];
}

void kb_url_cache_note(const char *id, const char *doc, const char *markdown)
{
    if (!id || !*id) {
        return;
    }
    pthread_mutex_lock(&cache_lock);
    int added = 0;
    url_cache_item *it = cache_slot(id, &added);
    if (added) {
        it->url = url_of_entry(doc, markdown);
    }
    pthread_mutex_unlock(&cache_lock);
}

char *kb_entry_url(const char *base, const char *id)
{
    if (!id || !*id) {
        return NULL;
    }
    if (base && *base) {
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/') {
            n--;
        }
        return xasprintf("%.*s/%s", (int)n, base, id);
    }
    pthread_mutex_lock(&cache_lock);
    int added = 0;
    url_cache_item *it = cache_slot(id, &added);
    if (added) {
        it->url = public_url_of(id);
    }
    char *url = it->url ? xstrdup(it->url) : NULL;
    pthread_mutex_unlock(&cache_lock);
    return url;
}

char *kb_entry_link(const char *base, const char *id)
{
    char *url = kb_entry_url(base, id);
    return url ? url : xasprintf("oomkb show %s", id ? id : "");
}
