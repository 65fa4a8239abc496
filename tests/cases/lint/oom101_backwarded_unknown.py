# The loss comes from an unknown call, but it is back-propagated: it is a graph-carrying tensor.
losses = []
for batch in loader:
    loss = model(batch)[0]
    loss = loss / grad_accum
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    losses.append({"step": batch.idx, "loss": loss})  # expect: OOM101
