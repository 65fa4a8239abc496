# An append under no_grad still keeps the tensor itself, graph and all.
import torch

kept = []
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        kept.append(loss)  # expect: OOM101
