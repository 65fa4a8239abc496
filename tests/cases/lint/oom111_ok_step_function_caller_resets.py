def train_step(model, batch, optimizer):
    loss = model(batch).mean()
    loss.backward(create_graph=True)
    optimizer.step()


def run(model, loader, optimizer):
    for batch in loader:
        optimizer.zero_grad()
        train_step(model, batch, optimizer)
