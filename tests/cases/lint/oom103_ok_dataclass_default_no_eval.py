# A dataclass default that keeps evaluation off, and an unrelated dataclass with the same field.
from dataclasses import dataclass

from transformers import HfArgumentParser, Trainer, TrainingArguments


@dataclass
class MyTrainingArguments(TrainingArguments):
    eval_strategy: str = "no"


@dataclass
class SweepConfig:
    eval_strategy: str = "steps"


def main(model, ds, metrics):
    parser = HfArgumentParser((MyTrainingArguments,))
    (training_args,) = parser.parse_args_into_dataclasses()
    trainer = Trainer(model=model, args=training_args, eval_dataset=ds, compute_metrics=metrics)
    trainer.train()
