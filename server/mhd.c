/* libmicrohttpd loaded with dlopen when `oomkb serve` starts, not linked into the binary.
 *
 * Why: linking -lmicrohttpd pulls in gnutls and about twelve more shared libraries, and the
 * dynamic loader resolves all of them on every start of every subcommand. Measured on Debian
 * 12: a hello-world starts in 1.2 ms, and in 4.5 ms once linked against libmicrohttpd. `oomkb
 * search` has to stay within 1.5x of `grep` (about 1.7 ms on the 22 KB guide), so that cost is
 * unaffordable for a library only `serve` uses. Here it is paid once, by the server, at start.
 * The table keeps the library's own prototypes (__typeof__), so calls are type-checked as if
 * linked; a missing library or symbol is a clear error instead of a loader failure. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "server/server_mhd.h"

#define MHD_SONAME "libmicrohttpd.so.12"

static pthread_mutex_t load_mu = PTHREAD_MUTEX_INITIALIZER;
static srv_mhd table;
static int loaded;

#define SYM(member, name)                                                                          \
    {                                                                                              \
#name, offsetof(srv_mhd, member)                                                           \
    }

static const struct {
    const char *name;
    size_t offset;
} symbols[] = {
    SYM(start_daemon, MHD_start_daemon),
    SYM(stop_daemon, MHD_stop_daemon),
    SYM(get_daemon_info, MHD_get_daemon_info),
    SYM(run, MHD_run),
    SYM(get_timeout, MHD_get_timeout),
    SYM(is_feature_supported, MHD_is_feature_supported),
    SYM(create_response_from_buffer, MHD_create_response_from_buffer),
    SYM(create_response_from_buffer_with_free_callback_cls,
        MHD_create_response_from_buffer_with_free_callback_cls),
    SYM(add_response_header, MHD_add_response_header),
    SYM(queue_response, MHD_queue_response),
    SYM(destroy_response, MHD_destroy_response),
    SYM(lookup_connection_value, MHD_lookup_connection_value),
    SYM(get_connection_info, MHD_get_connection_info),
};

const srv_mhd *srv_mhd_load(char *err, size_t err_size)
{
    pthread_mutex_lock(&load_mu);
    if (loaded) {
        pthread_mutex_unlock(&load_mu);
        return &table;
    }
    const srv_mhd *result = NULL;
    /* Never dlclose'd: the library's threads and responses live as long as the process. */
    void *h = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, err_size,
                 "cannot load %s (%s); install it with: apt-get install libmicrohttpd12",
                 MHD_SONAME, dlerror());
        goto out;
    }
    srv_mhd t;
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        void *p = dlsym(h, symbols[i].name);
        if (!p) {
            snprintf(err, err_size, "%s has no symbol %s (need libmicrohttpd >= 0.9.75)",
                     MHD_SONAME, symbols[i].name);
            goto out;
        }
        /* POSIX guarantees a data pointer from dlsym converts to a function pointer; memcpy
         * states that without the cast ISO C does not define. */
        memcpy((char *)&t + symbols[i].offset, &p, sizeof p);
    }
    table = t;
    loaded = 1;
    result = &table;
out:
    pthread_mutex_unlock(&load_mu);
    return result;
}
