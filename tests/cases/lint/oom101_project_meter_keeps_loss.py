# The file's own meter sums its argument as it is: the loss's graph lives in meter.sum.
class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n


meter = AverageMeter()
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    meter.update(loss, x.size(0))  # expect: OOM101
