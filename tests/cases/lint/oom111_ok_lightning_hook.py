import lightning as L


class Meta(L.LightningModule):
    def training_step(self, batch, batch_idx):
        loss = self.model(batch).mean()
        loss.backward(create_graph=True)
        return loss
