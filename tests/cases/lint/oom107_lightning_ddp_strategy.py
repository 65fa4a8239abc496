import torch
import lightning as L


def pretrained(model, path):
    model.load_state_dict(torch.load(path))  # expect: OOM107
    return model


trainer = L.Trainer(strategy="ddp", devices=4)
