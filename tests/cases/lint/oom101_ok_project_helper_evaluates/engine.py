import torch


@torch.no_grad()
def evaluate_batch(model, batch):
    return model(batch).mean()
