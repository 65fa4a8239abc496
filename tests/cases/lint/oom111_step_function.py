def train_step(model, batch, optimizer):
    loss = model(batch).mean()
    loss.backward(create_graph=True)  # expect: OOM111
    optimizer.step()
    return loss.item()


def run(model, loader, optimizer):
    for batch in loader:
        train_step(model, batch, optimizer)
