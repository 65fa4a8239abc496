import torch
from torch import nn


class EvolvingLayer(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.start = nn.Parameter(torch.randn(1, n, n))
        self.gru = nn.GRU(n, n)
        self.weight = None

    def forward(self, x):
        if self.weight is None:
            _, self.weight = self.gru(self.start, self.start)
        else:
            _, self.weight = self.gru(self.weight, self.weight)
        return x @ self.weight[0]
