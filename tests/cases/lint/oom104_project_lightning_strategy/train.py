"""Trains M on four GPUs; the docstring says "ddpm" but only the code below counts."""
import pytorch_lightning as pl

from model import M

trainer = pl.Trainer(strategy="ddp", devices=4)
trainer.fit(M())
