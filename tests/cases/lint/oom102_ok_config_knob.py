# Clean: behind an opt-in configuration knob.
import torch

for batch in loader:
    loss = model(batch).loss
    loss.backward()
    optimizer.step()
    if args.clear_cache_every_step:
        torch.cuda.empty_cache()
    if self.config.release_memory:
        torch.cuda.empty_cache()
