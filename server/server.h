/* The HTTP server behind `oomkb serve`: the knowledge base as web pages, terminal text and a
 * JSON API, over libmicrohttpd (one epoll daemon per worker thread). Everything that does not
 * depend on a query is rendered and compressed once at start-up; searches are cached per query.
 *
 * Data flow: kb (kb/kb.h) --server_start--> prebuilt responses --> HTTP clients.
 * Threads: server_start and server_stop are called from one thread; the server answers
 * requests on its own worker threads until server_stop returns. */
#ifndef OOMKB_SERVER_H
#define OOMKB_SERVER_H

#include <stdio.h>

typedef enum server_status {
    SERVER_OK = 0,
    SERVER_ERR_USAGE,    /* a bad option value (address, thread count) */
    SERVER_ERR_KB,       /* the KB could not be opened or read (a bad --db) */
    SERVER_ERR_BIND,     /* the address could not be bound (port in use, no such address) */
    SERVER_ERR_LIBRARY,  /* libmicrohttpd could not be loaded */
    SERVER_ERR_INTERNAL, /* the daemon failed to start */
} server_status;

/* A caller-owned diagnostic, filled at the failure site. */
typedef struct server_diag {
    char message[512];
} server_diag;

typedef struct server_opts {
    const char *bind;    /* address or host name to listen on; NULL = "127.0.0.1" */
    unsigned port;       /* TCP port; 0 = any free one (see server_port) */
    const char *db_path; /* a compiled KB file; NULL = $OOMKB_DB, else the built-in KB */
    unsigned threads;    /* worker threads; 0 = the number of CPUs, at most 8 */
    unsigned conn_limit; /* simultaneous connections; 0 = 1000 */
    unsigned timeout_s;  /* idle connection timeout in seconds; 0 = 30 */
    int quiet;           /* non-zero: no access log */
    FILE *log;           /* access log (common log format); NULL = stderr */
} server_opts;

typedef struct server server;

/* Opens the KB, renders the site, binds and starts answering. Returns SERVER_OK and *out, or
 * an error with diag (may be NULL) saying what and where. Stop and free with server_stop. */
server_status server_start(const server_opts *opts, server **out, server_diag *diag);

/* The bound port (the real one when opts.port was 0). */
unsigned server_port(const server *s);

/* "http://127.0.0.1:8080/", valid until server_stop. */
const char *server_url(const server *s);

/* Stops accepting, finishes in-flight requests, frees everything. server_stop(NULL) is a
 * no-op. */
void server_stop(server *s);

#endif
