import torch


def maybe_empty(args):
    if args.low_memory:
        torch.cuda.empty_cache()
    elif args.verbose:
        print("keeping the cache")


def train(model, loader, optimizer, args):
    for batch in loader:
        model(batch).backward()
        optimizer.step()
        maybe_empty(args)
