# A TrainingArguments subclass built in the file: its field default decides.
from dataclasses import dataclass

from transformers import Trainer, TrainingArguments


@dataclass
class EvalEveryEpoch(TrainingArguments):
    do_eval: bool = True


args = EvalEveryEpoch(output_dir="o")  # expect: OOM103
trainer = Trainer(model=None, args=args, compute_metrics=lambda p: {})
trainer.train()
