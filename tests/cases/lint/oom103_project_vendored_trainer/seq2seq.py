from trainer import Trainer


class GenTrainer(Trainer):
    pass
