# A closure built once at set-up (not per step), and a per-step closure that keeps only a
# detached copy.
class Model:
    def setup_probe(self, batch):
        def probe():
            loss = self.compute(batch)
            loss.backward()
            self.probes.append(loss)

        probe()

    def training_step(self, batch, batch_idx):
        opt = self.optimizers()

        def closure():
            loss = self.compute(batch)
            self.manual_backward(loss)
            self.seen.append(loss.detach())
            return loss

        opt.step(closure=closure)
