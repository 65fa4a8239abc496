# Clean: in the validation loop and at epoch level.
import torch


def validate(model, loader):
    with torch.no_grad():
        for batch in loader:
            model(batch)
            torch.cuda.empty_cache()


for epoch in range(10):
    for batch in train_loader:
        loss = model(batch).loss
        loss.backward()
        optimizer.step()
    validate(model, val_loader)
    torch.cuda.empty_cache()
