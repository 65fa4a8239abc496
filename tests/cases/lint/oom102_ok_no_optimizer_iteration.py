# The flush runs only in iterations without an optimizer (generation-only passes of the loop).
import torch


def train_loop(model, loader, optimizer=None):
    for batch in loader:
        if optimizer is None:
            torch.cuda.empty_cache()
            model.generate(batch)
            continue
        loss = model(batch).loss
        loss.backward()
        optimizer.step()
