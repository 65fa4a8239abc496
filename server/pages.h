/* Private to the server module: renderers for the pages built once at start-up (pages.c),
 * called by site.c. Each returns a malloc'd, NUL-terminated body the caller frees. */
#ifndef OOMKB_SERVER_PAGES_H
#define OOMKB_SERVER_PAGES_H

#include "server/server_int.h"

char *srv_page_entry_html(const srv_site *s, const kb_entry *e);
char *srv_page_entry_text(const srv_site *s, const kb_entry *e);
char *srv_page_entries_json(const srv_site *s, const kb_toc *t);
char *srv_page_home_html(const srv_site *s, const kb_toc *t, const kb_docs *d);
char *srv_page_home_text(const srv_site *s, const kb_toc *t, const kb_docs *d);

#endif
