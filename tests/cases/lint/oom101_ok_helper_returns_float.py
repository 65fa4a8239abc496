# Clean: `loss` is the float a helper returns (the commonest false positive of name matching).
def train_step(batch):
    out = model(batch)
    loss = criterion(out, batch.y)
    loss.backward()
    optimizer.step()
    return loss.item()


losses = []
total_loss = 0
for batch in loader:
    loss = train_step(batch)
    losses.append(loss)
    total_loss += loss
