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

int lsp_run(int in_fd, int out_fd, const lsp_options *opts)
{
    int fd = out_fd;
    lsp_server *s = lsp_server_new(opts, send_framed, &fd);
    if (!s) {
        return 1;
    }
    buf in = BUF_INIT;
    size_t start = 0;   /* unconsumed bytes are in.data[start..in.len) */
    size_t discard = 0; /* bytes of an over-large message still to drop as they arrive */
    int lost = 0;       /* 1 between a malformed header and the next good message */
    int code = 1;
    for (;;) {
        size_t d = discard < in.len - start ? discard : in.len - start;
        start += d;
        discard -= d;
        /* Handle every complete message in the buffer. */
        while (discard == 0 && start < in.len) {
            size_t off;
            size_t blen;
            size_t skip;
            long n = lsp_frame_parse(in.data + start, in.len - start, &off, &blen, &skip);
            if (n == LSP_FRAME_MORE) {
                break;
            }
            if (n == LSP_FRAME_MALFORMED) {
                /* One error per loss of synchronisation, however much garbage follows. */
                if (!lost) {
                    lsp_server_frame_error(s, "malformed message header");
                }
                lost = 1;
                start += skip;
                continue;
            }
            lost = 0;
            if (n == LSP_FRAME_TOO_LARGE) {
                char what[96];
                snprintf(what, sizeof what, "message body over the %zu MiB limit: skipped",
                         LSP_MAX_BODY >> 20);
                lsp_server_frame_error(s, what);
                d = skip < in.len - start ? skip : in.len - start;
                start += d;
                discard = skip - d;
                continue;
            }
            lsp_server_handle(s, in.data + start + off, blen);
            start += (size_t)n;
            if (lsp_server_exited(s, &code)) {
                goto out;
            }
        }
        if (start > 0) {
            memmove(in.data, in.data + start, in.len - start);
            in.len -= start;
            start = 0;
        }
        buf_grow(&in, 65536);
        ssize_t r = read(in_fd, in.data + in.len, 65536);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break; /* end of input without exit: status 1 */
        }
        in.len += (size_t)r;
        in.data[in.len] = '\0';
    }
out:
    buf_free(&in);
    lsp_server_free(s);
    return code;
}
