# A file that does not parse is left alone: no fix is applied, the diff is empty.
import torch.nn.functional as F

losses = []
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    losses.append(loss)

def broken(:
    pass
