# nn.*Loss()(...) invoked inline; extend with a list literal; insert.
from torch import nn

epoch_losses = []
recent = []
while step < max_steps:
    out = model(inputs)
    loss = nn.BCEWithLogitsLoss()(out, targets)
    loss.backward()
    opt.step()
    epoch_losses.extend([loss])  # expect: OOM101
    recent.insert(0, loss * 2)  # expect: OOM101
    step += 1
