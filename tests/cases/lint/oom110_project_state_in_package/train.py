import torch
from torch import nn

from cells import EvolvingLayer


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.evolve = EvolvingLayer(4)
        self.proj = nn.Linear(4, 1)

    def forward(self, x):
        return self.proj(self.evolve(x))


model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for epoch in range(100):
    cost = 0
    for t in range(10):
        cost = cost + model(torch.randn(3, 4)).abs().mean()  # expect: OOM110
    cost.backward(retain_graph=True)  # expect: OOM111
    optimizer.step()
    optimizer.zero_grad()
