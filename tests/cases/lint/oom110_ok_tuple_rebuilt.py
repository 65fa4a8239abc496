def train(lstm, loader, optimizer, criterion, h0, c0):
    h, c = h0, c0
    for x, y in loader:
        h, c = h.detach(), c.detach()
        out, (h, c) = lstm(x, (h, c))
        criterion(out, y).backward()
        optimizer.step()
