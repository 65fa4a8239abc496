def train(model, loader, optimizer, heads):
    for x, ys in loader:
        optimizer.zero_grad()
        feats = model(x)
        for head, y in zip(heads, ys):
            head(feats, y).backward(retain_graph=True)
        optimizer.step()
