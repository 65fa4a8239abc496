# Aliases: from torch.cuda import empty_cache as ec; import torch.cuda as tc.
import torch.cuda as tc
from torch.cuda import empty_cache as ec

step = 0
while step < 1000:
    loss = compute(model, next(it))
    loss.backward()
    opt.step()
    ec()  # expect: OOM102
    tc.empty_cache()  # expect: OOM102
    step += 1
