# Clean: no training step anywhere (an evaluation script), and a loop that only logs floats.
import torch.nn as nn

criterion = nn.CrossEntropyLoss()
results = []
for x, y in test_loader:
    loss = criterion(model(x), y)
    results.append(loss)
