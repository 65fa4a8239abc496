def train(model, loader, optimizer, crit):
    for x, y in loader:
        optimizer.zero_grad(set_to_none=False)
        loss = crit(model(x), y)
        loss.backward(create_graph=True)
        optimizer.step()
