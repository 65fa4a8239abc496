# A file with a syntax error: linted where it parses, nothing reported inside the broken part.
import torch

for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    torch.cuda.empty_cache()  # expect: OOM102


def broken(:
    torch.cuda.empty_cache(
