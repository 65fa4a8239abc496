/* The OOM doctor on the web: the /diagnose page (a form that works without JavaScript), the
 * POST /api/diagnose JSON API, and the diagnosis card that a search shows above its results when
 * the query is a pasted OOM message. The reading itself is doctor/doctor.h; this file renders
 * and routes. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/doctor.h"
#include "server/server_int.h"

static const char *site_title(void *ud, const char *id)
{
    const srv_site *s = ud;
    const srv_entry *e = srv_site_entry(s, id, strlen(id));
    return e ? e->title : NULL;
}

static doctor_render_opts render_opts(const srv_site *s)
{
    doctor_render_opts o = {"", site_title, (void *)s, 0};
    return o;
}

/* ---- Search: a pasted query ----------------------------------------------------------------- */

void srv_paste_prepare(const srv_site *s, const char *q, srv_fmt fmt, srv_paste *out)
{
    memset(out, 0, sizeof *out);
    size_t n = strlen(q);
    if (doctor_looks_pasted(q, n)) {
        doctor_report *r = NULL;
        if (doctor_diagnose(q, n, &r, NULL) == DOCTOR_OK && r->n) {
            doctor_render_opts o = render_opts(s);
            if (fmt == SRV_FMT_HTML) {
                out->card_html = doctor_render_html(r, &o);
            } else if (fmt == SRV_FMT_JSON) {
                char *doc = doctor_render_json(r, &o);
                char *html = doctor_render_html(r, &o);
                json_t *j = json_loads(doc, 0, NULL);
                json_t *d =
                    json_pack("{s:O,s:s}", "events", json_object_get(j, "events"), "html", html);
                out->card_json = json_dumps(d, JSON_COMPACT | JSON_PRESERVE_ORDER);
                json_decref(d);
                json_decref(j);
                free(doc);
                free(html);
            } else {
                out->card_text = doctor_render_text(r, &o);
            }
        }
        doctor_report_free(r);
    }
    if (kb_query_needs_key_terms(q)) {
        out->query = kb_query_key_terms(q);
        if (!*out->query) {
            free(out->query);
            out->query = xstrdup("out of memory");
        }
    }
}

void srv_paste_free(srv_paste *p)
{
    free(p->query);
    free(p->card_html);
    free(p->card_text);
    free(p->card_json);
    memset(p, 0, sizeof *p);
}

char *srv_json_add_diagnosis(char *body, const char *card_json)
{
    json_t *j = json_loads(body, 0, NULL);
    json_t *d = json_loads(card_json, 0, NULL);
    if (!j || !d || !json_is_object(j)) {
        json_decref(j);
        json_decref(d);
        return body;
    }
    json_object_set_new(j, "diagnosis", d);
    char *out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(j);
    if (!out) {
        return body;
    }
    free(body);
    char *withnl = xasprintf("%s\n", out);
    free(out);
    return withnl;
}

/* ---- /diagnose and /api/diagnose ------------------------------------------------------------- */

static const char PLACEHOLDER[] =
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total "
    "capacity of 23.65 GiB of which 15.06 MiB is free. ...";

/* The page: the diagnosis (or a prompt), then the form holding what was pasted. */
static char *diagnose_page(const srv_site *s, const char *text, size_t len, const char *status,
                           const char *cards)
{
    buf m = BUF_INIT;
    buf_puts(&m, "<section class=\"diagnose-page\">\n<h1>Diagnose an out-of-memory error</h1>\n");
    buf_puts(&m, "<p class=\"status\" id=\"status\">");
    buf_html_escape(&m, status, strlen(status));
    buf_puts(&m, "</p>\n");
    if (cards) {
        buf_puts(&m, cards);
    }
    buf_puts(&m, "<form class=\"diagnose-form\" action=\"/diagnose\" method=\"post\">\n"
                 "<label for=\"log\">Paste the error message, or the whole log (a training log, "
                 "dmesg, a SLURM output file):</label>\n"
                 "<textarea id=\"log\" name=\"log\" rows=\"12\" spellcheck=\"false\" "
                 "placeholder=\"");
    buf_html_escape(&m, PLACEHOLDER, strlen(PLACEHOLDER));
    buf_puts(&m, "\">");
    buf clean = BUF_INIT;
    /* Keep newlines and tabs; other control bytes and invalid UTF-8 become '?'. */
    for (size_t i = 0; i < len;) {
        size_t run = strcspn(text + i, "\n\t");
        if (i + run > len) {
            run = len - i;
        }
        util_utf8_clean(&clean, text + i, run);
        i += run;
        if (i < len) {
            buf_putc(&clean, text[i++]);
        }
    }
    buf_html_escape(&m, clean.data ? clean.data : "", clean.len);
    buf_free(&clean);
    buf_puts(&m, "</textarea>\n<button type=\"submit\">Diagnose</button>\n</form>\n"
                 "<p class=\"more\">Also from the shell: <code>oomkb diagnose train.log</code>, "
                 "and as JSON: <code>curl --data-binary @train.log "
                 "http://127.0.0.1:8080/api/diagnose</code>.</p>\n</section>\n");
    char *title = xasprintf("Diagnose an OOM \xe2\x80\x94 %s", s->doc_title);
    char *page = srv_render_page(&s->layout, title, "diagnose", "", m.data);
    free(title);
    buf_free(&m);
    return page;
}

static void reply(srv_site *s, srv_answer *out, int status, const char *ctype, char *body)
{
    out->rep =
        srv_rep_new(s, status, ctype, SRV_CC_NONE, SRV_VARY_NEGOTIATED, body, strlen(body), 0);
    if (status == 405) {
        out->rep->allow = "POST";
    }
    out->variant = SRV_IDENTITY;
}

static void error_reply(srv_site *s, srv_answer *out, int status, const char *message, int api)
{
    if (api) {
        reply(s, out, status, SRV_CT_JSON, srv_render_error_json(status, message, NULL, s));
        return;
    }
    buf m = BUF_INIT;
    buf_html_escape(&m, message, strlen(message));
    const char *title = status == 413 ? "Too large" : status == 503 ? "Busy" : "Bad request";
    char *body = srv_render_error_html(s, status, title, m.data, NULL, "");
    buf_free(&m);
    reply(s, out, status, SRV_CT_HTML, body);
}

/* The JSON report with "html": the cards, for the search box. */
static char *json_with_html(const doctor_report *r, const doctor_render_opts *o)
{
    char *doc = doctor_render_json(r, o);
    char *html = doctor_render_html(r, o);
    json_t *j = json_loads(doc, JSON_DISABLE_EOF_CHECK, NULL);
    char *out = doc;
    if (j) {
        json_object_set_new(j, "html", json_string(html));
        char *d = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (d) {
            out = xasprintf("%s\n", d);
            free(d);
            free(doc);
        }
    }
    free(html);
    return out;
}

/* The text a POST carries: the "log" field of a form, else the raw body. Returns 0, or -1 when
 * a form is malformed. */
static int posted_text(const srv_request *req, buf *out)
{
    const char *ct = req->content_type ? req->content_type : "";
    if (strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        int rc = srv_query_arg(req->body ? req->body : "", "log", out);
        if (rc != 0) {
            return rc < 0 ? -1 : 0;
        }
        /* No "log" field: a raw body sent with curl's default form content type. */
    }
    buf_append(out, req->body ? req->body : "", req->body_len);
    return 0;
}

/* A POST to /diagnose or /api/diagnose. */
static void diagnose_post(srv_site *s, const srv_request *req, int api, const char *query,
                          srv_answer *out)
{
    if (req->body_too_large == 2) {
        error_reply(s, out, 503, "the server is reading too many logs at once; try again", api);
        return;
    }
    if (req->body_too_large) {
        error_reply(s, out, 413, "the log is over 1 MiB: paste the part around the error", api);
        return;
    }
    buf text = BUF_INIT;
    if (posted_text(req, &text) < 0) {
        error_reply(s, out, 400, "malformed form data (bad %-escape or a NUL byte)", api);
        buf_free(&text);
        return;
    }
    doctor_report *r = NULL;
    doctor_diagnose(text.data ? text.data : "", text.len, &r, NULL);
    doctor_render_opts o = render_opts(s);
    buf flag = BUF_INIT;
    int want_html = srv_query_arg(query, "html", &flag) == 1 && strcmp(flag.data, "1") == 0;
    buf_free(&flag);
    if (api) {
        /* ?html=1: the search box's long-paste path, which shows the cards. */
        reply(s, out, 200, SRV_CT_JSON,
              want_html ? json_with_html(r, &o) : doctor_render_json(r, &o));
    } else {
        char *cards = r->n ? doctor_render_html(r, &o) : NULL;
        char *status =
            r->n ? xasprintf("%zu out-of-memory event%s found.", r->n, r->n == 1 ? "" : "s")
                 : xstrdup(text.len ? "No out-of-memory error found in this text."
                                    : "Paste an out-of-memory error or a log below.");
        reply(s, out, 200, SRV_CT_HTML,
              diagnose_page(s, text.data ? text.data : "", text.len, status, cards));
        free(cards);
        free(status);
    }
    doctor_report_free(r);
    buf_free(&text);
}

int srv_diagnose_route(srv_site *s, const srv_request *req, srv_answer *out)
{
    int post = req->method && strcmp(req->method, "POST") == 0;
    buf pb = BUF_INIT;
    const char *query = NULL;
    int ok = srv_target_split(req->target, &pb, &query) == 0;
    int api = ok && strcmp(pb.data, "/api/diagnose") == 0;
    int page = ok && strcmp(pb.data, "/diagnose") == 0;
    int answered = 1;
    if (post && (api || page)) {
        diagnose_post(s, req, api, query, out);
    } else if (post) {
        out->rep = s->not_allowed;
    } else if (api) {
        error_reply(s, out, 405, "POST the log to /api/diagnose", 1);
    } else if (page) {
        reply(s, out, 200, SRV_CT_HTML,
              diagnose_page(s, "", 0, "Paste an out-of-memory error or a log below.", NULL));
    } else {
        answered = 0;
    }
    buf_free(&pb);
    return answered;
}
