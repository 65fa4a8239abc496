# Validation inside the epoch loop, after model.eval(), with no no_grad.
import torch.nn.functional as F


def fit(model, opt, train_loader, val_loader, epochs):
    for epoch in range(epochs):
        model.train()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        total = 0.0
        for x, y in val_loader:
            total += F.cross_entropy(model(x), y).item()  # expect: OOM105
        print(epoch, total)
