# Clean: the accumulated terms are themselves back-propagated (gradient accumulation by sum).
import torch

for batch in loader:
    total = 0
    parts = []
    for micro in batch.split(4):
        loss = criterion(model(micro), micro.y)
        total += loss
        parts.append(loss)
    total.backward()
    optimizer.step()

acc = []
for batch in loader:
    loss = criterion(model(batch), batch.y)
    acc.append(loss)
    torch.stack(acc).mean().backward()
    optimizer.step()
