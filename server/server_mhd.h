/* Private to the server module: libmicrohttpd, loaded at `serve` time through a typed
 * function table (mhd.c) instead of being linked into the oomkb binary. */
#ifndef OOMKB_SERVER_MHD_H
#define OOMKB_SERVER_MHD_H

#include <microhttpd.h>
#include <stddef.h>

/* The functions the server calls, with the library's own prototypes. */
typedef struct srv_mhd {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_get_daemon_info) get_daemon_info;
    __typeof__(&MHD_run) run;
    __typeof__(&MHD_get_timeout) get_timeout;
    __typeof__(&MHD_is_feature_supported) is_feature_supported;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_create_response_from_buffer_with_free_callback_cls)
        create_response_from_buffer_with_free_callback_cls;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
    __typeof__(&MHD_lookup_connection_value) lookup_connection_value;
    __typeof__(&MHD_get_connection_info) get_connection_info;
} srv_mhd;

/* Loads libmicrohttpd.so.12 and resolves every member, once per process (thread-safe).
 * Returns the table, or NULL with a message in err naming the missing library or symbol. */
const srv_mhd *srv_mhd_load(char *err, size_t err_size);

#endif
