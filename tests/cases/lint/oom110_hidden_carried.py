def train(model, loader, optimizer, criterion, batch_size):
    hidden = model.init_hidden(batch_size)
    for x, y in loader:
        output, hidden = model(x, hidden)  # expect: OOM110
        loss = criterion(output, y)
        loss.backward()
        optimizer.step()
