def train(lstm, loader, optimizer, criterion):
    h, c = None, None
    for x, y in loader:
        out, (h, c) = lstm(x, (h, c))  # expect: OOM110
        criterion(out, y).backward()
        optimizer.step()
