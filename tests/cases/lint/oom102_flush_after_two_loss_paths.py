import torch


def train(model, loader, optimizer, fused, criterion, fused_loss):
    for x, y in loader:
        if fused:
            loss = fused_loss(model, x, y)
        else:
            loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        torch.cuda.empty_cache()  # expect: OOM102
