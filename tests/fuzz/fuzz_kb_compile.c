/* Fuzzes the markdown -> entries compiler: the input is up to four documents separated by the
 * byte 0x1e (which the compiler rejects inside a document anyway): two guides, a synonym table
 * and a links table. A KB that compiles is opened
 * and read back completely (table of contents, documents, every entry, a search, suggestions),
 * and the raw input goes through the terminal and HTML renderers. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"
#include "tests/fuzz/fuzz.h"

#define MAX_DOCS 4
#define MAX_ENTRIES 64

static void touch_list(const kb_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        fuzz_touch(l->items[i]);
    }
}

static void warn(void *ud, const char *file, int line, const char *message)
{
    size_t *n = ud;
    fuzz_touch(file);
    fuzz_touch(message);
    *n += line >= 0;
}

static void read_back(kb *k)
{
    kb_diag d;
    kb_toc *toc = NULL;
    if (kb_toc_get(k, &toc, &d) != KB_OK) {
        abort(); /* a KB that compiled must be readable */
    }
    for (size_t i = 0; i < toc->n && i < MAX_ENTRIES; i++) {
        kb_entry *e = NULL;
        if (kb_entry_get(k, toc->items[i].id, &e, &d) != KB_OK) {
            abort(); /* every listed entry exists */
        }
        fuzz_touch(e->title_md);
        fuzz_touch(e->doc_title);
        fuzz_touch(e->html);
        fuzz_touch(e->text);
        touch_list(&e->idents);
        touch_list(&e->refs);
        touch_list(&e->backlinks);
        touch_list(&e->ext_refs);
        touch_list(&e->urls);
        fuzz_touch(e->prev_id);
        fuzz_touch(e->next_id);
        fuzz_touch(e->symptom);
        fuzz_touch(e->cause);
        fuzz_touch(e->fix);
        touch_list(&e->ext_urls);
        char *json = kb_entry_json(k, e, "", 1);
        fuzz_touch(json);
        free(json);
        if (i == 0) {
            char *t = kb_render_text(e->markdown, 1, 60);
            free(t);
            kb_results *r = NULL;
            kb_search_opts o = {5, 0, 1, 0, 0};
            if (kb_search(k, e->title, &o, &r, &d) == KB_OK) {
                for (size_t h = 0; h < r->n; h++) {
                    fuzz_touch(r->hits[h].snippet);
                }
                char *answer = kb_results_json(r, e->title, 5, "");
                fuzz_touch(answer);
                free(answer);
            }
            kb_results_free(r);
        }
        kb_entry_free(e);
    }
    kb_toc_free(toc);
    kb_docs *docs = NULL;
    if (kb_docs_get(k, &docs, &d) == KB_OK) {
        for (size_t i = 0; i < docs->n; i++) {
            fuzz_touch(docs->items[i].intro_html);
        }
    }
    kb_docs_free(docs);
    kb_strlist sug = {NULL, 0};
    if (kb_suggest_ids(k, "M1", 3, &sug) == KB_OK) {
        touch_list(&sug);
    }
    kb_strlist_free(&sug);
    fuzz_touch(kb_fingerprint(k));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[MAX_DOCS] = {"a.md", "b.md", "synonyms.tsv", "d-links.tsv"};
    const char *texts[MAX_DOCS];
    size_t lens[MAX_DOCS];
    size_t n = 0;
    const char *p = (const char *)data;
    const char *end = p + size;
    while (n < MAX_DOCS) {
        const char *sep = n + 1 < MAX_DOCS ? memchr(p, 0x1e, (size_t)(end - p)) : NULL;
        texts[n] = p;
        lens[n] = (size_t)((sep ? sep : end) - p);
        n++;
        if (!sep) {
            break;
        }
        p = sep + 1;
    }
    unsigned char *img = NULL;
    size_t img_len = 0;
    size_t warnings = 0;
    kb_diag d;
    memset(&d, 0, sizeof d);
    kb_status st = kb_compile_buffers(names, texts, lens, n, &img, &img_len, warn, &warnings, &d);
    if (st == KB_OK) {
        kb *k = NULL;
        if (kb_open_image(img, img_len, &k, &d) != KB_OK) {
            abort(); /* the compiler's own image must open */
        }
        read_back(k);
        kb_close(k);
    } else {
        fuzz_touch(d.message);
    }
    free(img);

    /* The renderers take any markdown (NUL-terminated). */
    char *md = xstrndup((const char *)data, size);
    char *t = kb_render_text(md, size & 1, (int)(size % 100));
    char *h = kb_render_html(md);
    free(t);
    free(h);
    free(md);
    return 0;
}
