# Lightning strategy="ddp" is DDP too.
import pytorch_lightning as pl
from torch.utils.checkpoint import checkpoint


class M(pl.LightningModule):
    def forward(self, x):
        return checkpoint(self.body, x)  # expect: OOM104


trainer = pl.Trainer(strategy="ddp", devices=4)
