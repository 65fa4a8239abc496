# autocast is not a grad-off context: the forward still records its graph.
import torch


def evaluate(model, loader):
    model.eval()
    with torch.autocast("cuda"):
        for x in loader:
            y = model(x)  # expect: OOM105
            print(y.sum().item())
