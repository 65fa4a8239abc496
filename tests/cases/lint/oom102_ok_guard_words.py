# Guards that gate the flush itself: a memory knob in any case style or negated, a knob joined
# with another condition by `and`, the first steps of a counter, a period on both sides of `or`.
import torch


def train(model, loader, optimizer, args):
    for step, batch in enumerate(loader):
        loss = model(batch)
        loss.backward()
        optimizer.step()
        if args.lowVram:
            torch.cuda.empty_cache()
        if not args.keep_memory:
            torch.cuda.empty_cache()
        if args.use_amp and args.flush_cache:
            torch.cuda.empty_cache()
        if step < 3:
            torch.cuda.empty_cache()
        if step % 50 == 0 or args.log_interval == 1:
            torch.cuda.empty_cache()
        if args.mode == "offload":
            torch.cuda.empty_cache()
