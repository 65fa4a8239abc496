/* Slow clients for tests/load/slow.sh: holds N connections open against a server on 127.0.0.1
 * (a third silent, a third stalled after half a request line and a Host header, a third sending
 * a complete request one byte at a time), while a normal client thread fetches every path of a
 * list again and again and times each request. Then watches the server close the idle ones.
 *
 * Usage: slowpoke PORT N TIMEOUT_S PATHS_FILE
 * Prints key=value figures on stdout; exits 0 (the shell script judges the figures).
 *
 * Times are the server's to keep, not this client's: an idle connection's close is timed from
 * its own connect, and the client waits for every answer and every close as long as it takes
 * (up to generous caps far beyond what the server is asked for), so that a busy machine slows
 * the test but cannot fail it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dial.h"

enum kind { IDLE_SILENT, IDLE_PARTIAL, DRIP };

/* Drip: a complete request, one byte per DRIP_MS, well under any timeout the test sets. */
static const char drip_req[] = "GET /healthz HTTP/1.0\r\n\r\n";
#define DRIP_MS 250
static const char partial_req[] = "GET /M8 HTTP/1.1\r\nHost: 127.0.0.1\r\n";

typedef struct conn {
    int fd;
    enum kind kind;
    size_t sent;
    double next_drip;
    double opened_at;                 /* seconds since start when connect returned */
    double closed_at;                 /* seconds since start when the server closed it; 0 = open */
    double last_byte_at, answered_at; /* drip: the request's last byte sent; first reply byte */
    char resp[64];
    size_t resp_len;
} conn;

static unsigned short port;
static double t0;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(void)
{
    int fd = dial_loopback(port);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ---- The normal client ------------------------------------------------------------------- */

static char **paths;
static size_t n_paths;
static volatile int stop_normal;
static double *lat_ms;
static size_t n_lat, cap_lat;
static size_t normal_fail, normal_slow;
static char first_fail[256];

/* One GET on a new connection (every other round) or on the kept-alive one; returns the status
 * or -1, and the milliseconds it took including the connect. */
static int fetch(int *keep, const char *path, double *ms)
{
    double t = now();
    int fd = *keep;
    if (fd < 0) {
        fd = dial();
        if (fd < 0) {
            *ms = (now() - t) * 1000;
            return -1;
        }
    }
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n", path);
    if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
        close(fd);
        *keep = -1;
        *ms = (now() - t) * 1000;
        return -1;
    }
    static __thread char buf[1 << 20];
    size_t len = 0;
    long want = -1;
    int status = -1;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0) {
            break;
        }
        ssize_t r = recv(fd, buf + len, sizeof buf - len - 1, 0);
        if (r <= 0) {
            break;
        }
        len += (size_t)r;
        buf[len] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (end && want < 0) {
            sscanf(buf, "HTTP/%*d.%*d %d", &status);
            char *cl = strcasestr(buf, "\r\nContent-Length:");
            want = (long)(end + 4 - buf) + (cl && cl < end ? atol(cl + 17) : 0);
        }
        if (want >= 0 && (long)len >= want) {
            break;
        }
    }
    *ms = (now() - t) * 1000;
    if (want < 0 || (long)len < want) {
        status = -1;
    }
    if (status < 0) {
        close(fd);
        *keep = -1;
    } else {
        *keep = fd; /* the caller closes it or sends the next request on it */
    }
    return status;
}

static void *normal_client(void *arg)
{
    (void)arg;
    int round = 0;
    while (!stop_normal) {
        int keep = -1;
        for (size_t i = 0; i < n_paths && !stop_normal; i++) {
            double ms = 0;
            int st = fetch(&keep, paths[i], &ms);
            if (round % 2 == 0 && keep >= 0) {
                close(keep); /* even rounds: a new connection per request */
                keep = -1;
            }
            if (n_lat == cap_lat) {
                cap_lat = cap_lat ? 2 * cap_lat : 4096;
                lat_ms = realloc(lat_ms, cap_lat * sizeof *lat_ms);
            }
            lat_ms[n_lat++] = ms;
            if (st != 200) {
                if (!normal_fail) {
                    snprintf(first_fail, sizeof first_fail, "%s -> %d", paths[i], st);
                }
                normal_fail++;
            }
            if (ms > 100) {
                normal_slow++;
            }
        }
        if (keep >= 0) {
            close(keep);
        }
        round++;
    }
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- The slow clients -------------------------------------------------------------------- */

/* Notes a connection the server closed (EOF or reset); keeps the start of any reply. */
static void poll_conns(conn *c, size_t n, int timeout_ms)
{
    struct pollfd *p = calloc(n, sizeof *p);
    for (size_t i = 0; i < n; i++) {
        p[i].fd = c[i].closed_at > 0 ? -1 : c[i].fd;
        p[i].events = POLLIN;
    }
    if (poll(p, n, timeout_ms) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (!p[i].revents) {
                continue;
            }
            char tmp[4096];
            ssize_t r = recv(c[i].fd, tmp, sizeof tmp, MSG_DONTWAIT);
            if (r > 0) {
                if (c[i].answered_at == 0) {
                    c[i].answered_at = now() - t0;
                }
                size_t k = sizeof c[i].resp - 1 - c[i].resp_len;
                k = (size_t)r < k ? (size_t)r : k;
                memcpy(c[i].resp + c[i].resp_len, tmp, k);
                c[i].resp_len += k;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                c[i].closed_at = now() - t0;
            }
        }
    }
    free(p);
}

static void drip(conn *c, size_t n)
{
    double t = now();
    for (size_t i = 0; i < n; i++) {
        if (c[i].kind != DRIP || c[i].closed_at > 0 || c[i].sent >= sizeof drip_req - 1 ||
            t < c[i].next_drip) {
            continue;
        }
        if (send(c[i].fd, drip_req + c[i].sent, 1, MSG_NOSIGNAL) == 1 &&
            ++c[i].sent == sizeof drip_req - 1) {
            c[i].last_byte_at = now() - t0;
        }
        c[i].next_drip = t + DRIP_MS / 1000.0;
    }
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: slowpoke PORT N TIMEOUT_S PATHS_FILE\n");
        return 2;
    }
    port = (unsigned short)atoi(argv[1]);
    size_t n = (size_t)atol(argv[2]);
    double timeout_s = atof(argv[3]);
    FILE *f = fopen(argv[4], "r");
    if (!f) {
        perror(argv[4]);
        return 2;
    }
    char line[2048];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (*line) {
            paths = realloc(paths, (n_paths + 1) * sizeof *paths);
            paths[n_paths++] = strdup(line);
        }
    }
    fclose(f);

    conn *c = calloc(n, sizeof *c);
    t0 = now();
    size_t opened = 0;
    for (size_t i = 0; i < n; i++) {
        c[i].kind = (enum kind)(i % 3);
        c[i].fd = dial();
        if (c[i].fd < 0) {
            c[i].closed_at = -1;
            continue;
        }
        c[i].opened_at = now() - t0;
        opened++;
        if (c[i].kind == IDLE_PARTIAL) {
            send(c[i].fd, partial_req, sizeof partial_req - 1, MSG_NOSIGNAL);
        }
    }
    double open_s = now() - t0;
    printf("slow_opened=%zu\nslow_open_seconds=%.3f\n", opened, open_s);
    fflush(stdout);

    /* The normal client runs while every slow connection is held: until shortly before the
     * server's timeout can close the idle ones. */
    pthread_t th;
    pthread_create(&th, NULL, normal_client, NULL);
    double normal_until = t0 + timeout_s - 1.0;
    while (now() < normal_until) {
        drip(c, n);
        poll_conns(c, n, 20);
    }
    stop_normal = 1;
    pthread_join(th, NULL);
    size_t held = 0;
    for (size_t i = 0; i < n; i++) {
        held += c[i].closed_at == 0;
    }
    printf("slow_held_during_normal=%zu\n", held);

    /* Now the idle ones must go and the dripping ones be answered: wait until every idle
     * connection is closed and every drip connection answered or closed, dripping on. The
     * caps only bound a broken server: an idle close 20 s past the timeout, an answer 30 s
     * after a request's last byte. */
    double last_open = 0;
    for (size_t i = 0; i < n; i++) {
        last_open = c[i].opened_at > last_open ? c[i].opened_at : last_open;
    }
    for (;;) {
        drip(c, n);
        poll_conns(c, n, 20);
        double t = now() - t0;
        int waiting = 0;
        for (size_t i = 0; i < n && !waiting; i++) {
            if (c[i].fd < 0 || c[i].closed_at > 0) {
                continue;
            }
            if (c[i].kind != DRIP) {
                waiting = t < c[i].opened_at + timeout_s + 20.0;
            } else if (c[i].resp_len == 0) {
                waiting = c[i].sent < sizeof drip_req - 1 || t < c[i].last_byte_at + 30.0;
            }
        }
        if (!waiting) {
            break;
        }
    }
    size_t idle = 0, idle_closed = 0, drip_n = 0, drip_ok = 0;
    double first_close = -1, last_close = 0, answer_max = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].fd < 0) {
            continue;
        }
        if (c[i].kind == DRIP) {
            drip_n++;
            c[i].resp[c[i].resp_len] = 0;
            int ok = strncmp(c[i].resp, "HTTP/1.0 200", 12) == 0 ||
                     strncmp(c[i].resp, "HTTP/1.1 200", 12) == 0;
            drip_ok += ok;
            if (ok && c[i].answered_at - c[i].last_byte_at > answer_max) {
                answer_max = c[i].answered_at - c[i].last_byte_at;
            }
        } else {
            idle++;
            if (c[i].closed_at > 0) {
                double after = c[i].closed_at - c[i].opened_at;
                idle_closed++;
                first_close = first_close < 0 || after < first_close ? after : first_close;
                last_close = after > last_close ? after : last_close;
            }
        }
        close(c[i].fd);
    }
    printf("idle=%zu\nidle_closed=%zu\nidle_closed_first_s=%.2f\nidle_closed_last_s=%.2f\n", idle,
           idle_closed, first_close < 0 ? 0 : first_close, last_close);
    printf("drip=%zu\ndrip_ok=%zu\ndrip_bytes=%zu\ndrip_interval_ms=%d\ndrip_answer_max_ms=%.1f\n",
           drip_n, drip_ok, sizeof drip_req - 1, DRIP_MS, answer_max * 1000);
    printf("open_last_s=%.3f\nend_s=%.2f\n", last_open, now() - t0);

    qsort(lat_ms, n_lat, sizeof *lat_ms, cmp_double);
    double p50 = n_lat ? lat_ms[n_lat / 2] : 0;
    double p99 = n_lat ? lat_ms[(n_lat * 99) / 100] : 0;
    double max = n_lat ? lat_ms[n_lat - 1] : 0;
    printf("normal_requests=%zu\nnormal_fail=%zu\nnormal_over_100ms=%zu\n", n_lat, normal_fail,
           normal_slow);
    printf("normal_p50_ms=%.2f\nnormal_p99_ms=%.2f\nnormal_max_ms=%.2f\n", p50, p99, max);
    if (normal_fail) {
        printf("normal_first_fail=%s\n", first_fail);
    }
    return 0;
}
