def train(model, loader, optimizer, criterion, bs):
    hidden = model.init_hidden(bs)
    for x, y in loader:
        hidden = hidden.detach()
        out, hidden = model(x, hidden)
        criterion(out, y).backward()
        optimizer.step()
