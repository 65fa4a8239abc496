# The exception class is imported under another name.
from torch.cuda import OutOfMemoryError as CudaOOM


class Trainer:
    def run_batch(self, batch):
        try:
            self.engine.train_batch(batch)
        except CudaOOM:
            self.engine.zero_grad()
            self.engine.train_batch(batch.half_size())  # expect: OOM109
