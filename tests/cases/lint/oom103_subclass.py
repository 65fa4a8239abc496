# A Trainer subclass defined in this file.
from transformers import Trainer, TrainingArguments


class WeightedTrainer(Trainer):
    def compute_loss(self, model, inputs, return_outputs=False, **kw):
        return super().compute_loss(model, inputs, return_outputs, **kw)


args = TrainingArguments(output_dir="o", eval_strategy="epoch")  # expect: OOM103
trainer = WeightedTrainer(model=model, args=args, compute_metrics=metrics)
