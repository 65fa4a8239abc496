import torch


def train(model, loader, optimizer, args):
    for step, batch in enumerate(loader):
        model(batch).backward()
        optimizer.step()
        if args.offload_optimizer:
            torch.cuda.empty_cache()
        if step < args.warmup_steps:
            torch.cuda.empty_cache()
