# empty_cache() at the end of every training step.
import torch

for epoch in range(3):
    for batch in loader:
        loss = model(batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        torch.cuda.empty_cache()  # expect: OOM102
