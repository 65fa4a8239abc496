import torch

total = 0
for x in loader:
    loss = model(x)
    loss.backward()
    total += loss
    torch.cuda.empty_cache()
