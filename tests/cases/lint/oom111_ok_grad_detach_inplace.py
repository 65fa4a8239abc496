def fit(model, loader, optimizer, crit):
    for x, y in loader:
        loss = crit(model(x), y)
        loss.backward(create_graph=True)
        optimizer.step()
        for p in model.parameters():
            p.grad.detach_()
            p.grad.zero_()
