# The subclass's defaults turn evaluation on and also move predictions off the GPU.
from dataclasses import dataclass

from transformers import HfArgumentParser, Trainer, TrainingArguments


@dataclass
class MyTrainingArguments(TrainingArguments):
    eval_strategy: str = "steps"
    eval_accumulation_steps: int = 8


def main(model, ds, metrics):
    parser = HfArgumentParser((MyTrainingArguments,))
    (training_args,) = parser.parse_args_into_dataclasses()
    trainer = Trainer(model=model, args=training_args, eval_dataset=ds, compute_metrics=metrics)
    trainer.train()
