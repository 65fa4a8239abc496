# The project's meter (another module) appends what it is given: every step's loss is kept.
from utils import RunningLoss


def train(model, loader, optimizer):
    tracker = RunningLoss()
    for batch in loader:
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        tracker.update(loss)  # expect: OOM101
