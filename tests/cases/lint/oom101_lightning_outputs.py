# Lightning: a per-step hook appending the loss to a list on self.
import pytorch_lightning as pl
import torch.nn.functional as F


class LitModel(pl.LightningModule):
    def __init__(self):
        super().__init__()
        self.training_step_outputs = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        loss = F.nll_loss(self(x), y)
        self.training_step_outputs.append(loss)  # expect: OOM101
        return loss
