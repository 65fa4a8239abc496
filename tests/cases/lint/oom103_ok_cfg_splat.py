# Clean: arguments from a config splat or a parser cannot be known statically.
from transformers import HfArgumentParser, Trainer, TrainingArguments

args = TrainingArguments(**cfg["training"])
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
trainer.evaluate()

parser = HfArgumentParser(TrainingArguments)
(training_args,) = parser.parse_args_into_dataclasses()
trainer2 = Trainer(model=model, args=training_args, compute_metrics=metrics)
trainer2.evaluate()
