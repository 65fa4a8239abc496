import torch.nn as nn


class Runner:
    def __init__(self, net, n_gpu):
        self.net = net
        if n_gpu > 1:
            self.net = nn.DataParallel(self.net)  # expect: OOM113
