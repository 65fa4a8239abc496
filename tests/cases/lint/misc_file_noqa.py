# oomkb: noqa
import torch

for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    torch.cuda.empty_cache()
