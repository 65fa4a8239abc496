# Clean: the training loop keeps detached, reduced predictions.
def train(model, opt, train_loader, crit):
    seen = []
    for x, y in train_loader:
        out = model(x)
        loss = crit(out, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seen.append(out.detach().argmax(-1))
    return seen
