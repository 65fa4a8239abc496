/* The doctor's knowledge as data: the wordings of out-of-memory failures from PyTorch 0.4 to
 * 2.5+ and their neighbours (ROCm, XPU, MPS, cuBLAS, cuDNN, NCCL, XLA, the kernel, SLURM,
 * torchrun, DataLoader, DeepSpeed, Accelerate), the numbers each carries, the version band
 * each wording dates, the traceback frames that tell the phase, and the entries and lint
 * rules each verdict points at. parse.c and verdict.c only read these tables. */
#include "doctor/doctor_int.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The prefilter scans for these only; tests/unit/test_doctor.c checks that every needle
 * below contains one of them ("\n" + needle for whole-line needles). At least DOCTOR_ANCHOR_MIN
 * bytes each: the longer the shortest, the more bytes the prefilter skips. */
const char *const doctor_anchors[] = {
    "of memory",   "Of Memory",    "OfMemory",      "te memory",        "ed memory",
    "EB memory",   "\nKilled",     "by signal",     "oom-kill",         "code 137",
    "status 137",  "exitcode: -9", "ALLOC_FAILED",  "cuDNN algorithm",  "CUDNN_STATUS",
    "CUDA calloc", "cuda error",   "cache flushes", "executable batch", "bus error",
    "OOM killer",
};
const size_t doctor_n_anchors = N_OF(doctor_anchors);

#define ALLOC "vram-allocator"
#define LIB "cuda-library"
#define HOST "host-ram"
#define NCCL_FAIL "NCCL could not allocate its buffers (a CUDA failure outside PyTorch)"
#define KERNEL_KILL "host RAM: the kernel's OOM killer killed the process"
#define SLURM_KILL "host RAM: SLURM counted an OOM kill in the job's cgroup"

const doctor_sig doctor_sigs[] = {
    /* The caching allocator, every band (the numbers decide the band). */
    {"Tried to allocate more than 1EB memory", SIG_SUB, SIG_NO_NUMBERS, "garbage-size", "CUDA",
     "a request for more than 1 EB: a garbage size", NULL},
    {"CUDA out of memory", SIG_SUB, SIG_NUMBERS, ALLOC, "CUDA", "VRAM allocator OOM", NULL},
    {"HIP out of memory", SIG_SUB, SIG_NUMBERS, ALLOC, "HIP", "VRAM allocator OOM (ROCm)", NULL},
    {"XPU out of memory", SIG_SUB, SIG_NUMBERS, ALLOC, "XPU", "VRAM allocator OOM (Intel XPU)",
     NULL},
    {"MPS backend out of memory", SIG_SUB, SIG_NUMBERS, "mps", "MPS",
     "unified-memory OOM on Apple MPS", NULL},
    {"cuda runtime error (2) : out of memory", SIG_SUB, SIG_NO_NUMBERS, ALLOC, "CUDA",
     "VRAM allocator OOM", "0.x"},
    {"error=2 : out of memory", SIG_SUB, SIG_NO_NUMBERS, ALLOC, "CUDA", "VRAM allocator OOM",
     "0.x"},
    /* Allocations outside the caching allocator: no numbers. */
    {"CUDA error: out of memory", SIG_SUB, SIG_NO_NUMBERS, LIB, "CUDA",
     "a CUDA allocation outside the caching allocator failed (no numbers)", NULL},
    {"HIP error: out of memory", SIG_SUB, SIG_NO_NUMBERS, LIB, "HIP",
     "a HIP allocation outside the caching allocator failed (no numbers)", NULL},
    {"CUBLAS_STATUS_ALLOC_FAILED", SIG_SUB, SIG_NO_NUMBERS, LIB, "cuBLAS",
     "cuBLAS could not allocate its handle or workspace", NULL},
    {"Unable to find a valid cuDNN algorithm", SIG_SUB, SIG_NO_NUMBERS, LIB, "cuDNN",
     "cuDNN found no algorithm that fits in the free memory", NULL},
    {"CUDNN_STATUS_INTERNAL_ERROR", SIG_SUB, SIG_NO_NUMBERS, LIB, "cuDNN",
     "cuDNN failed internally (often loading its kernels without memory)", NULL},
    {"CUDNN_STATUS_NOT_SUPPORTED", SIG_SUB, SIG_NO_NUMBERS, LIB, "cuDNN",
     "cuDNN refused the call (Accelerate and Lightning count it as OOM)", NULL},
    {"Cuda failure 'out of memory'", SIG_SUB, SIG_NO_NUMBERS, LIB, "NCCL", NCCL_FAIL, NULL},
    {"Failed to CUDA calloc", SIG_SUB, SIG_NO_NUMBERS, LIB, "NCCL", NCCL_FAIL, NULL},
    {"unhandled cuda error", SIG_SUB, SIG_NO_NUMBERS, LIB, "NCCL", NCCL_FAIL, NULL},
    /* Host memory. */
    {"DefaultCPUAllocator: can't allocate memory", SIG_SUB, SIG_NUMBERS, "cpu-allocator", "CPU",
     "host RAM allocation failed in PyTorch's CPU allocator", NULL},
    {"RESOURCE_EXHAUSTED: Out of memory", SIG_SUB, SIG_NUMBERS, "xla", "XLA",
     "XLA device memory exhausted", NULL},
    /* Rows that describe one kill share their `what`, so that the lines merge into one event. */
    {"Out of memory: Killed process", SIG_SUB, SIG_NO_NUMBERS, HOST, "kernel", KERNEL_KILL, NULL},
    {"out of memory: Killed process", SIG_SUB, SIG_NO_NUMBERS, HOST, "kernel", KERNEL_KILL, NULL},
    {"invoked oom-killer", SIG_SUB, SIG_NO_NUMBERS, HOST, "kernel", KERNEL_KILL, NULL},
    {"killed by the OOM killer", SIG_SUB, SIG_NO_NUMBERS, HOST, "kernel", KERNEL_KILL, NULL},
    {"oom-kill event", SIG_SUB, SIG_NO_NUMBERS, HOST, "SLURM", SLURM_KILL, NULL},
    {"Out Of Memory", SIG_SUB, SIG_NO_NUMBERS, HOST, "SLURM", SLURM_KILL, NULL},
    {"killed by signal: Killed", SIG_SUB, SIG_NO_NUMBERS, HOST, "DataLoader",
     "host RAM: a DataLoader worker was killed (SIGKILL)", NULL},
    {"exitcode: -9", SIG_SUB, SIG_NO_NUMBERS, HOST, "torchrun",
     "host RAM: a rank was killed with SIGKILL (exit code -9)", NULL},
    {"exit status 137", SIG_SUB, SIG_NO_NUMBERS, HOST, NULL,
     "host RAM: the process was killed (exit status 137 = SIGKILL)", NULL},
    {"exit code 137", SIG_SUB, SIG_NO_NUMBERS, HOST, NULL,
     "host RAM: the process was killed (exit code 137 = SIGKILL)", NULL},
    {"Killed", SIG_LINE, SIG_NO_NUMBERS, HOST, NULL,
     "host RAM: the process was killed with no traceback (bare \"Killed\")", NULL},
    {"insufficient shared memory", SIG_SUB, SIG_NO_NUMBERS, "shared-memory", "DataLoader",
     "shared memory (/dev/shm) exhausted by DataLoader workers", NULL},
    {"Unexpected bus error", SIG_SUB, SIG_NO_NUMBERS, "shared-memory", "DataLoader",
     "shared memory (/dev/shm) exhausted by DataLoader workers", NULL},
    /* Running at the edge, and giving up. */
    {"pytorch allocator cache flushes", SIG_SUB, SIG_NO_NUMBERS, "allocator-pressure", "DeepSpeed",
     "the allocator had to flush its cache to satisfy requests (at the edge)", NULL},
    {"No executable batch size found", SIG_SUB, SIG_NO_NUMBERS, "no-batch-fits", "Accelerate",
     "Accelerate halved the batch down to zero: even batch size 1 does not fit", NULL},
    /* Class names alone (the message may be wrapped onto the next line), then anything. */
    {"OutOfMemoryError:", SIG_SUB, SIG_NUMBERS, ALLOC, "CUDA", "VRAM allocator OOM", NULL},
    {"out of memory", SIG_SUB, SIG_NO_NUMBERS, "unclassified", NULL,
     "an out-of-memory error of an unrecognised kind", NULL},
};
const size_t doctor_n_sigs = N_OF(doctor_sigs);

/* Keys are in the squeezed message: ASCII lowercased, whitespace and control bytes removed,
 * so a message hard-wrapped at any column (even inside a word or a number) reads the same. */
const doctor_field_rule doctor_field_rules[] = {
    {"triedtoallocate", FIELD_AFTER, DOCTOR_F_REQUESTED},
    {"whiletryingtoallocate", FIELD_AFTER, DOCTOR_F_REQUESTED},
    /* 2.1+ */
    {"totalcapacityof", FIELD_AFTER, DOCTOR_F_TOTAL},
    {"totalcapactyof", FIELD_AFTER, DOCTOR_F_TOTAL},
    {"ofwhich", FIELD_AFTER, DOCTOR_F_FREE},
    {"thisprocesshas", FIELD_AFTER, DOCTOR_F_PROCESS},
    {"oftheallocatedmemory", FIELD_AFTER, DOCTOR_F_ALLOCATED},
    {"allocatedinprivatepools", FIELD_BEFORE, DOCTOR_F_PRIVATE},
    {"isreservedbypytorchbutunallocated", FIELD_BEFORE, DOCTOR_F_UNALLOCATED},
    /* 1.x and older XPU */
    {"totalcapacity", FIELD_BEFORE, DOCTOR_F_TOTAL},
    {"alreadyallocated", FIELD_BEFORE, DOCTOR_F_ALLOCATED},
    {"free;", FIELD_BEFORE, DOCTOR_F_FREE},
    {"free)", FIELD_BEFORE, DOCTOR_F_FREE},
    {"cached)", FIELD_BEFORE, DOCTOR_F_UNALLOCATED},
    {"allowed;", FIELD_BEFORE, DOCTOR_F_ALLOWED},
    {"reservedintotalbypytorch", FIELD_BEFORE, DOCTOR_F_RESERVED},
    /* MPS */
    {"mpsallocated:", FIELD_AFTER, DOCTOR_F_ALLOCATED},
    {"otherallocations:", FIELD_AFTER, DOCTOR_F_OTHER},
    {"maxallowed:", FIELD_AFTER, DOCTOR_F_ALLOWED},
};
const size_t doctor_n_field_rules = N_OF(doctor_field_rules);

const doctor_band doctor_bands[] = {
    {{"allocatedinprivatepools", NULL, NULL}, "2.4/2.5+"},
    {{"totalcapactyof", NULL, NULL}, "2.1"},
    {{"torch.outofmemoryerror", "totalcapacityof", NULL}, "2.4+"},
    {{"totalcapacityof", NULL, NULL}, "2.2+"},
    {{"torch.cuda.outofmemoryerror", "reservedintotal", NULL}, "1.13-2.0"},
    {{"max_split_size_mb", "reservedintotal", NULL}, "1.10-2.0"},
    {{"reservedintotal", NULL, NULL}, "1.4-1.9"},
    {{"cached)", NULL, NULL}, "1.0-1.3"},
    {{"torch.acceleratorerror", NULL, NULL}, "2.8+"},
    {{"cudaerrormemoryallocation", NULL, NULL}, "2.x (recent)"},
};
const size_t doctor_n_bands = N_OF(doctor_bands);

/* Priority: backward over optimizer over evaluation over loading over start-up over attention
 * (an evaluation OOM passes through attention; a backward one through everything). */
const doctor_phase doctor_phases[] = {
    {"run_backward", "backward", 60},
    {".backward(", "backward", 60},
    {"in backward", "backward", 60},
    {"_engine_run_backward", "backward", 60},
    {"optimizer.step", "optimizer step", 50},
    {"_multi_tensor_adam", "optimizer step", 50},
    {"_single_tensor_adam", "optimizer step", 50},
    {"exp_avg", "optimizer step", 50},
    {"torch/optim/", "optimizer step", 50},
    {"evaluation_loop", "evaluation", 40},
    {"nested_concat", "evaluation", 40},
    {"prediction_step", "evaluation", 40},
    {"validation_step", "evaluation", 40},
    {"in evaluate", "evaluation", 40},
    {"in validate", "evaluation", 40},
    {"in generate", "evaluation", 40},
    {"torch.load(", "loading", 30},
    {"serialization.py", "loading", 30},
    {"in load_state_dict", "loading", 30},
    {"in _apply", "start-up", 20},
    {".to(device", "start-up", 20},
    {"model.cuda()", "start-up", 20},
    {"model.to(", "start-up", 20},
    {"scaled_dot_product_attention", "attention", 10},
    {"softmax", "attention", 10},
    {"torch.bmm", "attention", 10},
    {"in _attn", "attention", 10},
    {"attn_weights", "attention", 10},
};
const size_t doctor_n_phases = N_OF(doctor_phases);

const doctor_verdict_name doctor_verdicts[] = {
    {"impossible-request", "impossible request: one tensor larger than the card"},
    {"held-by-others", "memory held by someone else"},
    {"cap", "a cap, not the card"},
    {"fragmentation", "fragmentation"},
    {"allocator-anomaly", "allocator or driver anomaly: the request fits in the free memory"},
    {"full", "genuinely full"},
    {"library", "the card was already full when a library needed memory"},
    {"host-ram", "host RAM OOM (not VRAM)"},
    {"shared-memory", "shared memory (/dev/shm) exhausted"},
    {"at-the-edge", "running at the edge of memory"},
    {"no-batch-fits", "no batch size fits"},
    {"unknown", "out of memory, numbers not given"},
};
const size_t doctor_n_verdicts = N_OF(doctor_verdicts);

#define R_LADDER                                                                                   \
    {                                                                                              \
        "M4", "then the ladder, top-down, stopping when it fits"                                   \
    }

const doctor_advice doctor_advice_rows[] = {
    {"impossible-request",
     NULL,
     {{"M11", "one request this size is a single impossible tensor: a shape bug, an O(seq^2) "
              "attention score matrix or a pairwise-distance matrix; shrink or chunk it"},
      {"M16", "if the size follows the data, the longest batch sets it: cap or bucket lengths"}}},
    {"held-by-others",
     "stray-contexts",
     {{"G1", "several small processes on GPU 0 are the other ranks' CUDA contexts: bind each "
             "rank to its GPU (torch.cuda.set_device(local_rank)) before any CUDA call"},
      {"M3", "find what else holds the card before changing the training"},
      {"U10", "size the job to fit alongside any concurrent job"}}},
    {"held-by-others",
     NULL,
     {{"M3", "another process holds the memory this one needs: find it before changing the "
             "training"},
      {"U10", "size the job to fit alongside any concurrent job (nvidia-smi "
              "--query-gpu=memory.free)"},
      {"U11", "if nvidia-smi lists nobody, a zombie holds the VRAM: fuser -v /dev/nvidia*"}}},
    {"cap",
     NULL,
     {{"M2", "the allowed figure is a per-process cap (set_per_process_memory_fraction or an "
             "allocator setting), not the card: raise or remove it"},
      {"M18", "check the cap against memory_summary() before shrinking anything"}}},
    {"fragmentation",
     NULL,
     {{"M8", "memory reserved but unallocated exceeds the request: "
             "expandable_segments:True removes the fragmentation for free"},
      {"M16", "batches of varying shape keep fragmenting the cache: bucket or pad to few sizes"},
      {"M18", "confirm with memory_summary(): reserved well above allocated"}}},
    {"allocator-anomaly",
     NULL,
     {{"M18", "a request that fits in the free memory failed: read memory_summary() and the "
              "driver's view (nvidia-smi)"},
      {"M3", "another process may claim memory between the check and the allocation"},
      {"U11", "a zombie context can hold memory nvidia-smi does not attribute"}}},
    {"full",
     "backward",
     {{"M14", "it failed in the backward pass: activations kept for backward are the peak"},
      {"M7", "activation checkpointing trades compute for that activation memory"},
      {"M5", "a smaller micro-batch with gradient accumulation keeps the effective batch"},
      {"M6", "bf16 mixed precision halves activations"},
      R_LADDER}},
    {"full",
     "optimizer step",
     {{"M17", "it failed in the optimizer step: Adam's state is allocated on the first step"},
      {"M12", "an 8-bit or paged optimizer cuts the state from 8 to about 2 bytes per parameter"},
      {"M9", "with two or more GPUs, shard the state (FSDP / ZeRO)"},
      {"M10", "on one GPU, offload the optimizer state to CPU"},
      R_LADDER}},
    {"full",
     "evaluation",
     {{"M15", "it failed in evaluation: predictions gathered on the GPU pile up over the eval "
              "set"},
      R_LADDER}},
    {"full",
     "loading",
     {{"G1", "torch.load restores tensors onto the device they were saved from: every rank "
             "loads onto GPU 0; pass map_location=\"cpu\" or the rank's own device"},
      {"M9", "a sharded checkpoint lets each rank load only its shard"}}},
    {"full",
     "attention",
     {{"M11", "it failed in attention: the score matrix grows with the square of the "
              "sequence length; use SDPA/flash attention or a shorter sequence"},
      {"M7", "checkpointing drops the attention activations between layers"},
      {"M6", "bf16 halves the activations"},
      R_LADDER}},
    {"full",
     "start-up",
     {{"M1", "it failed moving the model to the GPU: weights alone do not fit"},
      {"M9", "shard the model over the GPUs (FSDP / ZeRO-3)"},
      {"M12", "8-bit or paged optimizers shrink the state"},
      {"M13", "for finetuning, LoRA/QLoRA keep the base weights frozen and small"}}},
    {"full",
     "mid-epoch",
     {{"M16", "it failed deep into the epoch: the longest batch so far set a new peak"},
      {"M8", "variable shapes also fragment the cache: expandable_segments:True"},
      {"M20", "if allocated memory rose step after step, something keeps tensors alive"},
      R_LADDER}},
    {"full",
     NULL,
     {{"M2", "the card is genuinely full: read what holds it (allocated vs reserved)"},
      {"M5", "a smaller micro-batch with gradient accumulation is the free first move"},
      {"M7", "activation checkpointing"},
      {"M6", "bf16 mixed precision"},
      R_LADDER}},
    {"library",
     NULL,
     {{"M3", "a library outside the caching allocator (context, cuBLAS/cuDNN workspace, NCCL "
             "buffers) found the card already full: see what holds it"},
      {"M5", "leave headroom: a smaller micro-batch keeps room for library workspaces"},
      {"M18", "memory_summary() shows how close to the limit the caching allocator runs"}}},
    {"host-ram",
     NULL,
     {{"M3", "the kernel killed the process for host RAM, not VRAM: do not shrink the model"},
      {"U9", "DataLoader workers copy the dataset's in-RAM objects; every rank loading a full "
             "checkpoint; evaluation logits piling up on the host"},
      {"U41", "confirm with the cgroup's oom_kill counter, not the host's free or dmesg"}}},
    {"shared-memory",
     NULL,
     {{"U9", "DataLoader workers pass batches through /dev/shm: give the container more "
             "(--shm-size, --ipc=host) or use fewer workers"},
      {"M3", "this is host shared memory, not VRAM: do not shrink the model"}}},
    {"at-the-edge",
     NULL,
     {{"M8", "cache flushes every step mean the allocator is fragmented at the edge: "
             "expandable_segments:True"},
      {"M18", "watch reserved against allocated with memory_summary()"},
      R_LADDER}},
    {"no-batch-fits",
     NULL,
     {{"M11", "even one sample does not fit: check the sequence length or resolution"},
      {"M13", "for finetuning, LoRA/QLoRA"},
      {"M9", "shard over the GPUs (FSDP / ZeRO-3)"},
      {"M10", "offload to CPU on a single GPU"},
      {"M7", "activation checkpointing"}}},
    {"unknown",
     NULL,
     {{"M2", "the message gives no numbers: run once with memory_summary() to get them"},
      {"M18", "torch.cuda.memory_summary() and max_memory_allocated() show the peak"},
      R_LADDER}},
};
const size_t doctor_n_advice = N_OF(doctor_advice_rows);

/* The lint rules a verdict points at, in the order they are listed; a later rule is a row. */
const doctor_lint_row doctor_lint_rows[] = {
    {"full",
     "loading",
     "torch.load",
     {"OOM107", "torch-load-without-map-location",
      "torch.load without map_location restores every rank's copy onto GPU 0"}},
    {"held-by-others",
     "stray-contexts",
     NULL,
     {"OOM112", "rank-device-not-set",
      "a process group whose ranks never call torch.cuda.set_device opens a context on GPU 0 "
      "in every rank"}},
    {"full",
     "evaluation",
     NULL,
     {"OOM103", "eval-predictions-accumulate-on-gpu",
      "evaluation that gathers logits on the GPU without eval_accumulation_steps"}},
    {"full",
     "evaluation",
     "evaluation_loop",
     {"OOM108", "eval-logits-not-reduced",
      "a language model's full logits kept for compute_metrics (no "
      "preprocess_logits_for_metrics)"}},
    {"full",
     "evaluation",
     "in evaluate",
     {"OOM105", "eval-without-no-grad",
      "an evaluation loop after model.eval() that runs with autograd on"}},
    {"full",
     "evaluation",
     "in validat",
     {"OOM105", "eval-without-no-grad",
      "a validation loop after model.eval() that runs with autograd on"}},
    {"full",
     "evaluation",
     NULL,
     {"OOM106", "outputs-kept-across-steps",
      "model outputs (full logits) kept on the GPU from one evaluation step to the next"}},
    {"full",
     "mid-epoch",
     NULL,
     {"OOM101", "loss-tensor-kept-across-steps",
      "a loss tensor kept across steps keeps its graph alive and grows memory every step"}},
    {"full",
     "backward",
     "checkpoint",
     {"OOM104", "reentrant-checkpoint-under-ddp",
      "reentrant activation checkpointing under DDP keeps activations it should free"}},
    {"host-ram",
     NULL,
     "evaluat",
     {"OOM103", "eval-predictions-accumulate-on-gpu",
      "evaluation that gathers every prediction before computing metrics"}},
    {"host-ram",
     NULL,
     "evaluat",
     {"OOM108", "eval-logits-not-reduced",
      "eval_accumulation_steps moves a language model's full logits to host RAM, where they "
      "still pile up"}},
};
const size_t doctor_n_lint_rows = N_OF(doctor_lint_rows);
