/* Fuzzes query translation and search on the embedded KB. The first byte selects the options
 * (limit, want_lines, skip_snippets); the rest, up to its first NUL, is the query, searched
 * both as user text and as raw FTS5 syntax. Oracles: user text never yields an FTS5 syntax
 * error (only too long, bad UTF-8, blank or too many words), and every result is well formed.
 * ID lookup and suggestions run on the same text. */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "kb/kb.h"
#include "tests/fuzz/fuzz.h"

static kb *the_kb(void)
{
    static kb *k;
    if (!k) {
        kb_diag d;
        if (kb_open_embedded(&k, &d) != KB_OK) {
            abort();
        }
    }
    return k;
}

static void check_results(const kb_results *r)
{
    if (!r || !r->understood || (r->n > 0 && !r->hits)) {
        abort();
    }
    for (size_t i = 0; i < r->n; i++) {
        const kb_hit *h = &r->hits[i];
        if (!h->id || !h->title || !h->section || !h->snippet) {
            abort();
        }
        fuzz_touch(h->snippet);
        for (size_t j = 0; j < h->n_lines; j++) {
            if (h->lines[j].lineno < 1 || !h->lines[j].text) {
                abort();
            }
            fuzz_touch(h->lines[j].text);
        }
    }
    if (r->suggestion) {
        fuzz_touch(r->suggestion);
    }
    kb_fallback_name(r->fallback);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    kb *k = the_kb();
    kb_search_opts o;
    o.limit = data[0] & 7u;
    o.want_lines = (data[0] >> 3) & 1u;
    o.skip_snippets = (data[0] >> 4) & 1u;
    char *q = xstrndup((const char *)data + 1, size - 1);
    for (int raw = 0; raw <= 1; raw++) {
        o.raw = raw;
        kb_results *r = NULL;
        kb_diag d;
        memset(&d, 0, sizeof d);
        kb_status st = kb_search(k, q, &o, &r, &d);
        if (st == KB_OK) {
            check_results(r);
            if (o.limit && r->n > o.limit) {
                abort();
            }
        } else if (st != KB_ERR_INPUT || r) {
            abort(); /* bad queries are input errors with no result */
        } else if (!raw && strncmp(d.message, "invalid FTS5", 12) == 0) {
            /* User text is quoted term by term: it must never reach FTS5 as bad syntax. */
            abort();
        }
        kb_results_free(r);
    }
    kb_entry *e = NULL;
    kb_diag d;
    if (kb_entry_get(k, q, &e, &d) == KB_OK) {
        fuzz_touch(e->html);
    }
    kb_entry_free(e);
    kb_strlist sug = {NULL, 0};
    if (kb_suggest_ids(k, q, 3, &sug) == KB_OK) {
        for (size_t i = 0; i < sug.n; i++) {
            fuzz_touch(sug.items[i]);
        }
    }
    kb_strlist_free(&sug);
    free(q);
    return 0;
}
