# Clean: eval_accumulation_steps moves predictions to the CPU every N steps.
from transformers import Trainer, TrainingArguments

args = TrainingArguments(output_dir="o", eval_strategy="steps", eval_accumulation_steps=8)
trainer = Trainer(model=model, args=args, compute_metrics=metrics)
trainer.train()
