# A Callback's on_before_backward gets the live loss last, after the trainer and the module.
from lightning.pytorch.callbacks import Callback


class LossKeeper(Callback):
    def __init__(self):
        self.history = []

    def on_before_backward(self, trainer, pl_module, loss):
        self.history.append(loss)  # expect: OOM101
