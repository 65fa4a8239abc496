# Clean: autograd is switched off for the rest of the function.
import torch


def validate(model, loader):
    torch.set_grad_enabled(False)
    model.eval()
    for x in loader:
        print(model(x).sum().item())
