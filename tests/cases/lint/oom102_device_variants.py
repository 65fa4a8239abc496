# The mps/xpu variants, guarded only by a device-availability check (still every step).
import torch

for x in loader:
    out = model(x)
    out.sum().backward()
    optimizer.step()
    if torch.backends.mps.is_available():
        torch.mps.empty_cache()  # expect: OOM102
    if device.type == "xpu":
        torch.xpu.empty_cache()  # expect: OOM102
