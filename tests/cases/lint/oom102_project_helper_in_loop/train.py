from pkg.sampling import sample_chunks, sample_rarely


def train(model, loader, optimizer):
    for batch in loader:
        samples = sample_chunks(model, batch, 4)  # expect: OOM102
        more = sample_rarely(model, batch, 4)
        loss = model.loss(samples, more)
        loss.backward()
        optimizer.step()
