/* The libmicrohttpd glue: binds the socket, starts one daemon per worker thread (epoll,
 * explicit connection limit and timeout) and runs their event loops, turns each request into a
 * srv_request for srv_route, and queues the prepared library response for the answer. Also the
 * access log. The only file that touches sockets; the decisions are all in route.c.
 *
 * Why the event loops are ours and not the library's thread pool: libmicrohttpd 0.9.75-0.9.77
 * drains epoll in a loop `while (128 == epoll_wait(..., 128, timeout))`, and calls epoll_wait
 * again with the full timeout after a batch of exactly 128 events. When exactly 128
 * connections became ready at once, the thread then sleeps until the next event or the next
 * connection timeout (up to --timeout seconds) with those 128 requests read but unanswered.
 * The slow-client load test hit it (128 of 300 byte-at-a-time requests unanswered). Driven
 * from outside, the library's epoll_wait always gets a zero timeout (MHD_run) and the wait is
 * our poll() on the daemon's epoll descriptor, bounded by MHD_get_timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"
#include "server/server_int.h"
#include "server/server_mhd.h"

/* Request bodies are wanted only by POST /diagnose and /api/diagnose (up to SRV_MAX_BODY);
 * elsewhere, bytes past this get a 405 at once. */
#define MAX_DISCARD ((size_t)64 * 1024)

/* One event loop: a daemon of its own on a duplicate of the shared listening socket. */
typedef struct worker {
    struct server *sv;
    struct MHD_Daemon *daemon;
    int epoll_fd;
    pthread_t thread;
    int running;
} worker;

struct server {
    const srv_mhd *mhd;
    srv_site *site;
    worker *workers;
    unsigned n_workers;
    int stop_pipe[2]; /* a byte written to [1] stops every worker; never read */
    unsigned port;
    char url[192];
    int log_fd;
    int quiet;
    atomic_size_t body_bytes; /* held by diagnose POST bodies, all connections together */
};

/* Per request: the raw target (from the URI callback, before libmicrohttpd decodes it) and
 * whether the access handler has been called once already. */
typedef struct req_state {
    int seen;
    size_t discarded;
    buf body;      /* a diagnose POST's body, while it arrives */
    int too_large; /* 1: it went over SRV_MAX_BODY; 2: over SRV_MAX_BODIES, all together */
    char target[];
} req_state;

static req_state *state_new(const char *uri)
{
    size_t n = strlen(uri);
    req_state *st = xmalloc(sizeof *st + n + 1);
    st->seen = 0;
    st->discarded = 0;
    memset(&st->body, 0, sizeof st->body);
    st->too_large = 0;
    memcpy(st->target, uri, n + 1);
    return st;
}

/* ---- Responses ------------------------------------------------------------------------ */

static void free_cb(void *cls)
{
    srv_rep_mem_unref(cls);
}

static struct MHD_Response *build(const srv_mhd *m, srv_rep *r, srv_variant v)
{
    const char *data = "";
    size_t len = 0;
    if (v == SRV_IDENTITY) {
        data = r->body;
        len = r->len;
    } else if (v == SRV_GZIP) {
        data = r->gz;
        len = r->gz_len;
    }
    struct MHD_Response *resp;
    if (r->pinned) {
        /* The site outlives the daemon: the library may point into the body. */
        resp = m->create_response_from_buffer(len, (void *)data, /* only read */
                                              MHD_RESPMEM_PERSISTENT);
    } else {
        /* Shared with the cache: the body stays until the library lets go of it. */
        srv_rep_mem_ref(r);
        resp = m->create_response_from_buffer_with_free_callback_cls(len, (void *)data, free_cb,
                                                                     r); /* only read */
        if (!resp) {
            srv_rep_mem_unref(r);
        }
    }
    if (!resp) {
        return NULL;
    }
    int gz = v == SRV_GZIP || v == SRV_NOT_MODIFIED_GZ;
    int not_modified = v == SRV_NOT_MODIFIED || v == SRV_NOT_MODIFIED_GZ;
    if (!not_modified) {
        m->add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
    }
    if (v == SRV_GZIP) {
        m->add_response_header(resp, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    }
    const char *etag = gz ? r->etag_gz : r->etag;
    if (etag[0]) {
        m->add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    }
    m->add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, r->cache_control);
    if (r->vary) {
        m->add_response_header(resp, MHD_HTTP_HEADER_VARY, r->vary);
    }
    if (r->allow) {
        m->add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->allow);
    }
    m->add_response_header(resp, "X-Content-Type-Options", "nosniff");
    m->add_response_header(resp, "Referrer-Policy", SRV_REFERRER_POLICY);
    if (r->is_html) {
        m->add_response_header(resp, "Content-Security-Policy", SRV_CSP);
        m->add_response_header(resp, "X-Frame-Options", "DENY");
    }
    return resp;
}

static void prepare_hook(void *ud, srv_rep *r)
{
    server *sv = ud;
    for (int v = 0; v < SRV_N_VARIANTS; v++) {
        int needs_gz = v == SRV_GZIP || v == SRV_NOT_MODIFIED_GZ;
        int needs_tag = v == SRV_NOT_MODIFIED || v == SRV_NOT_MODIFIED_GZ;
        if ((needs_gz && !r->gz) || (needs_tag && !r->etag[0])) {
            continue;
        }
        r->native[v] = build(sv->mhd, r, (srv_variant)v);
    }
}

static void release_hook(void *ud, srv_rep *r)
{
    server *sv = ud;
    for (int v = 0; v < SRV_N_VARIANTS; v++) {
        if (r->native[v]) {
            sv->mhd->destroy_response(r->native[v]);
            r->native[v] = NULL;
        }
    }
}

/* ---- Access log ----------------------------------------------------------------------- */

static void log_request(server *sv, struct MHD_Connection *c, const char *method,
                        const char *target, const char *version, int status, size_t bytes)
{
    char host[INET6_ADDRSTRLEN] = "-";
    const union MHD_ConnectionInfo *ci =
        sv->mhd->get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET) {
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, host,
                      sizeof host);
        } else if (sa->sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, host,
                      sizeof host);
        }
    }
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char when[40];
    strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    buf line = BUF_INIT;
    buf_printf(&line, "%s - - [%s] \"%s ", host, when, method);
    /* The target is client bytes: escape what could forge or break a log line. */
    for (const unsigned char *p = (const unsigned char *)target; *p && line.len < 2048; p++) {
        if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\') {
            buf_printf(&line, "\\x%02x", *p);
        } else {
            buf_putc(&line, (char)*p);
        }
    }
    if (bytes) {
        buf_printf(&line, " %s\" %d %zu\n", version, status, bytes);
    } else {
        buf_printf(&line, " %s\" %d -\n", version, status);
    }
    /* One write per line, so that worker threads never interleave within a line. */
    ssize_t w = write(sv->log_fd, line.data, line.len);
    (void)w;
    buf_free(&line);
}

/* ---- Callbacks ------------------------------------------------------------------------ */

static void *uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
    (void)cls;
    (void)c;
    return state_new(uri ? uri : "");
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    server *sv = cls;
    req_state *st = *req_cls;
    if (st) {
        atomic_fetch_sub(&sv->body_bytes, st->body.len);
        buf_free(&st->body);
    }
    free(st);
    *req_cls = NULL;
}

__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    server *sv = cls;
    if (sv->quiet) {
        return;
    }
    buf b = BUF_INIT;
    buf_puts(&b, "oomkb: libmicrohttpd: ");
    buf_vprintf(&b, fmt, ap);
    if (b.len && b.data[b.len - 1] != '\n') {
        buf_putc(&b, '\n');
    }
    ssize_t w = write(STDERR_FILENO, b.data, b.len);
    (void)w;
    buf_free(&b);
}

/* Whether a request's body is read: a POST to one of the diagnose routes. */
static int wants_body(const char *method, const char *target)
{
    static const char *const paths[] = {"/diagnose", "/api/diagnose"};
    if (strcmp(method, "POST") != 0) {
        return 0;
    }
    for (size_t i = 0; i < 2; i++) {
        size_t n = strlen(paths[i]);
        if (strncmp(target, paths[i], n) == 0 && (target[n] == '\0' || target[n] == '?')) {
            return 1;
        }
    }
    return 0;
}

/* Takes a chunk of a diagnose POST's body. Returns 1 while more may come. Past SRV_MAX_BODY
 * (a chunked upload, whose size was not declared), or when the bodies of all connections
 * together would pass SRV_MAX_BODIES, the rest is read and dropped, so that the client can read
 * its 413 (or 503); past MAX_OVERSIZE more, the answer goes at once. */
#define MAX_OVERSIZE ((size_t)16 * 1024 * 1024)
static int take_body(server *sv, req_state *st, const char *data, size_t n)
{
    if (!st->too_large && st->body.len + n <= SRV_MAX_BODY) {
        size_t before = atomic_fetch_add(&sv->body_bytes, n);
        if (before + n <= SRV_MAX_BODIES) {
            buf_append(&st->body, data, n);
            return 1;
        }
        atomic_fetch_sub(&sv->body_bytes, n);
        st->too_large = 2;
    } else if (!st->too_large) {
        st->too_large = 1;
    }
    atomic_fetch_sub(&sv->body_bytes, st->body.len);
    buf_free(&st->body);
    st->discarded += n;
    return st->discarded < MAX_OVERSIZE;
}

static int declared_too_large(const srv_mhd *m, struct MHD_Connection *c)
{
    const char *cl = m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl) {
        return 0;
    }
    char *end = NULL;
    unsigned long long n = strtoull(cl, &end, 10);
    return end != cl && n > SRV_MAX_BODY;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    server *sv = cls;
    const srv_mhd *m = sv->mhd;
    req_state *st = *req_cls;
    if (!st) {
        st = state_new(url);
        *req_cls = st;
    }
    /* The keep-alive trap: libmicrohttpd 0.9.75 closes the connection after any response
     * queued on the first call for a request (connection.c sets discard_request). Answer on
     * the second call, so that keep-alive clients keep their connection (about 4x the
     * requests per second at 16-64 connections). */
    if (!st->seen) {
        st->seen = 1;
        if (!wants_body(method, st->target) || !declared_too_large(m, c)) {
            return MHD_YES;
        }
        /* Over the limit by its Content-Length: a 413 now, before the client sends it (and
         * before libmicrohttpd says "100 Continue"). */
        st->too_large = 1;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (wants_body(method, st->target) ? take_body(sv, st, upload_data, n)
                                           : (st->discarded += n) < MAX_DISCARD) {
            return MHD_YES;
        }
    }
    srv_request req = {
        method,
        st->target,
        m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT),
        m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_ENCODING),
        m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_USER_AGENT),
        m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH),
        m->lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE),
        st->body.data ? st->body.data : "",
        st->body.len,
        st->too_large,
    };
    srv_answer a;
    srv_route(sv->site, &req, &a);
    struct MHD_Response *resp = a.rep->native[a.variant];
    int temporary = 0;
    if (!resp) {
        resp = build(m, a.rep, a.variant);
        temporary = 1;
    }
    int not_modified = a.variant == SRV_NOT_MODIFIED || a.variant == SRV_NOT_MODIFIED_GZ;
    int status = not_modified ? MHD_HTTP_NOT_MODIFIED : a.rep->status;
    enum MHD_Result ret = resp ? m->queue_response(c, (unsigned)status, resp) : MHD_NO;
    if (temporary && resp) {
        m->destroy_response(resp);
    }
    if (!sv->quiet) {
        size_t bytes = not_modified || strcmp(method, "HEAD") == 0 ? 0
                       : a.variant == SRV_GZIP                     ? a.rep->gz_len
                                                                   : a.rep->len;
        log_request(sv, c, method, st->target, version, status, bytes);
    }
    srv_answer_release(sv->site, &a);
    return ret;
}

/* ---- Start and stop ------------------------------------------------------------------- */

/* Binds and listens on host:port, non-blocking (every worker's daemon polls a duplicate). Returns
 * the socket, or -1 with a message. */
static int open_listener(const char *host, unsigned port, int *out_family, char *err,
                         size_t err_size)
{
    char port_str[16];
    snprintf(port_str, sizeof port_str, "%u", port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(host, port_str, &hints, &res);
    if (gai != 0) {
        snprintf(err, err_size, "cannot bind %s: %s", host, gai_strerror(gai));
        return -1;
    }
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1024) == 0) {
            *out_family = ai->ai_family;
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        if (saved == EADDRINUSE) {
            snprintf(err, err_size,
                     "cannot listen on %s port %u: address already in use (another server? try "
                     "--port)",
                     host, port);
        } else {
            snprintf(err, err_size, "cannot listen on %s port %u: %s", host, port, strerror(saved));
        }
    }
    return fd;
}

static unsigned bound_port(int fd)
{
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    } u;
    memset(&u, 0, sizeof u);
    socklen_t len = sizeof u;
    if (getsockname(fd, &u.sa, &len) != 0) {
        return 0;
    }
    return ntohs(u.sa.sa_family == AF_INET6 ? u.in6.sin6_port : u.in.sin_port);
}

static server_status fail(server_diag *diag, server_status st, const char *msg)
{
    if (diag) {
        snprintf(diag->message, sizeof diag->message, "%s", msg);
    }
    return st;
}

/* A worker's event loop: waits on its daemon's epoll descriptor and the stop pipe, no longer
 * than the library's next connection deadline, then lets the library do one non-blocking
 * round (accept, read, answer, time out). */
static void *worker_loop(void *arg)
{
    worker *w = arg;
    const srv_mhd *m = w->sv->mhd;
    struct pollfd p[2] = {{w->epoll_fd, POLLIN, 0}, {w->sv->stop_pipe[0], POLLIN, 0}};
    for (;;) {
        int ms = -1;
        MHD_UNSIGNED_LONG_LONG left = 0;
        if (m->get_timeout(w->daemon, &left) == MHD_YES) {
            ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        if (poll(p, 2, ms) < 0 && errno != EINTR) {
            dprintf(STDERR_FILENO, "oomkb serve: poll failed: %s\n", strerror(errno));
            break;
        }
        if (p[1].revents) {
            break;
        }
        m->run(w->daemon);
    }
    return NULL;
}

/* Starts one daemon (driven by worker_loop) on a duplicate of the listening socket. Returns
 * NULL, or what failed. */
static const char *start_worker(server *sv, worker *w, int listen_fd, int family, unsigned limit,
                                const server_opts *opts)
{
    const srv_mhd *m = sv->mhd;
    w->sv = sv;
    w->epoll_fd = -1;
    int fd = fcntl(listen_fd, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
        return "cannot duplicate the listening socket";
    }
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
    if (family == AF_INET6) {
        flags |= MHD_USE_IPv6;
    }
    w->daemon = m->start_daemon(
        flags, 0, NULL, NULL, on_request, sv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, sv,
        MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, limit,
        MHD_OPTION_CONNECTION_TIMEOUT, opts->timeout_s ? opts->timeout_s : 30U,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64U * 1024U), MHD_OPTION_URI_LOG_CALLBACK,
        uri_cb, sv, MHD_OPTION_NOTIFY_COMPLETED, completed_cb, sv, MHD_OPTION_END);
    if (!w->daemon) {
        close(fd);
        return "libmicrohttpd failed to start the daemon";
    }
    const union MHD_DaemonInfo *info = m->get_daemon_info(w->daemon, MHD_DAEMON_INFO_EPOLL_FD);
    if (!info) {
        return "libmicrohttpd gave no epoll descriptor";
    }
    w->epoll_fd = info->epoll_fd;
    if (pthread_create(&w->thread, NULL, worker_loop, w) != 0) {
        return "cannot start a server thread";
    }
    w->running = 1;
    return NULL;
}

server_status server_start(const server_opts *opts, server **out, server_diag *diag)
{
    *out = NULL;
    char err[512] = "";
    const srv_mhd *m = srv_mhd_load(err, sizeof err);
    if (!m) {
        return fail(diag, SERVER_ERR_LIBRARY, err);
    }
    unsigned threads = opts->threads;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n < 1 ? 1 : n > 8 ? 8 : (unsigned)n;
    }
    if (threads > 64) {
        return fail(diag, SERVER_ERR_USAGE, "--threads must be from 1 to 64");
    }
    server *sv = xcalloc(1, sizeof *sv);
    atomic_init(&sv->body_bytes, 0);
    sv->mhd = m;
    sv->quiet = opts->quiet;
    sv->log_fd = opts->log ? fileno(opts->log) : STDERR_FILENO;

    srv_hooks hooks = {prepare_hook, release_hook, sv};
    srv_status ss = srv_site_new(opts->db_path, threads, &hooks, &sv->site, err, sizeof err);
    if (ss != SRV_OK) {
        free(sv);
        return fail(diag, ss == SRV_ERR_KB ? SERVER_ERR_KB : SERVER_ERR_INTERNAL, err);
    }
    const char *host = opts->bind && *opts->bind ? opts->bind : "127.0.0.1";
    int family = AF_INET;
    int fd = open_listener(host, opts->port, &family, err, sizeof err);
    if (fd < 0) {
        srv_site_free(sv->site);
        free(sv);
        return fail(diag, SERVER_ERR_BIND, err);
    }
    sv->port = bound_port(fd);
    snprintf(sv->url, sizeof sv->url, family == AF_INET6 ? "http://[%s]:%u/" : "http://%s:%u/",
             host, sv->port);

    if (m->is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
        close(fd);
        srv_site_free(sv->site);
        free(sv);
        return fail(diag, SERVER_ERR_LIBRARY, "libmicrohttpd was built without epoll");
    }
    unsigned limit = opts->conn_limit ? opts->conn_limit : 1000U;
    if (threads > limit) {
        threads = limit; /* every daemon needs a share of at least one connection */
    }
    if (pipe2(sv->stop_pipe, O_CLOEXEC) != 0) {
        close(fd);
        srv_site_free(sv->site);
        free(sv);
        return fail(diag, SERVER_ERR_INTERNAL, "cannot create the stop pipe");
    }
    sv->workers = xcalloc(threads, sizeof *sv->workers);
    sv->n_workers = threads;
    const char *why = NULL;
    for (unsigned i = 0; i < threads && !why; i++) {
        /* The connection limit is shared out as libmicrohttpd's own pool does. */
        unsigned share = limit / threads + (i < limit % threads ? 1U : 0U);
        why = start_worker(sv, &sv->workers[i], fd, family, share, opts);
    }
    close(fd); /* each daemon holds a duplicate */
    if (why) {
        server_stop(sv);
        return fail(diag, SERVER_ERR_INTERNAL, why);
    }
    *out = sv;
    return SERVER_OK;
}

unsigned server_port(const server *s)
{
    return s->port;
}

const char *server_url(const server *s)
{
    return s->url;
}

void server_stop(server *s)
{
    if (!s) {
        return;
    }
    /* Stop the loops first, then the daemons (they may still hold reps); the site goes last. */
    if (s->n_workers) {
        ssize_t w;
        do {
            w = write(s->stop_pipe[1], "", 1);
        } while (w < 0 && errno == EINTR);
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        if (s->workers[i].running) {
            pthread_join(s->workers[i].thread, NULL);
        }
    }
    for (unsigned i = 0; i < s->n_workers; i++) {
        if (s->workers[i].daemon) {
            s->mhd->stop_daemon(s->workers[i].daemon);
        }
    }
    if (s->workers) {
        close(s->stop_pipe[0]);
        close(s->stop_pipe[1]);
    }
    free(s->workers);
    srv_site_free(s->site);
    free(s);
}
