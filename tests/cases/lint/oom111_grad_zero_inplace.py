def fit(model, loader, optimizer, crit):
    for x, y in loader:
        loss = crit(model(x), y)
        loss.backward(create_graph=True)  # expect: OOM111
        optimizer.step()
        for p in model.parameters():
            p.grad.zero_()
