# A Callback's on_train_batch_end gets the trainer and module first, then detached outputs.
from lightning.pytorch.callbacks import Callback


class History(Callback):
    def __init__(self):
        self.losses = []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.losses.append(outputs["loss"])
