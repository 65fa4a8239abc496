# A closure defined in training_step and handed to the optimizer runs once per step; the loss
# it keeps on the module outlives the step.
class Model:
    def training_step(self, batch, batch_idx):
        opt = self.optimizers()

        def closure():
            loss = self.compute(batch)
            self.manual_backward(loss)
            self.seen.append(loss)  # expect: OOM101
            return loss

        opt.step(closure=closure)
