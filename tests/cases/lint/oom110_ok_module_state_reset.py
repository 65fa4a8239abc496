import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.rnn = nn.LSTM(dim, dim)
        self.hidden = None

    def init_hidden(self, batch):
        return (torch.zeros(1, batch, 16), torch.zeros(1, batch, 16))

    def forward(self, x):
        out, self.hidden = self.rnn(x, self.hidden)
        return out


def fit(loader):
    tagger = Tagger(16)
    opt = torch.optim.SGD(tagger.parameters(), lr=0.1)
    for x, y in loader:
        tagger.hidden = tagger.init_hidden(x.size(1))  # re-made every step
        loss = (tagger(x) - y).pow(2).mean()
        loss.backward()
        opt.step()


def fit_reset_method(loader):
    tagger = Tagger(16)
    opt = torch.optim.SGD(tagger.parameters(), lr=0.1)
    for x, y in loader:
        loss = (tagger(x) - y).pow(2).mean()
        loss.backward()
        opt.step()
        tagger.reset_state()  # a method named for it


def fit_zeroed(loader):
    tagger = Tagger(16)
    opt = torch.optim.SGD(tagger.parameters(), lr=0.1)
    for x, y in loader:
        tagger.zero_hidden()  # a method named for it
        loss = (tagger(x) - y).pow(2).mean()
        loss.backward()
        opt.step()


def evaluate(loader):
    tagger = Tagger(16)
    with torch.no_grad():
        for x, _ in loader:
            tagger(x)
