# Arguments parsed from the command line into a TrainingArguments subclass whose field default
# turns evaluation on: no launcher needs to pass --eval_strategy.
from dataclasses import dataclass, field

from transformers import HfArgumentParser, Trainer, TrainingArguments


@dataclass
class MyTrainingArguments(TrainingArguments):
    eval_strategy: str = field(default="epoch")
    learning_rate: float = 1e-4


def main(model, ds, metrics):
    parser = HfArgumentParser((MyTrainingArguments,))
    (training_args,) = parser.parse_args_into_dataclasses()
    trainer = Trainer(model=model, args=training_args, eval_dataset=ds, compute_metrics=metrics)  # expect: OOM103
    trainer.train()
