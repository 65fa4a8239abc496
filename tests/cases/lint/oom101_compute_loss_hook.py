# A Trainer subclass hook that stashes the loss on self every step.
from transformers import Trainer


class MyTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        outputs = model(**inputs)
        loss = outputs["loss"]
        self.loss_log += [loss]  # expect: OOM101
        return (loss, outputs) if return_outputs else loss
