/* The search-result cache: rendered search responses keyed by format, limit and normalised
 * query. The KB is immutable while serving, so entries never go stale; the cache is bounded in
 * entries and bytes and evicts the least recently used. A chained hash table over a doubly
 * linked recency list, under one mutex: a hit costs a hash, a compare and a reference count,
 * far below the ~330 us a search with snippets costs. */
#include <stdlib.h>
#include <string.h>

#include "server/server_int.h"

typedef struct node {
    char *key;
    size_t key_len;
    size_t hash;
    srv_rep *rep;
    size_t bytes;
    struct node *chain;       /* next in the hash bucket */
    struct node *prev, *next; /* recency: head is the most recent */
} node;

struct srv_cache {
    pthread_mutex_t mu;
    node **buckets;
    size_t n_buckets;
    node *head, *tail;
    size_t n, bytes;
    size_t max_entries, max_bytes;
    size_t hits, misses;
    srv_unref_fn unref;
    void *ud;
};

static size_t hash_key(const char *k, size_t n)
{
    size_t h = (size_t)1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= (size_t)1099511628211ULL;
    }
    return h;
}

srv_cache *srv_cache_new(size_t max_entries, size_t max_bytes, srv_unref_fn unref, void *ud)
{
    srv_cache *c = xcalloc(1, sizeof *c);
    pthread_mutex_init(&c->mu, NULL);
    c->max_entries = max_entries ? max_entries : 1;
    c->max_bytes = max_bytes;
    c->n_buckets = 64;
    while (c->n_buckets < c->max_entries) {
        c->n_buckets *= 2;
    }
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers */
    c->buckets = xcalloc(c->n_buckets, sizeof *c->buckets);
    c->unref = unref;
    c->ud = ud;
    return c;
}

static void list_unlink(srv_cache *c, node *e)
{
    if (e->prev) {
        e->prev->next = e->next;
    } else {
        c->head = e->next;
    }
    if (e->next) {
        e->next->prev = e->prev;
    } else {
        c->tail = e->prev;
    }
    e->prev = e->next = NULL;
}

static void list_push_front(srv_cache *c, node *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head) {
        c->head->prev = e;
    }
    c->head = e;
    if (!c->tail) {
        c->tail = e;
    }
}

/* Unlinks e everywhere and returns its rep for the caller to unref outside the lock. */
static srv_rep *drop(srv_cache *c, node *e)
{
    node **pp = &c->buckets[e->hash & (c->n_buckets - 1)];
    while (*pp != e) {
        pp = &(*pp)->chain;
    }
    *pp = e->chain;
    list_unlink(c, e);
    c->n--;
    c->bytes -= e->bytes;
    srv_rep *r = e->rep;
    free(e->key);
    free(e);
    return r;
}

static node *find(srv_cache *c, const char *key, size_t key_len, size_t h)
{
    for (node *e = c->buckets[h & (c->n_buckets - 1)]; e; e = e->chain) {
        if (e->hash == h && e->key_len == key_len && memcmp(e->key, key, key_len) == 0) {
            return e;
        }
    }
    return NULL;
}

srv_rep *srv_cache_get(srv_cache *c, const char *key, size_t key_len)
{
    size_t h = hash_key(key, key_len);
    pthread_mutex_lock(&c->mu);
    node *e = find(c, key, key_len, h);
    srv_rep *r = NULL;
    if (e) {
        list_unlink(c, e);
        list_push_front(c, e);
        r = e->rep;
        atomic_fetch_add(&r->refs, 1);
        c->hits++;
    } else {
        c->misses++;
    }
    pthread_mutex_unlock(&c->mu);
    return r;
}

void srv_cache_put(srv_cache *c, const char *key, size_t key_len, srv_rep *r)
{
    size_t bytes = r->len + r->gz_len + key_len + sizeof(node) + sizeof(srv_rep);
    if (c->max_bytes && bytes > c->max_bytes) {
        return;
    }
    size_t h = hash_key(key, key_len);
    srv_rep *evicted[8];
    size_t n_evicted = 0;
    pthread_mutex_lock(&c->mu);
    if (!find(c, key, key_len, h)) {
        /* Make room first; at most a few entries go per insert, the rest on later inserts. */
        while (c->tail && n_evicted < sizeof evicted / sizeof evicted[0] &&
               (c->n >= c->max_entries || (c->max_bytes && c->bytes + bytes > c->max_bytes))) {
            /* NOLINTNEXTLINE(clang-analyzer-unix.Malloc): tail->next is NULL, never freed */
            evicted[n_evicted++] = drop(c, c->tail);
        }
        if (c->n < c->max_entries && (!c->max_bytes || c->bytes + bytes <= c->max_bytes)) {
            node *e = xcalloc(1, sizeof *e);
            e->key = xstrndup(key, key_len);
            e->key_len = key_len;
            e->hash = h;
            e->rep = r;
            e->bytes = bytes;
            atomic_fetch_add(&r->refs, 1);
            node **b = &c->buckets[h & (c->n_buckets - 1)];
            e->chain = *b;
            *b = e;
            list_push_front(c, e);
            c->n++;
            c->bytes += bytes;
        }
    }
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < n_evicted; i++) {
        c->unref(c->ud, evicted[i]);
    }
}

void srv_cache_stats(srv_cache *c, size_t *out_hits, size_t *out_misses, size_t *out_entries)
{
    pthread_mutex_lock(&c->mu);
    *out_hits = c->hits;
    *out_misses = c->misses;
    *out_entries = c->n;
    pthread_mutex_unlock(&c->mu);
}

void srv_cache_free(srv_cache *c)
{
    if (!c) {
        return;
    }
    for (node *e = c->head, *next; e; e = next) {
        next = e->next;
        c->unref(c->ud, e->rep);
        free(e->key);
        free(e);
    }
    free(c->buckets);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
