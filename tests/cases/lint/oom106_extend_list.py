# extend([...]) stores the element as append does.
import torch


def run(net, test_loader):
    net.eval()
    outs = []
    with torch.inference_mode():
        for x in test_loader:
            y = net(x)
            outs.extend([y])  # expect: OOM106
    return outs
