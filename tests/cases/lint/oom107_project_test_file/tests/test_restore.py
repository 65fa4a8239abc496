import torch
from lightning import Trainer


def test_restore(model, path):
    trainer = Trainer(strategy="ddp", devices=2)
    model.load_state_dict(torch.load(path))
    return trainer
