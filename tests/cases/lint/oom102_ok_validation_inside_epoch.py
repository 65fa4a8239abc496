import torch


def fit(model, train_loader, val_loader, optimizer, epochs):
    for epoch in range(epochs):
        for batch in train_loader:
            model(batch).backward()
            optimizer.step()
        with torch.no_grad():
            for batch in val_loader:
                model(batch)
                torch.cuda.empty_cache()
