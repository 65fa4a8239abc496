/* The language server: `oomkb lsp` speaks the Language Server Protocol 3.17 over stdio
 * (Content-Length framing, JSON-RPC 2.0 through jansson) and publishes the linter's findings
 * as diagnostics, with hovers that show the KB entry and code actions that fix or silence.
 *
 * Layers, each pure except the last: lsp_frame_parse (bytes -> message boundaries),
 * lsp_text (document text, LSP positions in UTF-8/UTF-16, incremental edits), lsp_server
 * (one JSON-RPC message in -> replies and notifications out, through a callback), and
 * lsp_run (the stdio loop).
 *
 * Ownership: lsp_server_new's result is freed with lsp_server_free. Messages handed to the
 * output callback are borrowed for the call. Threads: one server, one thread. */
#ifndef OOMKB_LSP_H
#define OOMKB_LSP_H

#include <stddef.h>

/* Largest message body accepted, in bytes. A message that declares more is skipped whole
 * (LSP_FRAME_TOO_LARGE), without being buffered. */
#define LSP_MAX_BODY ((size_t)64 * 1024 * 1024)

/* Results of lsp_frame_parse other than a message's size. */
enum {
    LSP_FRAME_MALFORMED = -1, /* bad header: drop *skip bytes (>= 1, <= len) to resynchronise
                                 at the next "Content-Length" header */
    LSP_FRAME_MORE = -2,      /* incomplete: read more bytes and call again */
    LSP_FRAME_TOO_LARGE = -3, /* well-formed but the body is over LSP_MAX_BODY: the message
                                 occupies *skip bytes from buf, which may be more than len;
                                 drop them as they arrive */
};

/* Finds one framed message at the start of buf[0..len). Returns the total bytes it occupies
 * (headers and body) and sets body_off and body_len, or one of the LSP_FRAME_ codes. */
long lsp_frame_parse(const char *buf, size_t len, size_t *body_off, size_t *body_len, size_t *skip);

/* ---- Document text ------------------------------------------------------------------------ */

typedef enum lsp_encoding { LSP_UTF16 = 0, LSP_UTF8 = 1, LSP_UTF32 = 2 } lsp_encoding;

/* Byte offset in text[0..len) of an LSP position (line, character in enc units). A character
 * past the line's end means the line's end; a line past the last means the end of the text.
 * Positions inside a UTF-16 surrogate pair round up to the next code point. */
size_t lsp_offset_of(const char *text, size_t len, unsigned line, unsigned character,
                     lsp_encoding enc);
/* The LSP position of a byte offset (clamped to len). */
void lsp_position_of(const char *text, size_t len, size_t offset, lsp_encoding enc, unsigned *line,
                     unsigned *character);

/* ---- The server --------------------------------------------------------------------------- */

typedef struct lsp_server lsp_server;

/* Receives each outgoing message as a NUL-terminated JSON text (borrowed). */
typedef void (*lsp_send_fn)(void *ud, const char *json, size_t len);

/* Memory bounds on open documents. A document whose text would pass max_doc_bytes, or that
 * would bring all open documents (text plus line index) past max_open_bytes, is not kept: the
 * user is told with window/showMessage, its diagnostics are cleared, and later changes to it
 * are ignored until it is opened again. */
#define LSP_MAX_DOC_BYTES ((size_t)LSP_MAX_BODY)
#define LSP_MAX_OPEN_BYTES ((size_t)512 * 1024 * 1024)

typedef struct lsp_options {
    const char *kb_url;    /* base of codeDescription.href (kb_entry_url); NULL:
                            * $OOMKB_URL, else the public entry pages */
    size_t max_doc_bytes;  /* 0: LSP_MAX_DOC_BYTES */
    size_t max_open_bytes; /* 0: LSP_MAX_OPEN_BYTES */
} lsp_options;

lsp_server *lsp_server_new(const lsp_options *opts, lsp_send_fn send, void *ud);
void lsp_server_free(lsp_server *s);

/* Handles one message body (JSON text). Invalid JSON, invalid requests, unknown methods and
 * requests in the wrong state get the JSON-RPC error the spec prescribes; notifications that
 * cannot be handled are dropped. */
void lsp_server_handle(lsp_server *s, const char *body, size_t len);
/* Reports a framing error (answered with a parse error, id null). */
void lsp_server_frame_error(lsp_server *s, const char *what);

/* 1 once `exit` was received; *code is then the process exit status (0 after shutdown). */
int lsp_server_exited(const lsp_server *s, int *code);

/* Runs the server over in_fd/out_fd until exit or end of input. Returns the exit status:
 * 0 after shutdown+exit, 1 otherwise (end of input without shutdown, or exit without it). */
int lsp_run(int in_fd, int out_fd, const lsp_options *opts);

#endif
