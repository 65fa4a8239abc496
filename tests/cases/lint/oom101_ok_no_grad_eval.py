# Clean: validation losses are computed under no_grad (no graph), even if stored outside the block.
import torch

val_losses = []
for epoch in range(epochs):
    for x, y in train_loader:
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val_loss = criterion(model(vx), vy)
        val_losses.append(val_loss)
