#!/bin/sh
# `oomkb diagnose` on a 10 MB training log against `grep -c "out of memory"` on the same file,
# whole processes, side by side in one hyperfine run. The log is generated here: step lines
# with loss, learning rate, throughput and memory figures, progress bars, periodic evaluation
# and checkpoint lines, then a traceback and a PyTorch 2.2 OOM message near the end.
# Target: oomkb's median at most 3x grep's.
set -eu
bin=${1:-build/debug/oomkb}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/tools.sh"
need hyperfine
need node nodejs
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
log="$out/train.log"
awk 'BEGIN {
    srand(7); size = 0; step = 0;
    while (size < 10 * 1024 * 1024) {
        step++;
        line = sprintf("[2024-06-01 %02d:%02d:%02d] INFO train.py:212 step %d | loss %.4f | lr %.2e | grad_norm %.3f | tokens/s %d | mem allocated %.1f GiB reserved %.1f GiB", \
            (step / 3600) % 24, (step / 60) % 60, step % 60, step, 2.5 - step / 90000.0, 2e-5, rand(), 4000 + int(rand() * 900), 61 + rand(), 70 + rand());
        print line; size += length(line) + 1;
        if (step % 50 == 0) {
            line = sprintf("Epoch 1:  %d%%|#####     | %d/120000 [%02d:%02d<%02d:%02d,  1.76it/s, loss=%.3f, v_num=3]", step / 1200, step, step / 60 % 60, step % 60, 59 - step / 60 % 60, 59 - step % 60, 2.4 - step / 100000.0);
            print line; size += length(line) + 1;
        }
        if (step % 1000 == 0) {
            line = sprintf("[2024-06-01] INFO eval: step %d eval_loss %.4f eval_accuracy %.4f; saved checkpoint to /ckpt/step-%d (model.safetensors, optimizer.pt)", step, 2.2, 0.61, step);
            print line; size += length(line) + 1;
        }
    }
    print "Traceback (most recent call last):";
    print "  File \"/workspace/train.py\", line 212, in <module>";
    print "    loss.backward()";
    print "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB. GPU 0 has a total capacity of 23.65 GiB of which 15.06 MiB is free. Including non-PyTorch memory, this process has 23.62 GiB memory in use. Of the allocated memory 20.53 GiB is allocated by PyTorch, and 2.64 GiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to avoid fragmentation.  See documentation for Memory Management  (https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)";
    for (i = 0; i < 20; i++) print "wandb: Waiting for W&B process to finish... (failed 1).";
}' >"$log"
"$bin" diagnose "$log" | grep -q "Verdict: fragmentation" ||
    { echo "bench/diagnose.sh: oomkb did not diagnose the generated log" >&2; exit 1; }
hyperfine -N --warmup 10 --runs 100 --export-json "$out/d.json" \
    "$bin diagnose $log" "grep -c 'out of memory' $log" >"$out/d.txt" 2>&1 ||
    { cat "$out/d.txt"; exit 1; }
d=$(median_ms "$out/d.json" 0)
g=$(median_ms "$out/d.json" 1)
echo "diagnose: $(wc -c <"$log") bytes, $(wc -l <"$log") lines: oomkb ${d} ms, grep -c ${g} ms (medians of 100) -> ratio $(echo "$d $g" | awk '{printf "%.2f", $1/$2}')x (target <= 3x)"
