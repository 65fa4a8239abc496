# losses[-1].backward() proves each appended value carries a graph; the list keeps them all,
# and the dict entry is named as written.
losses = []
hist = {"loss": []}
for batch in loader:
    losses.append(compute(model, batch))  # expect: OOM101
    losses[-1].backward()
    optimizer.step()
    out = model(batch)
    hist["loss"].append(out.loss)  # expect: OOM101
