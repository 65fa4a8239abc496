# Suppressions: code-specific, bare, case-insensitive, and one for another code (not suppressed).
import torch

losses = []
for batch in loader:
    loss = criterion(model(batch), batch.y)
    loss.backward()
    optimizer.step()
    losses.append(loss)  # noqa: OOM101
    losses.append(loss)  # noqa
    losses.append(loss)  # NOQA:oom101,OOM102
    losses.append(loss)  # noqa: E501  # expect: OOM101
    torch.cuda.empty_cache()  # noqa: OOM101  # expect: OOM102
