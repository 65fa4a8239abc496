# Clean: OOM recovery in the except handler, and under a flag that handler sets.
import torch

for batch in loader:
    oom = False
    try:
        loss = model(batch).loss
        loss.backward()
        optimizer.step()
    except torch.cuda.OutOfMemoryError:
        oom = True
        torch.cuda.empty_cache()
    except RuntimeError as e:
        if "out of memory" in str(e):
            torch.cuda.empty_cache()
    if oom:
        torch.cuda.empty_cache()
