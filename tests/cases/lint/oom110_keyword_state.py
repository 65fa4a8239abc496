def train(model, loader, optimizer):
    state = model.zero_state()
    for batch in loader:
        logits, state = model(batch, state=state)  # expect: OOM110
        logits.sum().backward()
        optimizer.step()
