/* Fuzzes LSP framing and the JSON-RPC dispatcher with sequences of messages, against a fresh
 * server per input. The input is records separated by the byte 0x1e (as in RFC 7464 JSON text
 * sequences): a record that starts with "Content-" is a raw byte stream cut into frames by
 * lsp_frame_parse exactly as the stdio loop does (frame errors included); any other record is
 * one message body. Oracle: everything the server sends is a JSON-RPC 2.0 object. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "lsp/lsp.h"
#include "tests/fuzz/fuzz.h"

static void on_send(void *ud, const char *json, size_t len)
{
    size_t *n = ud;
    json_error_t e;
    if (strlen(json) != len) {
        abort();
    }
    json_t *m = json_loadb(json, len, 0, &e);
    const char *version = json_string_value(json_object_get(m, "jsonrpc"));
    if (!json_is_object(m) || !version || strcmp(version, "2.0") != 0) {
        abort();
    }
    json_decref(m);
    (*n)++;
}

/* Feeds a framed byte stream; returns 1 once the server has exited. */
static int feed_stream(lsp_server *s, const char *p, size_t len)
{
    size_t start = 0;
    while (start < len) {
        size_t off = 0, blen = 0, skip = 0;
        long n = lsp_frame_parse(p + start, len - start, &off, &blen, &skip);
        if (n == LSP_FRAME_MORE) {
            break;
        }
        if (n == LSP_FRAME_TOO_LARGE) {
            if (skip <= LSP_MAX_BODY) {
                abort(); /* only bodies over the limit are skipped whole */
            }
            lsp_server_frame_error(s, "message body over the limit: skipped");
            break; /* the rest of the record is that body */
        }
        if (n == LSP_FRAME_MALFORMED) {
            if (skip < 1 || skip > len - start) {
                abort(); /* the contract: at least 1, never past the data */
            }
            lsp_server_frame_error(s, "malformed message header");
            start += skip;
            continue;
        }
        if (n < 0 || (size_t)n > len - start || off + blen != (size_t)n) {
            abort();
        }
        lsp_server_handle(s, p + start + off, blen);
        start += (size_t)n;
        int code;
        if (lsp_server_exited(s, &code)) {
            return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t sent = 0;
    /* Small document bounds, so that inputs of a few KB reach the refusal paths too. */
    lsp_options o = {
        .kb_url = "http://127.0.0.1:8080", .max_doc_bytes = 2048, .max_open_bytes = 8192};
    lsp_server *s = lsp_server_new(&o, on_send, &sent);
    if (!s) {
        abort();
    }
    const char *p = (const char *)data;
    const char *end = p + size;
    while (p < end) {
        const char *sep = memchr(p, 0x1e, (size_t)(end - p));
        size_t n = (size_t)((sep ? sep : end) - p);
        int code;
        if (n >= 8 && memcmp(p, "Content-", 8) == 0) {
            if (feed_stream(s, p, n)) {
                break;
            }
        } else {
            lsp_server_handle(s, p, n);
            if (lsp_server_exited(s, &code)) {
                break;
            }
        }
        p += n + (sep ? 1 : 0);
        if (!sep) {
            break;
        }
    }
    lsp_server_free(s);
    return 0;
}
