# A guard on the optimizer being there is no guard: every training iteration takes it.
import torch


def train_loop(model, loader, optimizer=None):
    for batch in loader:
        loss = model(batch).loss
        loss.backward()
        if optimizer is not None:
            optimizer.step()
            torch.cuda.empty_cache()  # expect: OOM102
