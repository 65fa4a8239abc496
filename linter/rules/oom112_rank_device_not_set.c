/* OOM112 rank-device-not-set: a process group started with no process bound to its own GPU
 * (no set_device, no device_id=, no per-process CUDA_VISIBLE_DEVICES) while the file uses the
 * default CUDA device, or does work bound to the current one (pinned loaders, synchronize(),
 * gloo collectives of GPU tensors): every rank then opens a CUDA context on GPU 0. */
#include <string.h>

#include "linter/lint_int.h"

static void rule_rank_device(analysis *a)
{
    dist_facts d;
    dist_facts_build(a, &d);
    if (d.init_pg == NONE || d.binds_device != NONE || analysis_is_test(a)) {
        return;
    }
    /* the default device used where the group starts: a set_device may live in the caller of
     * a set-up helper, and a use in another function may run on a non-distributed path */
    uint32_t func = a->nodes[d.init_pg].func;
    uint32_t use = default_cuda_in(a, func);
    const char *why = "uses the default CUDA device";
    if (use == NONE) {
        /* work that binds to the current device (a pinning DataLoader thread, synchronize())
         * lands on GPU 0 too, and under gloo so does every GPU tensor's collective (DDP's
         * broadcast of a GPU model): where the group starts, or anywhere in the file when the
         * file runs the process it starts the group in (not a set-up helper called from
         * elsewhere, whose caller may bind the device) */
        uint32_t where = func_named_elsewhere(a, func) ? NONE : func;
        why = "does CUDA work on the process's current device";
        use = current_cuda_in(a, where, 0);
        if (use == NONE && d.init_gloo) {
            why = "puts work on a GPU whose gloo collectives run on the current device";
            use = current_cuda_in(a, where, 1);
        }
    }
    if (use == NONE) {
        return;
    }
    uint32_t f = child_field(a, d.init_pg, F_FUNCTION);
    size_t fl;
    const char *ft = ntext(a, f, &fl);
    add_finding(a, f,
                "`%.*s(...)` starts a process group but no process is bound to its own GPU (no "
                "torch.cuda.set_device(local_rank) or device_id=) and line %u %s: every rank "
                "opens a CUDA context on GPU 0; call torch.cuda.set_device(local_rank) first",
                (int)(fl > 60 ? 60 : fl), ft, point_of(a, a->nodes[use].sb).row + 1, why);
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags torch.distributed.init_process_group(...) in a file that never binds the process to\n"
    "its own GPU when the same function (or the module, for a script) uses the default CUDA\n"
    "device: x.cuda() with no index, torch.device(\"cuda\"), x.to(\"cuda\"), device=\"cuda\" (or\n"
    "\"cuda:0\"). Until torch.cuda.set_device is called every process's current device is 0, so\n"
    "each rank opens a CUDA context (a few hundred MB) and puts what it allocates on GPU 0,\n"
    "which runs out while the other GPUs have room. Work that binds to the current device\n"
    "counts too, even when every tensor names the rank's GPU: a DataLoader with\n"
    "pin_memory=True (its pinning thread), x.pin_memory(), torch.cuda.synchronize(); and under\n"
    "gloo any GPU tensor (DDP's broadcast of a GPU model runs on the current device). These\n"
    "are looked for in the function that starts the group, or in the whole file when that\n"
    "function is the module or is called (or spawned) from the same file.\n"
    "\n"
    "Not flagged: a file that calls set_device(...) (torch.cuda or another device module, not a\n"
    "model's own method), torch.accelerator.set_device_index(...), torch.cuda.device(...) or\n"
    "torch.set_default_device(...), passes device_id= to init_process_group, or assigns\n"
    "os.environ[\"CUDA_VISIBLE_DEVICES\"] (reading it binds nothing); gloo with CPU tensors\n"
    "only; NCCL code whose devices all carry the rank (torch.device(\"cuda\", local_rank),\n"
    ".cuda(local_rank), .to(rank)) and that does nothing on the current device; Accelerate,\n"
    "Lightning and the Hugging Face Trainer, which set the device and do not call\n"
    "init_process_group in user code; a default-device use in another function, or a set-up\n"
    "helper only called from other files (its caller may bind the device first); test files\n"
    "(their harness sets up the devices). A set_device in another file is not seen.\n"
    "\n"
    "Bad:\n"
    "    dist.init_process_group(\"nccl\")                 # OOM112\n"
    "    model = Net().cuda()\n"
    "Good:\n"
    "    local_rank = int(os.environ[\"LOCAL_RANK\"])\n"
    "    torch.cuda.set_device(local_rank)\n"
    "    dist.init_process_group(\"nccl\")\n"
    "    model = Net().cuda()\n";

static const char *const needles[] = {"init_process_group", NULL};

const rule_spec oom112_rank_device_not_set = {
    .meta =
        {
            .code = "OOM112",
            .name = "rank-device-not-set",
            .entry = "G1",
            .severity = LINT_SEV_WARNING,
            .fixable = LINT_FIXABLE_NEVER,
            .summary = "process group without torch.cuda.set_device: every rank lands on GPU 0",
            .explain = explain,
        },
    .needles = needles,
    .run = rule_rank_device,
};
