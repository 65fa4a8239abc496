# The handler runs a tiled variant of the call that failed, still inside the except block.
import torch

OOM_EXCEPTION = torch.cuda.OutOfMemoryError


class Vae:
    def decode(self, z):
        try:
            return self.model.decode(z.to(self.device))
        except OOM_EXCEPTION:
            print("decoding ran out of memory, trying tiles")
            return self.decode_tiled(z)  # expect: OOM109
