# Classic leak: the loss tensor itself goes into a list that lives for the whole run.
import torch.nn as nn

criterion = nn.CrossEntropyLoss()
train_losses = []
for epoch in range(10):
    for x, y in loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        train_losses.append(loss)  # expect: OOM101
