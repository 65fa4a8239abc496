# fix-options: --unsafe-fixes
# Unsafe: the sum is read as a tensor later (`total.item()` fails on a float), so the fix
# needs --unsafe-fixes; without it the diff is empty and --fix changes nothing.
import torch.nn.functional as F


def train(model, loader, opt):
    total = 0
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        total += loss
    print(total.item() / len(loader))
