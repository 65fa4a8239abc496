import torch.nn as nn


class TextNet(nn.Module):
    def forward(self, x):
        return self.body(x)
