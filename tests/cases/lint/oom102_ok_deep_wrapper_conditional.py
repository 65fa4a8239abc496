# Four functions deep the flush is conditional (every 100 steps): none of them flushes on every
# call, so the loop does not flush every step.
import torch


def train(model, loader, opt):
    for step, batch in enumerate(loader):
        loss = model(batch).loss
        loss.backward()
        opt.step()
        free_memory(step)


def free_memory(step):
    release(step)


def release(step):
    drop_caches(step)


def drop_caches(step):
    maybe_empty(step)


def maybe_empty(step):
    if step % 100 == 0:
        torch.cuda.empty_cache()
