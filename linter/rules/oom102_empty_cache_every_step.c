/* OOM102 empty-cache-every-step: torch.cuda.empty_cache() (aliases, xpu/npu/mps variants,
 * wrappers of this file and of project modules) on every training step. Calls in OOM handlers,
 * under guards that gate the flush (guard_gates_flush), and in loops that do not train stay
 * quiet: those are the correct uses. */
#include <string.h>

#include "linter/lint_int.h"

/* 1 if nothing between the call and its region makes it conditional. */
static int every_step(const analysis *a, uint32_t call, uint32_t region)
{
    uint32_t prev = call;
    for (uint32_t p = a->nodes[call].parent; p != NONE && p != region;
         prev = p, p = a->nodes[p].parent) {
        switch (a->nodes[p].kind) {
        case K_IF:
        case K_ELIF:
            if (a->nodes[prev].field == F_CONDITION) {
                return 0;
            }
            if (a->nodes[prev].field == F_CONSEQUENCE &&
                guard_gates_flush(a, child_field(a, p, F_CONDITION))) {
                return 0;
            }
            break;
        case K_ELSE:
        case K_EXCEPT:
        case K_COND_EXPR:
        case K_BOOLOP:
        case K_LAMBDA:
        case K_FUNC:
        case K_CLASS:
        case K_COMPREHENSION:
        case K_GENERATOR:
            return 0;
        default:
            break;
        }
    }
    return 1;
}

/* The class whose method d is (defined directly in its body), or NULL. */
static const defn *method_class(analysis *a, const defn *d)
{
    for (uint32_t p = a->nodes[d->node].parent; p != NONE; p = a->nodes[p].parent) {
        uint8_t k = a->nodes[p].kind;
        if (k == K_CLASS) {
            return def_at(a, p);
        }
        if (k == K_FUNC || k == K_LAMBDA) {
            return NULL;
        }
    }
    return NULL;
}

static void rule_empty_cache(analysis *a)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (!call_flushes(a, i)) {
            continue;
        }
        uint32_t region;
        if (!per_step_region(a, c, &region) || !every_step(a, c, region) ||
            in_except(a, c, a->nodes[c].func)) {
            continue;
        }
        const char *where =
            a->nodes[region].kind == K_FUNC ? "a per-step function" : "the training loop";
        uint32_t f = child_field(a, c, F_FUNCTION);
        size_t fl;
        const char *ft = ntext(a, f, &fl);
        fl = fl > 60 ? 60 : fl;
        const module_ref *ref = &a->call_refs[i];
        if (flushes_cache(a, c)) {
            add_finding(a, c,
                        "`%.*s()` runs on every step of %s: it frees no live tensor and forces "
                        "cudaMalloc again; empty the cache on OOM recovery or every N steps",
                        (int)fl, ft, where);
        } else if (ref->fn) {
            char rel[256];
            project_rel(a, ref->module->path, rel, sizeof rel);
            add_finding(a, c,
                        "`%.*s()` (%s in %s) empties the CUDA cache on every step of %s: it "
                        "frees no live tensor and forces cudaMalloc again; empty the cache on OOM "
                        "recovery or every N steps",
                        (int)fl, ft, ref->fn->name, rel, where);
        } else {
            const defn *w = call_target(a, c);
            const defn *cls = w ? method_class(a, w) : NULL;
            if (w && w->toplevel) {
                ft = w->name; /* a function: its name; a method: the call as written */
                fl = w->name_len;
            }
            if (cls) {
                add_finding(a, c,
                            "`%.*s()` (%.*s.%.*s) calls torch.cuda.empty_cache() on every step of "
                            "%s: it frees no live tensor and forces cudaMalloc again; empty the "
                            "cache on OOM recovery or every N steps",
                            (int)fl, ft, (int)cls->name_len, cls->name, (int)w->name_len, w->name,
                            where);
            } else {
                add_finding(a, c,
                            "`%.*s()` calls torch.cuda.empty_cache() on every step of %s: it "
                            "frees no live tensor and forces cudaMalloc again; empty the cache on "
                            "OOM recovery or every N steps",
                            (int)fl, ft, where);
            }
        }
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags torch.cuda.empty_cache() (through import aliases, the xpu/npu/mps variants and\n"
    "same-file wrapper functions that call it unconditionally) when it runs on every step: in a\n"
    "training loop body or a per-step hook. It does not fix a leak (live tensors are not cached\n"
    "memory); it only hands cached blocks back to the driver, so the next step pays for\n"
    "cudaMalloc again, and it synchronizes.\n"
    "\n"
    "A per-step function is a step hook, or a function that trains once per call (directly,\n"
    "or through its own mini-batch loops when its name says step) and is called per step; a\n"
    "loop that does not train inside a step loop or a per-step function runs every step too.\n"
    "A method or helper that flushes in its own loop (the loop runs at least once) is reported\n"
    "at its call in the step loop, naming it.\n"
    "\n"
    "Not flagged: calls in an except handler (OOM recovery) or under a flag such a handler sets;\n"
    "under a step-modulo or every-N guard (if step % 100 == 0), a first-step or warm-up guard,\n"
    "an explicit memory opt-in (a cache, memory, offload or low-VRAM knob, a memory threshold);\n"
    "in validation, epoch-level or non-training loops; before or after training. Conditions are\n"
    "read word by word (allow_tf32 is no low-VRAM knob). Any other condition (a device check, a\n"
    "rank, a batching or feature switch) does not keep it from running every step.\n"
    "\n"
    "Bad:\n"
    "    for batch in loader:\n"
    "        loss = model(batch).loss\n"
    "        loss.backward(); optimizer.step()\n"
    "        torch.cuda.empty_cache()     # OOM102\n"
    "Good:\n"
    "    except torch.cuda.OutOfMemoryError:\n"
    "        torch.cuda.empty_cache()\n";

/* empty_cache in the file, or a training step next to an import: the flush may come from a
 * helper in another project module. */
static const char *const needles[] = {"empty_cache", "backward(&import", "step(&import", NULL};

const rule_spec oom102_empty_cache_every_step = {
    .meta =
        {
            .code = "OOM102",
            .name = "empty-cache-every-step",
            .entry = "M20",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "torch.cuda.empty_cache() runs on every training step",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_empty_cache,
};
