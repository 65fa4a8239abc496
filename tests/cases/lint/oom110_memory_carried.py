def train(model, segments, optimizer):
    mems = None
    for seg in segments:
        loss, mems = model(seg, mems)  # expect: OOM110
        loss.backward()
        optimizer.step()
