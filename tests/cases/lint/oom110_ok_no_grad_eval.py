import torch


def evaluate(model, loader, bs):
    hidden = model.init_hidden(bs)
    with torch.no_grad():
        for x, y in loader:
            out, hidden = model(x, hidden)
