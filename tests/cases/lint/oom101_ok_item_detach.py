# Clean: every stored value is detached or converted to a Python number.
import torch.nn.functional as F

losses, totals = [], 0.0
log = {}
for x, y in loader:
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
    totals += loss.detach()
    totals += float(loss)
    log["last"] = loss.detach().cpu()
    losses.append(loss.tolist())
    totals += loss.data
