def train(model, loader, crit, hessian_step):
    for x, y in loader:
        loss = crit(model(x), y)
        loss.backward(create_graph=True)  # expect: OOM111
        hessian_step(model)
