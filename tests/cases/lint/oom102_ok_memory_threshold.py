# Clean: only when memory is actually short (a conditional guard), and in a lambda callback.
import torch

for batch in loader:
    loss = model(batch).loss
    loss.backward()
    optimizer.step()
    if torch.cuda.memory_reserved() > 0.9 * total:
        torch.cuda.empty_cache()
    hooks.register(lambda: torch.cuda.empty_cache())
