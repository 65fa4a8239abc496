/* OOM112 rank-device-not-set: a process group started with no process bound to its own GPU
 * (no set_device, no device_id=, no per-process CUDA_VISIBLE_DEVICES) while the file uses the
 * default CUDA device: every rank then opens a CUDA context, and allocates, on GPU 0. */
#include <string.h>

#include "linter/lint_int.h"

static void rule_rank_device(analysis *a)
{
    dist_facts d;
    dist_facts_build(a, &d);
    if (d.init_pg == NONE || d.init_gloo || d.binds_device != NONE || analysis_is_test(a)) {
        return;
    }
    /* the default device used where the group starts: a set_device may live in the caller of
     * a set-up helper, and a use in another function may run on a non-distributed path */
    uint32_t use = default_cuda_in(a, a->nodes[d.init_pg].func);
    if (use == NONE) {
        return;
    }
    uint32_t f = child_field(a, d.init_pg, F_FUNCTION);
    size_t fl;
    const char *ft = ntext(a, f, &fl);
    add_finding(a, f,
                "`%.*s(...)` starts a process group but no process is bound to its own GPU (no "
                "torch.cuda.set_device(local_rank) or device_id=) and line %u uses the default "
                "CUDA device: every rank opens a CUDA context on GPU 0; call "
                "torch.cuda.set_device(local_rank) first",
                (int)(fl > 60 ? 60 : fl), ft, point_of(a, a->nodes[use].sb).row + 1);
}

/* What --explain prints: what is flagged, what is not, and examples. */
static const char explain[] =
    "Flags torch.distributed.init_process_group(...) in a file that never binds the process to\n"
    "its own GPU when the same function (or the module, for a script) uses the default CUDA\n"
    "device: x.cuda() with no index, torch.device(\"cuda\"), x.to(\"cuda\"), device=\"cuda\" (or\n"
    "\"cuda:0\"). Until torch.cuda.set_device is called every process's current device is 0, so\n"
    "each rank opens a CUDA context (a few hundred MB) and puts what it allocates on GPU 0,\n"
    "which runs out while the other GPUs have room.\n"
    "\n"
    "Not flagged: a file that calls set_device(...) (torch.cuda or another device module), uses\n"
    "torch.cuda.device(...) or torch.set_default_device(...), passes device_id= to\n"
    "init_process_group, or sets os.environ[\"CUDA_VISIBLE_DEVICES\"]; the gloo backend; code\n"
    "whose devices all carry the rank (torch.device(\"cuda\", local_rank), .cuda(local_rank),\n"
    ".to(rank)); Accelerate, Lightning and the Hugging Face Trainer, which set the device and\n"
    "do not call init_process_group in user code; a default-device use in another function (a\n"
    "set-up helper's caller may bind the device first); test files (their harness sets up the\n"
    "devices). A set_device in another file is not seen.\n"
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
