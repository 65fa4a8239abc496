# Lightning hands on_before_backward the live loss: keeping it keeps every step's graph.
import lightning as L


class Model(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.seen = []

    def on_before_backward(self, loss):
        self.seen.append(loss)  # expect: OOM101
