/* Opens the knowledge base compiled into the binary (kb/blob.S). Kept apart from the rest
 * of the kb module so that the build-time compiler (kb/tools/kbc_main.c) links without it. */
#include <stdlib.h>

#include "kb/kb.h"
#include "kb/kb_int.h"

extern const unsigned char oomkb_kb_blob[];
extern const unsigned long long oomkb_kb_blob_size;

kb_status kb_open_embedded(kb **out, kb_diag *diag)
{
    size_t len = (size_t)oomkb_kb_blob_size;
    kb_status st = kb_open_static_image(oomkb_kb_blob, len, "(built-in)", out, diag);
    if (st == KB_OK) {
        (*out)->builtin = 1;
    }
    return st;
}

kb_status kb_open_default(const char *path, kb **out, kb_diag *diag)
{
    if (path && *path) {
        return kb_open_file(path, out, diag);
    }
    const char *env = getenv("OOMKB_DB");
    if (env && *env) {
        return kb_open_file(env, out, diag);
    }
    return kb_open_embedded(out, diag);
}
