# Clean: a scalar through .item().
def score(model, loader):
    model.eval()
    scores = []
    for x in loader:
        scores.append(model(x).mean().item())  # expect: OOM105
    return scores
