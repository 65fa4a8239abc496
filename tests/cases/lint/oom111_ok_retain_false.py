def train(model, loader, optimizer, crit):
    for x, y in loader:
        optimizer.zero_grad()
        loss = crit(model(x), y)
        loss.backward(retain_graph=False)
        optimizer.step()
