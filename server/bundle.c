/* The web UI bundle: parses the index that scripts/bundle.sh writes in front of the files of
 * web/, and gives each file a content-fingerprinted URL for long, immutable caching. The bytes
 * stay where the linker put them (web/assets.S); no URL ever reaches the filesystem. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

extern const char oomkb_web_bundle[];
extern const unsigned long long oomkb_web_bundle_size;

void srv_bundle_embedded(const char **out_data, size_t *out_len)
{
    *out_data = oomkb_web_bundle;
    *out_len = (size_t)oomkb_web_bundle_size;
}

static const char *ctype_of(const char *name)
{
    static const struct {
        const char *ext;
        const char *ctype;
    } types[] = {{".html", "text/html; charset=utf-8"},
                 {".css", "text/css; charset=utf-8"},
                 {".js", "text/javascript; charset=utf-8"},
                 {".svg", "image/svg+xml; charset=utf-8"}};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++) {
        if (strcmp(dot, types[i].ext) == 0) {
            return types[i].ctype;
        }
    }
    return "application/octet-stream";
}

/* "/static/app.<10 hex>.js": the hash is FNV-1a 64 of the bytes, so any change moves the URL. */
static char *fingerprinted_url(const char *name, const char *data, size_t len)
{
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 1099511628211ULL;
    }
    const char *dot = strrchr(name, '.');
    size_t stem = dot ? (size_t)(dot - name) : strlen(name);
    return xasprintf("/static/%.*s.%010llx%s", (int)stem, name, h & 0xffffffffffULL,
                     dot ? dot : "");
}

static int fail(char *err, size_t err_size, const char *msg)
{
    snprintf(err, err_size, "web bundle: %s", msg);
    return -1;
}

int srv_bundle_parse(const char *data, size_t len, srv_bundle *out, char *err, size_t err_size)
{
    static const char magic[] = "oomkb-bundle 1\n";
    out->items = NULL;
    out->n = 0;
    if (len < sizeof magic - 1 || memcmp(data, magic, sizeof magic - 1) != 0) {
        return fail(err, err_size, "bad header");
    }
    size_t pos = sizeof magic - 1;
    /* First pass over the index: the body starts after the blank line. */
    size_t cap = 0;
    size_t body = 0;
    for (;;) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl) {
            srv_bundle_free(out);
            return fail(err, err_size, "truncated index");
        }
        size_t line_len = (size_t)(nl - (data + pos));
        if (line_len == 0) {
            body = pos + 1;
            break;
        }
        const char *sp = memchr(data + pos, ' ', line_len);
        if (!sp || sp == data + pos) {
            srv_bundle_free(out);
            return fail(err, err_size, "bad index line");
        }
        size_t size = 0;
        for (const char *p = sp + 1; p < nl; p++) {
            if (*p < '0' || *p > '9' || size > len) {
                srv_bundle_free(out);
                return fail(err, err_size, "bad size");
            }
            size = size * 10 + (size_t)(*p - '0');
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 8;
            out->items = xrealloc(out->items, cap * sizeof *out->items);
        }
        srv_asset *a = &out->items[out->n++];
        memset(a, 0, sizeof *a);
        a->name = xstrndup(data + pos, (size_t)(sp - (data + pos)));
        a->len = size;
        pos += line_len + 1;
    }
    for (size_t i = 0; i < out->n; i++) {
        srv_asset *a = &out->items[i];
        if (a->len > len - body) {
            srv_bundle_free(out);
            return fail(err, err_size, "file runs past the end");
        }
        a->data = data + body;
        a->ctype = ctype_of(a->name);
        a->url = fingerprinted_url(a->name, a->data, a->len);
        body += a->len;
    }
    return 0;
}

void srv_bundle_free(srv_bundle *b)
{
    for (size_t i = 0; b && i < b->n; i++) {
        free(b->items[i].name);
        free(b->items[i].url);
    }
    if (b) {
        free(b->items);
        b->items = NULL;
        b->n = 0;
    }
}

const srv_asset *srv_bundle_find(const srv_bundle *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++) {
        if (strcmp(b->items[i].name, name) == 0) {
            return &b->items[i];
        }
    }
    return NULL;
}
