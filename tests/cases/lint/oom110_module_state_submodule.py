import torch
from torch import nn


class EvolvingWeight(nn.Module):
    """Evolves its weight matrix with a GRU on every call."""

    def __init__(self, n):
        super().__init__()
        self.seed = nn.Parameter(torch.randn(1, n, n))
        self.gru = nn.GRU(n, n)
        self.w = None

    def forward(self, x):
        if self.w is None:
            _, self.w = self.gru(self.seed, self.seed)
        else:
            _, self.w = self.gru(self.w, self.w)
        return x @ self.w[0]


class Forecaster(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.layer = EvolvingWeight(n)
        self.out = nn.Linear(n, 1)

    def forward(self, x):
        return self.out(self.layer(x))


net = Forecaster(8)
opt = torch.optim.Adam(net.parameters())
for epoch in range(50):
    total = 0
    for snapshot in range(12):
        pred = net(torch.randn(5, 8))  # expect: OOM110
        total = total + pred.pow(2).mean()
    total.backward()
    opt.step()
    opt.zero_grad()
