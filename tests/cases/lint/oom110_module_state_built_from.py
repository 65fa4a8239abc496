import torch
from torch import nn


class Recurrent(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.cell = nn.LSTM(n, n)
        self.h = torch.zeros(1, 1, n)
        self.c = torch.zeros(1, 1, n)

    def forward(self, x):
        y, (self.h, self.c) = self.cell(x, (self.h, self.c))
        return y


class Generator(nn.Module):
    """Built from modules handed to it: the state lives in the one passed as core."""

    def __init__(self, core, head):
        super().__init__()
        self.core = core
        self.head = head

    def forward(self, x):
        return self.head(self.core(x))


core = Recurrent(6)
gen = Generator(core, nn.Linear(6, 6))
gen = gen.to("cuda")
opt = torch.optim.Adam(gen.parameters())


def generate(frames):
    frame = frames[0]
    for nxt in frames[1:]:
        opt.zero_grad()
        frame = gen(frame)  # expect: OOM110
        loss = (frame - nxt).abs().mean()
        loss.backward(retain_graph=True)  # expect: OOM111
        opt.step()


def generate_reset(frames):
    for x, y in frames:
        core.h = torch.zeros(1, 1, 6)  # the core it was built from, re-made every step
        core.c = torch.zeros(1, 1, 6)
        loss = (gen(x) - y).abs().mean()
        loss.backward()
        opt.step()
