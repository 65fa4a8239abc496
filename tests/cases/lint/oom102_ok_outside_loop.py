# Clean: before and after training, and between stages.
import torch


def main():
    torch.cuda.empty_cache()
    model = build()
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
    torch.cuda.empty_cache()
    evaluate(model)
