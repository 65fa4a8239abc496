# Clean: the model's parameters are all frozen, so no graph is recorded for them.
def extract(encoder, loader):
    encoder.requires_grad_(False)
    encoder.eval()
    feats = []
    for x in loader:
        feats.append(encoder(x).cpu())
    return feats
