/* OOM109 retry-inside-oom-handler: work retried inside `except torch.OutOfMemoryError:` (or the
 * RuntimeError "out of memory" idiom). While the handler runs, the exception and its traceback
 * hold every frame of the failed attempt, and with them its tensors: the retry starts with the
 * memory that just ran out still taken. The handler should set a flag and the retry run after
 * the except block ends. */
#include <string.h>

#include "linter/lint_int.h"

/* Calls that are recovery or bookkeeping, not a retry of the work, whatever the try did. */
static int bookkeeping(const char *last, size_t len)
{
    static const char *const names[] = {"print",
                                        "len",
                                        "str",
                                        "int",
                                        "float",
                                        "range",
                                        "isinstance",
                                        "getattr",
                                        "setattr",
                                        "hasattr",
                                        "format",
                                        "append",
                                        "log",
                                        "warn",
                                        "warning",
                                        "info",
                                        "debug",
                                        "error",
                                        "empty_cache",
                                        "collect",
                                        "synchronize",
                                        "zero_grad",
                                        "item",
                                        "cpu",
                                        "to",
                                        "size",
                                        "numel",
                                        "reset_peak_memory_stats",
                                        "memory_summary",
                                        "memory_allocated",
                                        "max_memory_allocated",
                                        "memory_reserved",
                                        "min",
                                        "max",
                                        "dict",
                                        "list",
                                        "tuple",
                                        "enumerate",
                                        "zip",
                                        "sleep",
                                        "time",
                                        NULL};
    /* name prefixes, after leading underscores: print_verbose, log_metrics, warn_once,
     * sync_all, _reset_dataloaders, _adjust_batch_size (a retry's settings, not the work) */
    static const char *const prefixes[] = {"print",  "log",    "warn",     "sync",     "barrier",
                                           "reset",  "clear",  "free",     "release",  "report",
                                           "adjust", "reduce", "decrease", "increase", "update",
                                           "get_",   "set_",   "garbage",  NULL};
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == len && memcmp(names[i], last, len) == 0) {
            return 1;
        }
    }
    while (len > 0 && *last == '_') {
        last++;
        len--;
    }
    for (int i = 0; prefixes[i]; i++) {
        size_t pl = strlen(prefixes[i]);
        if (len >= pl && memcmp(prefixes[i], last, pl) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the try body (node range of body) calls the same callee (by its text) as call, or one
 * whose name (five letters or more) begins call's name: decode() retried as decode_tiled(). */
static int called_in(const analysis *a, uint32_t body, uint32_t call)
{
    size_t n;
    size_t cl;
    const char *t = ntext(a, child_field(a, call, F_FUNCTION), &n);
    const char *cn = callee_last(a, call, &cl);
    uint32_t eb = a->nodes[body].eb;
    for (uint32_t i = body; i < a->n_nodes && a->nodes[i].sb < eb; i++) {
        if (a->nodes[i].kind != K_CALL || a->nodes[i].func != a->nodes[call].func) {
            continue;
        }
        size_t m;
        const char *u = ntext(a, child_field(a, i, F_FUNCTION), &m);
        if (m == n && memcmp(t, u, n) == 0) {
            return 1;
        }
        const char *un = callee_last(a, i, &m);
        if (un && cn && m >= 5 && m < cl && memcmp(un, cn, m) == 0 && !bookkeeping(un, m)) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the handler moves work to the CPU before or in the call (`.cpu()`, `.to("cpu")`,
 * device="cpu"): a CPU fallback does not need the GPU memory the failed attempt holds. */
static int cpu_fallback(const analysis *a, uint32_t exc, uint32_t call)
{
    for (uint32_t i = exc; i < a->n_nodes && a->nodes[i].sb < a->nodes[call].eb; i++) {
        size_t len;
        const char *t;
        if ((a->nodes[i].kind == K_IDENT || a->nodes[i].kind == K_STRING) &&
            (t = ntext(a, i, &len)) && util_contains_ci(t, len, "cpu")) {
            return 1;
        }
    }
    return 0;
}

/* The retry in handler exc of try statement tr: a call of the handler's own code that calls
 * what the try body called (not recovery or bookkeeping), or the enclosing function again. */
static uint32_t retry_in(analysis *a, uint32_t tr, uint32_t exc)
{
    uint32_t body = child_field(a, tr, F_BODY);
    const defn *self = def_at(a, a->nodes[exc].func);
    uint32_t eb = a->nodes[exc].eb;
    for (uint32_t i = exc; i < a->n_nodes && a->nodes[i].sb < eb; i++) {
        if (a->nodes[i].kind != K_CALL || a->nodes[i].func != a->nodes[exc].func ||
            !is_ancestor(a, exc, i)) {
            continue;
        }
        size_t len;
        const char *last = callee_last(a, i, &len);
        if (!last || bookkeeping(last, len)) {
            continue;
        }
        if (((self && !self->is_class && call_target(a, i) == self) ||
             (body != NONE && called_in(a, body, i))) &&
            !cpu_fallback(a, exc, i)) {
            return i;
        }
    }
    return NONE;
}

static void rule_retry_in_handler(analysis *a)
{
    for (uint32_t n = 0; n < a->n_nodes; n++) {
        if (a->nodes[n].kind != K_EXCEPT || !is_oom_handler(a, n)) {
            continue;
        }
        uint32_t tr = a->nodes[n].parent;
        if (tr == NONE || a->nodes[tr].kind != K_TRY) {
            continue;
        }
        uint32_t c = retry_in(a, tr, n);
        if (c == NONE) {
            continue;
        }
        size_t fl;
        const char *ft = ntext(a, child_field(a, c, F_FUNCTION), &fl);
        TSPoint p = point_of(a, a->nodes[n].sb);
        add_finding(a, c,
                    "`%.*s(...)` is retried inside the out-of-memory handler (line %u): the "
                    "exception's traceback keeps the failed attempt's frames and tensors alive "
                    "during the retry; set a flag in the handler and retry after the except block",
                    (int)(fl > 60 ? 60 : fl), ft, p.row + 1);
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags a retry inside an out-of-memory handler: in `except torch.OutOfMemoryError:`\n"
    "(torch.cuda.OutOfMemoryError, aliases such as OOM_EXCEPTION, in a tuple) or in an\n"
    "`except RuntimeError` that tests the error (\"out of memory\" in its message,\n"
    "is_oom_error(e)), a call of what the try block called (the step, the forward, with a\n"
    "smaller batch), of a variant of it (decode() retried as decode_tiled()) or of the\n"
    "enclosing function itself. Until the handler ends, the exception's traceback references\n"
    "every frame of the failed attempt and the tensors they hold, so the retry runs with that\n"
    "memory still allocated and often fails again.\n"
    "\n"
    "Not flagged: a fallback to the CPU (`.cpu()`, `.to(\"cpu\")` in the handler); handlers\n"
    "that only recover or record (empty_cache, gc.collect, zero_grad, synchronisation,\n"
    "logging), skip the batch (continue) or re-raise; retries after the except block ends (a\n"
    "flag, a while loop around the try); handlers of other exceptions. A fallback through a\n"
    "function of another name (slice_attention after scaled_dot_product_attention) is not seen.\n"
    "\n"
    "Bad:\n"
    "    try:\n"
    "        loss = step(batch)\n"
    "    except torch.cuda.OutOfMemoryError:\n"
    "        torch.cuda.empty_cache()\n"
    "        loss = step(batch[: len(batch) // 2])     # OOM109\n"
    "Good:\n"
    "    oom = False\n"
    "    try:\n"
    "        loss = step(batch)\n"
    "    except torch.cuda.OutOfMemoryError:\n"
    "        oom = True\n"
    "    if oom:\n"
    "        torch.cuda.empty_cache()\n"
    "        loss = step(batch[: len(batch) // 2])\n";

/* the OOM error by name, the message test, or a project's alias or test of it */
static const char *const needles[] = {
    "OutOfMemory",  "out of memory", "except&OOM_", "except&OOMError",
    "except&_oom_", "except&is_oom", NULL};

const rule_spec oom109_retry_inside_oom_handler = {
    .meta =
        {
            .code = "OOM109",
            .name = "retry-inside-oom-handler",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "work retried inside an out-of-memory handler, while the failed "
                       "attempt's tensors are still alive",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_retry_in_handler,
};
