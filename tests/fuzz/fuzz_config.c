/* Fuzzes the configuration parser (linter/config.c: the tree-sitter TOML grammar and the key
 * checks) with arbitrary bytes. The first byte picks the kind (odd: pyproject.toml, even:
 * oomkb.toml); the rest is the file. Oracles: the only outcomes are a config, "not a config"
 * (pyproject.toml only) or an input error whose message starts "NAME:LINE: " with a line
 * inside the file; a config holds only known rules, valid severities and non-empty globs. */
#include <stdlib.h>
#include <string.h>

#include "linter/config.h"
#include "tests/fuzz/fuzz.h"

static void check_globs(char **g, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!g[i] || !g[i][0]) {
            abort();
        }
    }
}

static void check_config(const lint_config *c)
{
    uint32_t all = lint_rule_all();
    if ((c->select | c->extend_select | c->ignore) & ~all) {
        abort();
    }
    check_globs(c->exclude, c->n_exclude);
    check_globs(c->extend_exclude, c->n_extend_exclude);
    for (size_t i = 0; i < c->n_per_file_ignores; i++) {
        if (!c->per_file_ignores[i].glob[0] || (c->per_file_ignores[i].rules & ~all)) {
            abort();
        }
    }
    for (int i = 0; i < LINT_MAX_RULES; i++) {
        if (c->severity[i] != -1 && c->severity[i] != LINT_SEV_WARNING &&
            c->severity[i] != LINT_SEV_INFO) {
            abort();
        }
    }
    fuzz_touch(c->kb_url);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) {
        return 0;
    }
    int pyproject = data[0] & 1;
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    const char *name = pyproject ? "pyproject.toml" : "oomkb.toml";
    lint_config *c = NULL;
    lint_diag d = {{0}};
    lint_status st = lint_config_parse(
        src, len, name, pyproject ? LINT_CONFIG_PYPROJECT : LINT_CONFIG_OOMKB, &c, &d);
    if (st == LINT_OK) {
        if (c) {
            check_config(c);
        } else if (!pyproject) {
            abort(); /* an oomkb.toml is always a config */
        }
        lint_config_free(c);
        return 0;
    }
    if (st != LINT_ERR_INPUT || c) {
        abort();
    }
    size_t nl = strlen(name);
    if (strncmp(d.message, name, nl) != 0 || d.message[nl] != ':') {
        abort();
    }
    if (d.message[nl + 1] >= '0' && d.message[nl + 1] <= '9') {
        unsigned long line = strtoul(d.message + nl + 1, NULL, 10);
        size_t lines = 1;
        for (size_t i = 0; i < len; i++) {
            lines += src[i] == '\n';
        }
        if (line < 1 || line > lines) {
            abort();
        }
    }
    return 0;
}
