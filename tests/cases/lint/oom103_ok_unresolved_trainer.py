# Clean: a project's own Trainer class (not imported from transformers).
from mylib.training import Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", eval_strategy="steps")
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
trainer.evaluate()
