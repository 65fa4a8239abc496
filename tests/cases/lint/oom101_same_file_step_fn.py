# The loop trains through a same-file function; the stored value is that function's loss tensor.
import torch.nn as nn

loss_fn = nn.MSELoss()


def train_step(batch):
    pred = model(batch["x"])
    loss = loss_fn(pred, batch["y"])
    loss.backward()
    optimizer.step()
    return loss


all_losses = []
for batch in loader:
    l = train_step(batch)
    all_losses.append(l)  # expect: OOM101
