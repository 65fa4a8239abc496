/* The server's pure protocol helpers (server/proto.c, bundle.c, render.c): request-target and
 * query parsing, negotiation, Accept-Encoding, If-None-Match, escaping with markers, heading
 * anchors and the bundle index. Table-driven: a case is a line of data. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "server/server_int.h"

START_TEST(target_split)
{
    static const struct {
        const char *target;
        int rc;
        const char *path;
        const char *query;
    } cases[] = {
        {"/", 0, "/", NULL},         {"/M8?x=1", 0, "/M8", "x=1"},
        {"/a%20b", 0, "/a b", NULL}, {"/%2e%2e/etc", 0, "/../etc", NULL},
        {"/a%2Fb", 0, "/a/b", NULL}, {"/a+b", 0, "/a+b", NULL},
        {"/x#frag", 0, "/x", NULL},  {"/?", 0, "/", ""},
        {"/%00", -1, NULL, NULL},    {"/%0", -1, NULL, NULL},
        {"/%", -1, NULL, NULL},      {"/%g1", -1, NULL, NULL},
        {"M8", -1, NULL, NULL},      {"http://evil/M8", -1, NULL, NULL},
        {"", -1, NULL, NULL},        {"*", -1, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf p = BUF_INIT;
        const char *q = NULL;
        int rc = srv_target_split(cases[i].target, &p, &q);
        ck_assert_msg(rc == cases[i].rc, "%s: rc %d", cases[i].target, rc);
        if (rc == 0) {
            ck_assert_str_eq(p.data, cases[i].path);
            if (cases[i].query) {
                ck_assert_str_eq(q, cases[i].query);
            } else {
                ck_assert_ptr_null(q);
            }
        }
        buf_free(&p);
    }
}
END_TEST

START_TEST(query_args)
{
    static const struct {
        const char *query;
        const char *name;
        int rc;
        const char *value;
    } cases[] = {
        {"q=a+b", "q", 1, "a b"},
        {"q=a%2Bb", "q", 1, "a+b"},
        {"x=1&q=zero&q=two", "q", 1, "zero"},
        {"qq=1&q=2", "q", 1, "2"},
        {"q", "q", 1, ""},
        {"q=", "q", 1, ""},
        {"x=1", "q", 0, NULL},
        {"", "q", 0, NULL},
        {"q=%00", "q", -1, NULL},
        {"q=%zz", "q", -1, NULL},
        {"q=%C3%A9", "q", 1, "\xc3\xa9"},
        {"%71=x", "q", 1, "x"},
        {"q=a#frag", "q", 1, "a"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf v = BUF_INIT;
        int rc = srv_query_arg(cases[i].query, cases[i].name, &v);
        ck_assert_msg(rc == cases[i].rc, "%s: rc %d", cases[i].query, rc);
        if (rc == 1) {
            ck_assert_str_eq(v.data ? v.data : "", cases[i].value);
        }
        buf_free(&v);
    }
    ck_assert_int_eq(srv_query_arg(NULL, "q", NULL), 0);
}
END_TEST

START_TEST(negotiation)
{
    const unsigned all = SRV_FMT_HTML | SRV_FMT_TEXT | SRV_FMT_MD | SRV_FMT_JSON;
    static const char *const firefox =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8";
    static const struct {
        srv_fmt explicit_fmt;
        const char *accept;
        const char *ua;
        srv_fmt want;
    } cases[] = {
        {SRV_FMT_NONE, NULL, "curl/8.0.1", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "curl/8.0.1", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "Wget/1.21.3", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "HTTPie/3.2", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "python-requests/2.31", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "Mozilla/5.0 (Windows NT; Windows NT 10.0) WindowsPowerShell/5.1",
         SRV_FMT_TEXT},
        {SRV_FMT_NONE, NULL, NULL, SRV_FMT_TEXT},
        {SRV_FMT_NONE, "*/*", "Mozilla/5.0", SRV_FMT_HTML},
        {SRV_FMT_NONE, firefox, "Mozilla/5.0", SRV_FMT_HTML},
        {SRV_FMT_NONE, firefox, "curl/8", SRV_FMT_HTML},
        {SRV_FMT_NONE, "text/plain", "Mozilla/5.0", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "text/markdown", NULL, SRV_FMT_MD},
        {SRV_FMT_NONE, "application/json", "Mozilla/5.0", SRV_FMT_JSON},
        {SRV_FMT_NONE, "text/html;q=0.1, text/plain;q=0.9", NULL, SRV_FMT_TEXT},
        {SRV_FMT_NONE, "text/html;q=0, */*", "Mozilla/5.0", SRV_FMT_HTML},
        {SRV_FMT_NONE, "text/html;q=bogus", "curl/8", SRV_FMT_TEXT},
        {SRV_FMT_NONE, "TEXT/HTML", "curl/8", SRV_FMT_HTML},
        {SRV_FMT_MD, firefox, "Mozilla/5.0", SRV_FMT_MD},
        {SRV_FMT_JSON, "text/plain", "curl/8", SRV_FMT_JSON},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srv_fmt got = srv_negotiate(cases[i].explicit_fmt, cases[i].accept, cases[i].ua, all);
        ck_assert_msg(got == cases[i].want, "case %zu (%s / %s): got %d want %d", i,
                      cases[i].accept ? cases[i].accept : "-", cases[i].ua ? cases[i].ua : "-", got,
                      cases[i].want);
    }
    /* A format the route does not offer is ignored. */
    ck_assert_int_eq(
        srv_negotiate(SRV_FMT_MD, "text/markdown", "Mozilla/5.0", SRV_FMT_HTML | SRV_FMT_TEXT),
        SRV_FMT_HTML);
    ck_assert_int_eq(srv_fmt_parse("TXT"), SRV_FMT_TEXT);
    ck_assert_int_eq(srv_fmt_parse("markdown"), SRV_FMT_MD);
    ck_assert_int_eq(srv_fmt_parse("exe"), SRV_FMT_NONE);
}
END_TEST

START_TEST(accept_encoding)
{
    static const struct {
        const char *h;
        int want;
    } cases[] = {
        {NULL, 0},
        {"", 0},
        {"gzip", 1},
        {"gzip, deflate, br", 1},
        {"br;q=1.0, gzip;q=0.8, *;q=0.1", 1},
        {"GZIP", 1},
        {"x-gzip", 1},
        {"gzip;q=0", 0},
        {"gzip;q=0.000", 0},
        {"gzip;q=0.001", 1},
        {"*", 1},
        {"*;q=0", 0},
        {"gzip;q=0, *", 0},
        {"identity", 0},
        {"deflate", 0},
        {"gzipx", 0},
        {"gzip;q=2", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(srv_accepts_gzip(cases[i].h) == cases[i].want, "'%s'",
                      cases[i].h ? cases[i].h : "(null)");
    }
}
END_TEST

START_TEST(if_none_match)
{
    static const char *const tag = "\"ab-12\"";
    static const struct {
        const char *h;
        int want;
    } cases[] = {
        {"\"ab-12\"", 1},
        {"W/\"ab-12\"", 1},
        {"\"x\", \"ab-12\"", 1},
        {"\"x\",\"ab-12\"", 1},
        {"*", 1},
        {"\"ab-1\"", 0},
        {"\"ab-123\"", 0},
        {"ab-12", 0},
        {"\"ab-12", 0},
        {"", 0},
        {NULL, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_msg(srv_etag_matches(cases[i].h, tag) == cases[i].want, "'%s'",
                      cases[i].h ? cases[i].h : "(null)");
    }
    char a[64];
    char b[64];
    srv_etag_make("0123456789", "abc", 3, NULL, a, sizeof a);
    srv_etag_make("0123456789", "abd", 3, NULL, b, sizeof b);
    ck_assert_str_ne(a, b);
    ck_assert_int_eq(a[0], '"');
    ck_assert_ptr_nonnull(strstr(a, "01234567-"));
}
END_TEST

START_TEST(marked_html)
{
    static const struct {
        const char *in;
        const char *out;
    } cases[] = {
        {"plain", "plain"},
        {"a \x01"
         "b\x02 c",
         "a <mark>b</mark> c"},
        {"<script>\x01x\x02</script>", "&lt;script&gt;<mark>x</mark>&lt;/script&gt;"},
        {"\x01<b>\x02", "<mark>&lt;b&gt;</mark>"},
        {"\"'&", "&quot;&#39;&amp;"},
        {"\x01unclosed", "<mark>unclosed</mark>"},
        {"stray\x02 close", "stray close"},
        {"\x01"
         "a\x01"
         "b\x02",
         "<mark>ab</mark>"},
        {"bell\x07", "bell"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        buf b = BUF_INIT;
        srv_marked_html(&b, cases[i].in);
        ck_assert_str_eq(b.data ? b.data : "", cases[i].out);
        buf_free(&b);
    }
}
END_TEST

START_TEST(small_helpers)
{
    buf b = BUF_INIT;
    srv_query_normalize("  a \t b\n\nc  ", &b);
    ck_assert_str_eq(b.data, "a b c");
    buf_free(&b);
    srv_query_normalize("   ", &b);
    ck_assert_str_eq(b.data, "");
    buf_free(&b);
    srv_url_encode(&b, "a b/c?&=\xc3\xa9");
    ck_assert_str_eq(b.data, "a%20b%2Fc%3F%26%3D%C3%A9");
    buf_free(&b);
    srv_slug(&b, "Fixes, in order (cheapest)", 26);
    ck_assert_str_eq(b.data, "fixes-in-order-cheapest");
    buf_free(&b);
    srv_utf8_clean(&b, "ok\xff\xc3\xa9\x01", 6);
    ck_assert_str_eq(b.data, "ok?\xc3\xa9?");
    buf_free(&b);

    char *h = srv_anchor_headings("<p>x</p>\n<h4>Root <em>cause</em></h4>\n<h2>A&amp;B</h2>", "M8");
    ck_assert_str_eq(h, "<p>x</p>\n<h4 id=\"M8-root-cause\">Root <em>cause</em> <a "
                        "class=\"anchor\" href=\"#M8-root-cause\" aria-label=\"Link to this "
                        "heading\">#</a></h4>\n<h2 id=\"M8-a-amp-b\">A&amp;B <a class=\"anchor\" "
                        "href=\"#M8-a-amp-b\" aria-label=\"Link to this heading\">#</a></h2>");
    free(h);
    h = srv_anchor_headings("<hr /><h7>x</h7><h3 class=y>z</h3>", "p");
    ck_assert_str_eq(h, "<hr /><h7>x</h7><h3 class=y>z</h3>");
    free(h);

    srv_layout l = {xstrdup("<title>{{title}}</title>{{q}}|{{main}}|{{page}}|{{other}}")};
    char *page = srv_render_page(&l, "<T>", "home", "\"x\"", "<b>m</b>");
    ck_assert_str_eq(page, "<title>&lt;T&gt;</title>&quot;x&quot;|<b>m</b>|home|{{other}}");
    free(page);
    free(l.html);
}
END_TEST

START_TEST(bundle_index)
{
    static const char good[] = "oomkb-bundle 1\na.js 3\nb.css 2\n\nabcde";
    srv_bundle b;
    char err[128];
    ck_assert_int_eq(srv_bundle_parse(good, sizeof good - 1, &b, err, sizeof err), 0);
    ck_assert_uint_eq(b.n, 2);
    ck_assert_str_eq(b.items[0].name, "a.js");
    ck_assert_int_eq(memcmp(b.items[0].data, "abc", 3), 0);
    ck_assert_int_eq(memcmp(b.items[1].data, "de", 2), 0);
    ck_assert_str_eq(b.items[1].ctype, "text/css; charset=utf-8");
    ck_assert_msg(strncmp(b.items[0].url, "/static/a.", 10) == 0 &&
                      strlen(b.items[0].url) == strlen("/static/a.0123456789.js"),
                  "%s", b.items[0].url);
    srv_bundle_free(&b);
    static const char *const bad[] = {"",
                                      "nope",
                                      "oomkb-bundle 1\na.js 9\n\nabc",
                                      "oomkb-bundle 1\na.js x\n\nabc",
                                      "oomkb-bundle 1\na.js 1",
                                      "oomkb-bundle 1\n 1\n\na"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(srv_bundle_parse(bad[i], strlen(bad[i]), &b, err, sizeof err) == -1,
                      "accepted bad bundle %zu", i);
    }
    /* The embedded bundle has the layout and the assets it names. */
    const char *data;
    size_t len;
    srv_bundle_embedded(&data, &len);
    ck_assert_int_eq(srv_bundle_parse(data, len, &b, err, sizeof err), 0);
    ck_assert_ptr_nonnull(srv_bundle_find(&b, "index.html"));
    ck_assert_ptr_nonnull(srv_bundle_find(&b, "app.js"));
    ck_assert_ptr_nonnull(srv_bundle_find(&b, "style.css"));
    srv_bundle_free(&b);
}
END_TEST

Suite *suite_server_proto(void);

Suite *suite_server_proto(void)
{
    Suite *s = suite_create("server_proto");
    TCase *tc = tcase_create("proto");
    tcase_add_test(tc, target_split);
    tcase_add_test(tc, query_args);
    tcase_add_test(tc, negotiation);
    tcase_add_test(tc, accept_encoding);
    tcase_add_test(tc, if_none_match);
    tcase_add_test(tc, marked_html);
    tcase_add_test(tc, small_helpers);
    tcase_add_test(tc, bundle_index);
    suite_add_tcase(s, tc);
    return s;
}
