# Under no_grad a running sum is a new tensor without a graph; a value computed under no_grad
# has none either.
import torch

total = 0
kept = []
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    with torch.no_grad():
        total += loss
        probe = criterion(model(x), y)
        kept.append(probe)
        buf = torch.zeros(4)
        buf[0] = loss
