def fit(model, loader, optimizer, criterion, epochs, bs):
    for epoch in range(epochs):
        hidden = model.init_hidden(bs)
        for i, (x, y) in enumerate(loader):
            out, hidden = model(x, hidden)  # expect: OOM110
            loss = criterion(out, y)
            loss.backward()
            optimizer.step()
