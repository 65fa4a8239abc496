import torch

from vlm.runners import *

if __name__ == "__main__":
    Runner().wrap(torch.nn.Linear(2, 2))
