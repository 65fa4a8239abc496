import torch
from torch import nn


class Streaming(nn.Module):
    """Carries its state across calls, but cuts it from the graph after every call."""

    def __init__(self, dim):
        super().__init__()
        self.rnn = nn.GRU(dim, dim)
        self.h = None

    def forward(self, x):
        out, self.h = self.rnn(x, self.h)
        self.h = self.h.detach()
        return out


class Fresh(nn.Module):
    """Re-makes its state on every call: nothing carries over."""

    def __init__(self, dim):
        super().__init__()
        self.rnn = nn.LSTM(dim, dim)
        self.hidden = None

    def forward(self, x):
        self.hidden = (torch.zeros(1, x.size(1), 8), torch.zeros(1, x.size(1), 8))
        out, self.hidden = self.rnn(x, self.hidden)
        return out


class Unfed(nn.Module):
    """Keeps the last state for inspection but never feeds it back."""

    def __init__(self, dim):
        super().__init__()
        self.rnn = nn.LSTM(dim, dim)

    def forward(self, x):
        out, self.last = self.rnn(x)
        return out


class Counting(nn.Module):
    """Rewrites a bookkeeping attribute from itself: a number, no recurrent call."""

    def __init__(self, dim):
        super().__init__()
        self.proj = nn.Linear(dim, dim)
        self.widest = 0

    def forward(self, x):
        self.widest = max(self.widest, x.size(0))
        return self.proj(x)


def fit(loader):
    s = Streaming(8)
    f = Fresh(8)
    u = Unfed(8)
    k = Counting(8)
    opt = torch.optim.SGD([*s.parameters(), *f.parameters(), *k.parameters()], lr=0.1)
    for x, y in loader:
        loss = (s(x) + f(x) + u(x) + k(x) - y).pow(2).mean()
        loss.backward()
        opt.step()
