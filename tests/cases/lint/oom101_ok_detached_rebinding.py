# Clean: the loss is rebound to a detached tensor before it is stored.
import torch.nn.functional as F

hist = []
for x, y in loader:
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    loss = loss.detach()
    hist.append(loss)
