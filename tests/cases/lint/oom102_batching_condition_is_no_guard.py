import torch


def train(model, loader, optimizer, num_mini_batches):
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        if num_mini_batches > 1:
            torch.cuda.empty_cache()  # expect: OOM102
