import torch
from torch import nn


class Tagger(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.rnn = nn.LSTM(dim, dim)
        self.head = nn.Linear(dim, 4)
        self.state = None

    def forward(self, x):
        out, self.state = self.rnn(x, self.state)
        return self.head(out)


def fit(loader, dim):
    tagger = Tagger(dim)
    opt = torch.optim.SGD(tagger.parameters(), lr=0.1)
    for x, y in loader:
        logits = tagger(x)  # expect: OOM110
        loss = nn.functional.cross_entropy(logits, y)
        tagger.zero_grad()  # gradients, not the state
        loss.backward(retain_graph=True)  # expect: OOM111
        opt.step()
