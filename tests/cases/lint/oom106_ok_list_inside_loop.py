# Clean: a list made inside the iteration (per-step outputs of several heads) dies with it.
def train(model, heads, opt, train_loader):
    for x, y in train_loader:
        feats = model(x)
        outs = []
        for head in heads:
            outs.append(head(feats))
        loss = sum(o.mean() for o in outs)
        opt.zero_grad()
        loss.backward()
        opt.step()
