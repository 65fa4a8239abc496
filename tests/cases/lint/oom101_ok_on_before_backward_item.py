# The live loss taken as a number is safe to keep.
import lightning as L


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_before_backward(self, loss):
        self.seen.append(loss.item())
