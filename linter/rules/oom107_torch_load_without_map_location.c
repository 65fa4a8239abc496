/* OOM107 torch-load-without-map-location: a checkpoint restored with torch.load() and no
 * map_location in code that runs in several processes. The tensors go back to the device they
 * were saved from (cuda:0 for a checkpoint rank 0 wrote), so every rank puts a copy on GPU 0.
 * Multi-process evidence is the file's own code: a process group, spawning, or DDP set-up. */
#include <string.h>

#include "linter/lint_int.h"

/* 1 if an enclosing `if` runs the load on rank 0 only (rank 0 owns GPU 0 anyway). */
static int rank0_only(const analysis *a, uint32_t call)
{
    static const char *const words[] = {
        "is_main", "is_master", "main_process", "rank_zero", "is_rank_0", "master_process", NULL};
    uint32_t prev = call;
    for (uint32_t p = a->nodes[call].parent; p != NONE && p != a->nodes[call].func;
         prev = p, p = a->nodes[p].parent) {
        if ((a->nodes[p].kind != K_IF && a->nodes[p].kind != K_ELIF) ||
            a->nodes[prev].field != F_CONSEQUENCE) {
            continue;
        }
        size_t n;
        const char *t = ntext(a, child_field(a, p, F_CONDITION), &n);
        if (util_contains_ci(t, n, "rank") &&
            (util_contains_ci(t, n, "== 0") || util_contains_ci(t, n, "==0") ||
             util_contains_ci(t, n, "-1, 0"))) {
            return 1; /* rank == 0, local_rank in [-1, 0] */
        }
        for (int i = 0; words[i]; i++) {
            if (util_contains_ci(t, n, words[i])) {
                return 1;
            }
        }
    }
    return 0;
}

/* 1 if the load restores a checkpoint: its function also calls load_state_dict(...), or is
 * named for checkpoints or weights. A torch.load of other saved data (features, a dataset
 * cache) is not one. */
static int restores_checkpoint(const analysis *a, uint32_t call)
{
    static const char *const words[] = {"ckpt",    "checkpoint", "resume", "pretrain",
                                        "weights", "state_dict", NULL};
    uint32_t func = a->nodes[call].func;
    size_t n;
    const char *name = func_name(a, func, &n);
    for (int i = 0; name && words[i]; i++) {
        if (util_contains_ci(name, n, words[i])) {
            return 1;
        }
    }
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        const char *last = a->nodes[c].func == func ? callee_last(a, c, &n) : NULL;
        if (last && n == 15 && memcmp(last, "load_state_dict", 15) == 0) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the same function already settles where the tensors go: another torch.load in it
 * passes map_location (it chooses the device per case: `if args.gpu is None: ... else:
 * map_location=loc`), or it torch.save()s before it loads (a round trip restores onto the
 * device this process saved from). */
static int function_settles_device(const analysis *a, uint32_t call)
{
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (c == call || a->nodes[c].func != a->nodes[call].func) {
            continue;
        }
        if ((a->nodes[c].sb < a->nodes[call].sb && call_is(a, c, "torch.save")) ||
            ((call_kwarg(a, c, "map_location") != NONE || call_positional(a, c, 1) != NONE) &&
             call_is(a, c, "torch.load"))) {
            return 1;
        }
    }
    return 0;
}

/* 1 if the load reads an LR scheduler's or a GradScaler's state (no tensors): its statement
 * names one (`scheduler.load_state_dict(torch.load(...))`, `scaler_state = torch.load(...)`). */
static int scheduler_state(const analysis *a, uint32_t call)
{
    uint32_t st = call;
    while (a->nodes[st].parent != NONE && a->nodes[a->nodes[st].parent].kind != K_BLOCK &&
           a->nodes[a->nodes[st].parent].kind != K_MODULE) {
        st = a->nodes[st].parent;
    }
    size_t n;
    const char *t = ntext(a, st, &n);
    return util_contains_ci(t, n, "sched") || util_contains_ci(t, n, "scaler");
}

static void rule_torch_load(analysis *a)
{
    int asked = 0;
    int multi = 0;
    char where[320] = "";
    for (size_t i = 0; i < a->n_calls; i++) {
        uint32_t c = a->calls[i];
        if (!call_is(a, c, "torch.load") || call_kwarg(a, c, "map_location") != NONE ||
            call_positional(a, c, 1) != NONE || call_has_splat(a, c) ||
            call_positional(a, c, 0) == NONE || !restores_checkpoint(a, c) || rank0_only(a, c) ||
            function_settles_device(a, c) || scheduler_state(a, c)) {
            continue;
        }
        if (!asked) {
            dist_facts d;
            dist_facts_build(a, &d);
            multi = multi_process(a, &d, where, sizeof where) &&
                    (!analysis_is_test(a) || d.spawn != NONE);
            asked = 1;
        }
        if (!multi) {
            return;
        }
        uint32_t f = child_field(a, c, F_FUNCTION);
        size_t fl;
        const char *ft = ntext(a, f, &fl);
        lint_finding *fd =
            add_finding(a, f,
                        "`%.*s(...)` has no map_location: tensors return to the device they were "
                        "saved from (cuda:0 for a checkpoint rank 0 wrote) and this code runs in "
                        "several processes (%s), so every rank puts a copy on GPU 0; pass "
                        "map_location=\"cpu\" or the rank's device",
                        (int)(fl > 40 ? 40 : fl), ft, where);
        fix_add_kwarg(a, fd, c, "map_location=\"cpu\"", "Load onto the CPU (map_location=\"cpu\")",
                      LINT_FIX_UNSAFE);
    }
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Opt-in (--select OOM107): precision 0.82 on the judged real-code corpus (9 right, 2 false "
    "alarms).\n"
    "\n"
    "Flags torch.load(f) without map_location (neither the keyword nor a second positional\n"
    "argument) where it restores a checkpoint (its function also calls load_state_dict, or is\n"
    "named for checkpoints, resuming or weights) in a file that runs in several processes by\n"
    "its own code: it calls torch.distributed.init_process_group or\n"
    "torch.multiprocessing.spawn, or sets up DDP (DistributedDataParallel, Lightning or\n"
    "Accelerate DDP). torch.load puts each tensor back on the device it was saved from; a\n"
    "checkpoint written by rank 0 says cuda:0, so every rank materialises a full copy on GPU 0\n"
    "before load_state_dict copies it to its own GPU: GPU 0 runs out while the others have\n"
    "room.\n"
    "\n"
    "Not flagged: map_location given (any value, also positionally), a **kwargs splat that may\n"
    "carry it, a load only rank 0 runs (if rank == 0, local_rank in [-1, 0], is_main_process),\n"
    "a function that settles the device itself (another torch.load in it passes map_location,\n"
    "or it calls torch.save() before, reading back what it wrote), an LR scheduler's or\n"
    "GradScaler's state, torch.load of data that is not a checkpoint, safetensors and\n"
    "from_pretrained, test files (tests/, test_*.py) unless they spawn processes, and files\n"
    "without their own multi-process set-up (a helper module a DDP script imports is not seen:\n"
    "a package importing every module would make all of them look multi-process).\n"
    "\n"
    "The fix (map_location=\"cpu\") is marked unsafe: code that uses the loaded tensors directly,\n"
    "without load_state_dict, then gets CPU tensors.\n"
    "\n"
    "Bad:\n"
    "    dist.init_process_group(\"nccl\")\n"
    "    state = torch.load(args.resume)                 # OOM107\n"
    "    model.load_state_dict(state[\"model\"])\n"
    "Good:\n"
    "    state = torch.load(args.resume, map_location=\"cpu\")\n";

/* "h.load(" is in both `torch.load(` and `th.load(` (import torch as th): one scan of the bytes
 * instead of two. `from torch import load` is not looked for. */
static const char *const needles[] = {"h.load(", NULL};

const rule_spec oom107_torch_load_without_map_location = {
    .meta =
        {
            .code = "OOM107",
            .name = "torch-load-without-map-location",
            .entry = "G1",
            .severity = LINT_SEV_WARNING,
            /* precision 0.82 on the judged real-code corpus (9 right, 2 false alarms) */
            .opt_in = 1,
            .fixable = LINT_FIXABLE_ALWAYS,
            .summary = "torch.load() without map_location in multi-process code loads onto GPU 0",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_torch_load,
};
