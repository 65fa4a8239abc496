def repackage_hidden(h):
    if isinstance(h, tuple):
        return tuple(repackage_hidden(v) for v in h)
    return h.detach()


def train(model, loader, optimizer, criterion, bs):
    hidden = model.init_hidden(bs)
    for x, y in loader:
        hidden = repackage_hidden(hidden)
        out, hidden = model(x, hidden)
        criterion(out, y).backward()
        optimizer.step()
