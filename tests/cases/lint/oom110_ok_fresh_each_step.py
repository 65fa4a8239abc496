def train(model, loader, optimizer, criterion, bs):
    hidden = None
    for x, y in loader:
        hidden = model.init_hidden(bs)
        out, hidden = model(x, hidden)
        criterion(out, y).backward()
        optimizer.step()
