/* The stdio transport of `oomkb lsp`: reads framed messages from in_fd, hands each body to the
 * dispatcher, writes replies framed to out_fd. Reading blocks; the server is single-threaded,
 * as editors expect of a language server. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "lsp/lsp.h"

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void send_framed(void *ud, const char *json, size_t len)
{
    int fd = *(int *)ud;
    char head[64];
    int h = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", len);
    /* A client that went away is noticed at the next read. */
    if (write_all(fd, head, (size_t)h) == 0) {
        write_all(fd, json, len);
    }
}

/* Input not yet handled, and the state of framing across reads. */
typedef struct reader {
    buf in;
    size_t start;   /* unconsumed bytes are in.data[start..in.len) */
    size_t discard; /* bytes of an over-large message still to drop as they arrive */
    int lost;       /* 1 between a malformed header and the next good message */
} reader;

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Handles every complete message in r's buffer. Returns 1 once the server has exited. */
static int handle_buffered(lsp_server *s, reader *r)
{
    size_t d = min_size(r->discard, r->in.len - r->start);
    r->start += d;
    r->discard -= d;
    while (r->discard == 0 && r->start < r->in.len) {
        size_t off;
        size_t blen;
        size_t skip;
        const char *p = r->in.data + r->start;
        long n = lsp_frame_parse(p, r->in.len - r->start, &off, &blen, &skip);
        if (n == LSP_FRAME_MORE) {
            break;
        }
        if (n == LSP_FRAME_MALFORMED) {
            /* One error per loss of synchronisation, however much garbage follows. */
            if (!r->lost) {
                lsp_server_frame_error(s, "malformed message header");
            }
            r->lost = 1;
            r->start += skip;
            continue;
        }
        r->lost = 0;
        if (n == LSP_FRAME_TOO_LARGE) {
            char what[96];
            snprintf(what, sizeof what, "message body over the %zu MiB limit: skipped",
                     LSP_MAX_BODY >> 20);
            lsp_server_frame_error(s, what);
            d = min_size(skip, r->in.len - r->start);
            r->start += d;
            r->discard = skip - d;
            continue;
        }
        lsp_server_handle(s, p + off, blen);
        r->start += (size_t)n;
        if (lsp_server_exited(s, NULL)) {
            return 1;
        }
    }
    return 0;
}

int lsp_run(int in_fd, int out_fd, const lsp_options *opts)
{
    int fd = out_fd;
    lsp_server *s = lsp_server_new(opts, send_framed, &fd);
    if (!s) {
        return 1;
    }
    reader r = {BUF_INIT, 0, 0, 0};
    int code = 1;
    while (!handle_buffered(s, &r)) {
        if (r.start > 0) {
            memmove(r.in.data, r.in.data + r.start, r.in.len - r.start);
            r.in.len -= r.start;
            r.start = 0;
        }
        buf_grow(&r.in, 65536);
        ssize_t n = read(in_fd, r.in.data + r.in.len, 65536);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; /* end of input without exit: status 1 */
        }
        r.in.len += (size_t)n;
        r.in.data[r.in.len] = '\0';
    }
    lsp_server_exited(s, &code);
    buf_free(&r.in);
    lsp_server_free(s);
    return code;
}
