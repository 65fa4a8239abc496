hidden = model.init_hidden(32)
for x, y in loader:
    out, hidden = model(x, hidden)  # expect: OOM110
    criterion(out, y).backward()
    optimizer.step()
