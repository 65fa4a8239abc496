import torch


def fit(model, batches, opt):
    for xb, yb in batches:
        loss = (model(xb) - yb).pow(2).mean()
        torch.autograd.backward(loss, create_graph=True)  # expect: OOM111
        opt.step()
