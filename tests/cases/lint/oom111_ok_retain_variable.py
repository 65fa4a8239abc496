def train(model, loader, optimizer, crit, keep):
    for x, y in loader:
        optimizer.zero_grad()
        loss = crit(model(x), y)
        loss.backward(retain_graph=keep)
        optimizer.step()
