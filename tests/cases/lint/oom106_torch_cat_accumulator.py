# An accumulator grown with torch.cat keeps every batch's hidden states on the GPU.
import torch


def embed_all(encoder, loader):
    encoder.eval()
    feats = torch.empty(0)
    with torch.no_grad():
        for x in loader:
            h = encoder(x)[0]
            feats = torch.cat([feats, h])  # expect: OOM106
    return feats
