# Only one branch reduces the output; in raw mode the whole output dictionary is kept on the
# GPU, batch after batch.
import torch


def predict(model, dataloader, mode):
    model.eval()
    output = []
    with torch.no_grad():
        for x, _ in dataloader:
            out = model(x)
            if mode == "prediction":
                out = out.argmax(-1)
            output.append(out)  # expect: OOM106
    return output
