import torch


def train(model, train_loader, optimizer, epochs):
    for epoch in range(epochs):
        for batch in train_loader:
            loss = model(batch)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
        torch.cuda.empty_cache()  # once per epoch: a pass over the loader
