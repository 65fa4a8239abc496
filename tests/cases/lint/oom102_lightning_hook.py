# A per-step hook.
import pytorch_lightning as pl
import torch


class Net(pl.LightningModule):
    def training_step(self, batch, batch_idx):
        loss = self.model(batch).loss
        torch.cuda.empty_cache()  # expect: OOM102
        return loss

    def on_train_epoch_end(self):
        torch.cuda.empty_cache()
