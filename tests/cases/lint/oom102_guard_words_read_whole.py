# Guards are read word by word: a name that merely contains a memory word (allow_tf32 holds
# "low", zoom holds "oom") is no memory knob, and a rank or batching condition holds on every
# step of the runs that take it.
import torch


def train(model, loader, optimizer, args, rank):
    for step, batch in enumerate(loader):
        loss = model(batch)
        loss.backward()
        optimizer.step()
        if args.allow_tf32:
            torch.cuda.empty_cache()  # expect: OOM102
        if args.zoom > 1:
            torch.cuda.empty_cache()  # expect: OOM102
        if rank == 0:
            torch.cuda.empty_cache()  # expect: OOM102
        if args.use_amp or step % 100 == 0:
            torch.cuda.empty_cache()  # expect: OOM102
