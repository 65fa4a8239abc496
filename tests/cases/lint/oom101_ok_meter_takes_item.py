# The meter converts to a number itself, and a second one is handed numbers.
class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val.item() * n
        self.count += n


class Tracker:
    def __init__(self):
        self.vals = []

    def update(self, val):
        self.vals.append(val)


meter, tracker = AverageMeter(), Tracker()
for x, y in loader:
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    meter.update(loss, x.size(0))
    tracker.update(loss.item())
