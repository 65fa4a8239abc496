# Clean: every N steps, and on the first step only.
import torch

for step, batch in enumerate(loader):
    loss = model(batch).loss
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        torch.cuda.empty_cache()
    if (step + 1) % args.empty_cache_steps == 0:
        torch.cuda.empty_cache()
    if step == 0:
        torch.cuda.empty_cache()
