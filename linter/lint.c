/* The linter's entry points: the rule table, the byte prefilter that keeps most files from
 * being parsed, the parse, running the rules over the flat tree, and the post-processing every
 * finding goes through (syntax-error regions, noqa comments, order, display columns). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linter/lint_int.h"

const TSLanguage *tree_sitter_python(void);

/* ---- Rules ---- */

static const lint_rule rules[LINT_N_RULES] = {
    {"OOM101", "loss-tensor-kept-across-steps", "M20",
     "a loss tensor is stored where it outlives the training step, keeping its autograd graph",
     "Flags a loss tensor (the result of a loss call such as criterion(...), "
     "F.cross_entropy(...),\n"
     "outputs.loss, or a value that was .backward()-ed) that is appended to a list, accumulated\n"
     "with +=, or stored in a dict or on self, inside a training loop (a for/while body that "
     "calls\n"
     ".backward() or optimizer.step(), directly or through a same-file function) or a per-step\n"
     "hook (training_step, compute_loss). Every stored tensor keeps the whole graph of its step\n"
     "alive, so memory grows every step until the run dies.\n"
     "\n"
     "Not flagged: values taken through .item(), float(), .tolist(), .detach() or .data; a loss\n"
     "rebound with loss = loss.detach() first; losses computed under torch.no_grad(); an\n"
     "accumulator that is itself back-propagated (total.backward()); lists created inside the\n"
     "step; names that merely say 'loss' but hold what a helper returned.\n"
     "\n"
     "Bad:\n"
     "    for x, y in loader:\n"
     "        loss = criterion(model(x), y)\n"
     "        loss.backward()\n"
     "        optimizer.step()\n"
     "        losses.append(loss)          # OOM101\n"
     "        total_loss += loss           # OOM101\n"
     "Good:\n"
     "        losses.append(loss.item())\n"
     "        total_loss += loss.detach()\n"},
    {"OOM102", "empty-cache-every-step", "M20",
     "torch.cuda.empty_cache() runs on every training step",
     "Flags torch.cuda.empty_cache() (through import aliases, the xpu/npu/mps variants and\n"
     "same-file wrapper functions that call it unconditionally) when it runs on every step: in a\n"
     "training loop body or a per-step hook. It does not fix a leak (live tensors are not cached\n"
     "memory); it only hands cached blocks back to the driver, so the next step pays for\n"
     "cudaMalloc again, and it synchronizes.\n"
     "\n"
     "Not flagged: calls in an except handler (OOM recovery) or under a flag such a handler sets;\n"
     "under a step-modulo guard (if step % 100 == 0), a first-step guard or an opt-in config\n"
     "knob; in validation, epoch-level or non-training loops; before or after training.\n"
     "\n"
     "Bad:\n"
     "    for batch in loader:\n"
     "        loss = model(batch).loss\n"
     "        loss.backward(); optimizer.step()\n"
     "        torch.cuda.empty_cache()     # OOM102\n"
     "Good:\n"
     "    except torch.cuda.OutOfMemoryError:\n"
     "        torch.cuda.empty_cache()\n"},
    {"OOM103", "eval-predictions-accumulate-on-gpu", "M15",
     "Hugging Face evaluation gathers all predictions on the GPU (no eval_accumulation_steps)",
     "Flags a Hugging Face Trainer (transformers or TRL, and subclasses defined in the file) "
     "whose\n"
     "evaluation keeps predictions: evaluation runs (eval_strategy/evaluation_strategy not "
     "\"no\",\n"
     "do_eval=True, or trainer.evaluate()/predict() is called) and predictions are gathered\n"
     "(compute_metrics is set, or predict() is called), without any of eval_accumulation_steps,\n"
     "preprocess_logits_for_metrics, batch_eval_metrics=True or prediction_loss_only=True. The\n"
     "Trainer concatenates every batch's logits on the GPU until the eval set ends: for a\n"
     "language model that is batch x seq_len x vocab floats per step.\n"
     "\n"
     "Not flagged: arguments that cannot be read statically (TrainingArguments(**cfg),\n"
     "HfArgumentParser), other libraries' Trainer classes (Lightning, detectron2, fairseq).\n"
     "Classification models are reported as info: their logits are small.\n"
     "\n"
     "Bad:\n"
     "    args = TrainingArguments(\"out\", eval_strategy=\"steps\")    # OOM103\n"
     "    Trainer(model, args, eval_dataset=ds, compute_metrics=metrics)\n"
     "Good:\n"
     "    args = TrainingArguments(\"out\", eval_strategy=\"steps\", "
     "eval_accumulation_steps=16)\n"},
    {"OOM104", "reentrant-checkpoint-under-ddp", "M7",
     "reentrant activation checkpointing in a project that trains under DDP",
     "Flags activation checkpointing that runs in reentrant mode in a project that trains with\n"
     "DistributedDataParallel: torch.utils.checkpoint.checkpoint / checkpoint_sequential (through\n"
     "aliases) with use_reentrant missing or True, transformers' gradient_checkpointing_enable()\n"
     "without gradient_checkpointing_kwargs={\"use_reentrant\": False}, and\n"
     "TrainingArguments(gradient_checkpointing=True) without gradient_checkpointing_kwargs.\n"
     "Reentrant checkpointing breaks DDP's gradient-ready hooks (errors, or parameters reduced\n"
     "twice) and its default depends on the installed PyTorch/transformers version. DDP is a\n"
     "project fact: DistributedDataParallel(...), Lightning strategy=\"ddp\", Accelerator() "
     "without\n"
     "FSDP/DeepSpeed, or torchrun/accelerate launchers, anywhere under the project root (nearest\n"
     "ancestor with .git or pyproject.toml). DDP with static_graph=True is not flagged.\n"
     "\n"
     "Not flagged: project functions named checkpoint, torch.distributed._composable.checkpoint,\n"
     "diffusers' enable_gradient_checkpointing(), FSDP/DeepSpeed-only projects.\n"
     "\n"
     "Bad:\n"
     "    from torch.utils.checkpoint import checkpoint\n"
     "    h = checkpoint(block, h)                         # OOM104\n"
     "Good:\n"
     "    h = checkpoint(block, h, use_reentrant=False)\n"},
};

const lint_rule *lint_rules(void)
{
    return rules;
}

const lint_rule *lint_rule_find(const char *code)
{
    for (int i = 0; i < LINT_N_RULES; i++) {
        if (util_strcasecmp(rules[i].code, code) == 0) {
            return &rules[i];
        }
    }
    return NULL;
}

lint_status lint_rule_mask_parse(const char *list, uint32_t *out_mask, lint_diag *diag)
{
    uint32_t mask = 0;
    const char *p = list;
    while (*p) {
        while (*p == ',' || *p == ' ') {
            p++;
        }
        size_t n = strcspn(p, ", ");
        if (n == 0) {
            break;
        }
        uint32_t m = 0;
        if (n == 3 && strncasecmp(p, "ALL", 3) == 0) {
            m = LINT_ALL_RULES;
        }
        for (int j = 0; j < LINT_N_RULES && n <= 6; j++) {
            if (strncasecmp(rules[j].code, p, n) == 0) {
                m |= 1U << j;
            }
        }
        if (!m) {
            if (diag) {
                snprintf(diag->message, sizeof diag->message,
                         "unknown rule code or prefix '%.*s' (rules: OOM101-OOM104, or ALL)",
                         (int)(n > 64 ? 64 : n), p);
            }
            return LINT_ERR_INPUT;
        }
        mask |= m;
        p += n;
    }
    *out_mask = mask;
    return LINT_OK;
}

/* ---- Prefilter ---- */

uint32_t lint_prefilter(const char *src, size_t len, uint32_t want)
{
    uint32_t m = 0;
    if (!want) {
        want = LINT_ALL_RULES;
    }
    if (want & (1U << LINT_OOM101)) {
        /* a per-step region needs backward/step or a per-step hook */
        if (has_bytes(src, len, "backward") || has_bytes(src, len, "training_step") ||
            has_bytes(src, len, "compute_loss") ||
            (has_bytes(src, len, "step(") &&
             (has_bytes(src, len, "loss") || has_bytes(src, len, "criterion") ||
              has_bytes(src, len, "cross_entropy")))) {
            m |= 1U << LINT_OOM101;
        }
    }
    if ((want & (1U << LINT_OOM102)) && has_bytes(src, len, "empty_cache")) {
        m |= 1U << LINT_OOM102;
    }
    if ((want & (1U << LINT_OOM103)) && has_bytes(src, len, "Trainer")) {
        m |= 1U << LINT_OOM103;
    }
    if ((want & (1U << LINT_OOM104)) && has_bytes(src, len, "checkpoint")) {
        m |= 1U << LINT_OOM104;
    }
    return m;
}

/* ---- Size ---- */

/* Where the last statement of lx's source starts: after a newline outside brackets and strings
 * (not escaped by a backslash), the first byte of a line that begins with a word or a string (not
 * trailing newlines, comments or stray punctuation such as `)`, after which the parser stays in
 * the unfinished statement). Only brackets, quotes, comments and newlines are looked at, so this
 * pass is quick: the LSP runs it on every edit. */
static size_t last_statement(pylex *lx)
{
    const unsigned char *p = lx->src;
    const unsigned char *start = lx->src;
    const unsigned char *end = lx->end;
    size_t depth = 0;
    while (p < end) {
        uint8_t k = pylex_class[*p];
        if (k <= PYLEX_PUNCT) {
            for (p++; p < end && pylex_class[*p] <= PYLEX_PUNCT; p++) {
            }
            continue;
        }
        pylex_str s;
        switch (k) {
        case PYLEX_NL:
            p++;
            if (depth == 0) {
                const unsigned char *q = p;
                while (q < end && pylex_class[*q] == PYLEX_SPACE) {
                    q++;
                }
                if (q < end && (pylex_class[*q] == PYLEX_WORD || pylex_class[*q] == PYLEX_QUOTE)) {
                    start = q;
                }
            }
            break;
        case PYLEX_QUOTE:
            p = pylex_string(lx, p, &s);
            depth += s.depth;
            break;
        case PYLEX_HASH:
            p = pylex_comment(p, end);
            break;
        case PYLEX_OPEN:
            depth++;
            p++;
            break;
        case PYLEX_CLOSE:
            depth -= depth > 0;
            p++;
            break;
        default: /* PYLEX_BSLASH */
            p = pylex_backslash(p, end);
            break;
        }
    }
    return (size_t)(start - lx->src);
}

lint_status lint_size_check(const char *src, size_t len, lint_diag *diag)
{
    if (len > LINT_MAX_SOURCE_BYTES) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "too large to lint: %zu bytes, the limit is %zu MiB", len,
                     LINT_MAX_SOURCE_BYTES >> 20);
        }
        return LINT_ERR_TOO_LARGE;
    }
    pylex lx;
    pylex_init(&lx, src, len);
    /* Tokens take at least a byte each: a source within the cap in bytes is within it. */
    size_t t = len > LINT_MAX_TOKENS ? pylex_tokens(&lx, lx.src, LINT_MAX_TOKENS) : 0;
    if (t > LINT_MAX_TOKENS) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "too large to lint: more than %u tokens (the limit that keeps parsing "
                     "under 500 MB)",
                     LINT_MAX_TOKENS);
        }
        return LINT_ERR_TOO_LARGE;
    }
    /* tree-sitter 0.20.7 crashes (a bad free() in error recovery) when the input ends with
     * some 65,000 tokens of an unfinished statement on its stack, such as 70,000 unclosed
     * brackets or `x = ----...` at the end of a file. */
    if (len > LINT_MAX_TAIL_TOKENS && pylex_tokens(&lx, lx.src + last_statement(&lx),
                                                   LINT_MAX_TAIL_TOKENS) > LINT_MAX_TAIL_TOKENS) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "not linted: the file ends inside a statement of more than %u tokens "
                     "(unclosed brackets?), which the parser cannot recover from",
                     LINT_MAX_TAIL_TOKENS);
        }
        return LINT_ERR_TOO_LARGE;
    }
    return LINT_OK;
}

/* ---- Context ---- */

struct lint_ctx {
    TSParser *parser;
    analysis a;
};

const TSLanguage *lint_language(void)
{
    return tree_sitter_python();
}

lint_ctx *lint_ctx_new(lint_diag *diag)
{
    const TSLanguage *lang = tree_sitter_python();
    uint32_t v = ts_language_version(lang);
    if (v < TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION || v > TREE_SITTER_LANGUAGE_VERSION) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "the built-in tree-sitter Python grammar has ABI version %u, but this "
                     "libtree-sitter loads versions %d to %d: rebuild with a grammar of a "
                     "supported ABI (see grammars/python.lock)",
                     v, TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION, TREE_SITTER_LANGUAGE_VERSION);
        }
        return NULL;
    }
    TSParser *p = ts_parser_new();
    if (!ts_parser_set_language(p, lang)) {
        ts_parser_delete(p);
        if (diag) {
            snprintf(diag->message, sizeof diag->message,
                     "libtree-sitter refused the Python grammar (ABI version %u)", v);
        }
        return NULL;
    }
    lint_ctx *c = xcalloc(1, sizeof *c);
    c->parser = p;
    return c;
}

void lint_ctx_free(lint_ctx *c)
{
    if (!c) {
        return;
    }
    ts_parser_delete(c->parser);
    for (size_t i = 0; i < c->a.n_binds; i++) {
        free(c->a.binds[i].qual);
    }
    free(c->a.binds);
    free(c->a.nodes);
    free(c->a.defs);
    free(c->a.calls);
    free(c->a.loops);
    free(c->a.loop_trains);
    free(c->a.def_by_name);
    free(c->a.def_by_node);
    free(c->a.line_starts);
    chunks_free(&c->a);
    free(c->a.out);
    free(c);
}

/* ---- Findings ---- */

int rule_on(const analysis *a, int rule)
{
    uint32_t m = a->opts && a->opts->rules ? a->opts->rules : LINT_ALL_RULES;
    return (int)((m >> rule) & 1U);
}

/* 1 if n or an ancestor is an ERROR/MISSING node, or n contains one. */
static int in_bad_region(const analysis *a, uint32_t n)
{
    if (a->nodes[n].bad) {
        return 1;
    }
    for (uint32_t p = a->nodes[n].parent; p != NONE; p = a->nodes[p].parent) {
        if (a->nodes[p].bad & 1) {
            return 1;
        }
    }
    return 0;
}

lint_finding *add_finding(analysis *a, int rule, uint32_t n, const char *fmt, ...)
{
    if (in_bad_region(a, n)) {
        return NULL;
    }
    /* one finding per rule and node, whichever path found it */
    for (size_t i = a->n_out > 16 ? a->n_out - 16 : 0; i < a->n_out; i++) {
        if (a->out[i].rule == rule && a->out[i].start_byte == a->nodes[n].sb &&
            a->out[i].end_byte == a->nodes[n].eb) {
            return NULL;
        }
    }
    if (a->n_out == a->cap_out) {
        a->cap_out = a->cap_out ? a->cap_out * 2 : 16;
        a->out = xrealloc(a->out, a->cap_out * sizeof *a->out);
    }
    lint_finding *f = &a->out[a->n_out++];
    memset(f, 0, sizeof *f);
    f->rule = rule;
    f->severity = LINT_SEV_WARNING;
    f->start_byte = a->nodes[n].sb;
    f->end_byte = a->nodes[n].eb;
    TSPoint sp = point_of(a, a->nodes[n].sb);
    TSPoint ep = point_of(a, a->nodes[n].eb);
    f->start.row = sp.row;
    f->start.col = sp.column;
    f->end.row = ep.row;
    f->end.col = ep.column;
    buf b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    f->message = buf_detach(&b);
    return f;
}

/* Row and byte column of a byte offset, by scanning back to the line start. */
static lint_point point_at(const analysis *a, uint32_t byte, const lint_finding *near)
{
    lint_point p = {0, 0, 0};
    /* count rows from the finding's known start */
    uint32_t row = near->start.row;
    uint32_t from = near->start_byte - near->start.col;
    if (byte < from) {
        row = 0;
        from = 0;
    }
    for (uint32_t i = from; i < byte && i < a->len; i++) {
        if (a->src[i] == '\n') {
            row++;
            from = i + 1;
        }
    }
    p.row = row;
    p.col = byte - from;
    return p;
}

void set_fix(analysis *a, lint_finding *f, uint32_t sb, uint32_t eb, const char *content,
             const char *title, lint_applicability app)
{
    if (!f) {
        return;
    }
    lint_fix *x = xcalloc(1, sizeof *x);
    x->title = xstrdup(title);
    x->content = xstrdup(content);
    x->start_byte = sb;
    x->end_byte = eb;
    x->start = point_at(a, sb, f);
    x->end = point_at(a, eb, f);
    x->applicability = app;
    f->fix = x;
}

static void finding_clear(lint_finding *f)
{
    free(f->message);
    if (f->fix) {
        free(f->fix->title);
        free(f->fix->content);
        free(f->fix);
    }
}

void lint_result_free(lint_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n; i++) {
        finding_clear(&r->items[i]);
    }
    free(r->items);
    free(r);
}

/* ---- noqa ---- */

static int code_in_list(const char *p, const char *end, int rule)
{
    /* codes separated by commas and/or spaces: "OOM101, E501" */
    const char *code = rules[rule].code;
    size_t cl = strlen(code);
    while (p < end) {
        while (p < end && (*p == ' ' || *p == ',' || *p == '\t')) {
            p++;
        }
        const char *s = p;
        while (p < end && (isalnum((unsigned char)*p) || *p == '_')) {
            p++;
        }
        if (p == s) {
            break;
        }
        if ((size_t)(p - s) == cl && strncasecmp(s, code, cl) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does line [s, e) carry "# noqa" or "# noqa: CODES" covering rule? */
static int line_noqa(const char *s, const char *e, int rule)
{
    for (const char *h = memchr(s, '#', (size_t)(e - s)); h;
         h = memchr(h + 1, '#', (size_t)(e - h - 1))) {
        const char *p = h + 1;
        while (p < e && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (e - p < 4 || strncasecmp(p, "noqa", 4) != 0) {
            if (h + 1 >= e) {
                break;
            }
            continue;
        }
        p += 4;
        while (p < e && (*p == ' ' || *p == '\t')) {
            p++;
        }
        if (p >= e || *p != ':') {
            return 1; /* bare noqa */
        }
        p++;
        const char *stop = p;
        while (stop < e && *stop != '#') {
            stop++;
        }
        const char *q = p;
        while (q < stop && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q == stop) {
            return 1; /* "# noqa:" with nothing after it reads as bare */
        }
        if (code_in_list(p, stop, rule)) {
            return 1;
        }
        if (h + 1 >= e) {
            break;
        }
    }
    return 0;
}

static void line_bounds(const char *src, size_t len, uint32_t byte, const char **s, const char **e)
{
    size_t b = byte > len ? len : byte;
    size_t i = b;
    while (i > 0 && src[i - 1] != '\n') {
        i--;
    }
    size_t j = b;
    while (j < len && src[j] != '\n') {
        j++;
    }
    *s = src + i;
    *e = src + j;
}

/* File-level "# oomkb: noqa" (all rules) or "# oomkb: noqa: OOM101, ..." on a comment line. */
static uint32_t file_noqa_mask(const char *src, size_t len)
{
    uint32_t mask = 0;
    const char *p = src;
    const char *end = src + len;
    while ((p = memmem(p, (size_t)(end - p), "oomkb:", 6)) != NULL) {
        const char *ls;
        const char *le;
        line_bounds(src, len, (uint32_t)(p - src), &ls, &le);
        const char *q = ls;
        while (q < p && (*q == ' ' || *q == '\t')) {
            q++;
        }
        const char *after = p + 6;
        p = after;
        if (q >= p - 6 || *q != '#') {
            continue;
        }
        q++;
        while (q < p - 6 && (*q == ' ' || *q == '\t')) {
            q++;
        }
        if (q != p - 6) {
            continue; /* "# something oomkb:" is prose */
        }
        while (after < le && (*after == ' ' || *after == '\t')) {
            after++;
        }
        if (le - after < 4 || strncasecmp(after, "noqa", 4) != 0) {
            continue;
        }
        after += 4;
        while (after < le && (*after == ' ' || *after == '\t')) {
            after++;
        }
        if (after >= le || *after != ':') {
            return LINT_ALL_RULES;
        }
        for (int r = 0; r < LINT_N_RULES; r++) {
            if (code_in_list(after + 1, le, r)) {
                mask |= 1U << r;
            }
        }
    }
    return mask;
}

/* ---- Linting ---- */

static int cmp_finding(const void *x, const void *y)
{
    const lint_finding *a = x;
    const lint_finding *b = y;
    if (a->start_byte != b->start_byte) {
        return a->start_byte < b->start_byte ? -1 : 1;
    }
    if (a->rule != b->rule) {
        return a->rule - b->rule;
    }
    return a->end_byte < b->end_byte ? -1 : a->end_byte > b->end_byte;
}

static uint32_t display_column(const char *src, uint32_t byte, uint32_t col)
{
    uint32_t n = 1;
    for (uint32_t i = byte - col; i < byte; i++) {
        if (((unsigned char)src[i] & 0xC0) != 0x80) {
            n++;
        }
    }
    return n;
}

static void fix_columns(const char *src, lint_point *p, uint32_t byte)
{
    p->column = display_column(src, byte, p->col);
}

static void shift_point(lint_point *p, uint32_t off)
{
    if (p->row == 0) {
        p->col += off;
    }
}

/* Lints over tree. When owned is set the tree is deleted as soon as it is flattened: for a
 * large file it is the biggest allocation (about 125 bytes a node, four times the flat copy),
 * and the rules never look at it. */
static lint_status run(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                       TSTree *owned, const lint_options *opts, uint32_t pre, lint_result **out)
{
    analysis *a = &ctx->a;
    for (size_t i = 0; i < a->n_binds; i++) {
        free(a->binds[i].qual);
    }
    a->n_binds = 0;
    a->src = src;
    a->len = len;
    a->opts = opts;
    a->n_out = 0;
    a->lines_built = 0;
    tree_flatten(a, tree);
    if (owned) {
        ts_tree_delete(owned);
    }
    lint_result *r = xcalloc(1, sizeof *r);
    r->parsed = 1;
    /* mark subtrees that contain an error (bit 2); children follow parents in pre-order */
    for (uint32_t i = a->n_nodes; i-- > 1;) {
        if (a->nodes[i].bad) {
            uint32_t p = a->nodes[i].parent;
            a->nodes[p].bad |= 2;
            if (a->nodes[i].bad & 1) {
                r->n_syntax_errors++;
            }
        }
    }
    uint32_t best = NONE;
    for (uint32_t i = 1; i < a->n_nodes; i++) {
        if (a->nodes[i].bad & 1) {
            best = i;
            break;
        }
    }
    if (best != NONE) {
        TSPoint sp = point_of(a, a->nodes[best].sb);
        r->first_error.row = sp.row;
        r->first_error.col = sp.column;
        r->first_error.column = display_column(src, a->nodes[best].sb, sp.column);
    }
    analysis_facts(a);
    if (pre & (1U << LINT_OOM101)) {
        rule_loss_kept(a);
    }
    if (pre & (1U << LINT_OOM102)) {
        rule_empty_cache(a);
    }
    if (pre & (1U << LINT_OOM103)) {
        rule_eval_accum(a);
    }
    if (pre & (1U << LINT_OOM104)) {
        rule_reentrant(a);
    }
    uint32_t fmask = opts && opts->ignore_noqa ? 0 : file_noqa_mask(src, len);
    r->file_noqa = fmask == LINT_ALL_RULES;
    r->items = xcalloc(a->n_out ? a->n_out : 1, sizeof *r->items);
    for (size_t i = 0; i < a->n_out; i++) {
        lint_finding *f = &a->out[i];
        int drop = 0;
        if (!(opts && opts->ignore_noqa)) {
            const char *ls;
            const char *le;
            line_bounds(src, len, f->start_byte, &ls, &le);
            drop = (fmask >> f->rule) & 1U || line_noqa(ls, le, f->rule);
            if (!drop && f->end.row != f->start.row) {
                line_bounds(src, len, f->end_byte, &ls, &le);
                drop = line_noqa(ls, le, f->rule);
            }
        }
        if (drop) {
            r->n_suppressed++;
            finding_clear(f);
            continue;
        }
        fix_columns(src, &f->start, f->start_byte);
        fix_columns(src, &f->end, f->end_byte);
        if (f->fix) {
            fix_columns(src, &f->fix->start, f->fix->start_byte);
            fix_columns(src, &f->fix->end, f->fix->end_byte);
        }
        r->items[r->n++] = *f;
    }
    a->n_out = 0;
    qsort(r->items, r->n, sizeof *r->items, cmp_finding);
    *out = r;
    return LINT_OK;
}

lint_status lint_tree(lint_ctx *ctx, const char *src, size_t len, const TSTree *tree,
                      const lint_options *opts, lint_result **out, lint_diag *diag)
{
    (void)diag;
    uint32_t want = opts && opts->rules ? opts->rules : LINT_ALL_RULES;
    return run(ctx, src, len, tree, NULL, opts, lint_prefilter(src, len, want), out);
}

lint_status lint_buffer(lint_ctx *ctx, const char *src, size_t len, const lint_options *opts,
                        lint_result **out, lint_diag *diag)
{
    uint32_t off = 0;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {
        off = 3;
    }
    const char *s = src + off;
    size_t n = len - off;
    uint32_t want = opts && opts->rules ? opts->rules : LINT_ALL_RULES;
    uint32_t pre = lint_prefilter(s, n, want);
    if (!pre) {
        *out = xcalloc(1, sizeof **out);
        return LINT_OK;
    }
    lint_status size = lint_size_check(s, n, diag);
    if (size != LINT_OK) {
        return size;
    }
    ts_parser_reset(ctx->parser);
    TSTree *tree = ts_parser_parse_string(ctx->parser, NULL, s, (uint32_t)n);
    if (!tree) {
        if (diag) {
            snprintf(diag->message, sizeof diag->message, "tree-sitter could not parse the file");
        }
        return LINT_ERR_PARSE;
    }
    lint_status st = run(ctx, s, n, tree, tree, opts, pre, out);
    if (st == LINT_OK && off) {
        lint_result *r = *out;
        for (size_t i = 0; i < r->n; i++) {
            lint_finding *f = &r->items[i];
            f->start_byte += off;
            f->end_byte += off;
            shift_point(&f->start, off);
            shift_point(&f->end, off);
            if (f->fix) {
                f->fix->start_byte += off;
                f->fix->end_byte += off;
                shift_point(&f->fix->start, off);
                shift_point(&f->fix->end, off);
            }
        }
        shift_point(&r->first_error, off);
    }
    return st;
}
