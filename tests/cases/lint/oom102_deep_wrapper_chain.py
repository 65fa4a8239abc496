# The flush sits four project functions below the loop: each runs it whenever it runs, so the
# call in the loop flushes the cache on every step.
import torch


def train(model, loader, opt):
    for batch in loader:
        loss = model(batch).loss
        loss.backward()
        opt.step()
        free_memory()  # expect: OOM102


def free_memory():
    release()


def release():
    drop_caches()


def drop_caches():
    really_empty()


def really_empty():
    torch.cuda.empty_cache()
