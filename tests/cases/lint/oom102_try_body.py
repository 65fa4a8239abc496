# In the try body (not the handler) and under a with block: every step.
import torch

for batch in loader:
    try:
        with torch.autocast("cuda"):
            loss = model(batch).loss
        loss.backward()
        optimizer.step()
        torch.cuda.empty_cache()  # expect: OOM102
    except ValueError:
        continue
