# Clean: every path moves or reduces the output before it is kept.
import torch


def predict(model, dataloader, ids_only):
    model.eval()
    output = []
    with torch.no_grad():
        for x, _ in dataloader:
            out = model(x)
            out = out.float()
            if ids_only:
                out = out.argmax(-1).cpu()
            else:
                out = out.cpu()
            output.append(out)
    return output
