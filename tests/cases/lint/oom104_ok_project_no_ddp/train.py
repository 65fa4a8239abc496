# Single-GPU training.
from model import Net

model = Net().cuda()
