class RunningLoss:
    def __init__(self):
        self.history = []

    def update(self, value):
        self.history.append(value)
