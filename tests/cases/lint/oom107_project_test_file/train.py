import torch
from lightning import Trainer


def main(model, path):
    trainer = Trainer(strategy="ddp", devices=2)
    model.load_state_dict(torch.load(path))  # expect: OOM107
    return trainer
