from meters import Meter


def train(model, loader, optimizer):
    meter = Meter()
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        meter.step(loss.item())
    meter.reset()
