from ema import EMAModel


def train(model, loader, optimizer):
    ema = EMAModel(model.parameters())
    for batch in loader:
        loss = model(batch)
        loss.backward()
        optimizer.step()
        ema.step(model.parameters())  # expect: OOM102
