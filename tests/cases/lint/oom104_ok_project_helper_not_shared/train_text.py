import torch

from library.train_util import prepare_accelerator

if __name__ == "__main__":
    accelerator = prepare_accelerator(None)
    accelerator.prepare(torch.nn.Linear(2, 2))
