# Clean: evaluation under attack needs the input gradient on purpose.
import torch
import torch.nn.functional as F


def robust_accuracy(model, loader, eps):
    model.eval()
    correct = 0
    for x, y in loader:
        x.requires_grad_(True)
        loss = F.cross_entropy(model(x), y)
        (grad,) = torch.autograd.grad(loss, x)
        x_adv = (x + eps * grad.sign()).detach()
        with torch.no_grad():
            correct += (model(x_adv).argmax(-1) == y).sum().item()
    return correct
