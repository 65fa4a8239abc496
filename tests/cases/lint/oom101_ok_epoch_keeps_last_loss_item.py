def fit(model, loader, optimizer, epochs):
    history = []
    for epoch in range(epochs):
        for batch in loader:
            loss = model(batch)
            loss.backward()
            optimizer.step()
        history.append(loss.item())
    return history
